package sensitivepath

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// DefaultSensitivePaths are the route paths the sensitive-path rule looks
// for when Config.SensitivePaths is empty: administration consoles, debug
// and metrics endpoints, API explorers and files that leak source or
// credentials.
var DefaultSensitivePaths = []string{
	"/admin", "/actuator", "/debug", "/metrics", "/console", "/phpmyadmin", "/graphql", "/.env", "/.git",
	"/swagger", "/api-docs", "/server-status", "/jolokia", "/manager/html", "/wp-admin",
}

// Rule reports Ingress paths and VirtualService URI matches on a
// sensitive path (DefaultSensitivePaths or Config.SensitivePaths) that the
// internet reaches with no end-user authentication on the way: no
// ingress-nginx auth annotation, and no AuthorizationPolicy on the gateway or
// the backend requiring a request principal (JWT) or delegating to an
// external authorizer (CUSTOM).
var Rule = &analysis.Rule{
	Slug:     "sensitive-path",
	Severity: analysis.High,
	Title:    "Sensitive path routed from the internet without authentication",
	Summary:  "an Ingress path or VirtualService URI match on an admin, debug or metadata path (/admin, /actuator, /.env, ...) reachable from the internet with no end-user authentication",
	Doc:      "docs/rules/sensitive-path.md",
	Messages: []analysis.Message{
		{Code: "SR0901", Level: analysis.High, Summary: "a sensitive path (admin, debug, actuator, metrics...) routed from the internet with nothing requiring an end-user identity"},
	},
	Run: runSensitivePath,
}

func runSensitivePath(p *analysis.Pass) []analysis.Finding {
	list := spSensitiveList(p.Config.SensitivePaths)
	broken := map[*graph.Node]bool{}
	for _, b := range p.Graph.Broken {
		broken[b.Route] = true
	}
	var out []analysis.Finding
	seen := map[string]bool{}
	for _, r := range p.Graph.SortedNodes() {
		if r.Kind != graph.KindRoute || r.Route == nil || broken[r] {
			continue
		}
		fronts := passutil.InternetRouteFronts(p.Graph, r)
		if len(fronts) == 0 {
			continue
		}
		paths, ing := spRoutePaths(p.Model, r)
		rewrite := spRewrite(p.Model, r)
		for _, rp := range paths {
			backend, rewritten := rewrite(rp)
			s := spMatch(list, rp.Path)
			if s == "" && rewritten {
				s = spMatch(list, backend.Path)
			}
			if s == "" {
				continue
			}
			owner := r.Route.Owner
			key := owner.Kind + "/" + owner.Namespace + "/" + owner.Name + "|" + r.Route.Host + "|" + rp.Path
			if seen[key] {
				continue
			}
			if ing != nil && spServedByNginx(p, ing) && spNginxAuth(ing) != "" {
				continue
			}
			if !spOpen(p, r, fronts, rp, backend) {
				continue
			}
			seen[key] = true
			var backends []string
			ev := append([]graph.Evidence{}, r.Evidence...)
			if len(ev) == 0 {
				ev = append(ev, owner)
			}
			ev = append(ev, passutil.NodeEvidence(fronts[0].Node)...)
			for _, b := range passutil.RouteBackends(p.Graph, r) {
				backends = append(backends, "Service "+b.Service.Label)
				ev = append(ev, passutil.NodeEvidence(b.Service)...)
			}
			to := ""
			if len(backends) > 0 {
				to = " to " + strings.Join(backends, ", ")
			}
			what := r.Route.Host + rp.Path
			if r.Route.Host == "*" {
				what = "path " + rp.Path + " on any host"
			}
			if rewritten {
				what += " (rewritten to " + backend.Path + " for the backend)"
			}
			where, missing := "", "no ingress-nginx auth annotation (auth-url, auth-type, auth-tls-secret), and no AuthorizationPolicy requiring a request principal (JWT) or CUSTOM ext-authz policy on the controller or the backend"
			switch r.Route.Type {
			case "VirtualService":
				where = ", " + spHTTPIndex(r)
				missing = "no AuthorizationPolicy requiring a request principal (JWT) and no CUSTOM ext-authz policy on the gateway or the backend"
			case "HTTPRoute":
				where = ", " + r.Route.Section
				missing = "no AuthorizationPolicy requiring a request principal (JWT) and no CUSTOM ext-authz policy on the gateway or the backend"
			}
			f := p.Finding("SR0901", analysis.Ref{Kind: owner.Kind, Namespace: owner.Namespace, Name: owner.Name},
				fmt.Sprintf("%s %s/%s routes %s (sensitive path %s%s) from the internet through %s%s, and nothing on the way requires an end-user identity: %s",
					owner.Kind, owner.Namespace, owner.Name, what, s, where, fronts[0].Node.Label, to, missing), ev...)
			out = append(out, f)
		}
	}
	return out
}

// spSensitiveList normalises the configured list (or the default): leading
// "/", no surrounding space, no empty entries.
func spSensitiveList(configured []string) []string {
	src := configured
	if len(src) == 0 {
		src = DefaultSensitivePaths
	}
	var out []string
	for _, s := range src {
		s = strings.TrimSpace(s)
		if s == "" || s == "/" {
			continue
		}
		if !strings.HasPrefix(s, "/") {
			s = "/" + s
		}
		out = append(out, s)
	}
	return out
}

// spMatch returns the first sensitive path the route path starts with
// (case-insensitively: an attacker's request need not match the case a
// regex or ignoreUriCase route accepts, and /Admin is as sensitive), or "".
func spMatch(list []string, path string) string {
	lp := strings.ToLower(path)
	for _, s := range list {
		if strings.HasPrefix(lp, strings.ToLower(s)) {
			return s
		}
	}
	return ""
}

// spRoutePaths returns the explicit paths a route matches: the Ingress rule
// path, or every URI match of the VirtualService HTTP route. Routes without a
// path (TCP, TLS, matches on headers only) are catch-alls and give none. For
// an Ingress it also returns the Ingress.
func spRoutePaths(m *model.Model, r *graph.Node) ([]mesh.Requests, *networkingv1.Ingress) {
	owner := r.Route.Owner
	switch r.Route.Type {
	case "Ingress":
		o := m.Object(inventory.Ingress, owner.Namespace, owner.Name)
		if o == nil {
			return nil, nil
		}
		ing, ok := o.Obj.(*networkingv1.Ingress)
		if !ok {
			return nil, nil
		}
		if strings.HasSuffix(r.Label, " default backend") {
			return nil, ing
		}
		regex := ing.Annotations[passutil.NginxAnnotationPrefix+"use-regex"] == "true" || ing.Annotations[passutil.NginxAnnotationPrefix+"rewrite-target"] != ""
		if regex {
			return []mesh.Requests{{Path: spLiteralPrefix(r.Route.Path)}}, ing
		}
		return []mesh.Requests{{Path: r.Route.Path, Exact: r.Route.PathType == string(networkingv1.PathTypeExact)}}, ing
	case "VirtualService":
		o := m.Object(inventory.VirtualService, owner.Namespace, owner.Name)
		if o == nil {
			return nil, nil
		}
		vs, ok := o.Obj.(*istionetv1.VirtualService)
		if !ok {
			return nil, nil
		}
		i, ok := spHTTPIndexOf(r)
		if !ok || i >= len(vs.Spec.GetHttp()) {
			return nil, nil
		}
		var out []mesh.Requests
		for _, m := range vs.Spec.GetHttp()[i].GetMatch() {
			u := m.GetUri()
			switch {
			case u.GetPrefix() != "":
				out = append(out, mesh.Requests{Path: u.GetPrefix()})
			case u.GetExact() != "":
				out = append(out, mesh.Requests{Path: u.GetExact(), Exact: true})
			case u.GetRegex() != "":
				out = append(out, mesh.Requests{Path: spLiteralPrefix(u.GetRegex())})
			}
		}
		return out, nil
	case "HTTPRoute":
		// A Gateway API rule matches any of its matches' paths (PathPrefix
		// by default, Exact, RegularExpression):
		// gateway-api apis/v1 httproute_types.go HTTPPathMatch.
		o := m.Object(inventory.HTTPRoute, owner.Namespace, owner.Name)
		if o == nil {
			return nil, nil
		}
		hr, ok := o.Obj.(*gatewayv1.HTTPRoute)
		if !ok {
			return nil, nil
		}
		var i int
		if _, err := fmt.Sscanf(r.Route.Section, "rules[%d]", &i); err != nil || i >= len(hr.Spec.Rules) {
			return nil, nil
		}
		var out []mesh.Requests
		for _, match := range hr.Spec.Rules[i].Matches {
			p := match.Path
			if p == nil || p.Value == nil {
				continue
			}
			switch {
			case p.Type != nil && *p.Type == gatewayv1.PathMatchExact:
				out = append(out, mesh.Requests{Path: *p.Value, Exact: true})
			case p.Type != nil && *p.Type == gatewayv1.PathMatchRegularExpression:
				out = append(out, mesh.Requests{Path: spLiteralPrefix(*p.Value)})
			default:
				// PathPrefix matches whole path elements, as an Ingress
				// Prefix path (spOpen reads it so).
				out = append(out, mesh.Requests{Path: *p.Value})
			}
		}
		return out, nil
	}
	return nil, nil
}

// spRewrite returns how a route rewrites a matched path before the backend
// sees it: a VirtualService http route's rewrite.uri replaces the matched
// prefix (or the whole path of an exact match)
// (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite);
// an HTTPRoute rule's URLRewrite filter replaces the matched PathPrefix
// (ReplacePrefixMatch) or the whole path (ReplaceFullPath) (gateway-api
// apis/v1 httproute_types.go HTTPURLRewriteFilter, HTTPPathModifier).
// Regex rewrites are not followed. The bool is false when nothing is
// rewritten.
func spRewrite(m *model.Model, r *graph.Node) func(mesh.Requests) (mesh.Requests, bool) {
	none := func(rp mesh.Requests) (mesh.Requests, bool) { return rp, false }
	owner := r.Route.Owner
	var prefix, full string
	switch r.Route.Type {
	case "VirtualService":
		o := m.Object(inventory.VirtualService, owner.Namespace, owner.Name)
		if o == nil {
			return none
		}
		vs, ok := o.Obj.(*istionetv1.VirtualService)
		i, found := spHTTPIndexOf(r)
		if !ok || !found || i >= len(vs.Spec.GetHttp()) {
			return none
		}
		if u := vs.Spec.GetHttp()[i].GetRewrite().GetUri(); u != "" {
			prefix = u
		}
	case "HTTPRoute":
		o := m.Object(inventory.HTTPRoute, owner.Namespace, owner.Name)
		if o == nil {
			return none
		}
		hr, ok := o.Obj.(*gatewayv1.HTTPRoute)
		var i int
		if _, err := fmt.Sscanf(r.Route.Section, "rules[%d]", &i); !ok || err != nil || i >= len(hr.Spec.Rules) {
			return none
		}
		for _, f := range hr.Spec.Rules[i].Filters {
			if f.Type != gatewayv1.HTTPRouteFilterURLRewrite || f.URLRewrite == nil || f.URLRewrite.Path == nil {
				continue
			}
			switch pm := f.URLRewrite.Path; pm.Type {
			case gatewayv1.PrefixMatchHTTPPathModifier:
				prefix = deref(pm.ReplacePrefixMatch)
			case gatewayv1.FullPathHTTPPathModifier:
				full = deref(pm.ReplaceFullPath)
			}
		}
	}
	switch {
	case full != "":
		return func(rp mesh.Requests) (mesh.Requests, bool) { return mesh.Requests{Path: full, Exact: true}, true }
	case prefix != "":
		return func(rp mesh.Requests) (mesh.Requests, bool) {
			if rp.Exact {
				return mesh.Requests{Path: prefix, Exact: true}, true
			}
			return mesh.Requests{Path: prefix}, true
		}
	}
	return none
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// spHTTPIndexOf reads the HTTP route index from a VirtualService route node
// ("VirtualService ns/name http[i] via Gateway ...").
func spHTTPIndexOf(r *graph.Node) (int, bool) {
	_, rest, ok := strings.Cut(r.Label, " http[")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	return i, err == nil
}

func spHTTPIndex(r *graph.Node) string {
	i, _ := spHTTPIndexOf(r)
	return fmt.Sprintf("http[%d]", i)
}

// spLiteralPrefix reduces a regex path to the literal text it starts with:
// "^/admin(/|$)(.*)" → "/admin", `/\.env` → "/.env". A "." not followed by a
// quantifier is kept as a literal dot (paths such as "/.git" are usually
// written unescaped).
func spLiteralPrefix(re string) string {
	s := strings.TrimPrefix(re, "^")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case strings.IndexByte("([{*+?|^$", c) >= 0:
			return b.String()
		case c == '.' && i+1 < len(s) && strings.IndexByte("*+?{", s[i+1]) >= 0:
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// spNginxAuth returns the ingress-nginx annotation that authenticates users
// on the Ingress: external auth (auth-url), basic or digest auth (auth-type),
// or client certificates (auth-tls-secret with verification on).
func spNginxAuth(ing *networkingv1.Ingress) string {
	a := ing.Annotations
	if strings.TrimSpace(a[passutil.NginxAnnotationPrefix+"auth-url"]) != "" {
		return "auth-url"
	}
	if strings.TrimSpace(a[passutil.NginxAnnotationPrefix+"auth-type"]) != "" {
		return "auth-type"
	}
	if strings.TrimSpace(a[passutil.NginxAnnotationPrefix+"auth-tls-secret"]) != "" {
		switch strings.TrimSpace(a[passutil.NginxAnnotationPrefix+"auth-tls-verify-client"]) {
		case "off", "optional", "optional_no_ca":
		default:
			return "auth-tls-secret"
		}
	}
	return ""
}

// spOpen reports whether a request without an end-user identity gets
// through the route: some internet-facing proxy lets it pass, and so does
// some backend workload it is delivered to from such a proxy (a route with
// no backend workloads is open once a front is). Each proxy is asked with
// the mesh's one authorization evaluator (mesh.Env.Authorize) for the
// route's requests without a JWT (mesh.Requests); a policy takes effect only on a mesh
// member, and on a backend only when the sidecar captures the target port.
func spOpen(p *analysis.Pass, r *graph.Node, fronts []passutil.Front, rp, backendRP mesh.Requests) bool {
	// The question is the sensitive endpoint, not every request the route
	// sends: the path and what is under it (a character-prefix route on
	// /actuator also sends /actuatorx, which is not the endpoint). The
	// backend sees the path after the route's rewrite.
	rp.Anonymous, rp.Segments = true, !rp.Exact
	backendRP.Anonymous, backendRP.Segments = true, !backendRP.Exact
	open := map[*graph.Node]bool{}
	for _, front := range fronts {
		f, w := front.Node, front.Node.Workload
		if w == nil || w.Source == nil || !w.Mesh.Member || !spEdgeCaptured(p.Graph, f) {
			open[f] = true
			continue
		}
		ports := front.Ports
		if len(ports) == 0 {
			ports = []int32{0}
		}
		for _, port := range ports {
			req := mesh.Request{SourceClass: ipspace.Public, Port: port, HTTP: true, Requests: &rp}
			if !spKeepsOut(p.Mesh().Authorize(w.Source, req)) {
				open[f] = true
				break
			}
		}
	}
	if len(open) == 0 {
		return false
	}
	hasBackend := false
	for _, b := range passutil.RouteBackends(p.Graph, r) {
		for _, n := range b.Workloads {
			hasBackend = true
			w := n.Workload
			for _, e := range p.Graph.EdgesTo(n) {
				front := e.FromNode()
				if e.Kind != graph.EdgeNetwork || !e.Routed || !open[front] || !slices.Contains(e.Via, r) {
					continue
				}
				if !w.Mesh.Member || w.Source == nil {
					return true
				}
				if captured, _ := mesh.Capture(w.Source, e.Port); !captured && !w.Mesh.Ambient {
					return true
				}
				req := mesh.Request{MTLS: e.Auth == graph.AuthMTLS, SourceClass: ipspace.Private, Port: e.Port, HTTP: true, Requests: &backendRP}
				if fw := front.Workload; req.MTLS && fw != nil && fw.Source != nil {
					req.Principal = p.Mesh().Principal(fw.Source.Namespace, fw.Source.ServiceAccount())
					req.Namespace = fw.Source.Namespace
					req.ServiceAccount = fw.Source.Namespace + "/" + fw.Source.ServiceAccount()
				}
				if w.Mesh.Ambient {
					if spAmbientKeepsOut(p, b.Service, front, w.Source, req) {
						continue
					}
					return true
				}
				if !spKeepsOut(p.Mesh().Authorize(w.Source, req)) {
					return true
				}
			}
		}
	}
	return !hasBackend
}

// spAmbientKeepsOut decides an ambient backend: the L7 question (a JWT, the
// path) is asked only at a waypoint the gateway sends through (the
// Service's, with istio.io/ingress-use-waypoint: model.IngressUsesWaypoint);
// the destination's ztunnel answers at L4 only, with the waypoint's identity
// when one was passed (graph/build ambientHop, the same semantics).
func spAmbientKeepsOut(p *analysis.Pass, svc *graph.Node, front *graph.Node, dst *inventory.Workload, req mesh.Request) bool {
	env := p.Mesh()
	if s := p.Model.Service(svc.Namespace, svc.Name); s != nil && front.Workload != nil && front.Workload.Mesh.Gateway && p.Model.IngressUsesWaypoint(s) {
		if wc := p.Model.ServiceWaypoint(s); wc.Gateway != nil {
			if spKeepsOut(env.AuthorizeAtWaypoint(wc.Gateway.Obj.Namespace, wc.Gateway.Obj.Name, s.Obj.Namespace, s.Obj.Name, req)) {
				return true
			}
			sa := wc.Gateway.ProxyServiceAccount()
			req.Principal, req.Namespace, req.ServiceAccount = env.Principal(wc.Gateway.Obj.Namespace, sa), wc.Gateway.Obj.Namespace, wc.Gateway.Obj.Namespace+"/"+sa
		}
	}
	req.Ztunnel, req.HTTP, req.Requests = true, false, nil
	return spKeepsOut(env.Authorize(dst, req))
}

// spKeepsOut: the decision refuses every request of the set, or a CUSTOM
// policy hands them to an external authorizer (taken to authenticate).
func spKeepsOut(d mesh.Decision) bool { return !d.Allowed || d.Custom }

// spEdgeCaptured reports whether the proxy of an internet-facing workload
// sees the traffic entering it: a gateway proxy always does; a sidecar only
// on captured ports (ingress-nginx in the mesh usually excludes its
// listeners with traffic.sidecar.istio.io/includeInboundPorts: "").
func spEdgeCaptured(g *graph.Graph, f *graph.Node) bool {
	if f.Workload.Mesh.Gateway {
		return true
	}
	if f.Workload.Source == nil {
		return false
	}
	for _, e := range g.EdgesTo(f) {
		if e.Kind != graph.EdgeForwards || e.FromNode().Kind != graph.KindEntrypoint {
			continue
		}
		if captured, _ := mesh.Capture(f.Workload.Source, e.Port); !captured {
			return false
		}
	}
	return true
}

// spServedByNginx: ingress-nginx serves the Ingress (as the model resolves
// its class), so its auth annotations apply.
func spServedByNginx(p *analysis.Pass, ing *networkingv1.Ingress) bool {
	mi := p.Model.IngressFor(ing)
	if mi == nil {
		return false
	}
	served, _ := mi.ServedByNginx()
	return served
}
