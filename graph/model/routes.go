package model

import (
	"fmt"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// RouteKind says which object a route comes from.
type RouteKind int

// Route kinds.
const (
	// IngressRoute is an Ingress rule path or its default backend.
	IngressRoute RouteKind = iota + 1
	// VirtualServiceRoute is an http, tls or tcp route of a VirtualService
	// (a delegate's merged under its root) on one Gateway server.
	VirtualServiceRoute
	// GatewayAPIRoute is a rule of a Gateway API route (HTTPRoute,
	// GRPCRoute, TLSRoute, TCPRoute; Entry.Key.Kind says which) on one
	// listener.
	GatewayAPIRoute
)

// Route is one configured route on one listener, with the host it answers
// and its destinations as written (Model.Destination and
// Model.IngressBackend resolve them).
type Route struct {
	Kind RouteKind
	// Entry is the Ingress, the (root) VirtualService or the HTTPRoute.
	Entry *inventory.Object
	// Listener is the listener the route is served on.
	Listener *Listener
	// Proxies are the workloads serving it: the Ingress class's
	// controllers, or the Gateway proxies the VirtualService is exported
	// to.
	Proxies []*inventory.Workload
	// Section is where in the object the route is written: "http[0]",
	// "http[1] delegate ns/name http[0]", "tls[0]", "tcp[2]"; "" for
	// Ingress routes.
	Section string
	// DefaultBackend: the Ingress's spec.defaultBackend.
	DefaultBackend bool
	// Host is the host answered ("*" for every host); Match the path (an
	// Ingress path, the first URI match of an http route: "/x", "/x
	// (exact)", "~regex"), PathType the Ingress pathType.
	Host, Match, PathType string
	// HTTP: the route is an HTTP route (requests reach an HTTP filter
	// chain on the way to its destinations).
	HTTP bool
	// Redirect: the rule answers every request with a redirect
	// (RequestRedirect) to RedirectScheme ("" keeps the request's scheme)
	// and forwards nothing; it has no Destinations.
	Redirect       bool
	RedirectScheme string
	// Destinations are the route's destinations in order.
	Destinations []RouteDestination
}

// RouteDestination is one destination of a route: an Ingress backend, or
// a VirtualService destination host and port with the namespace resolving
// its short names (the namespace of the VirtualService holding the route,
// a delegate's own).
type RouteDestination struct {
	Backend   *networkingv1.IngressBackend
	Host      string
	Port      uint32
	Namespace string
}

// Protocol is the route's protocol for the graph: HTTP or HTTPS for an
// Ingress route, the Gateway server's protocol as written otherwise.
func (r *Route) Protocol() string { return r.Listener.Protocol }

// RouteGap is a route the input declares that is not served, and why (a
// Not seen line).
type RouteGap struct {
	Entry *inventory.Object
	Text  string
}

// Routes returns every route in order: Ingresses in inventory order (the
// default backend first, then rule paths), then VirtualServices in
// inventory order, each by gateway binding, server and route.
func (m *Model) Routes() []*Route {
	if m.routeList == nil {
		m.resolveRoutes()
	}
	return append([]*Route(nil), m.routeList...)
}

// RouteGaps returns the routes the input declares that cannot be served
// (a gateway not in the input, an unusable delegate), in order.
func (m *Model) RouteGaps() []RouteGap {
	if m.routeList == nil {
		m.resolveRoutes()
	}
	return append([]RouteGap(nil), m.routeGaps...)
}

func (m *Model) resolveRoutes() {
	m.routeList = []*Route{}
	for _, ing := range m.Ingresses() {
		m.routeList = append(m.routeList, m.ingressRoutes(ing)...)
	}
	for _, vs := range m.VirtualServices() {
		m.routeList = append(m.routeList, m.virtualServiceRoutes(vs)...)
	}
	for _, r := range m.apiRoutes() {
		m.routeList = append(m.routeList, m.attachAPIRoute(r)...)
	}
}

// ingressRoutes are an Ingress's routes, each on the listener of its host:
// a host named by a spec.tls entry (or, for a rule without host or the
// default backend, any spec.tls entry) is served with TLS
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#tls).
// An Ingress without class has no controller and no routes.
func (m *Model) ingressRoutes(ing *Ingress) []*Route {
	if ing.Class == nil {
		return nil
	}
	listeners := m.ListenersOf(ing.Entry)
	listenerFor := func(host string) *Listener {
		for _, l := range listeners[1:] {
			if host == "" {
				return l
			}
			for _, h := range l.Hosts {
				if h.Raw == host {
					return l
				}
			}
		}
		return listeners[0]
	}
	var out []*Route
	if be := ing.Obj.Spec.DefaultBackend; be != nil {
		out = append(out, &Route{Kind: IngressRoute, Entry: ing.Entry, Listener: listenerFor(""), Proxies: ing.Class.Controllers,
			DefaultBackend: true, Host: "*", Match: "/", HTTP: true, Destinations: []RouteDestination{{Backend: be}}})
	}
	for _, rule := range ing.Obj.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		host := rule.Host
		if host == "" {
			host = "*"
		}
		for i := range rule.HTTP.Paths {
			p := &rule.HTTP.Paths[i]
			path := p.Path
			if path == "" {
				path = "/"
			}
			pathType := ""
			if p.PathType != nil {
				pathType = string(*p.PathType)
			}
			out = append(out, &Route{Kind: IngressRoute, Entry: ing.Entry, Listener: listenerFor(rule.Host), Proxies: ing.Class.Controllers,
				Host: host, Match: path, PathType: pathType, HTTP: true, Destinations: []RouteDestination{{Backend: &p.Backend}}})
		}
	}
	return out
}

// virtualServiceRoutes binds a VirtualService to the Gateway servers that
// admit its hosts (Model.Bindings) and returns its routes on each, as the
// gateway's listeners select them (istio/istio
// pilot/pkg/networking/core/gateway.go buildGatewayListeners): an HTTP
// server or an HTTPS server terminating TLS takes the http routes
// (delegates merged, pilot/pkg/model/virtualservice.go
// mergeVirtualServicesIfNeeded), a passthrough server the tls routes, any
// other the tcp routes matching its port. An HTTP server redirecting to
// HTTPS and an ISTIO_MUTUAL server (nothing outside the mesh completes its
// handshake,
// https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode)
// forward nothing from the internet.
func (m *Model) virtualServiceRoutes(vs inventory.TypedObject[*istionetv1.VirtualService]) []*Route {
	var out []*Route
	for _, bind := range m.Bindings(vs.Obj) {
		if bind.Gateway == nil {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: vs.Entry, Text: fmt.Sprintf("VirtualService %s/%s (%s): gateway %s is not in the input, so its routes through it are not analysed", vs.Obj.Namespace, vs.Obj.Name, vs.Entry.Origin, bind.Key)})
			continue
		}
		if len(bind.Proxies) == 0 {
			continue
		}
		listeners := m.ListenersOf(bind.Gateway.Entry)
		for _, server := range bind.Servers {
			for _, l := range listeners {
				if l.Server == server.Server {
					out = append(out, m.routesOnServer(vs, l, bind.Proxies, server.Host)...)
				}
			}
		}
	}
	return out
}

func (m *Model) routesOnServer(vs inventory.TypedObject[*istionetv1.VirtualService], l *Listener, proxies []*inventory.Workload, host string) []*Route {
	if l.TLS.Mode == TLSIstioMutual || l.TLS.HTTPSRedirect {
		return nil
	}
	var out []*Route
	add := func(section, match string, ns string, dests []*networkingapi.Destination, http bool) {
		r := &Route{Kind: VirtualServiceRoute, Entry: vs.Entry, Listener: l, Proxies: proxies, Section: section, Host: host, Match: match, HTTP: http}
		for _, d := range dests {
			r.Destinations = append(r.Destinations, RouteDestination{Host: d.GetHost(), Port: d.GetPort().GetNumber(), Namespace: ns})
		}
		out = append(out, r)
	}
	switch {
	case l.ServesHTTP():
		for i, r := range vs.Obj.Spec.GetHttp() {
			if d := r.GetDelegate(); d != nil {
				delegate, key, problem := m.Delegate(vs.Obj, d)
				if problem != DelegateUsable {
					why := map[DelegateProblem]string{
						DelegateMissing:     "delegate VirtualService " + key + " is not in the input",
						DelegateHasHosts:    "delegate " + key + " has hosts, so istiod does not use it as a delegate",
						DelegateNotExported: "delegate " + key + " is not exported to namespace " + vs.Obj.Namespace,
					}[problem]
					m.routeGaps = append(m.routeGaps, RouteGap{Entry: vs.Entry, Text: fmt.Sprintf("VirtualService %s/%s (%s) http[%d]: %s, so its routes are not analysed", vs.Obj.Namespace, vs.Obj.Name, vs.Entry.Origin, i, why)})
					continue
				}
				for j, dr := range delegate.Obj.Spec.GetHttp() {
					if len(dr.GetRoute()) == 0 {
						continue
					}
					add(fmt.Sprintf("http[%d] delegate %s/%s http[%d]", i, delegate.Obj.Namespace, delegate.Obj.Name, j), delegateMatch(r, dr), delegate.Obj.Namespace, destinations(dr.GetRoute()), true)
				}
				continue
			}
			if len(r.GetRoute()) == 0 {
				continue // redirect or direct response: nothing forwarded
			}
			add(fmt.Sprintf("http[%d]", i), HTTPMatch(r), vs.Obj.Namespace, destinations(r.GetRoute()), true)
		}
	case l.TLS.Mode == TLSPassthrough:
		for i, r := range vs.Obj.Spec.GetTls() {
			add(fmt.Sprintf("tls[%d]", i), "", vs.Obj.Namespace, destinations(r.GetRoute()), false)
		}
	default:
		for i, r := range vs.Obj.Spec.GetTcp() {
			if !tcpMatchesPort(r, uint32(l.Port)) {
				continue
			}
			add(fmt.Sprintf("tcp[%d]", i), "", vs.Obj.Namespace, destinations(r.GetRoute()), false)
		}
	}
	return out
}

// destinations lists the destinations of an http, tls or tcp route.
func destinations[T interface {
	GetDestination() *networkingapi.Destination
}](routes []T) []*networkingapi.Destination {
	out := make([]*networkingapi.Destination, 0, len(routes))
	for _, r := range routes {
		out = append(out, r.GetDestination())
	}
	return out
}

// tcpMatchesPort: a tcp route without matches, or with a match on the
// server's port or on no port, applies to the server.
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

// delegateMatch is the merged match of a delegate route under its root
// route: the root's URI match, narrowed by the delegate's.
func delegateMatch(root, delegate *networkingapi.HTTPRoute) string {
	r, d := HTTPMatch(root), HTTPMatch(delegate)
	switch {
	case d == "/" || d == r:
		return r
	case r == "/":
		return d
	}
	return r + " and " + d
}

// HTTPMatch summarises the first URI match of an HTTP route: "/x", "/x
// (exact)", "~regex", or "/" when it matches every path.
func HTTPMatch(r *networkingapi.HTTPRoute) string {
	for _, m := range r.GetMatch() {
		if u := m.GetUri(); u.GetPrefix() != "" || u.GetExact() != "" || u.GetRegex() != "" {
			return URIMatch(u)
		}
	}
	return "/"
}

// URIMatch summarises a URI StringMatch the way HTTPMatch does.
func URIMatch(u *networkingapi.StringMatch) string {
	switch {
	case u.GetPrefix() != "":
		return u.GetPrefix()
	case u.GetExact() != "":
		return u.GetExact() + " (exact)"
	case u.GetRegex() != "":
		return "~" + u.GetRegex()
	}
	return "/"
}
