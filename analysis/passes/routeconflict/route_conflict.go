package routeconflict

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports routing objects that claim the same traffic: the
// same host and path sent to different backends by several Ingresses of one
// class or several VirtualServices on one Gateway, a host served both by an
// Ingress controller and by Istio, and Gateways of the same proxies that
// declare the same port and overlapping hosts. Only one claim wins, and
// which one depends on creation order: a later object silently loses (or
// silently takes over) traffic.
var Rule = &analysis.Rule{
	Slug:     "route-conflict",
	Severity: analysis.Medium,
	Title:    "Several routing objects claim the same traffic",
	Summary:  "the same host and path routed to different backends by several Ingresses, VirtualServices or Gateway API routes, a host split between an Ingress controller and Istio, or Gateways sharing a port and hosts on the same proxies",
	Doc:      "docs/rules/route-conflict.md",
	Messages: []analysis.Message{
		{Code: "SR1101", Level: analysis.Medium, Summary: "several Ingresses of one class claim the same host and path for different backends"},
		{Code: "SR1102", Level: analysis.Medium, Summary: "several VirtualServices bound to one Gateway claim the same host and match for different destinations"},
		{Code: "SR1103", Level: analysis.Medium, Summary: "a host served both by an Ingress controller and by an Istio Gateway"},
		{Code: "SR1104", Level: analysis.Medium, Summary: "Gateways on the same proxies with servers on the same port and overlapping hosts"},
		{Code: "SR1105", Level: analysis.Medium, Summary: "several Gateway API routes on one listener claim the same host and match for different backends"},
	},
	Run: runRouteConflict,
}

func runRouteConflict(p *analysis.Pass) []analysis.Finding {
	c := &conflictPass{p: p}
	c.ingressConflicts()
	c.virtualServiceConflicts()
	c.apiRouteConflicts()
	c.ingressIstioConflicts()
	c.gatewayConflicts()
	return c.out
}

type conflictPass struct {
	p   *analysis.Pass
	out []analysis.Finding
}

// conflictOldestFirst orders objects the way controllers break ties:
// creation time, then namespace and name (the order of the inventory).
func conflictOldestFirst[T any](list []T, entry func(T) *inventory.Object) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := entry(list[i]), entry(list[j])
		ta, tb := a.Obj.GetCreationTimestamp(), b.Obj.GetCreationTimestamp()
		if !ta.Equal(&tb) {
			return ta.Before(&tb)
		}
		if a.Key.Namespace != b.Key.Namespace {
			return a.Key.Namespace < b.Key.Namespace
		}
		return a.Key.Name < b.Key.Name
	})
}

// conflictClaim is one object claiming one key (host+path) for a backend.
type conflictClaim struct {
	obj     *inventory.Object
	what    string // human form of the key: host+path
	backend string
}

// conflictGroups collects claims per key, keeping the order keys were
// first claimed.
type conflictGroups struct {
	order  []string
	claims map[string][]conflictClaim
}

func (g *conflictGroups) add(key string, c conflictClaim) {
	if g.claims == nil {
		g.claims = map[string][]conflictClaim{}
	}
	list, ok := g.claims[key]
	if !ok {
		g.order = append(g.order, key)
	}
	for _, old := range list {
		if old.obj == c.obj {
			return // an object's first rule for a key is the one that counts
		}
	}
	g.claims[key] = append(list, c)
}

// findings returns one finding per object that loses a conflict: every
// claimant of a key whose claimants disagree on the backend, except the
// first (oldest) one.
func (g *conflictGroups) findings(p *analysis.Pass, kind string) []analysis.Finding {
	type loss struct {
		parts   []string
		related []*inventory.Object
	}
	losses := map[*inventory.Object]*loss{}
	var order []*inventory.Object
	for _, key := range g.order {
		list := g.claims[key]
		backends := map[string]bool{}
		for _, c := range list {
			backends[c.backend] = true
		}
		if len(backends) < 2 {
			continue
		}
		for _, c := range list[1:] {
			var others []string
			l := losses[c.obj]
			if l == nil {
				l = &loss{}
				losses[c.obj] = l
				order = append(order, c.obj)
			}
			for _, o := range list {
				if o.obj == c.obj || o.backend == c.backend {
					continue
				}
				others = append(others, fmt.Sprintf("%s %s (%s)", kind, conflictName(o.obj), o.backend))
				l.related = append(l.related, o.obj)
			}
			l.parts = append(l.parts, fmt.Sprintf("%s → %s is also claimed by %s, and %s %s wins as the oldest claim",
				c.what, c.backend, strings.Join(others, ", "), kind, conflictName(list[0].obj)))
		}
	}
	var out []analysis.Finding
	for _, o := range order {
		l := losses[o]
		ev := []graph.Evidence{graph.EvidenceOf(o)}
		seen := map[*inventory.Object]bool{o: true}
		for _, r := range l.related {
			if !seen[r] {
				seen[r] = true
				ev = append(ev, graph.EvidenceOf(r))
			}
		}
		out = append(out, p.Finding(conflictCodes[kind], passutil.Ref(o), fmt.Sprintf("%s %s claims a host and path that another %s routes to a different backend, and only one of them is served: %s",
			kind, conflictName(o), kind, strings.Join(l.parts, "; ")), ev...))
	}
	return out
}

// conflictCodes are the message codes of same-kind host and path claims.
var conflictCodes = map[string]string{"Ingress": "SR1101", "VirtualService": "SR1102",
	"HTTPRoute": "SR1105", "GRPCRoute": "SR1105", "TLSRoute": "SR1105"}

func conflictName(o *inventory.Object) string { return o.Key.Namespace + "/" + o.Key.Name }

// --- Ingress vs Ingress ------------------------------------------------------

// conflictIngressClass returns the class of an Ingress as the model
// resolves it, or "" when no class applies.
func (c *conflictPass) conflictIngressClass(ing *networkingv1.Ingress) *model.IngressClass {
	if mi := c.p.Model.IngressFor(ing); mi != nil {
		return mi.Class
	}
	return nil
}

// conflictIngressBackend is a canonical form of an Ingress backend; a port
// given by name is resolved to its number when the Service is in the input
// (model.IngressBackend).
func conflictIngressBackend(m *model.Model, ns string, be networkingv1.IngressBackend) string {
	switch {
	case be.Service != nil:
		port := be.Service.Port.Name
		if port == "" {
			port = fmt.Sprint(be.Service.Port.Number)
		} else if _, sp, problem := m.IngressBackend(ns, be); problem == model.DestinationOK {
			port = fmt.Sprint(sp.Port)
		}
		return fmt.Sprintf("Service %s/%s:%s", ns, be.Service.Name, port)
	case be.Resource != nil:
		return fmt.Sprintf("resource %s %s/%s", be.Resource.Kind, ns, be.Resource.Name)
	}
	return "no backend"
}

// ingressConflicts groups the Ingress rule paths the model routes
// (model.Routes: only Ingresses with a class have routes) by class, host
// and path, oldest Ingress first.
func (c *conflictPass) ingressConflicts() {
	var routes []*model.Route
	for _, r := range c.p.Model.Routes() {
		if r.Kind == model.IngressRoute && !r.DefaultBackend {
			routes = append(routes, r)
		}
	}
	conflictOldestFirst(routes, func(r *model.Route) *inventory.Object { return r.Entry })
	var groups conflictGroups
	for _, r := range routes {
		class := r.Listener.Ingress.Class.Name
		host := strings.ToLower(r.Host)
		groups.add(class+"\x00"+host+"\x00"+r.Match, conflictClaim{obj: r.Entry, what: fmt.Sprintf("%s%s (class %s)", host, r.Match, class),
			backend: conflictIngressBackend(c.p.Model, r.Entry.Key.Namespace, *r.Destinations[0].Backend)})
	}
	c.out = append(c.out, groups.findings(c.p, "Ingress")...)
}

// --- Gateway API route vs route --------------------------------------------------

// apiRouteConflicts groups the rules of Gateway API routes of one kind
// (HTTPRoute, GRPCRoute, TLSRoute) attached to the same listener by host
// and first match. Among rules that match equally, the Gateway API gives
// the request to the oldest route by creation timestamp, then to the first
// by namespace/name (gateway-api apis/v1 httproute_types.go HTTPRouteRule
// "ties ... oldest Route based on creation timestamp ... alphabetical order
// by {namespace}/{name}"), so the other routes silently lose it.
func (c *conflictPass) apiRouteConflicts() {
	var routes []*model.Route
	for _, r := range c.p.Model.Routes() {
		if r.Kind == model.GatewayAPIRoute && r.Entry.Key.Kind != "TCPRoute" {
			routes = append(routes, r)
		}
	}
	conflictOldestFirst(routes, func(r *model.Route) *inventory.Object { return r.Entry })
	byKind := map[string]*conflictGroups{}
	var kinds []string
	for _, r := range routes {
		kind := r.Entry.Key.Kind
		g := byKind[kind]
		if g == nil {
			g = &conflictGroups{}
			byKind[kind] = g
			kinds = append(kinds, kind)
		}
		l := r.Listener
		host := strings.ToLower(r.Host)
		var backends []string
		for _, d := range r.Destinations {
			backends = append(backends, conflictIngressBackend(c.p.Model, d.Namespace, *d.Backend))
		}
		backend := strings.Join(backends, " + ")
		switch {
		case r.Redirect:
			backend = "a redirect"
			if r.RedirectScheme != "" {
				backend += " to " + r.RedirectScheme
			}
		case backend == "":
			backend = "no backend"
		}
		key := fmt.Sprintf("%s\x00%s\x00%s\x00%s", l.Entry.Key.Namespace+"/"+l.Entry.Key.Name, l.APIListener.Name, host, r.Match)
		g.add(key, conflictClaim{obj: r.Entry, backend: backend,
			what: fmt.Sprintf("%s%s on Gateway %s/%s listener %s", host, r.Match, l.Entry.Key.Namespace, l.Entry.Key.Name, l.APIListener.Name)})
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		c.out = append(c.out, byKind[kind].findings(c.p, kind)...)
	}
}

// --- VirtualService vs VirtualService ----------------------------------------

// boundGateways returns the Gateways (ns/name) a VirtualService is bound
// to and exported to (model.Bindings; a Gateway without proxies in the
// input is taken to serve its own namespace), each with the VirtualService
// hosts a server of the Gateway admits.
func (c *conflictPass) boundGateways(vs *istionetv1.VirtualService) (keys []string, bound map[string][]string) {
	bound = map[string][]string{}
	for _, b := range c.p.Model.Bindings(vs) {
		if b.Gateway == nil || !b.Visible {
			continue
		}
		if hs := b.AdmittedHosts(vs); len(hs) > 0 {
			keys = append(keys, b.Key)
			bound[b.Key] = hs
		}
	}
	return keys, bound
}

// conflictMatchKey is a canonical form of an HTTP match (every field but
// the name; "" for the catch-all), and a human summary of it.
func conflictMatchKey(m *networkingapi.HTTPMatchRequest) (key, human string) {
	if m == nil {
		return "", "/"
	}
	key = conflictMatchString(m)
	u := m.GetUri()
	human = model.URIMatch(u)
	if key == conflictMatchString(&networkingapi.HTTPMatchRequest{}) {
		return "", human // an empty match is the catch-all, like no match
	}
	if key != conflictMatchString(&networkingapi.HTTPMatchRequest{Uri: u, IgnoreUriCase: m.GetIgnoreUriCase()}) || u == nil {
		human += " (with further match conditions)"
	}
	return key, human
}

// conflictMatchString serialises every condition of an HTTP match but its
// gateways (the caller keeps only matches that apply to the gateway).
func conflictMatchString(m *networkingapi.HTTPMatchRequest) string {
	str := func(s *networkingapi.StringMatch) string {
		switch {
		case s == nil:
			return ""
		case s.GetExact() != "":
			return "exact:" + s.GetExact()
		case s.GetPrefix() != "":
			return "prefix:" + s.GetPrefix()
		case s.GetRegex() != "":
			return "regex:" + s.GetRegex()
		}
		return "any"
	}
	strMap := func(mm map[string]*networkingapi.StringMatch) string {
		keys := make([]string, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+str(mm[k]))
		}
		return strings.Join(parts, ",")
	}
	plain := func(mm map[string]string) string {
		keys := make([]string, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+mm[k])
		}
		return strings.Join(parts, ",")
	}
	return strings.Join([]string{
		"uri=" + str(m.GetUri()), "scheme=" + str(m.GetScheme()), "method=" + str(m.GetMethod()),
		"authority=" + str(m.GetAuthority()), "headers=" + strMap(m.GetHeaders()),
		"without=" + strMap(m.GetWithoutHeaders()), "query=" + strMap(m.GetQueryParams()),
		fmt.Sprintf("port=%d", m.GetPort()), "source=" + plain(m.GetSourceLabels()),
		"sourceNS=" + m.GetSourceNamespace(),
		fmt.Sprintf("nocase=%t", m.GetIgnoreUriCase()),
	}, ";")
}

// conflictHTTPBackend is a canonical form of what an HTTP route does.
func conflictHTTPBackend(r *networkingapi.HTTPRoute, vsNS string) string {
	switch {
	case r.GetDelegate() != nil:
		return fmt.Sprintf("delegate %s/%s", r.GetDelegate().GetNamespace(), r.GetDelegate().GetName())
	case r.GetRedirect() != nil:
		rd := r.GetRedirect()
		return fmt.Sprintf("redirect to %s%s", rd.GetAuthority(), rd.GetUri())
	case r.GetDirectResponse() != nil:
		return fmt.Sprintf("direct response %d", r.GetDirectResponse().GetStatus())
	}
	var parts []string
	for _, rd := range r.GetRoute() {
		d := rd.GetDestination()
		s := hosts.ResolveShortname(d.GetHost(), vsNS)
		if p := d.GetPort().GetNumber(); p != 0 {
			s += fmt.Sprintf(":%d", p)
		}
		if d.GetSubset() != "" {
			s += " subset " + d.GetSubset()
		}
		if len(r.GetRoute()) > 1 {
			s += fmt.Sprintf(" weight %d", rd.GetWeight())
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no destination"
	}
	return strings.Join(parts, " + ")
}

func (c *conflictPass) virtualServiceConflicts() {
	vss := c.p.Model.VirtualServices()
	conflictOldestFirst(vss, func(t inventory.TypedObject[*istionetv1.VirtualService]) *inventory.Object { return t.Entry })
	var groups conflictGroups
	for _, vs := range vss {
		keys, bound := c.boundGateways(vs.Obj)
		for _, gwKey := range keys {
			for _, host := range bound[gwKey] {
				for _, r := range vs.Obj.Spec.GetHttp() {
					matches := r.GetMatch()
					if len(matches) == 0 {
						matches = []*networkingapi.HTTPMatchRequest{nil}
					}
					backend := conflictHTTPBackend(r, vs.Obj.Namespace)
					for _, m := range matches {
						if len(m.GetGateways()) > 0 && !conflictMatchGateway(m.GetGateways(), gwKey, vs.Obj.Namespace) {
							continue
						}
						key, human := conflictMatchKey(m)
						groups.add(gwKey+"\x00"+host+"\x00"+key, conflictClaim{obj: vs.Entry,
							what: fmt.Sprintf("%s%s on Gateway %s", host, human, gwKey), backend: backend})
					}
				}
			}
		}
	}
	c.out = append(c.out, groups.findings(c.p, "VirtualService")...)
}

// conflictMatchGateway reports whether a match's gateways list names the
// gateway (ns/name).
func conflictMatchGateway(refs []string, gwKey, vsNS string) bool {
	for _, ref := range refs {
		if hosts.GatewayKey(ref, vsNS) == gwKey {
			return true
		}
	}
	return false
}

// --- Ingress vs Istio ----------------------------------------------------------

func (c *conflictPass) ingressIstioConflicts() {
	// Hosts Istio serves: Gateway server hosts and hosts of VirtualServices
	// bound to a Gateway.
	istio := map[string][]*inventory.Object{}
	addHost := func(h string, o *inventory.Object) {
		h = strings.ToLower(h)
		for _, x := range istio[h] {
			if x == o {
				return
			}
		}
		istio[h] = append(istio[h], o)
	}
	for _, l := range c.p.Model.Listeners() {
		if l.Kind == model.GatewayServer {
			for _, h := range l.Hosts {
				addHost(h.DNS, l.Entry)
			}
		}
	}
	for _, vs := range c.p.Model.VirtualServices() {
		keys, bound := c.boundGateways(vs.Obj)
		for _, k := range keys {
			for _, h := range bound[k] {
				addHost(h, vs.Entry)
			}
		}
	}
	for _, ing := range c.p.Model.IngressObjects() {
		if mc := c.conflictIngressClass(ing.Obj); mc != nil && mc.Controller == "istio.io/ingress-controller" {
			continue // served by the Istio gateway itself
		}
		var parts []string
		var related []*inventory.Object
		seenHost := map[string]bool{}
		for _, rule := range ing.Obj.Spec.Rules {
			h := strings.ToLower(rule.Host)
			if h == "" || seenHost[h] || len(istio[h]) == 0 {
				continue
			}
			seenHost[h] = true
			var names []string
			for _, o := range istio[h] {
				names = append(names, o.Key.Kind+" "+conflictName(o))
				related = append(related, o)
			}
			parts = append(parts, fmt.Sprintf("%s (also %s)", h, strings.Join(names, ", ")))
		}
		if len(parts) == 0 {
			continue
		}
		ev := []graph.Evidence{graph.EvidenceOf(ing.Entry)}
		seen := map[*inventory.Object]bool{}
		for _, o := range related {
			if !seen[o] {
				seen[o] = true
				ev = append(ev, graph.EvidenceOf(o))
			}
		}
		c.out = append(c.out, c.p.Finding("SR1103", passutil.Ref(ing.Entry), fmt.Sprintf(
			"Ingress %s serves hosts that an Istio Gateway also serves, so which proxy answers depends on DNS and the two can apply different TLS and policy: %s",
			conflictName(ing.Entry), strings.Join(parts, "; ")), ev...))
	}
}

// --- Gateway vs Gateway --------------------------------------------------------

func (c *conflictPass) gatewayConflicts() {
	gws := c.p.Model.GatewayObjects()
	conflictOldestFirst(gws, func(t inventory.TypedObject[*istionetv1.Gateway]) *inventory.Object { return t.Entry })
	for i, later := range gws {
		var parts []string
		ev := []graph.Evidence{graph.EvidenceOf(later.Entry)}
		for _, earlier := range gws[:i] {
			if !c.sameProxies(earlier, later) {
				continue
			}
			if clash := conflictServers(c.p.Model.ListenersOf(earlier.Entry), c.p.Model.ListenersOf(later.Entry)); clash != "" {
				parts = append(parts, fmt.Sprintf("Gateway %s (%s)", conflictName(earlier.Entry), clash))
				ev = append(ev, graph.EvidenceOf(earlier.Entry))
			}
		}
		if len(parts) == 0 {
			continue
		}
		c.out = append(c.out, c.p.Finding("SR1104", passutil.Ref(later.Entry), fmt.Sprintf(
			"Gateway %s configures the same gateway workloads as an older Gateway with a server on the same port and overlapping hosts, so the proxy serves only one of them: %s",
			conflictName(later.Entry), strings.Join(parts, "; ")), ev...))
	}
}

// sameProxies: both Gateways have the same selector over the same scope
// (every namespace, or with --gateway-scope-namespace the same namespace),
// or their selectors match at least one common workload (model.Gateway).
func (c *conflictPass) sameProxies(a, b inventory.TypedObject[*istionetv1.Gateway]) bool {
	sameScope := !c.p.Model.Options.GatewayScopeNamespace || a.Obj.Namespace == b.Obj.Namespace
	if sameScope && labels.SelectorFromSet(a.Obj.Spec.GetSelector()).String() == labels.SelectorFromSet(b.Obj.Spec.GetSelector()).String() {
		return true
	}
	for _, wa := range c.p.Model.Gateway(conflictName(a.Entry)).Proxies {
		for _, wb := range c.p.Model.Gateway(conflictName(b.Entry)).Proxies {
			if wa == wb {
				return true
			}
		}
	}
	return false
}

// conflictServers describes the first pair of servers of a and b (two
// Gateways' listeners) on the same port with overlapping hosts, or "".
func conflictServers(a, b []*model.Listener) string {
	for _, sb := range b {
		for _, sa := range a {
			if sa.Port != sb.Port {
				continue
			}
			for _, hb := range sb.Hosts {
				for _, ha := range sa.Hosts {
					if hosts.Match(ha.DNS, hb.DNS) {
						return fmt.Sprintf("port %d: %s overlaps %s", sb.Port, hb.Raw, ha.Raw)
					}
				}
			}
		}
	}
	return ""
}
