package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestActionAnalyseStep runs the shell of action.yml's Analyse step as
// GitHub would (inputs as env, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
// files), with a shadowroute built from this tree on PATH: it writes the
// SARIF and Markdown files and records the verdict, 1 for the demo at
// fail-on high, 0 with a baseline of the demo.
func TestActionAnalyseStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	root, err := filepath.Abs(filepath.Join(testdata, ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Runs struct {
			Steps []struct {
				ID  string `json:"id"`
				Run string `json:"run"`
			} `json:"steps"`
		} `json:"runs"`
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatal(err)
	}
	script := ""
	for _, s := range action.Runs.Steps {
		if s.ID == "analyse" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("action.yml has no step with id analyse")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "shadowroute"), "./cmd/shadowroute")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	baselineFile := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, stderr := run([]string{"analyze", filepath.Join(root, "testdata", "demo"), "--write-baseline", baselineFile}, ""); code != 0 {
		t.Fatal(stderr)
	}
	for _, tc := range []struct {
		name, baseline, status string
	}{{"findings fail", "", "status=1"}, {"baseline accepts them", baselineFile, "status=0"}} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			summary, output := filepath.Join(work, "summary.md"), filepath.Join(work, "output")
			cmd := exec.Command("bash", "-e", "-c", script)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"SR_PATHS="+filepath.Join(root, "testdata", "demo"), "SR_BASE=", "SR_BASELINE="+tc.baseline, "SR_FAIL_ON=high",
				"GITHUB_STEP_SUMMARY="+summary, "GITHUB_OUTPUT="+output)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("step failed: %v\n%s", err, out)
			}
			got, err := os.ReadFile(output)
			if err != nil || !strings.Contains(string(got), tc.status) {
				t.Errorf("GITHUB_OUTPUT %q, want %s (%v)", got, tc.status, err)
			}
			for _, f := range []string{"shadowroute.sarif", "shadowroute.md"} {
				if st, err := os.Stat(filepath.Join(work, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "shadowroute") {
				t.Errorf("job summary not written")
			}
		})
	}
}
