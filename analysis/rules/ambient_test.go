package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"
)

// ambientRules are the rules the expectations of testdata/ambient are
// complete for: the path rules, ineffective-policy, dangling-reference
// and no-network-policy (a folder's rules file, one slug per line, names
// another set).
var ambientRules = []string{"shadow-route", "direct-exposure", "mesh-unrestricted", "broken-route", "ineffective-policy", "dangling-reference"}

// TestAmbientCases runs the Istio ambient folders of testdata/ambient
// (bookinfo-shaped inputs whose expect.txt was written from istio/istio,
// istio/ztunnel and istio.io before the implementation existed; each cites
// the code or page it follows).
func TestAmbientCases(t *testing.T) {
	const dir = "../../testdata/ambient"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			slugs := ambientRules
			if b, err := os.ReadFile(filepath.Join(path, "rules")); err == nil {
				slugs = strings.Fields(string(b))
			}
			var selected []*analysis.Rule
			for _, r := range All() {
				for _, s := range slugs {
					if r.Slug == s {
						selected = append(selected, r)
					}
				}
			}
			analysistest.Check(t, path, analysistest.Run(t, path, selected))
		})
	}
}
