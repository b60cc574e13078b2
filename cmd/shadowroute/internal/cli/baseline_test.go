package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/schematest"
)

// TestBaselineGatesOnlyNewFindings: --write-baseline records the demo's
// findings; with --baseline the same input passes --fail-on high (the
// findings are marked suppressed in JSON and SARIF), and a malformed
// baseline is an input error.
func TestBaselineGatesOnlyNewFindings(t *testing.T) {
	demo := filepath.Join(testdata, "demo")
	file := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, stderr := run([]string{"analyze", demo, "--write-baseline", file}, ""); code != 0 {
		t.Fatalf("write-baseline: exit %d: %s", code, stderr)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateAgainst(t, schematest.BaselineSchemaFile, written)
	if code, _, _ := run([]string{"analyze", demo, "--fail-on", "high"}, ""); code != 1 {
		t.Fatalf("without baseline: exit %d, want 1", code)
	}
	code, stdout, stderr := run([]string{"analyze", demo, "--baseline", file, "--fail-on", "high", "--format", "json"}, "")
	if code != 0 {
		t.Fatalf("with baseline: exit %d, want 0: %s", code, stderr)
	}
	schematest.Validate(t, []byte(stdout))
	if !strings.Contains(stdout, `"kind": "baseline"`) || !strings.Contains(stdout, `"suppressed": `) {
		t.Errorf("JSON does not mark the suppressed findings:\n%s", stdout)
	}
	_, sarifOut, _ := run([]string{"analyze", demo, "--baseline", file, "--format", "sarif"}, "")
	if !strings.Contains(sarifOut, `"kind": "external"`) {
		t.Errorf("SARIF does not carry the suppressions")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run([]string{"analyze", demo, "--baseline", bad}, ""); code != 2 || !strings.Contains(stderr, "version 9") {
		t.Errorf("bad baseline: exit %d, stderr %q", code, stderr)
	}
}
