// Package analysistest checks analysis results against a case folder, in
// the spirit of golang.org/x/tools/go/analysis/analysistest: the findings
// (rule, severity, target) must equal the hand-written expect.txt (whose
// "not-seen: TEXT" lines must each be part of a Not seen entry, and
// "message: TEXT" lines part of a finding's message), and the
// full JSON output the reviewed analyze.golden (regenerate with
// `go test ./... -update` and review the diff).
package analysistest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/schematest"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/golden"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

// Check compares res with dir/expect.txt and dir/analyze.golden (JSON; not
// named .json so that loading the folder reads only the manifests).
func Check(t *testing.T, dir string, res *analysis.Result) {
	t.Helper()
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.Target))
	}
	sort.Strings(got)
	for _, f := range res.Findings {
		if n, ok := RevisitedNode(f.Path); ok {
			t.Errorf("%s %s: the witness path passes %s twice", f.Code, f.Target, n)
		}
	}
	var want, notSeen, messages []string
	for _, line := range golden.Expectations(t, filepath.Join(dir, "expect.txt")) {
		if text, ok := strings.CutPrefix(line, notSeenPrefix); ok {
			notSeen = append(notSeen, text)
			continue
		}
		if text, ok := strings.CutPrefix(line, messagePrefix); ok {
			messages = append(messages, text)
			continue
		}
		want = append(want, line)
	}
	var findingMessages []string
	for _, f := range res.Findings {
		findingMessages = append(findingMessages, f.Message)
	}
	for _, text := range messages {
		if !containsPart(findingMessages, text) {
			t.Errorf("no finding message contains %q; messages:\n  %s", text, strings.Join(findingMessages, "\n  "))
		}
	}
	for _, text := range notSeen {
		if !containsPart(res.NotSeen, text) {
			t.Errorf("no Not seen entry contains %q; Not seen:\n  %s", text, strings.Join(res.NotSeen, "\n  "))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		var text bytes.Buffer
		_ = report.Text(&text, res)
		t.Errorf("findings:\n  %s\nwant:\n  %s\nreport:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), text.String())
	}
	var js bytes.Buffer
	if err := report.JSON(&js, res); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, js.Bytes())
	golden.Assert(t, filepath.Join(dir, "analyze.golden"), js.Bytes())
}

// RevisitedNode names a workload, entrypoint or route a path passes more
// than once: a witness path never re-enters a proxy it passed (the walk
// would be a loop, and the shorter path without it tells the truth).
func RevisitedNode(path []analysis.Hop) (string, bool) {
	seen := map[string]bool{}
	for _, h := range path {
		key := fmt.Sprintf("%s %s/%s", h.Node.Kind, h.Node.Namespace, h.Node.Name)
		if seen[key] {
			return key, true
		}
		seen[key] = true
	}
	return "", false
}

// notSeenPrefix starts an expect.txt line naming text that some Not seen
// entry must contain (spaces are normalised, as in every expectation).
const notSeenPrefix = "not-seen: "

// messagePrefix starts an expect.txt line naming text that some finding's
// message must contain.
const messagePrefix = "message: "

func containsPart(list []string, text string) bool {
	for _, s := range list {
		if strings.Contains(strings.Join(strings.Fields(s), " "), text) {
			return true
		}
	}
	return false
}

// Flags returns the analysis flags of a case folder: dir/flags, one or more
// flags per line as on the command line (lines starting with # are
// comments); none when the file does not exist.
func Flags(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "flags"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line)...)
	}
	return out
}

// Now is the time certificate checks measure against in case folders, so
// the test data never ages.
var Now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// RunCases runs every case folder of a rule package's testdata directory
// (a folder holding an input.yaml), as golang.org/x/tools analysistest.Run
// does for an analyzer: only that rule enabled, findings equal to the
// hand-written expect.txt, every finding located (evidence with file:line),
// the JSON output equal to the reviewed analyze.golden. Every rule needs a
// positive and a negative case, so fewer than two folders fail.
func RunCases(t *testing.T, rule *analysis.Rule) {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatalf("rule %s: %v (its case folders live in the package's testdata directory)", rule.Slug, err)
	}
	cases := 0
	for _, e := range entries {
		dir := filepath.Join("testdata", e.Name())
		if _, err := os.Stat(filepath.Join(dir, "input.yaml")); !e.IsDir() || err != nil {
			continue
		}
		cases++
		t.Run(e.Name(), func(t *testing.T) {
			res := Run(t, dir, []*analysis.Rule{rule})
			for _, f := range res.Findings {
				located := false
				for _, ev := range f.Evidence {
					located = located || (ev.File != "" && ev.Line > 0)
				}
				if !located {
					t.Errorf("%s %s: no evidence with file:line", f.Rule, f.Target)
				}
			}
			Check(t, dir, res)
		})
	}
	if cases < 2 {
		t.Errorf("rule %s has %d case folders; every rule needs a positive and a negative case", rule.Slug, cases)
	}
}

// Run analyses a case folder's input.yaml the way the CLI does: its flags
// file and extra flags parsed by analysis/options against the catalogue,
// the model resolved, the graph built, the selected rules run (at Now).
func Run(t *testing.T, dir string, catalogue []*analysis.Rule, extra ...string) *analysis.Result {
	t.Helper()
	return run(t, dir, filepath.Join(dir, "input.yaml"), catalogue, extra)
}

// RunInputs is Run on every manifest of a directory (or a file), as the
// CLI reads them, for inputs that are not case folders (the demo).
func RunInputs(t *testing.T, path string, catalogue []*analysis.Rule) *analysis.Result {
	t.Helper()
	return run(t, path, path, catalogue, nil)
}

func run(t *testing.T, dir, input string, catalogue []*analysis.Rule, extra []string) *analysis.Result {
	t.Helper()
	inv := manifesttest.Load(t, input)
	opts, err := options.Parse(append(Flags(t, dir), extra...), catalogue)
	if err != nil {
		t.Fatalf("%s/flags: %v", dir, err)
	}
	opts.Analysis.Now = Now
	m := model.New(inv, opts.Model)
	g, err := build.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	return analysis.Run(analysis.Input{Graph: g, Model: m, Config: opts.Analysis}, opts.Rules)
}
