package build

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/model"
)

// addGateways names each Gateway's proxies in the graph and notes Gateways
// whose selector matches nothing.
func (b *builder) addGateways() {
	for _, gw := range b.m.Gateways() {
		if len(gw.Proxies) == 0 {
			where := "the input"
			if b.opts.GatewayScopeNamespace {
				where = "its namespace " + gw.Obj.Namespace + " (--gateway-scope-namespace)"
			}
			b.g.AddNotSeen("Gateway %s (%s): its selector matches no workload in %s, so its routes are not analysed", gw.Key, gw.Entry.Origin, where)
		}
		for _, p := range gw.Proxies {
			w := b.bySource[p]
			if w.node.Workload.Controller == "" {
				w.node.Workload.Controller = "Gateway " + gw.Key
			}
		}
	}
	for _, gw := range b.m.APIGateways() {
		if len(gw.Proxies) == 0 {
			b.assumeGatewayProxy(gw)
		}
		for _, p := range gw.Proxies {
			w := b.bySource[p]
			if w != nil && w.node.Workload.Controller == "" {
				w.node.Workload.Controller = "Gateway API Gateway " + gw.Key
			}
		}
	}
}

// assumeGatewayProxy stands for the proxy of a Gateway API Gateway whose
// proxy pods are not in the input (an implementation other than Istio's,
// whose proxies live elsewhere or outside the cluster, or
// --gateway-controller matching nothing): outside the mesh and exposed to
// the internet, as a Gateway is published to be reached.
func (b *builder) assumeGatewayProxy(gw *model.APIGateway) {
	ctrl := gw.Controller
	if ctrl == "" {
		ctrl = "no GatewayClass in the input"
	}
	why := fmt.Sprintf("no proxy workload of its implementation in the input (for an unrecognised one, name them with --gateway-controller %s=NAMESPACE/SELECTOR)", gw.Class)
	switch {
	case gw.Configured:
		why = fmt.Sprintf("--gateway-controller %s matches no workload", gw.Class)
	case strings.HasPrefix(gw.Controller, "io.cilium/"):
		why = "Cilium serves Gateways from its node-level Envoy (cilium-envoy), not from pods of the Gateway"
	case strings.HasPrefix(gw.Controller, "networking.gke.io/"), strings.HasPrefix(gw.Controller, "gateway.k8s.aws/"), strings.HasPrefix(gw.Controller, "application-networking.k8s.aws/"):
		why = "the implementation is a cloud load balancer outside the cluster"
	}
	b.g.AddNotSeen("Gateway %s (%s, class %s: %s): %s; its routes are analysed from an assumed proxy outside the mesh, exposed to the internet", gw.Key, gw.Entry.Origin, gw.Class, ctrl, why)
	ev := []graph.Evidence{graph.EvidenceOf(gw.Entry)}
	if gw.ClassObject != nil {
		ev = append(ev, graph.EvidenceOf(gw.ClassObject))
	}
	b.assumedGateways[gw.Key] = b.assumedProxy("proxy-"+gw.Obj.Name, gw.Obj.Namespace, fmt.Sprintf("assumed proxy of Gateway %s (class %s)", gw.Key, gw.Class), "Gateway API Gateway "+gw.Key, ev)
}

// apiRoute adds the route node of a Gateway API route rule (HTTPRoute,
// GRPCRoute, TLSRoute, TCPRoute) on one listener, forwarding edges from
// the Gateway's proxies (entered on the listener's port), and routed hops
// to each backend Service's pods. A redirecting rule forwards nothing and
// adds no node.
func (b *builder) apiRoute(r *model.Route) {
	if r.Redirect {
		return
	}
	route, proxies := b.proxyRoute(r, r.Entry.Key.Kind)
	owner := graph.EvidenceOf(r.Entry)
	for _, d := range r.Destinations {
		b.serviceBackend(route, owner, r.Listener, proxies, d.Namespace, *d.Backend, "backendRef", r.HTTP)
	}
}

// proxyRoute adds the route node of a route on a gateway listener (an
// Istio Gateway server or a Gateway API listener) and the forwarding edge
// from each of its proxies, entered on the listener's ports; it returns
// the node and the proxies' workloads.
func (b *builder) proxyRoute(r *model.Route, kind string) (*graph.Node, []*workload) {
	l := r.Listener
	owner := graph.EvidenceOf(r.Entry)
	gwEv := graph.EvidenceOf(l.Entry)
	tlsState := string(l.TLS.Mode)
	label := fmt.Sprintf("%s %s/%s %s via Gateway %s/%s:%d", kind, r.Entry.Key.Namespace, r.Entry.Key.Name, r.Section, l.Entry.Key.Namespace, l.Entry.Key.Name, l.Port)
	route := b.g.AddNode(&graph.Node{Kind: graph.KindRoute, Namespace: r.Entry.Key.Namespace, Name: r.Entry.Key.Name, Label: label,
		Evidence: []graph.Evidence{owner, gwEv},
		Route:    &graph.RouteInfo{Type: kind, Section: r.Section, Host: r.Host, Path: r.Match, Protocol: r.Protocol(), TLS: tlsState, Port: l.Port, Owner: owner}})
	proxies := make([]*workload, 0, len(r.Proxies))
	for _, p := range r.Proxies {
		w := b.bySource[p]
		if w == nil {
			continue
		}
		proxies = append(proxies, w)
		b.g.Connect(w.node, route, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: l.Port, Match: r.Host + r.Match, TLS: tlsState, EntryPorts: b.m.ListenerPorts(p, l), Evidence: []graph.Evidence{gwEv, owner}})
	}
	if l.APIGateway != nil && len(r.Proxies) == 0 {
		if w := b.assumedGateways[l.APIGateway.Key]; w != nil {
			proxies = append(proxies, w)
			b.g.Connect(w.node, route, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: l.Port, Match: r.Host + r.Match, TLS: tlsState, Evidence: []graph.Evidence{gwEv, owner}})
		}
	}
	return route, proxies
}

// addRoutes adds every route the model resolves (model.Routes) and notes
// the routes it cannot serve.
func (b *builder) addRoutes() {
	for _, r := range b.m.Routes() {
		switch r.Kind {
		case model.IngressRoute:
			b.ingressRoute(r)
		case model.VirtualServiceRoute:
			b.gatewayRoute(r)
		case model.GatewayAPIRoute:
			b.apiRoute(r)
		}
	}
	for _, gap := range b.m.RouteGaps() {
		b.g.AddNotSeen("%s", gap.Text)
	}
}

// gatewayRoute adds the route node of a VirtualService route on a Gateway
// server, forwarding edges from the gateway proxies it is exported to, and
// routed hops to the destination pods.
func (b *builder) gatewayRoute(r *model.Route) {
	route, proxies := b.proxyRoute(r, "VirtualService")
	owner := graph.EvidenceOf(r.Entry)
	for _, d := range r.Destinations {
		b.gatewayDestination(route, r.Listener, owner, d.Namespace, d.Host, d.Port, proxies, r.HTTP)
	}
}

// gatewayDestination links a route to its destination as the model
// resolves it for the gateway proxies (model.Destination): a Service, the
// pods a ServiceEntry with a workloadSelector selects, or an external
// ServiceEntry host; otherwise the route is broken.
func (b *builder) gatewayDestination(route *graph.Node, l *model.Listener, owner graph.Evidence, vsNS, host string, port uint32, proxies []*workload, http bool) {
	var viewers []string
	for _, p := range proxies {
		if p.src != nil && !slices.Contains(viewers, p.src.Namespace) {
			viewers = append(viewers, p.src.Namespace)
		}
	}
	d := b.m.Destination(host, port, vsNS, viewers)
	switch {
	case d.Problem == model.DestinationHostMissing:
		if name, ns, ok := hosts.ParseServiceFQDN(d.FQDN); ok {
			b.broken(route, owner, fmt.Sprintf("destination host %s: Service %s/%s not found", host, ns, name))
			return
		}
		b.broken(route, owner, fmt.Sprintf("destination host %s is neither a Service nor a ServiceEntry host", host))
		return
	case d.Problem == model.DestinationNotExported:
		b.broken(route, owner, fmt.Sprintf("destination %s: Service %s is not exported to the gateway proxies' namespace (networking.istio.io/exportTo)", host, d.Service.Key))
		return
	case d.Problem == model.DestinationPortMissing && d.ServiceEntry != nil:
		b.broken(route, owner, fmt.Sprintf("destination %s: ServiceEntry %s/%s has no port %d", host, d.ServiceEntry.Key.Namespace, d.ServiceEntry.Key.Name, port))
		return
	case d.Problem == model.DestinationPortMissing:
		b.broken(route, owner, fmt.Sprintf("destination %s: Service %s has no port %d", host, d.Service.Key, port))
		return
	case d.Service == nil:
		ext := b.g.AddNode(&graph.Node{Kind: graph.KindExternal, Namespace: d.ServiceEntry.Key.Namespace, Name: d.FQDN, Label: d.FQDN,
			Evidence: []graph.Evidence{graph.EvidenceOf(d.ServiceEntry)}})
		b.g.Connect(route, ext, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: int32(port), Evidence: []graph.Evidence{owner, graph.EvidenceOf(d.ServiceEntry)}})
		return
	}
	svc := b.services[d.Service.Key]
	var seeing []*workload
	for _, p := range proxies {
		if p.src == nil || slices.Contains(d.Seeing, p.src.Namespace) {
			seeing = append(seeing, p)
		}
	}
	ev := []graph.Evidence{owner}
	if d.ServiceEntry != nil {
		ev = append(ev, graph.EvidenceOf(d.ServiceEntry))
	}
	if d.Port == nil {
		// An ExternalName Service without ports: a DNS alias, no endpoints.
		b.g.Connect(route, svc.node, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: int32(port), Evidence: ev})
		return
	}
	b.g.Connect(route, svc.node, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: d.Port.Port, Protocol: string(protocolOf(d.Port.Protocol)), Evidence: ev})
	b.routedHops(seeing, l, route, owner, svc, *d.Port, http)
}
