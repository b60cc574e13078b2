package build

import (
	"fmt"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Why evaluates one direct connection from a workload to a workload port
// with the same hop evaluation the graph is built with (NetworkPolicy
// egress and ingress, then mesh authentication and authorization), and
// returns whether it is allowed and, when it is not, what refuses it (the
// NetworkPolicy verdict named with its policies, the PeerAuthentication,
// the AuthorizationPolicy). explain uses it to name the first object that
// blocks a source that cannot reach a target.
// Port 0 asks about every port the target can be reached on (its
// container ports and the targetPorts of Services selecting it).
func Why(m *model.Model, from, to *inventory.Workload, port int32) []Verdict {
	b := newBuilder(m)
	b.addWorkloads()
	b.addServices()
	src, dst := b.bySource[from], b.bySource[to]
	if src == nil || dst == nil {
		return []Verdict{{Port: port, Reason: "not a workload of the analysis"}}
	}
	ports := []int32{port}
	if port == 0 {
		ports = sortedPorts(dst.ports)
		if len(ports) == 0 {
			return []Verdict{{Reason: dst.describe() + " has no port to connect to"}}
		}
	}
	var out []Verdict
	for _, p := range ports {
		proto, ok := dst.ports[p]
		if !ok {
			out = append(out, Verdict{Port: p, Reason: fmt.Sprintf("%s has no port %d", dst.describe(), p)})
			continue
		}
		h := b.evaluate(hopInput{src: src, dst: dst, port: p, protocol: proto, http: mayCarryHTTPPort(b, dst, p)})
		v := Verdict{Port: p, Allowed: h.refused == "", Reason: h.refused}
		if h.netpolRefusal != nil {
			v.Reason += ": " + h.netpolRefusal.Describe("destination")
		}
		out = append(out, v)
	}
	return out
}

// Verdict is the outcome of one direct connection on a port.
type Verdict struct {
	Port    int32
	Allowed bool
	Reason  string
}

// mayCarryHTTPPort: some Service port targeting the workload port may
// carry HTTP (mayCarryHTTP), as pivots decide it.
func mayCarryHTTPPort(b *builder, w *workload, port int32) bool {
	for _, s := range b.servicesOf[w] {
		for _, p := range s.obj.Spec.Ports {
			if t, ok := model.TargetPort(p, w.src); ok && t == port && mayCarryHTTP(p) {
				return true
			}
		}
	}
	return false
}
