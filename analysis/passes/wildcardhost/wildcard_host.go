package wildcardhost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/graph/model"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports routing objects that accept any Host header: Ingress
// rules without a host or with a wildcard host (and a spec.defaultBackend),
// Istio Gateway servers whose host is "*" (with or without a namespace
// part), VirtualServices with host "*" bound to a gateway, and Gateway API
// listeners without hostname. High when such
// a route forwards to a database or sensitive workload.
var Rule = &analysis.Rule{
	Slug:     "wildcard-host",
	Severity: analysis.Medium,
	Title:    "Route accepts any host name",
	Summary:  "an Ingress rule without host or with a wildcard host, a Gateway server host \"*\", a VirtualService host \"*\" on a gateway, or a Gateway API listener without hostname (high when it reaches a database)",
	Doc:      "docs/rules/wildcard-host.md",
	Messages: []analysis.Message{
		{Code: "SR0501", Level: analysis.Medium, Summary: "a wildcard host on an Ingress, Gateway server, VirtualService or Gateway API listener routes any hostname to its backends"},
		{Code: "SR0502", Level: analysis.High, Summary: "a wildcard host whose routes reach a database or sensitive workload"},
	},
	Run: runWildcardHost,
}

func runWildcardHost(p *analysis.Pass) []analysis.Finding {
	routes := whRouteNodes(p.Graph)
	var out []analysis.Finding
	for _, g := range p.Model.ListenerGroups(model.IngressHTTP) {
		if f, ok := whIngress(p, g.Listeners[0].Ingress, routes); ok {
			out = append(out, f)
		}
	}
	for _, g := range p.Model.ListenerGroups(model.GatewayServer) {
		if f, ok := whGateway(p, g.Listeners, routes); ok {
			out = append(out, f)
		}
	}
	for _, g := range p.Model.ListenerGroups(model.APIGatewayListener) {
		if f, ok := whAPIGateway(p, g.Listeners, routes); ok {
			out = append(out, f)
		}
	}
	for _, vs := range p.Model.VirtualServices() {
		if f, ok := whVirtualService(p, vs, routes); ok {
			out = append(out, f)
		}
	}
	return out
}

// whIngress: a rule without host, a wildcard rule host, or a default
// backend (which answers every host no rule names).
func whIngress(p *analysis.Pass, ing *model.Ingress, routes []*graph.Node) (analysis.Finding, bool) {
	var what []string
	routeHosts := map[string]bool{}
	if ing.Obj.Spec.DefaultBackend != nil {
		what = append(what, "spec.defaultBackend (answers every host)")
		routeHosts["*"] = true
	}
	noHost := false
	seen := map[string]bool{}
	for _, r := range ing.Obj.Spec.Rules {
		switch {
		case r.Host == "":
			if !noHost {
				noHost = true
				what = append(what, "a rule without host (matches every Host header)")
			}
			routeHosts["*"] = true
		case whIsWildcard(r.Host):
			if !seen[r.Host] {
				seen[r.Host] = true
				what = append(what, fmt.Sprintf("wildcard host %s", r.Host))
			}
			routeHosts[r.Host] = true
		}
	}
	if len(what) == 0 {
		return analysis.Finding{}, false
	}
	owner := passutil.Ref(ing.Entry)
	reached := whReachedDatabases(p.Graph, routes, func(r *graph.Node) bool {
		return r.Route.Type == "Ingress" && whOwnedBy(r, owner) && routeHosts[r.Route.Host]
	})
	reach := "any subdomain name that resolves to the ingress controller (a stale or hijacked DNS record included) reaches these backends"
	if routeHosts["*"] {
		reach = "any DNS name pointed at the ingress controller, or a request to its bare IP, reaches these backends"
	}
	msg := fmt.Sprintf("Ingress %s/%s has %s: %s, so host-based separation and access rules keyed on the host name do not bound it",
		ing.Obj.Namespace, ing.Obj.Name, strings.Join(what, ", "), reach)
	return whFinding(p, owner, msg, ing.Entry, reached), true
}

// whGateway: a server host whose DNS part is "*" ("*", "*/*", "ns/*",
// "./*"): the server accepts every host, and with "*/" every namespace may
// bind VirtualServices to it. servers are one Gateway's listeners.
func whGateway(p *analysis.Pass, servers []*model.Listener, routes []*graph.Node) (analysis.Finding, bool) {
	var what []string
	ports := map[int32]bool{}
	binders := map[string]bool{}
	gw := servers[0].Entry
	for _, l := range servers {
		var wild []string
		for _, h := range l.Hosts {
			if h.DNS == "*" {
				wild = append(wild, h.Raw)
				ns := h.Namespace
				if ns == "." {
					ns = gw.Key.Namespace
				}
				binders[ns] = true
			}
		}
		if len(wild) == 0 {
			continue
		}
		ports[l.Port] = true
		what = append(what, fmt.Sprintf("server on port %d (%s) has host %s", l.Port, l.Protocol, strings.Join(wild, ", ")))
	}
	if len(what) == 0 {
		return analysis.Finding{}, false
	}
	target := passutil.Ref(gw)
	reached := whReachedDatabases(p.Graph, routes, func(r *graph.Node) bool {
		return r.Route.Type == "VirtualService" && ports[r.Route.Port] && whViaGateway(r, target)
	})
	who := "any namespace"
	if !binders["*"] {
		var list []string
		for ns := range binders {
			list = append(list, ns)
		}
		sort.Strings(list)
		who = "namespace " + strings.Join(list, ", ")
	}
	msg := fmt.Sprintf("Gateway %s/%s %s: it accepts every host name, so a VirtualService from %s can publish any host on it, and requests for names nobody owns still reach its listeners",
		gw.Key.Namespace, gw.Key.Name, strings.Join(what, "; "), who)
	return whFinding(p, target, msg, gw, reached), true
}

// whVirtualService: host "*" on a VirtualService bound to a gateway other
// than the mesh.
func whVirtualService(p *analysis.Pass, vs inventory.TypedObject[*istionetv1.VirtualService], routes []*graph.Node) (analysis.Finding, bool) {
	star := false
	for _, h := range vs.Obj.Spec.GetHosts() {
		if h == "*" {
			star = true
		}
	}
	var gws []string
	for _, g := range vs.Obj.Spec.GetGateways() {
		if g != "mesh" {
			gws = append(gws, g)
		}
	}
	if !star || len(gws) == 0 {
		return analysis.Finding{}, false
	}
	target := passutil.Ref(vs.Entry)
	reached := whReachedDatabases(p.Graph, routes, func(r *graph.Node) bool {
		return r.Route.Type == "VirtualService" && whOwnedBy(r, target) && r.Route.Host == "*"
	})
	msg := fmt.Sprintf("VirtualService %s/%s has host * and is bound to gateway %s: its routes answer every host name the gateway accepts, so requests for any name (or the bare IP) reach its destinations",
		vs.Obj.Namespace, vs.Obj.Name, strings.Join(gws, ", "))
	return whFinding(p, target, msg, vs.Entry, reached), true
}

// whAPIGateway: a Gateway API listener of a protocol with host names
// (HTTP, HTTPS, TLS) without hostname accepts every host: a route attached
// without hostnames answers every name, one with hostnames answers those
// (gateway-api apis/v1 gateway_types.go Listener.Hostname: "If hostname is
// unspecified, ... all hostnames"). Which namespaces may attach routes is
// the listener's allowedRoutes. listeners are one Gateway's, in order.
func whAPIGateway(p *analysis.Pass, listeners []*model.Listener, routes []*graph.Node) (analysis.Finding, bool) {
	var what []string
	ports := map[int32]bool{}
	gw := listeners[0].Entry
	for _, l := range listeners {
		switch l.Protocol {
		case "HTTP", "HTTPS", "TLS":
		default:
			continue // TCP and UDP listeners have no host names to bound
		}
		if l.APIListener.Hostname != nil && *l.APIListener.Hostname != "" {
			continue
		}
		ports[l.Port] = true
		what = append(what, fmt.Sprintf("listener %s on port %d (%s) has no hostname, so it accepts every host, and routes from %s may attach to it",
			l.APIListener.Name, l.Port, l.Protocol, whAttachers(l)))
	}
	if len(what) == 0 {
		return analysis.Finding{}, false
	}
	target := passutil.Ref(gw)
	reached := whReachedDatabases(p.Graph, routes, func(r *graph.Node) bool {
		return r.Route.Type != "VirtualService" && r.Route.Type != "Ingress" && ports[r.Route.Port] && whViaGateway(r, target)
	})
	msg := fmt.Sprintf("Gateway %s/%s: %s; a route without hostnames there answers any DNS name pointed at the gateway, or a request to its bare IP",
		gw.Key.Namespace, gw.Key.Name, strings.Join(what, "; "))
	return whFinding(p, target, msg, gw, reached), true
}

// whAttachers names the namespaces a Gateway API listener admits routes
// from (allowedRoutes.namespaces.from, Same by default).
func whAttachers(l *model.Listener) string {
	ar := l.APIListener.AllowedRoutes
	if ar == nil || ar.Namespaces == nil || ar.Namespaces.From == nil {
		return "namespace " + l.Entry.Key.Namespace
	}
	switch string(*ar.Namespaces.From) {
	case "All":
		return "any namespace"
	case "Selector":
		return "the namespaces its allowedRoutes selector matches"
	}
	return "namespace " + l.Entry.Key.Namespace
}

// whFinding builds the finding: high, naming the databases, when the
// wildcard routes reach any.
func whFinding(p *analysis.Pass, target analysis.Ref, msg string, entry *inventory.Object, reached []*graph.Node) analysis.Finding {
	ev := []graph.Evidence{graph.EvidenceOf(entry)}
	if len(reached) > 0 {
		var names []string
		for _, db := range reached {
			w := db.Workload.Source
			names = append(names, fmt.Sprintf("%s %s/%s (%s)", w.Kind, w.Namespace, w.Name, db.Workload.Database.Reason))
			ev = append(ev, graph.EvidenceOf(w.Object))
		}
		msg += "; a wildcard route reaches the database or sensitive workload " + strings.Join(names, ", ")
	}
	code := "SR0501"
	if len(reached) > 0 {
		code = "SR0502"
	}
	return p.Finding(code, target, msg, ev...)
}

// whIsWildcard: a host that starts with a wildcard label ("*", "*.x").
func whIsWildcard(h string) bool { return strings.HasPrefix(h, "*") }
