package build

import (
	"fmt"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

type gatewayRef = inventory.TypedObject[*istionetv1.Gateway]

// addGateways binds VirtualServices to Gateway servers (model.Bindings) and
// adds a route per server × VirtualService route, forwarding edges from the
// gateway proxies and routed hops to the destination pods.
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
	for _, vs := range b.m.VirtualServices() {
		for _, bind := range b.m.Bindings(vs.Obj) {
			if bind.Gateway == nil {
				b.g.AddNotSeen("VirtualService %s/%s (%s): gateway %s is not in the input, so its routes through it are not analysed", vs.Obj.Namespace, vs.Obj.Name, vs.Entry.Origin, bind.Key)
				continue
			}
			if len(bind.Proxies) == 0 {
				continue
			}
			visible := make([]*workload, 0, len(bind.Proxies))
			for _, p := range bind.Proxies {
				visible = append(visible, b.bySource[p])
			}
			gw := gatewayRef{Obj: bind.Gateway.Obj, Entry: bind.Gateway.Entry}
			for _, server := range bind.Servers {
				b.bindServer(gw, server.Server, vs, visible, server.Host)
			}
		}
	}
}

func (b *builder) bindServer(gw gatewayRef, server *networkingapi.Server, vs inventory.TypedObject[*istionetv1.VirtualService], proxies []*workload, host string) {
	// The protocol decides first; the TLS mode matters only for HTTPS and
	// TLS servers (istio/istio pilot/pkg/model/gateway.go: an HTTP server
	// with a tls block is an HTTPS-redirect server, never a TLS one).
	proto := strings.ToUpper(server.GetPort().GetProtocol())
	httpServer := proto == "HTTP" || proto == "HTTP2" || proto == "GRPC"
	tlsServer := proto == "HTTPS" || proto == "TLS"
	tlsMode := server.GetTls().GetMode()
	tlsState := "none"
	if tlsServer {
		switch tlsMode {
		case networkingapi.ServerTLSSettings_PASSTHROUGH, networkingapi.ServerTLSSettings_AUTO_PASSTHROUGH:
			tlsState = "passthrough"
		case networkingapi.ServerTLSSettings_ISTIO_MUTUAL:
			// Only clients presenting an Istio workload certificate
			// complete the handshake: nothing outside the mesh uses the
			// server, so its routes are not entries from the internet
			// (https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode).
			return
		case networkingapi.ServerTLSSettings_MUTUAL:
			tlsState = "mutual"
		default:
			tlsState = "terminated"
		}
	}
	if httpServer && server.GetTls().GetHttpsRedirect() {
		// The server answers every request with a redirect to HTTPS.
		return
	}
	owner := graph.EvidenceOf(vs.Entry)
	gwEv := graph.EvidenceOf(gw.Entry)
	port := int32(server.GetPort().GetNumber())
	label := func(kind string, i int) string {
		return fmt.Sprintf("VirtualService %s/%s %s[%d] via Gateway %s/%s:%d", vs.Obj.Namespace, vs.Obj.Name, kind, i, gw.Obj.Namespace, gw.Obj.Name, port)
	}
	type dest struct {
		host string
		port uint32
		// ns resolves short hosts: the namespace of the VirtualService
		// holding the route (a delegate's own).
		ns string
	}
	add := func(kind string, i int, match string, dests []dest, http bool) {
		route := b.g.AddNode(&graph.Node{Kind: graph.KindRoute, Namespace: vs.Obj.Namespace, Name: vs.Obj.Name, Label: label(kind, i),
			Evidence: []graph.Evidence{owner, gwEv},
			Route:    &graph.RouteInfo{Type: "VirtualService", Host: host, Path: match, Protocol: proto, TLS: tlsState, Port: port, Owner: owner}})
		for _, p := range proxies {
			b.g.Connect(p.node, route, &graph.Edge{Kind: graph.EdgeForwards, Port: port, Match: host + match, TLS: tlsState, Evidence: []graph.Evidence{gwEv, owner}})
		}
		for _, d := range dests {
			b.gatewayDestination(route, owner, d.ns, d.host, d.port, proxies, http)
		}
	}
	switch {
	case httpServer || (proto == "HTTPS" && tlsState != "passthrough"):
		for i, r := range vs.Obj.Spec.GetHttp() {
			if d := r.GetDelegate(); d != nil {
				// A delegate VirtualService's routes are merged under the
				// root's match, its destinations resolved in its own
				// namespace (istio/istio pilot/pkg/model/virtualservice.go
				// mergeVirtualServicesIfNeeded, mergeHTTPRoutes).
				delegate, key, problem := b.m.Delegate(vs.Obj, d)
				if problem != model.DelegateUsable {
					why := map[model.DelegateProblem]string{
						model.DelegateMissing:     "delegate VirtualService " + key + " is not in the input",
						model.DelegateHasHosts:    "delegate " + key + " has hosts, so istiod does not use it as a delegate",
						model.DelegateNotExported: "delegate " + key + " is not exported to namespace " + vs.Obj.Namespace,
					}[problem]
					b.g.AddNotSeen("VirtualService %s/%s (%s) http[%d]: %s, so its routes are not analysed", vs.Obj.Namespace, vs.Obj.Name, vs.Entry.Origin, i, why)
					continue
				}
				for j, dr := range delegate.Obj.Spec.GetHttp() {
					if len(dr.GetRoute()) == 0 {
						continue
					}
					var ds []dest
					for _, x := range dr.GetRoute() {
						ds = append(ds, dest{x.GetDestination().GetHost(), x.GetDestination().GetPort().GetNumber(), delegate.Obj.Namespace})
					}
					add(fmt.Sprintf("http[%d] delegate %s/%s http", i, delegate.Obj.Namespace, delegate.Obj.Name), j, delegateMatch(r, dr), ds, true)
				}
				continue
			}
			if len(r.GetRoute()) == 0 {
				continue // redirect or direct response: nothing forwarded
			}
			var ds []dest
			for _, d := range r.GetRoute() {
				ds = append(ds, dest{d.GetDestination().GetHost(), d.GetDestination().GetPort().GetNumber(), vs.Obj.Namespace})
			}
			add("http", i, httpMatch(r), ds, true)
		}
	case tlsState == "passthrough":
		for i, r := range vs.Obj.Spec.GetTls() {
			var ds []dest
			for _, d := range r.GetRoute() {
				ds = append(ds, dest{d.GetDestination().GetHost(), d.GetDestination().GetPort().GetNumber(), vs.Obj.Namespace})
			}
			add("tls", i, "", ds, false)
		}
	default:
		for i, r := range vs.Obj.Spec.GetTcp() {
			if !tcpMatchesPort(r, uint32(port)) {
				continue
			}
			var ds []dest
			for _, d := range r.GetRoute() {
				ds = append(ds, dest{d.GetDestination().GetHost(), d.GetDestination().GetPort().GetNumber(), vs.Obj.Namespace})
			}
			add("tcp", i, "", ds, false)
		}
	}
}

func tcpMatchesPort(r *networkingapi.TCPRoute, port uint32) bool {
	if len(r.GetMatch()) == 0 {
		return true
	}
	for _, m := range r.GetMatch() {
		if m.GetPort() == 0 || m.GetPort() == port {
			return true
		}
	}
	return false
}

// httpMatch summarises the first URI match of an HTTP route.
// delegateMatch is the merged match of a delegate route under its root
// route: the root's URI match, narrowed by the delegate's.
func delegateMatch(root, delegate *networkingapi.HTTPRoute) string {
	r, d := httpMatch(root), httpMatch(delegate)
	switch {
	case d == "/" || d == r:
		return r
	case r == "/":
		return d
	}
	return r + " and " + d
}

func httpMatch(r *networkingapi.HTTPRoute) string {
	for _, m := range r.GetMatch() {
		u := m.GetUri()
		switch {
		case u.GetPrefix() != "":
			return u.GetPrefix()
		case u.GetExact() != "":
			return u.GetExact() + " (exact)"
		case u.GetRegex() != "":
			return "~" + u.GetRegex()
		}
	}
	return "/"
}

// gatewayDestination links a route to its destination as the model
// resolves it for the gateway proxies (model.Destination): a Service, the
// pods a ServiceEntry with a workloadSelector selects, or an external
// ServiceEntry host; otherwise the route is broken.
func (b *builder) gatewayDestination(route *graph.Node, owner graph.Evidence, vsNS, host string, port uint32, proxies []*workload, http bool) {
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
		b.g.Connect(route, ext, &graph.Edge{Kind: graph.EdgeForwards, Port: int32(port), Evidence: []graph.Evidence{owner, graph.EvidenceOf(d.ServiceEntry)}})
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
		b.g.Connect(route, svc.node, &graph.Edge{Kind: graph.EdgeForwards, Port: int32(port), Evidence: ev})
		return
	}
	b.g.Connect(route, svc.node, &graph.Edge{Kind: graph.EdgeForwards, Port: d.Port.Port, Protocol: string(protocolOf(d.Port.Protocol)), Evidence: ev})
	b.routedHops(seeing, route, owner, svc, *d.Port, http)
}
