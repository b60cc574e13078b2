package plaintexthttp

import (
	"strings"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

func TestPhCovered(t *testing.T) {
	tls := []string{"shop.example.com", "*.api.example.com"}
	for host, want := range map[string]bool{
		"shop.example.com":     true,
		"SHOP.example.com":     true,
		"v1.api.example.com":   true,
		"api.example.com":      false,
		"www.shop.example.com": false,
		"other.example.com":    false,
	} {
		if got := phCovered(tls, host); got != want {
			t.Errorf("phCovered(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPhIngress(t *testing.T) {
	rule := func(host string) networkingv1.IngressRule { return networkingv1.IngressRule{Host: host} }
	be := &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}}
	tls := []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}, SecretName: "a"}}
	for _, tc := range []struct {
		name  string
		ann   map[string]string
		spec  networkingv1.IngressSpec
		wants []string // substrings; none means no finding
	}{
		{"tls for every host", nil, networkingv1.IngressSpec{TLS: tls, Rules: []networkingv1.IngressRule{rule("a.example.com")}}, nil},
		{"host-less rule with tls block", nil, networkingv1.IngressSpec{TLS: tls, Rules: []networkingv1.IngressRule{rule("")}}, nil},
		{"host-less rule without tls", nil, networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("")}}, []string{"the rule without host has no spec.tls"}},
		{"default backend without tls", nil, networkingv1.IngressSpec{DefaultBackend: be}, []string{"the default backend has no spec.tls"}},
		{"two plain hosts", nil, networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("b.example.com"), rule("c.example.com"), rule("b.example.com")}}, []string{"b.example.com, c.example.com have no spec.tls"}},
		{"ssl-redirect off", map[string]string{phSSLRedirect: "False"}, networkingv1.IngressSpec{TLS: tls, Rules: []networkingv1.IngressRule{rule("a.example.com")}}, []string{"serves a.example.com in plaintext"}},
		{"ssl-redirect off, force on", map[string]string{phSSLRedirect: "false", phForceSSLRedirect: "true"}, networkingv1.IngressSpec{TLS: tls, Rules: []networkingv1.IngressRule{rule("a.example.com")}}, nil},
		{"force on, no tls", map[string]string{phForceSSLRedirect: "true"}, networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("b.example.com")}}, nil},
		{"force off, no tls", map[string]string{phForceSSLRedirect: "false"}, networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("b.example.com")}}, []string{`force-ssl-redirect is "false"`}},
		{"allow-http false", map[string]string{phAllowHTTP: "false"}, networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("b.example.com")}}, nil},
	} {
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "ns", Annotations: tc.ann}, Spec: tc.spec}
		got := phIngress(ing)
		if (got == "") != (len(tc.wants) == 0) {
			t.Errorf("%s: got %q", tc.name, got)
			continue
		}
		for _, w := range tc.wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
	}
}

func TestPhGateway(t *testing.T) {
	server := func(proto string, port uint32, tls *networkingapi.ServerTLSSettings, hosts ...string) *networkingapi.Server {
		return &networkingapi.Server{Port: &networkingapi.Port{Number: port, Protocol: proto, Name: strings.ToLower(proto)}, Hosts: hosts, Tls: tls}
	}
	gw := func(servers ...*networkingapi.Server) *istionetv1.Gateway {
		g := &istionetv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: "g", Namespace: "ns"}}
		g.Spec.Servers = servers
		return g
	}
	simple := &networkingapi.ServerTLSSettings{Mode: networkingapi.ServerTLSSettings_SIMPLE, CredentialName: "c"}
	for _, tc := range []struct {
		name  string
		gw    *istionetv1.Gateway
		wants []string
	}{
		{"redirect", gw(server("HTTP", 80, &networkingapi.ServerTLSSettings{HttpsRedirect: true}, "a.example.com"), server("HTTPS", 443, simple, "a.example.com")), nil},
		{"https only", gw(server("HTTPS", 443, simple, "*")), nil},
		{"passthrough and tcp", gw(server("TLS", 443, &networkingapi.ServerTLSSettings{Mode: networkingapi.ServerTLSSettings_PASSTHROUGH}, "a.example.com"), server("TCP", 5432, nil, "*")), nil},
		{"downgrade via namespace/host and wildcard https", gw(server("http", 80, nil, "shop/a.example.com"), server("HTTPS", 443, simple, "*/*.example.com")),
			[]string{"shop/a.example.com is also served over HTTPS"}},
		{"star http, specific https", gw(server("HTTP2", 8080, nil, "*", "b.example.com"), server("HTTPS", 443, simple, "a.example.com")),
			[]string{"port 8080 (HTTP2)", "* is also served over HTTPS", "b.example.com is not served over HTTPS at all"}},
		{"grpc", gw(server("GRPC", 9090, nil, "grpc.example.com")), []string{"port 9090 (GRPC)", "not served over HTTPS at all"}},
		{"tls passthrough host counts as served over TLS", gw(server("HTTP", 80, nil, "a.example.com"), server("TLS", 443, &networkingapi.ServerTLSSettings{Mode: networkingapi.ServerTLSSettings_PASSTHROUGH}, "a.example.com")),
			[]string{"a.example.com is also served over HTTPS"}},
		{"http_proxy and grpc-web are HTTP servers", gw(server("HTTP_PROXY", 8080, nil, "a.example.com"), server("grpc-web", 9091, nil, "b.example.com")),
			[]string{"port 8080 (HTTP_PROXY)", "port 9091 (GRPC-WEB)"}},
	} {
		// The servers as the model resolves them into listeners.
		inv := inventory.New()
		inv.Add(&inventory.Object{Key: inventory.Key{Group: inventory.Gateway.Group, Kind: inventory.Gateway.Kind, Namespace: "ns", Name: "g"}, Obj: tc.gw})
		m := model.New(inv, model.Options{})
		groups := m.ListenerGroups(model.GatewayServer)
		if len(groups) != 1 || len(groups[0].Listeners) != len(tc.gw.Spec.Servers) {
			t.Fatalf("%s: listeners grouped as %+v", tc.name, groups)
		}
		got := phGateway(groups[0].Entry, groups[0].Listeners)
		if (got == "") != (len(tc.wants) == 0) {
			t.Errorf("%s: got %q", tc.name, got)
			continue
		}
		for _, w := range tc.wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
	}
}
