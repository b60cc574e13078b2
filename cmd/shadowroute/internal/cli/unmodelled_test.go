package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnmodelledKindsAreNeverSilent: a database whose only way in is an
// OpenShift Route, behind a Cilium policy, is no clean "no findings": every
// format names both objects under Not seen with file:line, the connectivity
// table's caller reads them on stderr, and --strict exits 2.
func TestUnmodelledKindsAreNeverSilent(t *testing.T) {
	input := filepath.Join(testdata, "cli", "unmodelled", "input.yaml")
	route := "route.openshift.io/v1 Route data/postgres"
	policy := "cilium.io/v2 CiliumNetworkPolicy data/postgres"
	html := filepath.Join(t.TempDir(), "report.html")
	tests := []struct {
		name   string
		args   []string
		code   int
		stream string // "out", "err" or a file
	}{
		{"text", []string{"analyze", input}, 0, "out"},
		{"json", []string{"analyze", input, "--format", "json"}, 0, "out"},
		{"markdown", []string{"analyze", input, "--format", "markdown"}, 0, "out"},
		{"html", []string{"report", input, "-o", html}, 0, html},
		{"connectivity", []string{"connectivity", input}, 0, "err"},
		{"strict", []string{"analyze", input, "--strict"}, 2, "err"},
		{"strict connectivity", []string{"connectivity", input, "--strict"}, 2, "err"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args, "")
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			text := map[string]string{"out": stdout, "err": stderr}[tt.stream]
			if tt.stream != "out" && tt.stream != "err" {
				b, err := os.ReadFile(tt.stream)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			for _, want := range []string{route, policy, "unmodelled/input.yaml:28"} {
				if tt.name == "strict" && want == policy {
					continue // the error names the first one
				}
				if !strings.Contains(text, want) {
					t.Errorf("%s output does not name %q:\n%s", tt.stream, want, text)
				}
			}
			if strings.Contains(stdout, "No findings.") || strings.Contains(stdout, "No shadow routes found.") {
				t.Errorf("output claims a clean result: %s", stdout)
			}
		})
	}
}
