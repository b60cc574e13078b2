package build

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/model"
)

// addPivots adds the network edges out of every workload reachable from the
// internet or the private network: a reachable pod is a foothold, and may open
// connections to any workload port that NetworkPolicy, mesh authentication
// and authorization let it reach. Only reachable workloads get outgoing
// network edges, so the graph never holds all workload pairs.
func (b *builder) addPivots() {
	httpPorts := b.httpPorts()
	for _, w := range b.workloads {
		w.portList = sortedPorts(w.ports)
	}
	reached := map[*workload]bool{}
	var queue []*workload
	visit := func(n *graph.Node) {
		if w, ok := b.byNode[n]; ok && !reached[w] {
			reached[w] = true
			queue = append(queue, w)
		}
	}
	for _, source := range []*graph.Node{b.g.Internet, b.g.PrivateNetwork} {
		for _, e := range b.g.EdgesFrom(source) {
			visit(e.ToNode())
			for _, e2 := range b.g.EdgesFrom(e.ToNode()) {
				if e2.ToNode().Kind == graph.KindWorkload {
					visit(e2.ToNode())
				}
			}
		}
	}
	// admissible lists, per source namespace, the workloads whose ingress
	// policies let some pod of that namespace through: in locked-down
	// clusters most namespace pairs are ruled out once, not per pod pair.
	admissible := map[string][]*workload{}
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		// Routed hops already present from this source.
		for _, e := range b.g.EdgesFrom(src.node) {
			if e.Kind == graph.EdgeNetwork {
				visit(e.ToNode())
			}
		}
		candidates := b.workloads
		if !src.assumed {
			ns := src.src.Namespace
			list, ok := admissible[ns]
			if !ok {
				for _, dst := range b.workloads {
					if b.np.NamespaceMayReach(ns, src.peer.NSLabels, dst.peer) {
						list = append(list, dst)
					}
				}
				admissible[ns] = list
			}
			candidates = list
		}
		for _, dst := range candidates {
			if dst == src {
				continue
			}
			for _, port := range dst.portList {
				h := b.evaluate(hopInput{src: src, dst: dst, port: port, protocol: dst.ports[port], http: httpPorts[dst][port]})
				if h.refused != "" {
					continue
				}
				e := h.edge
				e.Kind = graph.EdgeNetwork
				b.g.Connect(src.node, dst.node, &e)
				visit(dst.node)
			}
		}
	}
}

// httpPorts marks workload ports on which an HTTP request reaches the
// sidecar's HTTP filter chain: every port whose protocol is sniffed (no
// Service declares it: Istio's inbound passthrough chains detect HTTP), and
// ports that some Service port declares HTTP or leaves undeclared. A port
// every Service declares TCP, TLS or UDP carries no HTTP.
func (b *builder) httpPorts() map[*workload]map[int32]bool {
	declared := map[*workload]map[int32]bool{}
	for _, key := range sortedServiceKeys(b.services) {
		svc := b.services[key]
		for _, w := range svc.selected {
			for _, p := range svc.obj.Spec.Ports {
				t, ok := model.TargetPort(p, w.src)
				if !ok {
					continue
				}
				if declared[w] == nil {
					declared[w] = map[int32]bool{}
				}
				declared[w][t] = declared[w][t] || mayCarryHTTP(p)
			}
		}
	}
	out := map[*workload]map[int32]bool{}
	for _, w := range b.workloads {
		out[w] = map[int32]bool{}
		for port := range w.ports {
			http, isDeclared := declared[w][port]
			out[w][port] = http || !isDeclared
		}
	}
	return out
}

func sortedPorts(m map[int32]corev1.Protocol) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
