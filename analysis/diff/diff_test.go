package diff_test

import (
	"slices"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/diff"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

func side(t *testing.T, dir string) diff.Side {
	t.Helper()
	m := model.New(manifesttest.Load(t, "../../testdata/diff/"+dir), model.Options{})
	g, err := build.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	return diff.Side{Result: analysis.Run(analysis.Input{Graph: g, Model: m}, rules.All()), Graph: g}
}

func codes(fs []analysis.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Target.String())
	}
	slices.Sort(out)
	return out
}

// TestDiffPairs: the scenario pairs of testdata/diff against their base
// (mesh-wide STRICT, no AuthorizationPolicy, a reporting job outside the
// mesh): a PR switching the PeerAuthentication to PERMISSIVE lets the
// non-mesh job into postgres in plaintext; one adding an Ingress to the
// database exposes it; one that only renames files and moves lines changes
// nothing.
func TestDiffPairs(t *testing.T) {
	base := side(t, "base")
	for _, tc := range []struct {
		head                string
		newCodes            []string
		exposed, dbEdges    []string
		failsOnHigh, change bool
	}{
		{"head-permissive", []string{"SR0103 StatefulSet data/postgres"}, []string{}, []string{"analytics/reports -> data/postgres:5432 (plaintext)"}, true, true},
		{"head-ingress-to-db", []string{"SR0201 StatefulSet data/postgres", "SR0301 StatefulSet data/postgres", "SR0601 Ingress data/postgres-admin"}, []string{"db.example.com/ -> data/postgres[StatefulSet]"}, []string{}, true, true},
		{"head-renamed", nil, []string{}, []string{}, false, false},
	} {
		t.Run(tc.head, func(t *testing.T) {
			d := diff.Compare(base, side(t, tc.head))
			if got := codes(d.New); !slices.Equal(got, tc.newCodes) {
				t.Errorf("new %q, want %q", got, tc.newCodes)
			}
			if !slices.Equal(d.NewlyExposed, tc.exposed) || !slices.Equal(d.NewDatabaseEdges, tc.dbEdges) {
				t.Errorf("exposed %q edges %q, want %q %q", d.NewlyExposed, d.NewDatabaseEdges, tc.exposed, tc.dbEdges)
			}
			if got := d.HasNewAtOrAbove(analysis.High); got != tc.failsOnHigh {
				t.Errorf("fails on high: %v, want %v", got, tc.failsOnHigh)
			}
			if !tc.change && (len(d.Fixed) > 0 || len(d.Downgraded) > 0 || len(d.PoliciesStopped) > 0) {
				t.Errorf("a rename changed something: %+v", d)
			}
		})
	}
}
