// Package shadowroute is the shadow-route rule: a path from the internet to
// a database on which some workload-to-workload hop is plaintext, so mesh
// authentication never sees the client.
package shadowroute

import (
	"fmt"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

const (
	codeIntoDatabase = "SR0101"
	codeEarlierHop   = "SR0102"
	// The same two findings when the plaintext hop that bypasses mesh
	// authentication is lateral (a reached workload connecting on its own,
	// not configured routing): exploiting it needs that workload
	// compromised, so it ranks one level lower than a bypass that routing
	// delivers to anyone on the internet.
	codeIntoDatabaseLateral = "SR0103"
	codeEarlierHopLateral   = "SR0104"
	// titleNoMesh frames the finding when the input has no service mesh:
	// there is nothing to bypass.
	titleNoMesh = "Internet path to a database with no mesh authentication"
)

// Rule reports databases reached from the internet through a plaintext
// workload-to-workload hop.
var Rule = &analysis.Rule{
	Slug:     "shadow-route",
	Severity: analysis.Critical,
	Title:    "Internet path to a database bypasses mesh authentication",
	Summary:  "a path from the internet to a database with a plaintext workload-to-workload hop (critical into the database, high earlier)",
	Doc:      "docs/rules/shadow-route.md",
	Needs:    analysis.NeedPaths,
	Messages: []analysis.Message{
		{Code: codeIntoDatabase, Level: analysis.Critical, Summary: "the hop into the database is plaintext, so mesh authentication never sees the client"},
		{Code: codeEarlierHop, Level: analysis.High, Summary: "the database is reached over mTLS, but an earlier workload-to-workload hop on the path is plaintext"},
		{Code: codeIntoDatabaseLateral, Level: analysis.High, Summary: "as SR0101, but the plaintext hop into the database is lateral (a reached workload connecting on its own), so it needs that workload compromised"},
		{Code: codeEarlierHopLateral, Level: analysis.Medium, Summary: "as SR0102, but the plaintext hop is lateral (a reached workload connecting on its own), so it needs that workload compromised"},
	},
	Run: run,
}

func run(p *analysis.Pass) []analysis.Finding {
	ps := p.Paths()
	var out []analysis.Finding
	for _, db := range ps.Databases {
		w, ok := witness(ps.Graph, ps.FromInternet, db.Node)
		if !ok {
			continue
		}
		if analysis.IsLateral(w.bypass) {
			w.code = map[string]string{codeIntoDatabase: codeIntoDatabaseLateral, codeEarlierHop: codeEarlierHopLateral}[w.code]
			w.msg += fmt.Sprintf("; that hop is lateral (%s connecting on its own), so it needs %s compromised", w.bypass.FromNode().Label, w.bypass.FromNode().Label)
		}
		f := p.PathFinding(w.code, db.Ref, w.steps, w.msg)
		if !ps.Graph.Mesh {
			f.Title = titleNoMesh
		}
		out = append(out, f)
	}
	return out
}

// Applies reports whether shadow-route reports the database (the
// mesh-unrestricted rule defers to it).
func Applies(ps *analysis.PathSearch, db analysis.Database) bool {
	_, ok := witness(ps.Graph, ps.FromInternet, db.Node)
	return ok
}

type shadowWitness struct {
	code, msg string
	steps     []analysis.Step
	// bypass is the plaintext hop the finding is about: the hop into the
	// database, or the first bypass on the path.
	bypass *graph.Edge
}

// witness: critical when some reachable plaintext workload-to-workload hop
// enters the database; high when the database is reached over mTLS but
// only after such a plaintext workload-to-workload hop earlier on the path
// (hops from entrypoints are traffic from outside and never count).
func witness(g *graph.Graph, q *analysis.Search, db *graph.Node) (shadowWitness, bool) {
	var best []analysis.Step
	for _, e := range g.EdgesTo(db) {
		if !analysis.Carries(e) || !analysis.Bypasses(e) {
			continue
		}
		if p, ok := q.PathVia(e); ok && (best == nil || analysis.PreferPath(p, best)) {
			best = p
		}
	}
	if best != nil {
		last := best[len(best)-1].Edge
		if !g.Mesh {
			return shadowWitness{codeIntoDatabase, fmt.Sprintf("%s is reachable from the internet with no mesh authentication on the way (the input has no service mesh: no Istio configuration, no injected workload): %s is plaintext",
				db.Label, analysis.DescribeHop(last)), best, last}, true
		}
		return shadowWitness{codeIntoDatabase, fmt.Sprintf("%s is reachable from the internet and the hop into it is not mesh-authenticated: %s is plaintext (%s)",
			db.Label, analysis.DescribeHop(last), last.AuthReason), best, last}, true
	}
	if q.Reaches(db, true) {
		p := q.PathTo(db, true)
		bypass := analysis.FirstBypass(p)
		return shadowWitness{codeEarlierHop, fmt.Sprintf("%s is reached over mTLS, but the path enters through a plaintext hop that bypasses mesh authentication: %s (%s)",
			db.Label, analysis.DescribeHop(bypass), bypass.AuthReason), p, bypass}, true
	}
	return shadowWitness{}, false
}
