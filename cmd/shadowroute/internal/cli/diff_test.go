package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/schematest"
)

// TestDiffCommand: two paths, exit 1 only for new findings at --fail-on,
// Markdown for a PR comment, SARIF with the new findings only, and
// --base-ref reading the base from git history.
func TestDiffCommand(t *testing.T) {
	dir := filepath.Join(testdata, "diff")
	base, head, renamed := filepath.Join(dir, "base"), filepath.Join(dir, "head-ingress-to-db"), filepath.Join(dir, "head-renamed")
	if code, stdout, stderr := run([]string{"diff", base, head, "--fail-on", "critical"}, ""); code != 1 || !strings.Contains(stdout, "db.example.com/ -> data/postgres[StatefulSet]") {
		t.Errorf("new critical: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run([]string{"diff", base, renamed, "--fail-on", "low"}, ""); code != 0 || !strings.Contains(stdout, "No change in findings or exposure.") {
		t.Errorf("rename: exit %d\n%s", code, stdout)
	}
	if _, stdout, _ := run([]string{"diff", base, head, "--format", "markdown"}, ""); !strings.HasPrefix(stdout, "## shadowroute: what this change does") {
		t.Errorf("markdown:\n%s", stdout)
	}
	if code, stdout, _ := run([]string{"diff", base, head, "--format", "json"}, ""); code != 0 || !strings.Contains(stdout, `"newlyExposed": [`) {
		t.Errorf("json: exit %d\n%s", code, stdout)
	} else {
		schematest.ValidateAgainst(t, schematest.DiffSchemaFile, []byte(stdout))
	}
	if _, stdout, _ := run([]string{"diff", base, head, "--format", "sarif"}, ""); strings.Count(stdout, `"ruleId"`) != 3 {
		t.Errorf("SARIF should carry the 3 new findings:\n%s", stdout)
	}
	if code, _, stderr := run([]string{"diff", base}, ""); code != 2 || !strings.Contains(stderr, "want BASE HEAD") {
		t.Errorf("one path: exit %d %s", code, stderr)
	}

	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyDir := func(from string) {
		t.Helper()
		if err := os.RemoveAll(filepath.Join(repo, "deploy")); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(repo, "deploy"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "deploy", e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	gitRun("init", "-q")
	copyDir(base)
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "base")
	copyDir(head)
	t.Chdir(repo)
	code, stdout, stderr := run([]string{"diff", "--base-ref", "HEAD", "deploy", "--fail-on", "critical"}, "")
	if code != 1 || !strings.Contains(stdout, "3 new finding(s)") {
		t.Errorf("--base-ref: exit %d\n%s%s", code, stdout, stderr)
	}
}
