package wildcardhost

import (
	"sort"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

// whRouteNodes returns the graph's route nodes, sorted by key.
func whRouteNodes(g *graph.Graph) []*graph.Node {
	var out []*graph.Node
	for _, n := range g.SortedNodes() {
		if n.Kind == graph.KindRoute && n.Route != nil {
			out = append(out, n)
		}
	}
	return out
}

// whOwnedBy reports whether a route node belongs to the routing object.
func whOwnedBy(r *graph.Node, owner analysis.Ref) bool {
	o := r.Route.Owner
	return o.Kind == owner.Kind && o.Namespace == owner.Namespace && o.Name == owner.Name
}

// whViaGateway reports whether a VirtualService route node was bound
// through the Gateway (the builder lists the Gateway among its evidence).
func whViaGateway(r *graph.Node, gw analysis.Ref) bool {
	for _, e := range r.Evidence {
		if e.Kind == gw.Kind && e.Namespace == gw.Namespace && e.Name == gw.Name {
			return true
		}
	}
	return false
}

// whReachedDatabases follows forwards edges from the matching route nodes
// to Services and their selects edges to workloads, and returns the
// database or sensitive workloads reached, each once, in graph key order.
func whReachedDatabases(g *graph.Graph, routes []*graph.Node, match func(*graph.Node) bool) []*graph.Node {
	found := map[*graph.Node]bool{}
	for _, r := range routes {
		if !match(r) {
			continue
		}
		for _, e := range g.EdgesFrom(r) {
			svc := e.ToNode()
			if e.Kind != graph.EdgeForwards || svc.Kind != graph.KindService {
				continue
			}
			for _, s := range g.EdgesFrom(svc) {
				w := s.ToNode()
				if s.Kind == graph.EdgeSelects && w.Kind == graph.KindWorkload && w.Workload != nil &&
					w.Workload.Database != nil && w.Workload.Source != nil {
					found[w] = true
				}
			}
		}
	}
	out := make([]*graph.Node, 0, len(found))
	for n := range found {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}
