package sarif_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/render/sarif"
)

// schemaFile is the SARIF 2.1.0 schema as Microsoft ships it in the npm
// package @microsoft/jest-sarif (testdata/sarif/README.md).
const schemaFile = "../../testdata/sarif/sarif-2.1.0-rtm.5.json"

// TestEveryScenarioIsValidSARIF writes every scenario, public set and
// ambient folder as SARIF with every rule on and validates it against the
// SARIF 2.1.0 JSON schema (and the library's own errata schema); each
// result has a primary location, a rule of the run and a fingerprint.
func TestEveryScenarioIsValidSARIF(t *testing.T) {
	schema, err := jsonschema.NewCompiler().Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, pattern := range []string{"../../testdata/scenarios/*", "../../testdata/public/*", "../../testdata/ambient/*", "../../testdata/demo"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	if len(dirs) < 100 {
		t.Fatalf("%d folders: the glob patterns are stale", len(dirs))
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res := runFolder(t, dir)
			rep := sarif.Report(res, rules.All(), "v0.0.0-test")
			if err := rep.Validate(); err != nil {
				t.Errorf("errata schema: %v", err)
			}
			var buf bytes.Buffer
			if err := rep.PrettyWrite(&buf); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF 2.1.0 schema: %v", err)
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct {
								ID string `json:"id"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID              string            `json:"ruleId"`
						PartialFingerprints map[string]string `json:"partialFingerprints"`
						Locations           []json.RawMessage `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			var ids []string
			for _, r := range run.Tool.Driver.Rules {
				ids = append(ids, r.ID)
			}
			if len(run.Results) != len(res.Findings) {
				t.Errorf("%d results for %d findings", len(run.Results), len(res.Findings))
			}
			for _, r := range run.Results {
				if !slices.Contains(ids, r.RuleID) {
					t.Errorf("result rule %s is not a rule of the run", r.RuleID)
				}
				if r.PartialFingerprints[analysis.FingerprintVersion] == "" {
					t.Errorf("%s: no %s fingerprint", r.RuleID, analysis.FingerprintVersion)
				}
				if len(r.Locations) != 1 {
					t.Errorf("%s: %d locations, want the finding's object", r.RuleID, len(r.Locations))
				}
			}
		})
	}
}

// TestPrimaryLocationIsTheTarget: the result's location is the object the
// finding is about (the database of a shadow route), not the first
// evidence item; the witness path is a code flow hop by hop.
func TestPrimaryLocationIsTheTarget(t *testing.T) {
	res := analysistest.RunInputs(t, "../../testdata/demo", rules.All())
	rep := sarif.Report(res, rules.All(), "v0")
	for i, f := range res.Findings {
		r := rep.Runs[0].Results[i]
		loc := r.Locations[0]
		if msg := *loc.Message.Text; msg != f.Target.String() {
			t.Errorf("%s: primary location %q, want the target %q", f.Code, msg, f.Target)
		}
		if f.Rule == "shadow-route" {
			if len(r.CodeFlows) != 1 || len(r.CodeFlows[0].ThreadFlows[0].Locations) != len(f.Path) {
				t.Errorf("%s: code flow does not carry the %d hops of the path", f.Code, len(f.Path))
			}
		}
	}
}

// TestFingerprintsSurviveMovedLinesAndRenamedFiles: the demo with its
// files renamed and every line moved down, and with an unrelated file
// added, keeps every fingerprint; a finding about another object does not
// share one.
func TestFingerprintsSurviveMovedLinesAndRenamedFiles(t *testing.T) {
	fingerprints := func(dir string) []string {
		var out []string
		for _, f := range analysistest.RunInputs(t, dir, rules.All()).Findings {
			out = append(out, f.Code+" "+analysis.Fingerprint(f))
		}
		slices.Sort(out)
		return out
	}
	const demo = "../../testdata/demo"
	want := fingerprints(demo)
	if len(want) == 0 {
		t.Fatal("the demo has no findings")
	}
	moved := t.TempDir()
	entries, err := os.ReadDir(demo)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(demo, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b = append([]byte("# moved\n# down\n# three lines\n"), b...)
		if err := os.WriteFile(filepath.Join(moved, "renamed-"+e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unrelated := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated, namespace: tools}\ndata: {a: b}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: batch, namespace: tools}\nspec:\n  selector: {matchLabels: {app: batch}}\n  template:\n    metadata: {labels: {app: batch}}\n    spec: {containers: [{name: c, image: busybox}]}\n"
	if err := os.WriteFile(filepath.Join(moved, "zz-unrelated.yaml"), []byte(unrelated), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := fingerprints(moved); !slices.Equal(got, want) {
		t.Errorf("fingerprints changed:\n  got  %v\n  want %v", got, want)
	}
	seen := map[string]string{}
	for _, f := range analysistest.RunInputs(t, demo, rules.All()).Findings {
		fp := analysis.Fingerprint(f)
		if other, dup := seen[fp]; dup {
			t.Errorf("%s and %s %s share fingerprint %s", other, f.Code, f.Target, fp)
		}
		seen[fp] = f.Code + " " + f.Target.String()
	}
}

// runFolder analyses a case folder (its input.yaml and flags) or, for the
// demo, every manifest of the directory.
func runFolder(t *testing.T, dir string) *analysis.Result {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "input.yaml")); err == nil {
		return analysistest.Run(t, dir, rules.All())
	}
	return analysistest.RunInputs(t, dir, rules.All())
}
