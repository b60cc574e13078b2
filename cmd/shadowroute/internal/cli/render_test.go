package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChartsAndOverlaysAreRendered: a chart directory is rendered with the
// Helm SDK (values, release name and namespace flags) and an overlay built
// with the kustomize API; evidence names the template or resource file to
// edit; a Helm hook is transient; a missing chart dependency is an input
// error naming it; --no-render keeps the old warning.
func TestChartsAndOverlaysAreRendered(t *testing.T) {
	inputs := filepath.Join(testdata, "inputs")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"chart", []string{"analyze", filepath.Join(inputs, "chart-shop"), "--release-name", "web", "--release-namespace", "shop"}, 0,
			[]string{"shadow-route SR0103 — StatefulSet shop/web-postgres", "chart-shop/templates/postgres.yaml:", "chart-shop/templates/ingress.yaml:", "Job shop/web-migrate", "is a Helm hook"}},
		{"chart with --set", []string{"analyze", filepath.Join(inputs, "chart-shop"), "--set", "ingress.enabled=false", "-n", "shop"}, 0,
			[]string{"not reachable from outside"}},
		{"overlay", []string{"analyze", filepath.Join(inputs, "kustomize-shop", "overlays", "prod")}, 0,
			[]string{"direct-exposure SR0201 — StatefulSet shop-prod/prod-postgres", "kustomize-shop/base/postgres.yaml:", "kustomize-shop/overlays/prod/ingress.yaml:"}},
		{"missing dependency", []string{"analyze", filepath.Join(inputs, "chart-missing-dep")}, 2,
			[]string{"missing in charts/ directory: postgresql", "helm dependency build"}},
		{"rendered output over --max-input-bytes", []string{"analyze", filepath.Join(inputs, "chart-shop"), "--max-input-bytes", "1500"}, 2, []string{"chart-shop (rendered)"}},
		{"no render", []string{"analyze", filepath.Join(inputs, "chart-shop"), filepath.Join(inputs, "kustomize-shop", "base"), "--no-render"}, 0,
			[]string{"a Helm chart: its templates are not manifests until rendered", "a kustomize overlay: its files are read as written"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(tc.args, "")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, stdout, stderr)
				}
			}
		})
	}
}
