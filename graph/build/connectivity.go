package build

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/conns"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/netpol"
)

// ConnectivityOptions configure the connectivity view.
type ConnectivityOptions struct {
	// Mesh splits each connection by mesh authentication and authorization
	// and drops what authorization denies.
	Mesh bool
	// Exposure adds edges to and from "entire-cluster" (an arbitrary pod in
	// an arbitrary namespace).
	Exposure bool
}

// IngressControllerLabel names the unknown controller of Ingress objects in
// the connectivity view, as netpol-analyzer does.
const IngressControllerLabel = "{ingress-controller}"

// Connectivity builds the connectivity view: one network edge per connected
// workload pair carrying the allowed connection set, plus external IPv4
// ranges (cut where ipBlocks cut the address space) and the Ingress
// controller. It uses the same evaluators as Build.
func Connectivity(m *model.Model, copts ConnectivityOptions) (*graph.Graph, error) {
	b := newBuilder(m)
	b.addWorkloads()
	b.addServices()
	for _, w := range b.workloads {
		w.portList = sortedPorts(w.ports)
	}
	c := &connectivity{builder: b, opts: copts,
		ingressRanges: ipspace.Partition(b.np.IPBlockBoundaries(true)),
		egressRanges:  ipspace.Partition(b.np.IPBlockBoundaries(false)),
		arbitrary:     netpol.Peer{Namespace: "", NSLabels: map[string]string{}, PodLabels: map[string]string{}}}
	c.specialPorts = c.collectSpecialPorts()
	if copts.Mesh {
		c.httpPorts = b.httpPorts()
	}
	runs := namespaceRuns(b.workloads)
	for _, dst := range b.workloads {
		for _, run := range runs {
			// A namespace none of whose pods can pass dst's ingress
			// policies (NetworkPolicy admits by namespace before pod
			// labels) contributes no pair: skip it whole, so an isolated
			// cluster costs per namespace, not per pod pair. The sources
			// keep their order, so the graph is the same.
			if first := run[0]; !first.assumed && !b.np.NamespaceMayReach(first.src.Namespace, first.peer.NSLabels, dst.peer) {
				continue
			}
			for _, src := range run {
				if src == dst {
					continue
				}
				set := b.np.EgressConns(src.peer, dst.peer).Conns.Intersect(b.np.IngressConns(src.peer, dst.peer).Conns)
				c.connect(src.node, src, ipspace.Private, dst, set)
			}
		}
		c.externalIngress(dst)
		c.externalEgress(dst)
		if copts.Exposure {
			cluster := b.g.AddNode(&graph.Node{Kind: graph.KindCluster, Name: "entire-cluster", Label: "entire-cluster"})
			anyPod := &workload{node: cluster, assumed: true, peer: c.arbitrary, mesh: meshOutside}
			c.connect(cluster, anyPod, ipspace.Private, dst, b.np.IngressConns(c.arbitrary, dst.peer).Conns)
			if set := b.np.EgressConns(dst.peer, c.arbitrary).Conns; !set.Empty() {
				b.g.Connect(dst.node, cluster, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Conns: set})
			}
		}
	}
	c.ingressController()
	sort.Strings(b.g.NotSeen)
	return b.g, nil
}

// namespaceRuns cuts the workloads into runs of one namespace each, in
// order (an assumed workload is a run of its own: its namespace labels
// are not known).
func namespaceRuns(ws []*workload) [][]*workload {
	var runs [][]*workload
	for i, w := range ws {
		last := len(runs) - 1
		if i > 0 && !w.assumed && !ws[i-1].assumed && w.src.Namespace == ws[i-1].src.Namespace {
			runs[last] = append(runs[last], w)
			continue
		}
		runs = append(runs, []*workload{w})
	}
	return runs
}

// meshOutside is the mesh status of sources whose pods are unknown.
var meshOutside = mesh.Status{Reason: "unknown pods, assumed outside the mesh", Unknown: true}

type connectivity struct {
	*builder
	opts ConnectivityOptions
	// The external address space is cut separately for each direction at
	// the ipBlocks of that direction's rules, as netpol-analyzer does.
	ingressRanges [][2]netip.Addr
	egressRanges  [][2]netip.Addr
	arbitrary     netpol.Peer
	specialPorts  map[int32]bool
	controller    *workload
	// httpPorts marks the declared workload ports an HTTP request can
	// reach the sidecar's HTTP chain on (builder.httpPorts); undeclared
	// ports are sniffed, so they may carry HTTP too.
	httpPorts map[*workload]map[int32]bool
}

// externalIngress adds an edge from each external range that reaches dst.
func (c *connectivity) externalIngress(dst *workload) {
	c.externalRanges(c.ingressRanges, func(lo, hi netip.Addr) conns.Set {
		peer := netpol.Peer{External: true, Class: ipspace.RangeClass(lo, hi), Range: &[2]netip.Addr{lo, hi}}
		return c.np.IngressConns(peer, dst.peer).Conns
	}, func(node *graph.Node, lo, hi netip.Addr, set conns.Set) {
		c.connect(node, nil, ipspace.RangeClass(lo, hi), dst, set)
	})
}

// externalEgress adds edges from src to external ranges.
func (c *connectivity) externalEgress(src *workload) {
	c.externalRanges(c.egressRanges, func(lo, hi netip.Addr) conns.Set {
		peer := netpol.Peer{External: true, Class: ipspace.RangeClass(lo, hi), Range: &[2]netip.Addr{lo, hi}}
		return c.np.EgressConns(src.peer, peer).Conns
	}, func(node *graph.Node, _, _ netip.Addr, set conns.Set) {
		e := &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Conns: set}
		if c.opts.Mesh {
			// Nothing authenticates traffic leaving the cluster.
			e.Auth, e.AuthReason = graph.AuthPlaintext, "destination outside the cluster"
		}
		c.g.Connect(src.node, node, e)
	})
}

func (c *connectivity) externalRanges(ranges [][2]netip.Addr, eval func(lo, hi netip.Addr) conns.Set, emit func(node *graph.Node, lo, hi netip.Addr, set conns.Set)) {
	for _, r := range ranges {
		set := eval(r[0], r[1])
		if set.Empty() {
			continue
		}
		label := fmt.Sprintf("%s-%s[External]", r[0], r[1])
		node := c.g.AddNode(&graph.Node{Kind: graph.KindExternal, Name: label, Label: label})
		emit(node, r[0], r[1], set)
	}
}

// ingressController adds {ingress-controller} edges: for every Ingress
// backend, the backend's target ports, as far as the backend's ingress
// policies admit an arbitrary pod of an arbitrary namespace (the controller's
// pods are not assumed known, as in netpol-analyzer).
func (c *connectivity) ingressController() {
	targets := map[*workload]conns.Set{}
	var order []*workload
	addBackend := func(ns string, be *networkingv1.IngressBackend) {
		if be == nil || be.Service == nil {
			return
		}
		svc := c.services[ns+"/"+be.Service.Name]
		if svc == nil {
			return
		}
		for _, p := range svc.obj.Spec.Ports {
			if (be.Service.Port.Name != "" && p.Name != be.Service.Port.Name) || (be.Service.Port.Name == "" && p.Port != be.Service.Port.Number) {
				continue
			}
			for _, w := range svc.selected {
				if t, ok := model.TargetPort(p, w.src); ok {
					if _, seen := targets[w]; !seen {
						order = append(order, w)
					}
					set := targets[w]
					set.Add(protocolOf(p.Protocol), t, t)
					targets[w] = set
				}
			}
		}
	}
	for _, ing := range c.m.IngressObjects() {
		addBackend(ing.Obj.Namespace, ing.Obj.Spec.DefaultBackend)
		for _, r := range ing.Obj.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for i := range r.HTTP.Paths {
				addBackend(ing.Obj.Namespace, &r.HTTP.Paths[i].Backend)
			}
		}
	}
	if len(order) == 0 {
		return
	}
	node := c.g.AddNode(&graph.Node{Kind: graph.KindWorkload, Name: IngressControllerLabel, Label: IngressControllerLabel, UID: IngressControllerLabel, Assumed: true,
		Workload: &graph.WorkloadInfo{Kind: "Controller", Mesh: graph.MeshStatus{Reason: "unknown controller, assumed outside the mesh", Unknown: true}}})
	c.controller = &workload{node: node, assumed: true, peer: c.arbitrary, mesh: meshOutside}
	for _, w := range order {
		allowed := c.np.IngressConns(c.arbitrary, w.peer).Conns.Intersect(targets[w])
		if allowed.Empty() {
			c.g.AddNotSeen("Ingress backend %s: NetworkPolicies do not admit an arbitrary in-cluster source, so no {ingress-controller} connection is listed (the real controller may still be allowed)", w.src.ID())
		}
		c.connect(node, c.controller, ipspace.Private, w, allowed)
	}
}

// connect adds the edge(s) for an allowed connection set: one edge, or with
// --mesh one per distinct (authentication, authorization) outcome, with
// denied parts removed.
func (c *connectivity) connect(from *graph.Node, src *workload, class ipspace.Class, dst *workload, set conns.Set) {
	if set.Empty() {
		return
	}
	if !c.opts.Mesh {
		c.g.Connect(from, dst.node, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Conns: set})
		return
	}
	// Outcomes group by what the table shows; the first reason seen for an
	// outcome is kept on the edge. A connection that authorization admits
	// only for some requests (an ALLOW rule with HTTP fields on a port that
	// may carry HTTP, a DENY rule with conditions) is listed, tagged
	// conditional, with the conditions.
	type outcome struct {
		auth        graph.AuthState
		authz       graph.AuthzState
		conditional bool
	}
	reasons := map[outcome]string{}
	conditions := map[outcome][]string{}
	parts := map[outcome]conns.Set{}
	var order []outcome
	add := func(o outcome, reason string, narrowing []string, p corev1.Protocol, lo, hi int32) {
		if _, ok := parts[o]; !ok {
			order = append(order, o)
			reasons[o] = reason
		}
		for _, n := range narrowing {
			if !slices.Contains(conditions[o], n) {
				conditions[o] = append(conditions[o], n)
			}
		}
		s := parts[o]
		s.Add(p, lo, hi)
		parts[o] = s
	}
	for _, proto := range conns.Protocols {
		for _, r := range set.Ranges(proto) {
			if proto != corev1.ProtocolTCP {
				// The sidecar intercepts TCP only.
				add(outcome{graph.AuthPlaintext, graph.AuthzUnrestricted, false}, "not TCP: the sidecar does not intercept it", nil, proto, r.Lo, r.Hi)
				continue
			}
			for _, piece := range c.split(r, dst) {
				h := c.evaluate(hopInput{src: src, class: class, dst: dst, port: piece.Lo, protocol: proto, meshOnly: true, http: c.mayCarryHTTP(dst, piece.Lo)})
				if h.refused != "" {
					continue
				}
				o := outcome{h.edge.Auth, graph.AuthzUnrestricted, false}
				var narrowing []string
				if h.edge.Authz != nil {
					o.authz, narrowing = h.edge.Authz.State, h.edge.Authz.Narrowing
					o.conditional = len(narrowing) > 0
				}
				add(o, h.edge.AuthReason, narrowing, proto, piece.Lo, piece.Hi)
			}
		}
	}
	for _, o := range order {
		authz := &graph.Authz{State: o.authz, Narrowing: conditions[o]}
		c.g.Connect(from, dst.node, &graph.EdgeAttrs{Kind: graph.EdgeNetwork, Conns: parts[o], Auth: o.auth, AuthReason: reasons[o], Authz: authz})
	}
}

// mayCarryHTTP: a declared port as the Services targeting it say; any other
// port is sniffed by the sidecar's inbound passthrough chains, so an HTTP
// request there meets the HTTP filter chain.
func (c *connectivity) mayCarryHTTP(dst *workload, port int32) bool {
	if http, declared := c.httpPorts[dst][port]; declared {
		return http
	}
	return true
}

// split cuts a TCP range at the ports whose mesh treatment may differ from
// their neighbours' (declared ports, ports named by PeerAuthentication,
// AuthorizationPolicy and capture annotations); every other port of a piece
// behaves like its first one.
func (c *connectivity) split(r conns.Range, dst *workload) []conns.Range {
	var special []int32
	for p := range c.specialPorts {
		if p >= r.Lo && p <= r.Hi {
			special = append(special, p)
		}
	}
	for _, p := range dst.portList {
		if p >= r.Lo && p <= r.Hi && !c.specialPorts[p] {
			special = append(special, p)
		}
	}
	for _, p := range annotationPorts(dst) {
		if p >= r.Lo && p <= r.Hi {
			special = append(special, p)
		}
	}
	sort.Slice(special, func(i, j int) bool { return special[i] < special[j] })
	var out []conns.Range
	next := r.Lo
	for _, p := range special {
		if p < next {
			continue
		}
		if p > next {
			out = append(out, conns.Range{Lo: next, Hi: p - 1})
		}
		out = append(out, conns.Range{Lo: p, Hi: p})
		next = p + 1
	}
	if next <= r.Hi {
		out = append(out, conns.Range{Lo: next, Hi: r.Hi})
	}
	return out
}

func annotationPorts(w *workload) []int32 {
	if w.src == nil {
		return nil
	}
	var out []int32
	for _, key := range []string{"traffic.sidecar.istio.io/excludeInboundPorts", "traffic.sidecar.istio.io/includeInboundPorts"} {
		out = append(out, splitPorts(w.src.Annotations()[key])...)
	}
	return out
}

func splitPorts(s string) []int32 {
	var out []int32
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, int32(n))
		}
	}
	return out
}

// collectSpecialPorts gathers the ports named anywhere in PeerAuthentication
// port-level settings and AuthorizationPolicy operations, plus the ports
// the sidecar never captures.
func (c *connectivity) collectSpecialPorts() map[int32]bool {
	out := map[int32]bool{15021: true, 15090: true}
	for _, pa := range c.m.PeerAuthentications() {
		for p := range pa.Obj.Spec.GetPortLevelMtls() {
			out[int32(p)] = true
		}
	}
	for _, ap := range c.m.AuthorizationPolicies() {
		for _, r := range ap.Obj.Spec.GetRules() {
			for _, t := range r.GetTo() {
				for _, p := range append(append([]string{}, t.GetOperation().GetPorts()...), t.GetOperation().GetNotPorts()...) {
					if n, err := strconv.Atoi(p); err == nil {
						out[int32(n)] = true
					}
				}
			}
		}
	}
	return out
}
