package passutil

import (
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

// InternetExposed reports whether the internet reaches a workload directly:
// an exposes edge from the internet (an assumed controller), or a forwards
// edge from an entrypoint the internet is exposed to.
func InternetExposed(g *graph.Graph, w *graph.Node) bool {
	for _, e := range g.EdgesTo(w) {
		from := e.FromNode()
		if from == g.Internet && e.Kind == graph.EdgeExposes {
			return true
		}
		if from.Kind != graph.KindEntrypoint || e.Kind != graph.EdgeForwards {
			continue
		}
		for _, x := range g.EdgesTo(from) {
			if x.FromNode() == g.Internet && x.Kind == graph.EdgeExposes {
				return true
			}
		}
	}
	return false
}

// NodeEvidence returns a node's first evidence (its own object), if any.
func NodeEvidence(n *graph.Node) []graph.Evidence {
	if n == nil || len(n.Evidence) == 0 || n.Evidence[0].Kind == "" {
		return nil
	}
	return []graph.Evidence{n.Evidence[0]}
}
