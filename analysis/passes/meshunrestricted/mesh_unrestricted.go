// Package meshunrestricted is the mesh-unrestricted rule: a database
// reached from the internet over mTLS hops only, whose last hop no ALLOW
// policy limits to named identities.
package meshunrestricted

import (
	"fmt"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/passes/shadowroute"
	"github.com/shadowroute/shadowroute/graph"
)

const codeMeshUnrestricted = "SR0301"

// Rule reports reachable databases any mesh workload may connect to. A
// database shadow-route reports is left to it (the bypass is the finding).
var Rule = &analysis.Rule{
	Slug:     "mesh-unrestricted",
	Severity: analysis.Medium,
	Title:    "Any mesh workload may connect to a reachable database",
	Summary:  "a database reached over mTLS only, with no ALLOW policy naming who may connect",
	Doc:      "docs/rules/mesh-unrestricted.md",
	Needs:    analysis.NeedPaths,
	Messages: []analysis.Message{{Code: codeMeshUnrestricted, Level: analysis.Medium, Summary: "the database is reached over mTLS, but no ALLOW policy limits the hop into it to named identities"}},
	Run:      run,
}

func run(p *analysis.Pass) []analysis.Finding {
	ps := p.Paths()
	var out []analysis.Finding
	for _, db := range ps.Databases {
		if shadowroute.Applies(ps, db) {
			continue
		}
		if f, ok := find(p, ps.Graph, ps.FromInternet, db); ok {
			out = append(out, f)
		}
	}
	return out
}

// find: the database is reached over mTLS hops only, and the hop into it
// is not limited to named identities by any ALLOW policy.
func find(p *analysis.Pass, g *graph.Graph, q *analysis.Search, db analysis.Database) (analysis.Finding, bool) {
	var best []analysis.Step
	for _, e := range g.EdgesTo(db.Node) {
		if e.Kind != graph.EdgeNetwork || e.Auth != graph.AuthMTLS {
			continue
		}
		if e.Authz != nil && e.Authz.State == graph.AuthzRestricted {
			continue
		}
		path, ok := q.PathVia(e, false)
		if !ok {
			continue
		}
		if best == nil || analysis.PreferPath(path, best) {
			best = path
		}
	}
	if best == nil {
		return analysis.Finding{}, false
	}
	last := best[len(best)-1].Edge
	why := "no AuthorizationPolicy applies to it"
	if last.Authz != nil && len(last.Authz.Policies) > 0 {
		why = "no ALLOW rule limits it to specific sources (policies applying: " + analysis.Trimmed(last.Authz.Policies) + ")"
	} else if last.Authz != nil {
		why = "no ALLOW policy limits who may connect"
	}
	msg := fmt.Sprintf("%s is reachable from the internet over mTLS, but %s: any mesh workload that is compromised can connect (e.g. %s)",
		db.Node.Label, why, analysis.DescribeHop(last))
	return p.PathFinding(codeMeshUnrestricted, db.Ref, best, msg), true
}
