package model

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// httpRouteRoutes attaches an HTTPRoute to the Gateway listeners its
// parentRefs name and returns one route per rule on each, as the Gateway
// API specifies (gateway-api apis/v1 httproute_types.go, shared_types.go
// ParentReference, gateway_types.go AllowedRoutes, Listener.Hostname;
// https://gateway-api.sigs.k8s.io/reference/spec/): a parentRef names a
// Gateway (group gateway.networking.k8s.io, kind Gateway by default) in
// the route's namespace unless it says another, and, with sectionName
// and/or port, only the listeners of that name and port. A listener takes
// the route when its allowedRoutes admit the route's namespace (from Same
// by default, All, or Selector on the namespace's labels) and kind (an
// HTTP or HTTPS listener takes HTTPRoutes unless allowedRoutes.kinds says
// otherwise; TLS, TCP and UDP listeners never), and when the route's
// hostnames intersect the listener's hostname (either unset matches every
// host; "*.example.com" matches any name below example.com). A route that
// attaches nowhere is a gap (a Not seen line), as its Accepted condition
// would be False. Rules whose filters redirect (RequestRedirect) answer
// without forwarding; backendRefs of weight 0 take no traffic; a backendRef
// to a Service in another namespace needs a ReferenceGrant there
// (ReferenceGrant, gateway-api apis/v1 referencegrant_types.go), otherwise it
// is not routed (ResolvedRefs False, RefNotPermitted) and is a gap.
func (m *Model) httpRouteRoutes(hr inventory.TypedObject[*gatewayv1.HTTPRoute]) []*Route {
	route := hr.Obj
	name := route.Namespace + "/" + route.Name
	var out []*Route
	for _, ref := range route.Spec.ParentRefs {
		if ref.Group != nil && *ref.Group != gatewayv1.GroupName {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s): parentRef %s %s is not a Gateway, so its routes through it are not analysed", name, hr.Entry.Origin, deref(ref.Group), ref.Name)})
			continue
		}
		if ref.Kind != nil && *ref.Kind != "Gateway" {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s): parentRef kind %s %s is not modelled, so its routes through it are not analysed", name, hr.Entry.Origin, *ref.Kind, ref.Name)})
			continue
		}
		ns := route.Namespace
		if ref.Namespace != nil && *ref.Namespace != "" {
			ns = string(*ref.Namespace)
		}
		gw := m.apiGateway(ns + "/" + string(ref.Name))
		if gw == nil {
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s): parent Gateway %s/%s is not in the input, so its routes through it are not analysed", name, hr.Entry.Origin, ns, ref.Name)})
			continue
		}
		attached, reasons := 0, []string{}
		for _, l := range m.ListenersOf(gw.Entry) {
			src := l.APIListener
			if ref.SectionName != nil && string(*ref.SectionName) != string(src.Name) {
				continue
			}
			if ref.Port != nil && int32(*ref.Port) != l.Port {
				continue
			}
			if why := m.listenerRejects(gw, src, route.Namespace); why != "" {
				reasons = append(reasons, fmt.Sprintf("listener %s: %s", src.Name, why))
				continue
			}
			host, ok := intersectHostnames(l.Hosts[0].DNS, route.Spec.Hostnames)
			if !ok {
				reasons = append(reasons, fmt.Sprintf("listener %s: no hostname of the route matches %s", src.Name, l.Hosts[0].DNS))
				continue
			}
			attached++
			out = append(out, m.httpRouteRules(hr, l, gw, host)...)
		}
		if attached == 0 {
			why := "no listener matches its sectionName/port"
			if len(reasons) > 0 {
				why = strings.Join(reasons, "; ")
			}
			m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s) is not accepted by Gateway %s (%s), so it routes nothing", name, hr.Entry.Origin, gw.Key, why)})
		}
	}
	return out
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// listenerRejects says why a listener does not admit HTTPRoutes from a
// namespace ("" when it does).
func (m *Model) listenerRejects(gw *APIGateway, l *gatewayv1.Listener, routeNS string) string {
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
	if len(kinds) == 0 {
		if l.Protocol != gatewayv1.HTTPProtocolType && l.Protocol != gatewayv1.HTTPSProtocolType {
			return fmt.Sprintf("a %s listener takes no HTTPRoute", l.Protocol)
		}
	} else {
		ok := false
		for _, k := range kinds {
			ok = ok || (k.Kind == "HTTPRoute" && (k.Group == nil || *k.Group == gatewayv1.GroupName))
		}
		if !ok {
			return "allowedRoutes.kinds does not list HTTPRoute"
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

// httpRouteRules are an attached HTTPRoute's rules on one listener.
func (m *Model) httpRouteRules(hr inventory.TypedObject[*gatewayv1.HTTPRoute], l *Listener, gw *APIGateway, host string) []*Route {
	var out []*Route
	name := hr.Obj.Namespace + "/" + hr.Obj.Name
	for i, rule := range hr.Obj.Spec.Rules {
		r := &Route{Kind: HTTPRouteRoute, Entry: hr.Entry, Listener: l, Proxies: gw.Proxies, Section: fmt.Sprintf("rules[%d]", i),
			Host: host, Match: httpRoutePath(rule.Matches), HTTP: true}
		if redirects(rule.Filters) {
			continue // answered by the proxy with a redirect
		}
		for _, be := range rule.BackendRefs {
			if be.Weight != nil && *be.Weight == 0 {
				continue
			}
			if (be.Group != nil && *be.Group != "") || (be.Kind != nil && *be.Kind != "Service") {
				m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s) rules[%d]: backendRef %s %s is not a Service, so traffic to it is not analysed", name, hr.Entry.Origin, i, deref(be.Kind), be.Name)})
				continue
			}
			ns := hr.Obj.Namespace
			if be.Namespace != nil && *be.Namespace != "" {
				ns = string(*be.Namespace)
			}
			if ns != hr.Obj.Namespace && !m.referenceGranted(hr.Obj.Namespace, ns, string(be.Name)) {
				m.routeGaps = append(m.routeGaps, RouteGap{Entry: hr.Entry, Text: fmt.Sprintf("HTTPRoute %s (%s) rules[%d]: backendRef Service %s/%s is in another namespace and no ReferenceGrant there allows it (ResolvedRefs False, RefNotPermitted), so it is not routed", name, hr.Entry.Origin, i, ns, be.Name)})
				continue
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
	return out
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

func redirects(filters []gatewayv1.HTTPRouteFilter) bool {
	for _, f := range filters {
		if f.Type == gatewayv1.HTTPRouteFilterRequestRedirect {
			return true
		}
	}
	return false
}

// referenceGranted reports whether a ReferenceGrant in toNS lets HTTPRoutes
// of fromNS refer to the Service name (a grant's "to" without name allows
// every Service).
func (m *Model) referenceGranted(fromNS, toNS, service string) bool {
	for _, g := range inventory.Typed[*gatewayv1.ReferenceGrant](m.Inventory, inventory.ReferenceGrant) {
		if g.Obj.Namespace != toNS {
			continue
		}
		fromOK := false
		for _, f := range g.Obj.Spec.From {
			fromOK = fromOK || (f.Group == gatewayv1.GroupName && f.Kind == "HTTPRoute" && string(f.Namespace) == fromNS)
		}
		if !fromOK {
			continue
		}
		for _, t := range g.Obj.Spec.To {
			if t.Group == "" && t.Kind == "Service" && (t.Name == nil || *t.Name == "" || string(*t.Name) == service) {
				return true
			}
		}
	}
	return false
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
