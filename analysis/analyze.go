package analysis

import (
	"sort"
	"sync"

	"github.com/shadowroute/shadowroute/graph"
)

// SchemaVersion is the version of the JSON contract.
const SchemaVersion = "2"

// PathSearch is the path search the path rules share, computed once per
// run: shortest-path trees from the internet and from the private network
// over the graph's taint states, the database workloads to judge, and the
// targets the result lists.
type PathSearch struct {
	Graph                     *graph.Graph
	FromInternet, FromPrivate *Search
	// Databases are the database workloads in graph key order.
	Databases []Database
	Targets   []Target
}

// Database is a database workload node and the Ref findings name it by.
type Database struct {
	Node *graph.Node
	Ref  Ref
}

// searchPaths builds the shared search: for every database workload, the
// paths from the internet (and the private network) that reach it are read
// from one shortest-path tree per source instead of being enumerated.
func searchPaths(g *graph.Graph, lateral Lateral) *PathSearch {
	states := newStateGraph(g, lateral)
	out := &PathSearch{Graph: g, Targets: []Target{}}
	// The two trees are independent reads of the state graph: grown at
	// once, on two cores.
	var wg sync.WaitGroup
	wg.Go(func() { out.FromPrivate = states.from(g.PrivateNetwork) })
	out.FromInternet = states.from(g.Internet)
	wg.Wait()
	for _, n := range g.SortedNodes() {
		if n.Kind != graph.KindWorkload || n.Workload == nil || n.Workload.Database == nil {
			continue
		}
		ref := Ref{Kind: n.Workload.Kind, Namespace: n.Namespace, Name: n.Name}
		out.Databases = append(out.Databases, Database{Node: n, Ref: ref})
		out.Targets = append(out.Targets, Target{Ref: ref, Reason: n.Workload.Database.Reason,
			ReachableFromNet:     out.FromInternet.Reaches(n, false) || out.FromInternet.Reaches(n, true),
			ReachableFromPrivate: out.FromPrivate.Reaches(n, false) || out.FromPrivate.Reaches(n, true)})
	}
	return out
}

// PathFinding builds a finding of the pass's rule on a witness path: its
// source, hops, evidence and assumptions.
func (p *Pass) PathFinding(code string, target Ref, steps []Step, msg string) Finding {
	f := p.Finding(code, target, msg, EvidenceOf(steps)...)
	f.Source, f.Path, f.Assumptions = steps[0].Node.Label, ToHops(steps), AssumptionsOf(steps)
	return f
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
