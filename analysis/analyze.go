package analysis

import (
	"fmt"
	"sort"

	"github.com/shadowroute/shadowroute/graph"
)

// SchemaVersion is the version of the JSON contract.
const SchemaVersion = "2"

// Analyze runs the path rules with their default settings.
func Analyze(g *graph.Graph) *Result {
	return Run(Input{Graph: g}, PathRules())
}

// pathResults is the outcome of the shared path search: findings of the
// path rules and the targets.
type pathResults struct {
	findings []Finding
	targets  []Target
}

// searchPaths finds, for every database workload, the paths from the
// internet (and the private network) that reach it, and keeps the shortest
// witness path of each finding class. It searches the few targets from one
// shortest-path tree per source instead of enumerating paths.
func searchPaths(g *graph.Graph, lateral Lateral) *pathResults {
	states := newStateGraph(g, lateral)
	fromNet := states.from(g.Internet)
	fromPrivate := states.from(g.PrivateNetwork)
	out := &pathResults{targets: []Target{}}
	for _, n := range g.SortedNodes() {
		if n.Kind != graph.KindWorkload || n.Workload == nil || n.Workload.Database == nil {
			continue
		}
		ref := Ref{Kind: n.Workload.Kind, Namespace: n.Namespace, Name: n.Name}
		t := Target{Ref: ref, Reason: n.Workload.Database.Reason,
			ReachableFromNet:     fromNet.reaches(n, false) || fromNet.reaches(n, true),
			ReachableFromPrivate: fromPrivate.reaches(n, false) || fromPrivate.reaches(n, true)}
		if f, ok := shadowRoute(g, fromNet, n, ref); ok {
			out.findings = append(out.findings, f)
		} else if f, ok := meshUnrestricted(g, fromNet, n, ref); ok {
			out.findings = append(out.findings, f)
		}
		if f, ok := directExposure(g, fromNet, n, ref, Critical); ok {
			out.findings = append(out.findings, f)
		} else if f, ok := directExposure(g, fromPrivate, n, ref, Medium); ok {
			out.findings = append(out.findings, f)
		}
		out.targets = append(out.targets, t)
	}
	return out
}

// pathRule returns the findings of one path rule from the shared search.
func pathRule(slug string) func(*Pass) []Finding {
	return func(p *Pass) []Finding {
		var out []Finding
		for _, f := range p.Paths().findings {
			if f.Rule == slug {
				out = append(out, f)
			}
		}
		return out
	}
}

func newFinding(slug, code, title string, sev Severity, target Ref, src *graph.Node, steps []step, msg string) Finding {
	return Finding{Rule: slug, Code: code, Severity: sev, Title: title, Message: msg, Target: target, Source: src.Label,
		Path: toHops(steps), Evidence: evidenceOf(steps), Assumptions: assumptionsOf(steps)}
}

// shadowRoute: critical when some reachable plaintext workload-to-workload
// hop enters the database; high when the database is reached over mTLS but
// only after such a plaintext workload-to-workload hop earlier on the path
// (hops from entrypoints are traffic from outside and never count).
func shadowRoute(g *graph.Graph, q *search, db *graph.Node, ref Ref) (Finding, bool) {
	var best []step
	for _, e := range g.EdgesTo(db) {
		if !carries(e) || !bypasses(e) {
			continue
		}
		if p, ok := q.pathVia(e); ok && (best == nil || preferPath(p, best)) {
			best = p
		}
	}
	if best != nil {
		last := best[len(best)-1].edge
		if !g.Mesh {
			msg := fmt.Sprintf("%s is reachable from the internet with no mesh authentication on the way (the input has no service mesh: no Istio configuration, no injected workload): %s is plaintext",
				db.Label, describeHop(last))
			return newFinding("shadow-route", codeShadowRouteIntoDatabase, titleShadowRouteNoMesh, Critical, ref, q.src, best, msg), true
		}
		msg := fmt.Sprintf("%s is reachable from the internet and the hop into it is not mesh-authenticated: %s is plaintext (%s)",
			db.Label, describeHop(last), last.AuthReason)
		return newFinding("shadow-route", codeShadowRouteIntoDatabase, titleShadowRoute, Critical, ref, q.src, best, msg), true
	}
	if q.reaches(db, true) {
		p := q.pathTo(db, true)
		bypass := firstBypass(p)
		msg := fmt.Sprintf("%s is reached over mTLS, but the path enters through a plaintext hop that bypasses mesh authentication: %s (%s)",
			db.Label, describeHop(bypass), bypass.AuthReason)
		return newFinding("shadow-route", codeShadowRouteEarlierHop, titleShadowRoute, High, ref, q.src, p, msg), true
	}
	return Finding{}, false
}

// meshUnrestricted: the database is reached over mTLS hops only, and the hop
// into it is not limited to named identities by any ALLOW policy.
func meshUnrestricted(g *graph.Graph, q *search, db *graph.Node, ref Ref) (Finding, bool) {
	var best []step
	for _, e := range g.EdgesTo(db) {
		if e.Kind != graph.EdgeNetwork || e.Auth != graph.AuthMTLS {
			continue
		}
		if e.Authz != nil && e.Authz.State == graph.AuthzRestricted {
			continue
		}
		p, ok := q.pathVia(e, false)
		if !ok {
			continue
		}
		if best == nil || preferPath(p, best) {
			best = p
		}
	}
	if best == nil {
		return Finding{}, false
	}
	last := best[len(best)-1].edge
	why := "no AuthorizationPolicy applies to it"
	if last.Authz != nil && len(last.Authz.Policies) > 0 {
		why = "no ALLOW rule limits it to specific sources (policies applying: " + trimmed(last.Authz.Policies) + ")"
	} else if last.Authz != nil {
		why = "no ALLOW policy limits who may connect"
	}
	msg := fmt.Sprintf("%s is reachable from the internet over mTLS, but %s: any mesh workload that is compromised can connect (e.g. %s)",
		db.Label, why, describeHop(last))
	return newFinding("mesh-unrestricted", codeMeshUnrestricted, titleMeshUnrestricted, Medium, ref, q.src, best, msg), true
}

// directExposure: an entrypoint on the database itself, or a route whose
// backend is the database, taken by a proxy reached straight from an
// entrypoint (or an assumed controller).
func directExposure(g *graph.Graph, q *search, db *graph.Node, ref Ref, sev Severity) (Finding, bool) {
	var best []step
	consider := func(p []step) {
		if best == nil || len(p) < len(best) {
			best = p
		}
	}
	for _, e := range g.EdgesTo(db) {
		switch {
		case e.Kind == graph.EdgeForwards && e.FromNode().Kind == graph.KindEntrypoint:
			for _, in := range g.EdgesTo(e.FromNode()) {
				if in.FromNode() == q.src {
					consider([]step{{node: q.src}, {node: e.FromNode(), edge: in}, {node: db, edge: e}})
				}
			}
		case e.Kind == graph.EdgeNetwork && e.Routed:
			proxy := e.FromNode()
			for _, in := range g.EdgesTo(proxy) {
				if in.FromNode() == q.src && proxy.Assumed {
					consider([]step{{node: q.src}, {node: proxy, edge: in}, {node: db, edge: e}})
				}
				if in.Kind != graph.EdgeForwards || in.FromNode().Kind != graph.KindEntrypoint {
					continue
				}
				for _, in2 := range g.EdgesTo(in.FromNode()) {
					if in2.FromNode() == q.src {
						consider([]step{{node: q.src}, {node: in.FromNode(), edge: in2}, {node: proxy, edge: in}, {node: db, edge: e}})
					}
				}
			}
		}
	}
	if best == nil {
		return Finding{}, false
	}
	where := "from the internet"
	if q.src.Kind == graph.KindPrivateNetwork {
		where = "from the private network"
	}
	how := "through " + best[1].node.Label
	if len(best) > 3 {
		last := best[len(best)-1].edge
		how = fmt.Sprintf("through %s, whose route %s sends traffic straight to it", best[len(best)-2].node.Label, last.Via[0].Label)
	}
	msg := fmt.Sprintf("%s is exposed %s with no intermediate workload: %s", db.Label, where, how)
	code := codeDirectExposureInternet
	if sev != Critical {
		code = codeDirectExposurePrivate
	}
	return newFinding("direct-exposure", code, titleDirectExposure, sev, ref, q.src, best, msg), true
}

// brokenRoutes reports routes that can never deliver, once per route.
func brokenRoutes(g *graph.Graph) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, b := range g.Broken {
		key := b.Route.Key() + "|" + b.Reason
		if seen[key] {
			continue
		}
		seen[key] = true
		target := Ref{Kind: b.Owner.Kind, Namespace: b.Owner.Namespace, Name: b.Owner.Name}
		f := Finding{Rule: "broken-route", Code: codeBrokenRoute, Severity: Medium, Title: titleBrokenRoute,
			Message: fmt.Sprintf("%s can never deliver: %s", b.Route.Label, b.Reason), Target: target,
			Path: []Hop{{Node: hopNode(b.Route, 0)}}, Evidence: append([]graph.Evidence{}, b.Route.Evidence...), Assumptions: []string{}}
		out = append(out, f)
	}
	return out
}

// sortFindings orders by severity (highest first), then target, rule and
// message, so output is stable.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Target.String() != b.Target.String() {
			return a.Target.String() < b.Target.String()
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}
