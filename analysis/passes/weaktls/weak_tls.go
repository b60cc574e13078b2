package weaktls

import (
	"fmt"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	networkingapi "istio.io/api/networking/v1alpha3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports TLS that does not protect what it claims to: Istio Gateway
// servers and ingress-nginx Ingresses that allow TLS 1.0/1.1 or weak cipher
// suites, and TLS Secrets whose certificate is expired or expiring, has a
// short RSA key or a SHA-1/MD5 signature, or does not cover the host names
// served with it.
var Rule = &analysis.Rule{
	Slug:     "weak-tls",
	Severity: analysis.High,
	Title:    "Weak TLS settings or certificate",
	Summary:  "TLS 1.0/1.1 or weak ciphers on a Gateway or Ingress; an expired/expiring, short-key, SHA-1 or wrong-host certificate in a TLS Secret (expiring: medium)",
	Doc:      "docs/rules/weak-tls.md",
	Messages: []analysis.Message{
		{Code: "SR0701", Level: analysis.High, Summary: "a Gateway server allows TLS versions or cipher suites with practical attacks"},
		{Code: "SR0702", Level: analysis.High, Summary: "an Ingress (ingress-nginx ssl-protocols / ssl-ciphers) allows TLS versions or cipher suites with practical attacks"},
		{Code: "SR0703", Level: analysis.High, Summary: "a served certificate that clients refuse or that is breakable: expired, not yet valid, names not covering the served hosts, RSA under 2048 bits, SHA-1 or MD5 signature"},
		{Code: "SR0704", Level: analysis.Medium, Summary: "a certificate that expires within --cert-expiry-warn"},
	},
	Run: runWeakTLS,
}

// ingress-nginx TLS settings. ssl-ciphers is a per-server annotation;
// ssl-protocols is a ConfigMap key that users also write as an annotation
// (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#ssl-ciphers,
// https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#ssl-protocols).
const (
	wtSSLCiphers   = "nginx.ingress.kubernetes.io/ssl-ciphers"
	wtSSLProtocols = "nginx.ingress.kubernetes.io/ssl-protocols"
)

func runWeakTLS(p *analysis.Pass) []analysis.Finding {
	var out []analysis.Finding
	listeners := p.Model.Listeners()
	for _, g := range p.Model.ListenerGroups(model.GatewayServer) {
		if why := wtGatewaySettings(g.Listeners); len(why) > 0 {
			out = append(out, p.Finding("SR0701", passutil.Ref(g.Entry), fmt.Sprintf("Gateway %s/%s: %s; clients can negotiate protocol versions or ciphers with known practical attacks (BEAST, Lucky13, Sweet32, RC4 biases), which NIST SP 800-52r2 and PCI DSS disallow",
				g.Entry.Key.Namespace, g.Entry.Key.Name, strings.Join(why, "; ")), graph.EvidenceOf(g.Entry)))
		}
	}
	for _, ing := range p.Model.IngressObjects() {
		if why := wtIngressSettings(ing.Obj); len(why) > 0 {
			out = append(out, p.Finding("SR0702", passutil.Ref(ing.Entry), fmt.Sprintf("Ingress %s/%s %s; clients can negotiate protocol versions or ciphers with known practical attacks (BEAST, Lucky13, Sweet32, RC4 biases), which NIST SP 800-52r2 and PCI DSS disallow",
				ing.Obj.Namespace, ing.Obj.Name, strings.Join(why, "; ")), graph.EvidenceOf(ing.Entry)))
		}
	}
	uses := wtSecretUses(listeners)
	cfg := wtCertConfig(p.Config)
	for _, sec := range p.Model.Secrets() {
		if sec.Obj.Type != corev1.SecretTypeTLS || len(sec.Obj.Data[corev1.TLSCertKey]) == 0 {
			continue
		}
		key := sec.Obj.Namespace + "/" + sec.Obj.Name
		if f, ok := wtSecretFinding(p, sec, uses[key], cfg); ok {
			out = append(out, f)
		}
	}
	return out
}

// wtGatewaySettings lists the weak protocol and cipher settings of a
// Gateway's TLS-terminating servers (HTTPS and TLS servers other than
// PASSTHROUGH and AUTO_PASSTHROUGH: the others do not handshake, so their
// protocol and cipher settings do not apply).
func wtGatewaySettings(servers []*model.Listener) []string {
	var why []string
	for _, l := range servers {
		if !l.Terminates() {
			continue
		}
		var parts []string
		if v := l.TLS.MinVersion; wtWeakVersion(v) {
			parts = append(parts, fmt.Sprintf("tls.minProtocolVersion %s (below TLSV1_2)", v))
		}
		if v := l.TLS.MaxVersion; wtWeakVersion(v) {
			parts = append(parts, fmt.Sprintf("tls.maxProtocolVersion %s (nothing newer than %s is offered)", v, v))
		}
		if weak := wtWeakCipherList(l.TLS.Ciphers, false); len(weak) > 0 {
			parts = append(parts, "tls.cipherSuites allows "+strings.Join(weak, ", "))
		}
		if len(parts) > 0 {
			var hs []string
			for _, h := range l.Hosts {
				hs = append(hs, h.Raw)
			}
			why = append(why, fmt.Sprintf("server on port %d (%s): %s", l.Port, strings.Join(hs, ", "), strings.Join(parts, ", ")))
		}
	}
	return why
}

// wtWeakVersion: an Istio TLS protocol version name below TLS 1.2.
func wtWeakVersion(v string) bool {
	return v == networkingapi.ServerTLSSettings_TLSV1_0.String() || v == networkingapi.ServerTLSSettings_TLSV1_1.String()
}

// wtIngressSettings lists weak ingress-nginx TLS annotations of an Ingress
// that terminates TLS.
func wtIngressSettings(ing *networkingv1.Ingress) []string {
	if len(ing.Spec.TLS) == 0 {
		return nil // the annotations only act on a TLS server
	}
	var why []string
	if v, ok := ing.Annotations[wtSSLProtocols]; ok {
		if weak := wtWeakProtocols(v); len(weak) > 0 {
			why = append(why, fmt.Sprintf("sets %s %q, allowing %s", wtSSLProtocols, v, strings.Join(weak, ", ")))
		}
	}
	if v, ok := ing.Annotations[wtSSLCiphers]; ok {
		if weak := wtWeakCipherList(wtSplitCipherString(v), true); len(weak) > 0 {
			why = append(why, fmt.Sprintf("sets %s allowing %s", wtSSLCiphers, strings.Join(weak, ", ")))
		}
	}
	return why
}

// wtWeakProtocols returns the protocol versions below TLS 1.2 an nginx
// ssl_protocols value enables.
func wtWeakProtocols(v string) []string {
	var out []string
	for _, f := range strings.Fields(v) {
		switch strings.ToLower(f) {
		case "sslv2", "sslv3", "tlsv1", "tlsv1.0", "tlsv1.1":
			out = append(out, f)
		}
	}
	return out
}

// wtUse is one place a TLS Secret is served: the object and the host names
// it must cover.
type wtUse struct {
	What  string
	Entry *inventory.Object
	Hosts []string
}

// wtSecretUses maps namespace/name of Secrets to where they are served:
// Ingress spec.tls secretName (Ingress namespace) and Gateway credentialName
// (namespaces of the gateway workloads the selector matches; Istio reads it
// there, https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/),
// and Gateway API listener certificateRefs.
func wtSecretUses(listeners []*model.Listener) map[string][]wtUse {
	uses := map[string][]wtUse{}
	for _, l := range listeners {
		switch {
		case l.Kind == model.IngressHTTPS:
			var hs []string
			for _, h := range l.Hosts {
				hs = append(hs, h.DNS)
			}
			for _, cred := range l.TLS.Credentials {
				key := l.Entry.Key.Namespace + "/" + cred
				uses[key] = append(uses[key], wtUse{What: fmt.Sprintf("Ingress %s/%s", l.Entry.Key.Namespace, l.Entry.Key.Name), Entry: l.Entry, Hosts: hs})
			}
		case l.Kind == model.GatewayServer && l.Terminates() && l.TLS.Mode != model.TLSIstioMutual:
			// ISTIO_MUTUAL uses the mesh certificate, not credentialName.
			var hs []string
			for _, h := range l.Hosts {
				if h.DNS != "*" {
					hs = append(hs, h.DNS)
				}
			}
			for _, cred := range l.TLS.Credentials {
				if strings.Contains(cred, "://") {
					continue
				}
				for _, ns := range l.Gateway.ProxyNamespaces() {
					key := ns + "/" + cred
					uses[key] = append(uses[key], wtUse{What: l.Describe(), Entry: l.Entry, Hosts: hs})
				}
			}
		case l.Kind == model.APIGatewayListener && l.Terminates() && l.APIListener.TLS != nil:
			// certificateRefs name Secrets in the Gateway's namespace unless
			// they say another (gateway-api apis/v1 gateway_types.go
			// GatewayTLSConfig.CertificateRefs: kind Secret, group "").
			var hs []string
			if h := l.Hosts[0].DNS; h != "*" {
				hs = append(hs, h)
			}
			for _, ref := range l.APIListener.TLS.CertificateRefs {
				if (ref.Group != nil && *ref.Group != "") || (ref.Kind != nil && *ref.Kind != "Secret") {
					continue
				}
				ns := l.Entry.Key.Namespace
				if ref.Namespace != nil && *ref.Namespace != "" {
					ns = string(*ref.Namespace)
				}
				key := ns + "/" + string(ref.Name)
				uses[key] = append(uses[key], wtUse{What: fmt.Sprintf("Gateway %s/%s listener %s port %d", l.Entry.Key.Namespace, l.Entry.Key.Name, l.APIListener.Name, l.Port), Entry: l.Entry, Hosts: hs})
			}
		}
	}
	return uses
}

// wtSecretFinding checks a TLS Secret's certificate chain.
func wtSecretFinding(p *analysis.Pass, sec inventory.TypedObject[*corev1.Secret], uses []wtUse, cfg wtCertCheck) (analysis.Finding, bool) {
	chain, err := wtParseChain(sec.Obj.Data[corev1.TLSCertKey])
	if err != nil || len(chain) == 0 {
		return analysis.Finding{}, false // not a certificate: nothing to measure (the TLS server fails to load it)
	}
	problems := cfg.check(chain)
	for _, u := range uses {
		if bad := wtUncoveredHosts(chain[0], u.Hosts); len(bad) > 0 {
			problems = append(problems, wtProblem{High: true, Text: fmt.Sprintf("%s serves it for %s, which its names (%s) do not cover, so clients fail with a name mismatch or are set to skip verification", u.What, strings.Join(bad, ", "), wtNames(chain[0]))})
		}
	}
	if len(problems) == 0 {
		return analysis.Finding{}, false
	}
	var texts []string
	high := false
	for _, pr := range problems {
		texts = append(texts, pr.Text)
		high = high || pr.High
	}
	used := "not referenced by any Ingress or Gateway in the input"
	ev := []graph.Evidence{graph.EvidenceOf(sec.Entry)}
	if len(uses) > 0 {
		var whats []string
		seen := map[string]bool{}
		seenEv := map[*inventory.Object]bool{}
		for _, u := range uses {
			if !seen[u.What] {
				seen[u.What] = true
				whats = append(whats, u.What)
			}
			if !seenEv[u.Entry] {
				seenEv[u.Entry] = true
				ev = append(ev, graph.EvidenceOf(u.Entry))
			}
		}
		used = "used by " + strings.Join(whats, ", ")
	}
	msg := fmt.Sprintf("Secret %s/%s (certificate %s, %s): %s", sec.Obj.Namespace, sec.Obj.Name, wtSubject(chain[0]), used, strings.Join(texts, "; "))
	code := "SR0704"
	if high {
		code = "SR0703"
	}
	return p.Finding(code, passutil.Ref(sec.Entry), msg, ev...), true
}
