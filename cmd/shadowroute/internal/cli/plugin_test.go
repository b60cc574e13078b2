package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestKubectlPlugin: invoked as kubectl-shadowroute (or .exe) the binary
// says `kubectl shadowroute` in its usage; under its own name it does not;
// the krew manifest template names the same binary on every platform.
func TestKubectlPlugin(t *testing.T) {
	for argv0, want := range map[string]string{
		"/usr/local/bin/kubectl-shadowroute": "kubectl shadowroute analyze PATH...",
		`C:\bin\kubectl-shadowroute.exe`:     "kubectl shadowroute analyze PATH...",
		"/usr/local/bin/shadowroute":         "  shadowroute analyze PATH...",
	} {
		var out, errb strings.Builder
		if code := ExecuteAs(argv0, []string{"analyze", "--help"}, IO{In: strings.NewReader(""), Out: &out, Err: &errb}, "test"); code != 0 {
			t.Fatalf("%s: exit %d: %s", argv0, code, errb.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: usage lacks %q:\n%s", argv0, want, out.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(testdata, "..", "deploy", "krew", "shadowroute.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Kind string `json:"kind"`
		Spec struct {
			Platforms []struct {
				Bin string `json:"bin"`
			} `json:"platforms"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Kind != "Plugin" || len(m.Spec.Platforms) == 0 {
		t.Fatalf("krew manifest: kind %q, %d platforms", m.Kind, len(m.Spec.Platforms))
	}
	for _, p := range m.Spec.Platforms {
		if strings.TrimSuffix(p.Bin, ".exe") != PluginName {
			t.Errorf("krew platform bin %q, want %s", p.Bin, PluginName)
		}
	}
}
