package plaintexthttp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/sources/inventory"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/model"
)

// Rule reports routes served over plain HTTP: Ingress hosts without
// TLS, ingress-nginx's HTTPS redirect switched off, Istio Gateway HTTP
// servers without tls.httpsRedirect, and Gateway API HTTP listeners with
// routes that forward rather than redirect to HTTPS.
var Rule = &analysis.Rule{
	Slug:     "plaintext-http",
	Severity: analysis.Medium,
	Title:    "Route served over plain HTTP",
	Summary:  "an Ingress host without TLS or with ssl-redirect off, a Gateway HTTP server without httpsRedirect, or a Gateway API HTTP listener whose routes forward instead of redirecting to HTTPS",
	Doc:      "docs/rules/plaintext-http.md",
	Messages: []analysis.Message{
		{Code: "SR0601", Level: analysis.Medium, Summary: "an Ingress serves its hosts over plain HTTP without redirecting to HTTPS"},
		{Code: "SR0602", Level: analysis.Medium, Summary: "a Gateway HTTP server without tls.httpsRedirect: its hosts are served in plaintext"},
		{Code: "SR0603", Level: analysis.Medium, Summary: "a Gateway API HTTP listener with routes that forward instead of redirecting to HTTPS: their hosts are served in plaintext"},
	},
	Run: runPlaintextHTTP,
}

// ingress-nginx annotations (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#server-side-https-enforcement-through-redirect)
// and the GCE controller's switch for its HTTP frontend.
const (
	phSSLRedirect      = "nginx.ingress.kubernetes.io/ssl-redirect"
	phForceSSLRedirect = "nginx.ingress.kubernetes.io/force-ssl-redirect"
	phAllowHTTP        = "kubernetes.io/ingress.allow-http"
)

func runPlaintextHTTP(p *analysis.Pass) []analysis.Finding {
	var out []analysis.Finding
	for _, ing := range p.Model.IngressObjects() {
		if msg := phIngress(ing.Obj); msg != "" {
			out = append(out, p.Finding("SR0601", passutil.Ref(ing.Entry), msg, graph.EvidenceOf(ing.Entry)))
		}
	}
	for _, g := range p.Model.ListenerGroups(model.GatewayServer) {
		if msg := phGateway(g.Entry, g.Listeners); msg != "" {
			out = append(out, p.Finding("SR0602", passutil.Ref(g.Entry), msg, graph.EvidenceOf(g.Entry)))
		}
	}
	for _, g := range p.Model.ListenerGroups(model.APIGatewayListener) {
		if msg, routes := phAPIGateway(p.Model, g.Entry, g.Listeners); msg != "" {
			ev := []graph.Evidence{graph.EvidenceOf(g.Entry)}
			for _, r := range routes {
				ev = append(ev, graph.EvidenceOf(r))
			}
			out = append(out, p.Finding("SR0603", passutil.Ref(g.Entry), msg, ev...))
		}
	}
	return out
}

// phAPIGateway returns why a Gateway API Gateway serves plaintext HTTP, or
// "", with the routes that forward on its HTTP listeners. The Gateway API
// has no listener-level redirect: an HTTP listener redirects to HTTPS only
// through route rules with a RequestRedirect filter of scheme https
// (https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/), so every
// attached rule that forwards (or redirects without switching to https)
// serves its host in plaintext. An HTTP listener no route attaches to
// serves nothing and is not reported.
func phAPIGateway(m *model.Model, gw *inventory.Object, listeners []*model.Listener) (string, []*inventory.Object) {
	var tlsHosts []string
	for _, l := range listeners {
		switch l.Protocol {
		case "HTTPS", "TLS":
			tlsHosts = append(tlsHosts, l.Hosts[0].DNS)
		}
	}
	plain := map[*model.Listener][]string{}
	var owners []*inventory.Object
	seenOwner := map[*inventory.Object]bool{}
	for _, r := range m.Routes() {
		l := r.Listener
		if r.Kind != model.GatewayAPIRoute || l.Entry != gw || !l.Plaintext() || (r.Redirect && r.RedirectScheme == "https") {
			continue
		}
		name := fmt.Sprintf("%s %s/%s %s (host %s)", r.Entry.Key.Kind, r.Entry.Key.Namespace, r.Entry.Key.Name, r.Section, r.Host)
		if !slices.Contains(plain[l], name) {
			plain[l] = append(plain[l], name)
		}
		if !seenOwner[r.Entry] {
			seenOwner[r.Entry] = true
			owners = append(owners, r.Entry)
		}
	}
	var why []string
	for _, l := range listeners {
		if len(plain[l]) == 0 {
			continue
		}
		s := fmt.Sprintf("listener %s on port %d (%s) forwards %s without redirecting to HTTPS", l.APIListener.Name, l.Port, l.Protocol, strings.Join(plain[l], ", "))
		if phServedOverTLS(tlsHosts, l.Hosts[0].DNS) {
			s += "; the Gateway also serves those hosts over TLS, so clients can be downgraded to the plaintext listener"
		}
		why = append(why, s)
	}
	if len(why) == 0 {
		return "", nil
	}
	return fmt.Sprintf("Gateway %s/%s: %s; traffic on that listener travels unencrypted and can be read or altered on the way",
		gw.Key.Namespace, gw.Key.Name, strings.Join(why, "; ")), owners
}

// phAnnotation reads an annotation as a lower-cased, trimmed value.
func phAnnotation(ann map[string]string, key string) string {
	return strings.ToLower(strings.TrimSpace(ann[key]))
}

// phIngress returns why an Ingress serves plaintext, or "".
func phIngress(ing *networkingv1.Ingress) string {
	ann := ing.Annotations
	if phAnnotation(ann, phAllowHTTP) == "false" {
		return "" // the controller opens no HTTP listener for it
	}
	force := phAnnotation(ann, phForceSSLRedirect)
	if force == "true" {
		// ingress-nginx redirects HTTP to HTTPS even without a TLS block
		// (TLS terminated in front of it).
		return ""
	}
	var tlsHosts []string
	for _, t := range ing.Spec.TLS {
		tlsHosts = append(tlsHosts, t.Hosts...)
	}
	hasTLS := len(ing.Spec.TLS) > 0
	var plain []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			plain = append(plain, s)
		}
	}
	if ing.Spec.DefaultBackend != nil && !hasTLS {
		add("the default backend")
	}
	for _, r := range ing.Spec.Rules {
		switch {
		case r.Host == "":
			if !hasTLS {
				add("the rule without host")
			}
		case !phCovered(tlsHosts, r.Host):
			add(r.Host)
		}
	}
	var why []string
	if len(plain) > 0 {
		s := fmt.Sprintf("%s %s no spec.tls entry, so it is served over plain HTTP", strings.Join(plain, ", "), phHas(len(plain)))
		if force == "false" {
			s += fmt.Sprintf(" (%s is \"false\")", phForceSSLRedirect)
		}
		why = append(why, s)
	}
	if hasTLS && phAnnotation(ann, phSSLRedirect) == "false" {
		var names []string
		for _, h := range tlsHosts {
			if !seen[h] {
				seen[h] = true
				names = append(names, h)
			}
		}
		s := fmt.Sprintf("%s is \"false\", so the HTTP listener serves the TLS hosts in plaintext instead of redirecting", phSSLRedirect)
		if len(names) > 0 {
			s = fmt.Sprintf("%s is \"false\", so the HTTP listener serves %s in plaintext instead of redirecting to HTTPS", phSSLRedirect, strings.Join(names, ", "))
		}
		why = append(why, s)
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("Ingress %s/%s: %s; requests, cookies and credentials on that listener travel unencrypted and can be read or altered on the way",
		ing.Namespace, ing.Name, strings.Join(why, "; "))
}

func phHas(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// phCovered reports whether a rule host is named by a spec.tls host (equal,
// or covered by a wildcard TLS host).
func phCovered(tlsHosts []string, host string) bool {
	for _, t := range tlsHosts {
		if strings.EqualFold(t, host) || (strings.HasPrefix(t, "*.") && hosts.Covers(t, host)) {
			return true
		}
	}
	return false
}

// phGateway returns why a Gateway serves plaintext HTTP, or "". servers
// are its server listeners in spec.servers order (Model.ListenerGroups).
func phGateway(gw *inventory.Object, servers []*model.Listener) string {
	var tlsHosts []string
	for _, l := range servers {
		switch l.Protocol {
		case "HTTPS", "TLS": // PASSTHROUGH included: the host is still offered over TLS
			for _, h := range l.Hosts {
				tlsHosts = append(tlsHosts, h.DNS)
			}
		}
	}
	var why []string
	for _, l := range servers {
		// HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-WEB; not HTTPS, TLS
		// (PASSTHROUGH included), TCP, MONGO...
		if !l.Plaintext() || l.TLS.HTTPSRedirect {
			continue
		}
		var both, only []string
		for _, h := range l.Hosts {
			if phServedOverTLS(tlsHosts, h.DNS) {
				both = append(both, h.Raw)
			} else {
				only = append(only, h.Raw)
			}
		}
		var parts []string
		if len(both) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s also served over HTTPS by this Gateway, so clients can be downgraded to the plaintext listener", strings.Join(both, ", "), phIs(len(both))))
		}
		if len(only) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s not served over HTTPS at all", strings.Join(only, ", "), phIs(len(only))))
		}
		why = append(why, fmt.Sprintf("server on port %d (%s) has no tls.httpsRedirect: %s", l.Port, l.Protocol, strings.Join(parts, "; ")))
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("Gateway %s/%s: %s; traffic on that listener travels unencrypted and can be read or altered on the way",
		gw.Key.Namespace, gw.Key.Name, strings.Join(why, "; "))
}

func phIs(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// phServedOverTLS: some HTTPS/TLS server host of the Gateway overlaps the
// HTTP server host.
func phServedOverTLS(tlsHosts []string, host string) bool {
	for _, t := range tlsHosts {
		if hosts.Match(t, host) {
			return true
		}
	}
	return false
}
