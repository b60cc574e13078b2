// Package brokenroute is the broken-route rule: routes the graph builder
// found can never deliver.
package brokenroute

import (
	"fmt"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

const codeBrokenRoute = "SR0401"

// Rule reports each route that can never deliver, once per route and
// reason.
var Rule = &analysis.Rule{
	Slug:     "broken-route",
	Severity: analysis.Medium,
	Title:    "Route can never deliver",
	Summary:  "an Ingress, VirtualService or Gateway API route refused by STRICT mTLS, with no backend pods or no such port",
	Doc:      "docs/rules/broken-route.md",
	Messages: []analysis.Message{{Code: codeBrokenRoute, Level: analysis.Medium, Summary: "a route that can never deliver: refused by STRICT mTLS, no backend pods, or no such port"}},
	Run:      run,
}

func run(p *analysis.Pass) []analysis.Finding {
	var out []analysis.Finding
	seen := map[string]bool{}
	for _, b := range p.Graph.Broken {
		key := b.Route.Key() + "|" + b.Reason
		if seen[key] {
			continue
		}
		seen[key] = true
		target := analysis.Ref{Kind: b.Owner.Kind, Namespace: b.Owner.Namespace, Name: b.Owner.Name}
		f := p.Finding(codeBrokenRoute, target, fmt.Sprintf("%s can never deliver: %s", b.Route.Label, b.Reason), append([]graph.Evidence{}, b.Route.Evidence...)...)
		f.Path = []analysis.Hop{{Node: analysis.HopNodeOf(b.Route, 0)}}
		out = append(out, f)
	}
	return out
}
