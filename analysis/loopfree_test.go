package analysis

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph"
)

// loopGraph: internet → entrypoint → gateway → legacy (routed, plaintext:
// a bypass) → back into the gateway (lateral, plaintext into a proxy: no
// bypass) → db (routed, mTLS). The only tainted way into db re-enters the
// gateway. withDirect adds legacy → db in plaintext, a loop-free bypass.
func loopGraph(withDirect bool) (*graph.Graph, *graph.Node, *graph.Node) {
	g := graph.New()
	node := func(kind graph.NodeKind, name string) *graph.Node {
		return g.AddNode(&graph.Node{Kind: kind, Name: name, Label: name})
	}
	in := node(graph.KindInternet, "internet")
	ep := node(graph.KindEntrypoint, "lb")
	gw := node(graph.KindWorkload, "gateway")
	gw.Workload = &graph.WorkloadInfo{Mesh: graph.MeshStatus{Member: true, Gateway: true}}
	legacy := node(graph.KindWorkload, "legacy")
	legacy.Workload = &graph.WorkloadInfo{}
	db := node(graph.KindWorkload, "db")
	db.Workload = &graph.WorkloadInfo{Mesh: graph.MeshStatus{Member: true}}
	g.Connect(in, ep, &graph.EdgeAttrs{Kind: graph.EdgeExposes, Port: 80})
	g.Connect(ep, gw, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: 8080})
	g.Connect(gw, legacy, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Port: 8080, Routed: true, Auth: graph.AuthPlaintext})
	g.Connect(legacy, gw, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Port: 8080, Auth: graph.AuthPlaintext})
	g.Connect(gw, db, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Port: 5432, Routed: true, Auth: graph.AuthMTLS})
	if withDirect {
		g.Connect(legacy, db, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Port: 5432, Auth: graph.AuthPlaintext})
	}
	return g, in, db
}

func labels(steps []Step) string {
	var out []string
	for _, st := range steps {
		out = append(out, st.Node.Label)
	}
	return strings.Join(out, " → ")
}

func TestPathsNeverPassANodeTwice(t *testing.T) {
	for _, tc := range []struct {
		name       string
		withDirect bool
		budget     int
		tainted    bool
		want       string
		assumption bool
	}{
		{name: "untainted path is the direct one", tainted: false, want: "internet → lb → gateway → db"},
		{name: "the only tainted walk re-enters the gateway", tainted: true, want: ""},
		{name: "a loop-free tainted path exists", withDirect: true, tainted: true, want: "internet → lb → gateway → legacy → db"},
		{name: "budget spent: the looped path is kept and named", budget: 1, tainted: true,
			want: "internet → lb → gateway → legacy → gateway → db", assumption: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, in, db := loopGraph(tc.withDirect)
			s := newStateGraph(g, LateralAny)
			if tc.budget > 0 {
				s.loopBudget = tc.budget
			}
			q := s.from(in)
			got := q.PathTo(db, tc.tainted)
			if labels(got) != tc.want {
				t.Fatalf("PathTo(db, %v) = %q, want %q", tc.tainted, labels(got), tc.want)
			}
			if q.Reaches(db, tc.tainted) != (tc.want != "") {
				t.Errorf("Reaches(db, %v) = %v, want %v", tc.tainted, !(tc.want != ""), tc.want != "")
			}
			named := strings.Contains(strings.Join(AssumptionsOf(got), "\n"), "passes gateway twice")
			if named != tc.assumption {
				t.Errorf("assumption naming the loop: %v, want %v (%q)", named, tc.assumption, AssumptionsOf(got))
			}
			// The gateway is tainted only after the walk re-entered it, so
			// the mTLS edge into db is never taken in the tainted state.
			for _, e := range g.EdgesTo(db) {
				if e.Auth != graph.AuthMTLS || tc.budget > 0 {
					continue
				}
				if p, ok := q.PathVia(e, true); ok {
					t.Errorf("PathVia(gateway → db, tainted) = %q, want none", labels(p))
				}
			}
		})
	}
}
