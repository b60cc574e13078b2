package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
)

// TestPublicSets runs every rule on the folders of testdata/public: inputs
// in the shape of public manifests (Istio's bookinfo with its gateway chart
// and ingress-nginx's deploy.yaml, Online Boutique, sock-shop, Bitnami
// renders), each with an expect.txt written from upstream semantics before
// the tool was run on it (and the verdict on every finding in its
// comments).
func TestPublicSets(t *testing.T) {
	const dir = "../../testdata/public"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sets := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sets++
		path := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			analysistest.Check(t, path, analysistest.Run(t, path, All()))
		})
	}
	if sets < 4 {
		t.Errorf("%d public sets, want bookinfo, Online Boutique, sock-shop and Bitnami", sets)
	}
}
