package model

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// apiRoute is what attaching reads of any Gateway API route kind: its
// parentRefs, hostnames (HTTPRoute, GRPCRoute, TLSRoute; TCPRoute has none
// and takes the listener's), the status written by a
// controller, and its rules reduced to matches, redirects and backendRefs.
type apiRoute struct {
	kind      string
	entry     *inventory.Object
	namespace string
	name      string
	parents   []gatewayv1.ParentReference
	hostnames []gatewayv1.Hostname
	status    []gatewayv1.RouteParentStatus
	rules     []apiRouteRule
	// http: requests reach an HTTP filter chain (HTTPRoute, GRPCRoute).
	http bool
}

type apiRouteRule struct {
	match string
	// redirect is the scheme of a RequestRedirect filter ("" for the
	// request's own) when the rule answers with a redirect.
	redirect *string
	backends []gatewayv1.BackendRef
}

func (r *apiRoute) key() string { return r.namespace + "/" + r.name }

// apiRoutes reads every Gateway API route of the inventory, in kind order
// (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute) and inventory order; UDPRoutes
// are unmodelled objects (Not seen).
func (m *Model) apiRoutes() []*apiRoute {
	var out []*apiRoute
	for _, o := range inventory.Typed[*gatewayv1.HTTPRoute](m.Inventory, inventory.HTTPRoute) {
		r := &apiRoute{kind: "HTTPRoute", entry: o.Entry, namespace: o.Obj.Namespace, name: o.Obj.Name, parents: o.Obj.Spec.ParentRefs,
			hostnames: o.Obj.Spec.Hostnames, status: o.Obj.Status.Parents, http: true}
		for _, rule := range o.Obj.Spec.Rules {
			ar := apiRouteRule{match: httpRoutePath(rule.Matches), redirect: redirectScheme(rule.Filters)}
			for _, be := range rule.BackendRefs {
				ar.backends = append(ar.backends, be.BackendRef)
			}
			r.rules = append(r.rules, ar)
		}
		out = append(out, r)
	}
	for _, o := range inventory.Typed[*gatewayv1.GRPCRoute](m.Inventory, inventory.GRPCRoute) {
		r := &apiRoute{kind: "GRPCRoute", entry: o.Entry, namespace: o.Obj.Namespace, name: o.Obj.Name, parents: o.Obj.Spec.ParentRefs,
			hostnames: o.Obj.Spec.Hostnames, status: o.Obj.Status.Parents, http: true}
		for _, rule := range o.Obj.Spec.Rules {
			ar := apiRouteRule{match: grpcRoutePath(rule.Matches)}
			for _, be := range rule.BackendRefs {
				ar.backends = append(ar.backends, be.BackendRef)
			}
			r.rules = append(r.rules, ar)
		}
		out = append(out, r)
	}
	for _, o := range inventory.Typed[*gatewayv1.TLSRoute](m.Inventory, inventory.TLSRoute) {
		r := &apiRoute{kind: "TLSRoute", entry: o.Entry, namespace: o.Obj.Namespace, name: o.Obj.Name, parents: o.Obj.Spec.ParentRefs,
			hostnames: o.Obj.Spec.Hostnames, status: o.Obj.Status.Parents}
		for _, rule := range o.Obj.Spec.Rules {
			r.rules = append(r.rules, apiRouteRule{backends: rule.BackendRefs})
		}
		out = append(out, r)
	}
	for _, o := range inventory.Typed[*gatewayv1.TCPRoute](m.Inventory, inventory.TCPRoute) {
		r := &apiRoute{kind: "TCPRoute", entry: o.Entry, namespace: o.Obj.Namespace, name: o.Obj.Name, parents: o.Obj.Spec.ParentRefs,
			status: o.Obj.Status.Parents}
		for _, rule := range o.Obj.Spec.Rules {
			r.rules = append(r.rules, apiRouteRule{backends: rule.BackendRefs})
		}
		out = append(out, r)
	}
	return out
}

// APIRouteParents is a Gateway API route with the parents it names.
type APIRouteParents struct {
	Entry   *inventory.Object
	Parents []gatewayv1.ParentReference
}

// APIRoutesParents returns every Gateway API route (all kinds) with its
// parentRefs, in the order routes are attached.
func (m *Model) APIRoutesParents() []APIRouteParents {
	var out []APIRouteParents
	for _, r := range m.apiRoutes() {
		out = append(out, APIRouteParents{Entry: r.entry, Parents: r.parents})
	}
	return out
}

// attachAPIRoute attaches a Gateway API route to the Gateway listeners its
// parentRefs name and returns one route per rule on each, as the Gateway
// API specifies (gateway-api apis/v1 shared_types.go ParentReference,
// CommonRouteSpec; gateway_types.go AllowedRoutes, Listener.Hostname;
// https://gateway-api.sigs.k8s.io/reference/spec/): a parentRef names a
// Gateway (group gateway.networking.k8s.io, kind Gateway by default) in
// the route's namespace unless it says another, and, with sectionName
// and/or port, only the listeners of that name and port. A listener takes
// the route when its kind is one the listener supports (supportedRouteKinds)
// and its allowedRoutes admit the route's namespace (from Same by default,
// All, or Selector on the namespace's labels), and, for kinds with
// hostnames, when they intersect the listener's hostname (either unset
// matches every host; "*.example.com" matches any name below example.com).
// A route that attaches nowhere is a gap (a Not seen line), as its Accepted
// condition would be False. Rules whose filters redirect (RequestRedirect)
// answer without forwarding; backendRefs of weight 0 take no traffic; a
// backendRef to a Service in another namespace needs a ReferenceGrant
// there (gateway-api apis/v1 referencegrant_types.go), otherwise it is not
// routed (ResolvedRefs False, RefNotPermitted) and is a gap. What the
// route's status says is compared with what was computed (compareStatus).
func (m *Model) attachAPIRoute(r *apiRoute) []*Route {
	var out []*Route
	for _, ref := range r.parents {
		if ref.Group != nil && *ref.Group != gatewayv1.GroupName {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: r.entry, Text: fmt.Sprintf("%s %s (%s): parentRef %s %s is not a Gateway, so its routes through it are not analysed", r.kind, r.key(), r.entry.Origin, deref(ref.Group), ref.Name)})
			continue
		}
		if ref.Kind != nil && *ref.Kind != "Gateway" {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: r.entry, Text: fmt.Sprintf("%s %s (%s): parentRef kind %s %s is not modelled, so its routes through it are not analysed", r.kind, r.key(), r.entry.Origin, *ref.Kind, ref.Name)})
			continue
		}
		ns := r.namespace
		if ref.Namespace != nil && *ref.Namespace != "" {
			ns = string(*ref.Namespace)
		}
		gw := m.apiGateway(ns + "/" + string(ref.Name))
		if gw == nil {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: r.entry, Text: fmt.Sprintf("%s %s (%s): parent Gateway %s/%s is not in the input, so its routes through it are not analysed", r.kind, r.key(), r.entry.Origin, ns, ref.Name)})
			continue
		}
		attached, reasons, unresolved := 0, []string{}, false
		for _, l := range m.ListenersOf(gw.Entry) {
			src := l.APIListener
			if ref.SectionName != nil && string(*ref.SectionName) != string(src.Name) {
				continue
			}
			if ref.Port != nil && int32(*ref.Port) != l.Port {
				continue
			}
			if why := m.listenerRejects(gw, src, r.kind, r.namespace); why != "" {
				reasons = append(reasons, fmt.Sprintf("listener %s: %s", src.Name, why))
				continue
			}
			host := l.Hosts[0].DNS
			if r.kind != "TCPRoute" {
				h, ok := intersectHostnames(host, r.hostnames)
				if !ok {
					reasons = append(reasons, fmt.Sprintf("listener %s: no hostname of the route matches %s", src.Name, host))
					continue
				}
				host = h
			}
			attached++
			routes, missing := m.apiRouteRules(r, l, gw, host)
			out = append(out, routes...)
			unresolved = unresolved || missing
		}
		if attached == 0 {
			why := "no listener matches its sectionName/port"
			if len(reasons) > 0 {
				why = strings.Join(reasons, "; ")
			}
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: r.entry, Text: fmt.Sprintf("%s %s (%s) is not accepted by Gateway %s (%s), so it routes nothing", r.kind, r.key(), r.entry.Origin, gw.Key, why)})
		}
		m.compareStatus(r, ref, ns, gw, attached > 0, unresolved)
	}
	return out
}
func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// supportedRouteKinds are the route kinds a listener takes when its
// allowedRoutes.kinds does not narrow them: HTTP and HTTPS listeners take
// HTTPRoute and GRPCRoute, TCP listeners TCPRoute, TLS listeners TLSRoute
// and, when they terminate TLS, TCPRoute (istio/istio
// pilot/pkg/config/kube/gatewaycommon GenerateSupportedKinds, the current
// code; a TLS block without mode is Terminate, the CRD's default; the
// Gateway API itself dropped TCPRoute on TLS listeners in v1.5). UDPRoutes
// are not modelled (Istio supports none; they are Not seen).
func supportedRouteKinds(l *gatewayv1.Listener) []string {
	switch l.Protocol {
	case gatewayv1.HTTPProtocolType, gatewayv1.HTTPSProtocolType:
		return []string{"HTTPRoute", "GRPCRoute"}
	case gatewayv1.TCPProtocolType:
		return []string{"TCPRoute"}
	case gatewayv1.TLSProtocolType:
		if l.TLS != nil && (l.TLS.Mode == nil || *l.TLS.Mode == gatewayv1.TLSModeTerminate) {
			return []string{"TLSRoute", "TCPRoute"}
		}
		return []string{"TLSRoute"}
	}
	return nil
}

// listenerRejects says why a listener does not admit routes of a kind from
// a namespace ("" when it does): the kind must be supported and, when
// allowedRoutes.kinds is set, listed there (the listener takes the
// intersection, as GenerateSupportedKinds computes it).
func (m *Model) listenerRejects(gw *APIGateway, l *gatewayv1.Listener, kind, routeNS string) string {
	kinds := []gatewayv1.RouteGroupKind{}
	var from gatewayv1.FromNamespaces = gatewayv1.NamespacesFromSame
	var selector *metav1.LabelSelector
	if ar := l.AllowedRoutes; ar != nil {
		kinds = ar.Kinds
		if ar.Namespaces != nil {
			if ar.Namespaces.From != nil {
				from = *ar.Namespaces.From
			}
			selector = ar.Namespaces.Selector
		}
	}
	if !slices.Contains(supportedRouteKinds(l), kind) {
		return fmt.Sprintf("a %s listener takes no %s", l.Protocol, kind)
	}
	if len(kinds) > 0 {
		ok := false
		for _, k := range kinds {
			ok = ok || (string(k.Kind) == kind && (k.Group == nil || *k.Group == gatewayv1.GroupName))
		}
		if !ok {
			return "allowedRoutes.kinds does not list " + kind
		}
	}
	switch from {
	case gatewayv1.NamespacesFromAll:
		return ""
	case gatewayv1.NamespacesFromSame:
		if routeNS != gw.Obj.Namespace {
			return fmt.Sprintf("allowedRoutes.namespaces.from Same admits only routes in %s", gw.Obj.Namespace)
		}
		return ""
	case gatewayv1.NamespacesFromSelector:
		if selector == nil {
			return "allowedRoutes.namespaces.from Selector without a selector admits nothing"
		}
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return "allowedRoutes.namespaces.selector is invalid"
		}
		nsLabels, known := m.NamespaceLabels(routeNS)
		if !known {
			nsLabels = map[string]string{"kubernetes.io/metadata.name": routeNS}
		}
		if !sel.Matches(labels.Set(nsLabels)) {
			return fmt.Sprintf("allowedRoutes.namespaces.selector does not match namespace %s", routeNS)
		}
		return ""
	}
	return fmt.Sprintf("allowedRoutes.namespaces.from %s is not a known value", from)
}

// intersectHostnames returns the most specific host a route answers on a
// listener: the listener's when the route names none, the route's
// hostname when it falls under the listener's, the listener's when it
// falls under the route's wildcard; false when none intersects.
func intersectHostnames(listener string, route []gatewayv1.Hostname) (string, bool) {
	if len(route) == 0 {
		return listener, true
	}
	for _, h := range route {
		rh := strings.ToLower(string(h))
		if hosts.Match(listener, rh) {
			if hosts.Covers(listener, rh) {
				return rh, true
			}
			return listener, true
		}
	}
	return "", false
}

// apiRouteRules are an attached route's rules on one listener; unresolved
// says some backendRef does not resolve (not a Service, not granted, or a
// Service not in the input: ResolvedRefs False).
func (m *Model) apiRouteRules(ar *apiRoute, l *Listener, gw *APIGateway, host string) (out []*Route, unresolved bool) {
	for i, rule := range ar.rules {
		r := &Route{Kind: GatewayAPIRoute, Entry: ar.entry, Listener: l, Proxies: gw.Proxies, Section: fmt.Sprintf("rules[%d]", i),
			Host: host, Match: rule.match, HTTP: ar.http}
		if ar.kind == "TLSRoute" || ar.kind == "TCPRoute" {
			r.Match = ""
		}
		if rule.redirect != nil {
			// Answered by the proxy with a redirect; nothing is forwarded.
			r.Redirect = true
			r.RedirectScheme = *rule.redirect
			out = append(out, r)
			continue
		}
		for _, be := range rule.backends {
			if be.Weight != nil && *be.Weight == 0 {
				continue
			}
			if (be.Group != nil && *be.Group != "") || (be.Kind != nil && *be.Kind != "Service") {
				m.routeGaps = append(m.routeGaps, RouteGap{Entry: ar.entry, Text: fmt.Sprintf("%s %s (%s) rules[%d]: backendRef %s %s is not a Service, so traffic to it is not analysed", ar.kind, ar.key(), ar.entry.Origin, i, deref(be.Kind), be.Name)})
				unresolved = true
				continue
			}
			ns := ar.namespace
			if be.Namespace != nil && *be.Namespace != "" {
				ns = string(*be.Namespace)
			}
			if ns != ar.namespace && !m.ReferenceGranted(ar.kind, ar.namespace, "Service", ns, string(be.Name)) {
				m.routeGaps = append(m.routeGaps, RouteGap{Entry: ar.entry, Text: fmt.Sprintf("%s %s (%s) rules[%d]: backendRef Service %s/%s is in another namespace and no ReferenceGrant there allows it (ResolvedRefs False, RefNotPermitted), so it is not routed", ar.kind, ar.key(), ar.entry.Origin, i, ns, be.Name)})
				unresolved = true
				continue
			}
			if m.Inventory.Get(inventory.Service, ns, string(be.Name)) == nil {
				unresolved = true // the builder reports the route broken
			}
			port := int32(0)
			if be.Port != nil {
				port = int32(*be.Port)
			}
			r.Destinations = append(r.Destinations, RouteDestination{Namespace: ns,
				Backend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: string(be.Name), Port: networkingv1.ServiceBackendPort{Number: port}}}})
		}
		out = append(out, r)
	}
	return out, unresolved
}

// httpRoutePath summarises a rule's first path match as model.URIMatch
// does for VirtualServices: "/x" for a prefix (the default, "/"), "/x
// (exact)", "~regex".
func httpRoutePath(matches []gatewayv1.HTTPRouteMatch) string {
	if len(matches) == 0 || matches[0].Path == nil || matches[0].Path.Value == nil {
		return "/"
	}
	p := matches[0].Path
	switch {
	case p.Type != nil && *p.Type == gatewayv1.PathMatchExact:
		return *p.Value + " (exact)"
	case p.Type != nil && *p.Type == gatewayv1.PathMatchRegularExpression:
		return "~" + *p.Value
	}
	return *p.Value
}

// redirectScheme returns the scheme of a rule's RequestRedirect filter
// ("" when it keeps the request's), nil when the rule does not redirect.
func redirectScheme(filters []gatewayv1.HTTPRouteFilter) *string {
	for _, f := range filters {
		if f.Type == gatewayv1.HTTPRouteFilterRequestRedirect {
			scheme := ""
			if f.RequestRedirect != nil && f.RequestRedirect.Scheme != nil {
				scheme = strings.ToLower(*f.RequestRedirect.Scheme)
			}
			return &scheme
		}
	}
	return nil
}

// grpcRoutePath is the HTTP/2 path a GRPCRoute rule's first method match
// selects: "/service/method (exact)", "/service/" for a service, "/" for
// none, "~service/method" for RegularExpression matches (gateway-api
// apis/v1 grpcroute_types.go GRPCMethodMatch).
func grpcRoutePath(matches []gatewayv1.GRPCRouteMatch) string {
	if len(matches) == 0 || matches[0].Method == nil {
		return "/"
	}
	mm := matches[0].Method
	svc, method := deref(mm.Service), deref(mm.Method)
	if mm.Type != nil && *mm.Type == gatewayv1.GRPCMethodMatchRegularExpression {
		return "~" + svc + "/" + method
	}
	switch {
	case svc != "" && method != "":
		return "/" + svc + "/" + method + " (exact)"
	case svc != "":
		return "/" + svc + "/"
	}
	return "/"
}

// ReferenceGranted reports whether a ReferenceGrant in toNS lets objects
// of fromKind (a Gateway API kind) in fromNS refer to the core object
// toKind/name there (Service, Secret); a grant's "to" without name allows
// every object of the kind (gateway-api apis/v1 referencegrant_types.go).
func (m *Model) ReferenceGranted(fromKind, fromNS, toKind, toNS, name string) bool {
	for _, g := range inventory.Typed[*gatewayv1.ReferenceGrant](m.Inventory, inventory.ReferenceGrant) {
		if g.Obj.Namespace != toNS {
			continue
		}
		fromOK := false
		for _, f := range g.Obj.Spec.From {
			fromOK = fromOK || (f.Group == gatewayv1.GroupName && string(f.Kind) == fromKind && string(f.Namespace) == fromNS)
		}
		if !fromOK {
			continue
		}
		for _, t := range g.Obj.Spec.To {
			if t.Group == "" && string(t.Kind) == toKind && (t.Name == nil || *t.Name == "" || string(*t.Name) == name) {
				return true
			}
		}
	}
	return false
}

// compareStatus notes where a route's status, as a controller wrote it for
// this parent, disagrees with what the input computes: status is evidence
// of the cluster the input was taken from (a namespace label or a grant
// not in the input changes acceptance), never the verdict. Accepted and
// ResolvedRefs are compared (gateway-api apis/v1 shared_types.go
// RouteConditionAccepted, RouteConditionResolvedRefs).
func (m *Model) compareStatus(r *apiRoute, ref gatewayv1.ParentReference, ns string, gw *APIGateway, attached, unresolved bool) {
	for _, ps := range r.status {
		p := ps.ParentRef
		pns := r.namespace
		if p.Namespace != nil && *p.Namespace != "" {
			pns = string(*p.Namespace)
		}
		if pns != ns || p.Name != ref.Name || deref(p.SectionName) != deref(ref.SectionName) || !samePort(p.Port, ref.Port) {
			continue
		}
		if gw.Controller != "" && string(ps.ControllerName) != gw.Controller {
			continue
		}
		for _, c := range ps.Conditions {
			var computed bool
			var yes, no string
			switch c.Type {
			case string(gatewayv1.RouteConditionAccepted):
				computed, yes, no = attached, "is accepted", "is not accepted"
			case string(gatewayv1.RouteConditionResolvedRefs):
				if !attached {
					continue
				}
				computed, yes, no = !unresolved, "resolves all its backendRefs", "leaves backendRefs unresolved"
			default:
				continue
			}
			said := c.Status == metav1.ConditionTrue
			if said == computed || c.Status == metav1.ConditionUnknown {
				continue
			}
			verdict := no
			if computed {
				verdict = yes
			}
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: r.entry, Text: fmt.Sprintf("%s %s (%s): its status says %s=%s (%s) for Gateway %s, but from the input it %s; analysed as computed from the input (the cluster may hold objects or labels the input lacks)",
				r.kind, r.key(), r.entry.Origin, c.Type, c.Status, c.Reason, gw.Key, verdict)})
		}
	}
}

func samePort(a, b *gatewayv1.PortNumber) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// apiGateway returns the Gateway API Gateway namespace/name, or nil.
func (m *Model) apiGateway(key string) *APIGateway {
	for _, g := range m.apiGateways {
		if g.Key == key {
			return g
		}
	}
	return nil
}
