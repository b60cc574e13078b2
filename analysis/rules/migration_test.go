package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
)

// migrationDir holds the migration proof (testdata/migration/README.md): an
// ingress-nginx setup, its hand-translated Gateway API twin, and a
// translation that drops a path restriction.
const migrationDir = "../../testdata/migration"

// TestMigrationProof runs every rule on the three folders against their
// expect.txt (written from upstream semantics before the tool ran).
func TestMigrationProof(t *testing.T) {
	for _, name := range []string{"ingress-nginx", "gatewayapi-twin", "gatewayapi-drops-restriction"} {
		path := filepath.Join(migrationDir, name)
		t.Run(name, func(t *testing.T) {
			analysistest.Check(t, path, analysistest.Run(t, path, All()))
		})
	}
}

// TestMigrationExposure: what the internet reaches through configured
// routing (host, path and workload) is the same for the
// Ingress and its Gateway API twin, and the translation that drops a
// restriction adds exactly the /admin route to the admin workload.
func TestMigrationExposure(t *testing.T) {
	exposure := func(name string) []string {
		_, in := loadModel(t, filepath.Join(migrationDir, name))
		var out []string
		for _, e := range blastradius.Compute(in.Graph, nil, 0) {
			for _, r := range e.Reaches {
				if r.How == blastradius.Routed {
					out = append(out, fmt.Sprintf("%s%s -> %s", e.Route.Host, e.Route.Path, r.Workload))
				}
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	before, twin, dropped := exposure("ingress-nginx"), exposure("gatewayapi-twin"), exposure("gatewayapi-drops-restriction")
	t.Logf("before %q\ntwin %q\ndropped %q", before, twin, dropped)
	if len(before) == 0 {
		t.Fatal("the ingress-nginx setup exposes nothing: the comparison would prove nothing")
	}
	if !slices.Equal(before, twin) {
		t.Errorf("the Gateway API twin changes exposure:\n  before %s\n  twin   %s", strings.Join(before, "; "), strings.Join(twin, "; "))
	}
	var added []string
	for _, e := range dropped {
		if !slices.Contains(before, e) {
			added = append(added, e)
		}
	}
	want := []string{"shop.example.com/admin -> shop/admin[Deployment]"}
	if !slices.Equal(added, want) {
		t.Errorf("dropping the restriction adds %q, want %q", added, want)
	}
}
