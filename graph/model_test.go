package graph

import (
	"fmt"
	"sync"
	"testing"

	gonum "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/topo"
)

// The graph answers gonum's multigraph questions from its own edge lists.
func TestGonumMultigraph(t *testing.T) {
	g := New()
	a := g.AddNode(&Node{Kind: KindWorkload, Label: "a"})
	b := g.AddNode(&Node{Kind: KindWorkload, Label: "b"})
	c := g.AddNode(&Node{Kind: KindWorkload, Label: "c"})
	g.Connect(a, b, &EdgeAttrs{Kind: EdgeNetwork, Port: 80})
	g.Connect(a, b, &EdgeAttrs{Kind: EdgeNetwork, Port: 443})
	g.Connect(b, c, &EdgeAttrs{Kind: EdgeNetwork, Port: 5432})

	ids := func(it gonum.Nodes) []int64 {
		var out []int64
		for it.Next() {
			out = append(out, it.Node().ID())
		}
		return out
	}
	count := func(it gonum.Lines) int {
		n := 0
		for it.Next() {
			n++
		}
		return n
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"nodes", len(ids(g.Nodes())), 5},
		{"from a (two lines, one neighbour)", ids(g.From(a.ID())), []int64{b.ID()}},
		{"to c", ids(g.To(c.ID())), []int64{b.ID()}},
		{"from c", len(ids(g.From(c.ID()))), 0},
		{"from an unknown ID", len(ids(g.From(99))), 0},
		{"lines a to b", count(g.Lines(a.ID(), b.ID())), 2},
		{"lines b to a", count(g.Lines(b.ID(), a.ID())), 0},
		{"lines between b and a", count(g.LinesBetween(b.ID(), a.ID())), 2},
		{"has a to b", g.HasEdgeFromTo(a.ID(), b.ID()), true},
		{"has b to a", g.HasEdgeFromTo(b.ID(), a.ID()), false},
		{"between b and a", g.HasEdgeBetween(b.ID(), a.ID()), true},
		{"edge c to a", g.Edge(c.ID(), a.ID()) == nil, true},
		{"edge a to b ends", g.Edge(a.ID(), b.ID()).To().ID(), b.ID()},
		{"reversed edge", g.Edge(a.ID(), b.ID()).ReversedEdge().From().ID(), b.ID()},
		{"node by ID", g.Node(c.ID()) == gonum.Node(c), true},
		{"unknown node", g.Node(-1) == nil, true},
		{"path a to c (gonum)", topo.PathExistsIn(g, a, c), true},
		{"no path c to a (gonum)", topo.PathExistsIn(g, c, a), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := tc.got, tc.want; !equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func equal(a, b any) bool {
	as, aok := a.([]int64)
	bs, bok := b.([]int64)
	if aok && bok {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

// Edges connected in a batch land in their ends' lists in insertion order,
// whichever way each was connected and whatever read links the batch.
func TestConnectBatchedKeepsOrder(t *testing.T) {
	ports := func(edges []*Edge) []int64 {
		var out []int64
		for _, e := range edges {
			out = append(out, int64(e.Port))
		}
		return out
	}
	tests := []struct {
		name string
		// connect adds edges a→b and c→b with ports 1..n; linkBy links.
		batched []bool
		linkBy  func(g *Graph)
	}{
		{"all batched, linked explicitly", []bool{true, true, true, true}, (*Graph).LinkBatched},
		{"all batched, linked by a read", []bool{true, true, true, true}, func(g *Graph) { g.From(g.Internet.ID()) }},
		{"mixed, Connect links what came before", []bool{true, false, true, true}, (*Graph).LinkBatched},
		{"none batched", []bool{false, false, false, false}, func(*Graph) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := New()
			a := g.AddNode(&Node{Kind: KindWorkload, Label: "a"})
			b := g.AddNode(&Node{Kind: KindWorkload, Label: "b"})
			c := g.AddNode(&Node{Kind: KindWorkload, Label: "c"})
			for i, batched := range tc.batched {
				from := a
				if i%2 == 1 {
					from = c
				}
				attrs := &EdgeAttrs{Kind: EdgeNetwork, Port: int32(i + 1)}
				if batched {
					g.ConnectBatched(from, b, attrs)
				} else {
					g.Connect(from, b, attrs)
				}
			}
			tc.linkBy(g)
			for _, check := range []struct {
				what string
				got  []int64
				want []int64
			}{
				{"into b", ports(g.EdgesTo(b)), []int64{1, 2, 3, 4}},
				{"from a", ports(g.EdgesFrom(a)), []int64{1, 3}},
				{"from c", ports(g.EdgesFrom(c)), []int64{2, 4}},
				{"gonum to b", []int64{int64(g.To(b.ID()).Len())}, []int64{2}},
			} {
				if !equal(check.got, check.want) {
					t.Errorf("%s: got %v, want %v", check.what, check.got, check.want)
				}
			}
		})
	}
}

// A batch large enough to be linked on two cores, connected one by one, in
// a batch, or reserved and set out of order from several goroutines, gives
// the same edges with the same IDs in the same lists.
func TestLargeBatchesKeepOrder(t *testing.T) {
	const nodes, edges = 7, parallelLinkBatch + 101
	ends := func(i int) (int, int) { return i % nodes, (i*3 + 1) % nodes }
	tests := []struct {
		name    string
		connect func(g *Graph, ns []*Node)
	}{
		{"one by one", func(g *Graph, ns []*Node) {
			for i := range edges {
				f, to := ends(i)
				g.Connect(ns[f], ns[to], &EdgeAttrs{Port: int32(i)})
			}
		}},
		{"batched", func(g *Graph, ns []*Node) {
			for i := range edges {
				f, to := ends(i)
				g.ConnectBatched(ns[f], ns[to], &EdgeAttrs{Port: int32(i)})
			}
			g.LinkBatched()
		}},
		{"reserved, set backwards from two goroutines", func(g *Graph, ns []*Node) {
			g.ConnectBatched(ns[0], ns[1], &EdgeAttrs{Port: 0})
			first := g.ReserveBatched(edges - 2)
			g.ConnectBatched(ns[(edges-1)%nodes], ns[((edges-1)*3+1)%nodes], &EdgeAttrs{Port: edges - 1})
			var wg sync.WaitGroup
			for half := range 2 {
				wg.Go(func() {
					for i := edges - 2; i >= 1; i-- {
						if i%2 == half {
							f, to := ends(i)
							g.SetReserved(first+int64(i-1), ns[f], ns[to], &EdgeAttrs{Port: int32(i)})
						}
					}
				})
			}
			wg.Wait()
			g.LinkBatched()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := New()
			var ns []*Node
			for i := range nodes {
				ns = append(ns, g.AddNode(&Node{Kind: KindWorkload, Label: fmt.Sprint(i)}))
			}
			tc.connect(g, ns)
			if g.NumEdges() != edges {
				t.Fatalf("%d edges, want %d", g.NumEdges(), edges)
			}
			for id := range int64(edges) {
				if e := g.EdgeByID(id); e.ID() != id || int64(e.Port) != id {
					t.Fatalf("edge %d: ID %d, port %d", id, e.ID(), e.Port)
				}
			}
			for i, n := range ns {
				var wantOut, wantIn []int64
				for e := range edges {
					f, to := ends(e)
					if f == i {
						wantOut = append(wantOut, int64(e))
					}
					if to == i {
						wantIn = append(wantIn, int64(e))
					}
				}
				ids := func(es []*Edge) []int64 {
					var out []int64
					for _, e := range es {
						out = append(out, e.ID())
					}
					return out
				}
				if got := ids(g.EdgesFrom(n)); !equal(got, wantOut) {
					t.Errorf("from %d: %d edges, want %d, or out of order", i, len(got), len(wantOut))
				}
				if got := ids(g.EdgesTo(n)); !equal(got, wantIn) {
					t.Errorf("into %d: %d edges, want %d, or out of order", i, len(got), len(wantIn))
				}
			}
		})
	}
}
