// Package directexposure is the direct-exposure rule: an entrypoint or a
// route that leads straight to a database, with no workload in between.
package directexposure

import (
	"fmt"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

const (
	codeInternet = "SR0201"
	codePrivate  = "SR0202"
)

// Rule reports databases exposed straight from the internet (critical) or,
// when not, from the private network (medium).
var Rule = &analysis.Rule{
	Slug:     "direct-exposure",
	Severity: analysis.Critical,
	Title:    "Database exposed without an intermediate workload",
	Summary:  "an entrypoint or a route leads straight to a database (critical from the internet, medium from the private network)",
	Doc:      "docs/rules/direct-exposure.md",
	Needs:    analysis.NeedPaths,
	Messages: []analysis.Message{
		{Code: codeInternet, Level: analysis.Critical, Summary: "an entrypoint or a route leads straight from the internet to the database"},
		{Code: codePrivate, Level: analysis.Medium, Summary: "an entrypoint or a route leads straight from the private network to the database"},
	},
	Run: run,
}

func run(p *analysis.Pass) []analysis.Finding {
	ps := p.Paths()
	var out []analysis.Finding
	for _, db := range ps.Databases {
		if f, ok := find(p, ps.Graph, ps.FromInternet, db, codeInternet); ok {
			out = append(out, f)
		} else if f, ok := find(p, ps.Graph, ps.FromPrivate, db, codePrivate); ok {
			out = append(out, f)
		}
	}
	return out
}

// find: an entrypoint on the database itself, or a route whose backend is
// the database, taken by a proxy reached straight from an entrypoint (or an
// assumed controller).
func find(p *analysis.Pass, g *graph.Graph, q *analysis.Search, db analysis.Database, code string) (analysis.Finding, bool) {
	src := q.Source()
	var best []analysis.Step
	consider := func(path []analysis.Step) {
		if best == nil || len(path) < len(best) {
			best = path
		}
	}
	for _, e := range g.EdgesTo(db.Node) {
		switch {
		case e.Kind == graph.EdgeForwards && e.FromNode().Kind == graph.KindEntrypoint:
			for _, in := range g.EdgesTo(e.FromNode()) {
				if in.FromNode() == src {
					consider([]analysis.Step{{Node: src}, {Node: e.FromNode(), Edge: in}, {Node: db.Node, Edge: e}})
				}
			}
		case e.Kind == graph.EdgeNetwork && e.Routed:
			proxy := e.FromNode()
			for _, in := range g.EdgesTo(proxy) {
				if !e.AdmitsEntry(in.Port) {
					continue // entered on a port that serves no listener of the route
				}
				if in.FromNode() == src && proxy.Assumed {
					consider([]analysis.Step{{Node: src}, {Node: proxy, Edge: in}, {Node: db.Node, Edge: e}})
				}
				if in.Kind != graph.EdgeForwards || in.FromNode().Kind != graph.KindEntrypoint {
					continue
				}
				for _, in2 := range g.EdgesTo(in.FromNode()) {
					if in2.FromNode() == src {
						consider([]analysis.Step{{Node: src}, {Node: in.FromNode(), Edge: in2}, {Node: proxy, Edge: in}, {Node: db.Node, Edge: e}})
					}
				}
			}
		}
	}
	if best == nil {
		return analysis.Finding{}, false
	}
	where := "from the internet"
	if src.Kind == graph.KindPrivateNetwork {
		where = "from the private network"
	}
	how := "through " + best[1].Node.Label
	if len(best) > 3 {
		last := best[len(best)-1].Edge
		how = fmt.Sprintf("through %s, whose route %s sends traffic straight to it", best[len(best)-2].Node.Label, last.Via[0].Label)
	}
	return p.PathFinding(code, db.Ref, best, fmt.Sprintf("%s is exposed %s with no intermediate workload: %s", db.Node.Label, where, how)), true
}
