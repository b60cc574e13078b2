package passutil

import (
	"slices"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/model"
)

// Backend is one Service a route forwards to, with the Service port and the
// workloads the Service selects.
type Backend struct {
	Service   *graph.Node
	Port      graph.ServicePort
	HasPort   bool
	Workloads []*graph.Node
}

// RouteFronts returns the workloads (ingress controllers, gateway proxies)
// that forward to a route node, in edge order.
func RouteFronts(g *graph.Graph, route *graph.Node) []*graph.Node {
	var out []*graph.Node
	seen := map[*graph.Node]bool{}
	for _, e := range g.EdgesTo(route) {
		n := e.FromNode()
		if e.Kind == graph.EdgeForwards && n.Kind == graph.KindWorkload && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// RouteBackends returns the Services a route forwards to, each with its
// port and selected workloads.
func RouteBackends(g *graph.Graph, route *graph.Node) []Backend {
	var out []Backend
	for _, e := range g.EdgesFrom(route) {
		svc := e.ToNode()
		if e.Kind != graph.EdgeForwards || svc.Kind != graph.KindService || svc.Service == nil {
			continue
		}
		b := Backend{Service: svc}
		for _, sp := range svc.Service.Ports {
			if sp.Port == e.Port {
				b.Port, b.HasPort = sp, true
				break
			}
		}
		seen := map[*graph.Node]bool{}
		for _, s := range g.EdgesFrom(svc) {
			w := s.ToNode()
			if s.Kind == graph.EdgeSelects && w.Kind == graph.KindWorkload && w.Workload != nil && !seen[w] {
				seen[w] = true
				b.Workloads = append(b.Workloads, w)
			}
		}
		out = append(out, b)
	}
	return out
}

// TargetPort resolves a Service port on a workload behind the Service node
// with the model's one rule (model.TargetPort).
func TargetPort(svc *graph.Node, sp graph.ServicePort, w *graph.WorkloadInfo) (int32, bool) {
	if svc.Service == nil || svc.Service.Source == nil || w == nil || w.Source == nil {
		return 0, false
	}
	for _, p := range svc.Service.Source.Spec.Ports {
		if p.Port == sp.Port {
			return model.TargetPort(p, w.Source)
		}
	}
	return 0, false
}

// Front is a proxy forwarding to a route, with the ports the internet
// enters it on that serve the route's listener (nil for a proxy the
// internet reaches directly, an assumed controller: any port).
type Front struct {
	Node  *graph.Node
	Ports []int32
}

// InternetRouteFronts returns the route's fronts the internet reaches on a
// port that serves the route's listener (graph.Edge.EntryPorts): a
// gateway reached only on its status port is no front of its routes.
func InternetRouteFronts(g *graph.Graph, route *graph.Node) []Front {
	var out []Front
	for _, f := range RouteFronts(g, route) {
		var fwd *graph.Edge
		for _, e := range g.EdgesTo(route) {
			if e.Kind == graph.EdgeForwards && e.FromNode() == f {
				fwd = e
				break
			}
		}
		direct := false
		var ports []int32
		for _, e := range g.EdgesTo(f) {
			from := e.FromNode()
			if from == g.Internet && e.Kind == graph.EdgeExposes {
				direct = true
				continue
			}
			if from.Kind != graph.KindEntrypoint || e.Kind != graph.EdgeForwards || !fwd.AdmitsEntry(e.Port) || slices.Contains(ports, e.Port) {
				continue
			}
			for _, x := range g.EdgesTo(from) {
				if x.FromNode() == g.Internet && x.Kind == graph.EdgeExposes {
					ports = append(ports, e.Port)
					break
				}
			}
		}
		switch {
		case direct:
			out = append(out, Front{Node: f})
		case len(ports) > 0:
			out = append(out, Front{Node: f, Ports: ports})
		}
	}
	return out
}

// NodeEvidence returns a node's first evidence (its own object), if any.
func NodeEvidence(n *graph.Node) []graph.Evidence {
	if n == nil || len(n.Evidence) == 0 || n.Evidence[0].Kind == "" {
		return nil
	}
	return []graph.Evidence{n.Evidence[0]}
}
