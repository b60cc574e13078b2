package cli

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/schematest"
)

// TestSecretsNeverLeak runs every command and output format over a manifest
// holding Secret values in every form (data, stringData, a TLS key, the
// last-applied annotation, values that break the parser or the decoder,
// List items, a literal env value and a ConfigMap entry) and checks that no
// value, nor its base64, appears on stdout, on stderr or in a written file.
func TestSecretsNeverLeak(t *testing.T) {
	input := filepath.Join(testdata, "hostile", "secrets", "input.yaml")
	var needles []string
	for i := 1; i <= 12; i++ {
		v := fmt.Sprintf("Sup3r-Secret-Value-%d", i)
		needles = append(needles, v,
			base64.StdEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)))
	}
	dir := t.TempDir()
	commands := [][]string{
		{"analyze", "--format", "text", "--blast-radius"},
		{"analyze", "--format", "json", "--blast-radius"},
		{"analyze", "--format", "markdown", "--blast-radius"},
		{"report"},
		{"graph", "--format", "dot", "--view", "full"},
		{"graph", "--format", "mermaid", "--view", "full"},
		{"graph", "--format", "json", "--view", "full"},
		{"graph", "--format", "svg"},
		{"connectivity", "--format", "txt", "--mesh"},
		{"connectivity", "--format", "json", "--exposure"},
		{"connectivity", "--format", "csv"},
		{"connectivity", "--format", "md"},
		{"connectivity", "--format", "dot"},
		{"inventory", "--format", "text"},
		{"inventory", "--format", "json"},
	}
	warned := false
	for i, c := range commands {
		name := strings.Join(c, " ")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("out-%d", i))
			args := append(append([]string{}, c...), input, "--fail-on", "none", "-o", out)
			if c[0] == "inventory" || c[0] == "graph" || c[0] == "connectivity" {
				args = append(append([]string{}, c...), input, "-o", out)
			}
			code, stdout, stderr := run(args, "")
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			file, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if isAnalyzeJSON(c) {
				schematest.Validate(t, file)
			}
			if strings.Contains(stderr, "warning:") {
				warned = true
			}
			for _, where := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}, {"output file", string(file)}} {
				for _, n := range needles {
					if strings.Contains(where.text, n) {
						t.Errorf("%s contains the secret %q", where.name, n)
					}
				}
			}
		})
	}
	if !warned {
		t.Error("the broken Secrets gave no warning: the test no longer exercises the parser errors")
	}
}
