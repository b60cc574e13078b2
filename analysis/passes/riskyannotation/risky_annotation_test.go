package riskyannotation

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph"
)

func TestRaBreakout(t *testing.T) {
	cases := []struct {
		value      string
		withDollar bool
		want       string
	}{
		{"http://auth.auth.svc.cluster.local/verify?rd=$escaped_request_uri", false, ""},
		{"https://$host/oauth2/auth", false, ""},
		{"http://auth/verify;\nproxy_pass http://evil", false, `";", a newline`},
		{"https://example.com/#", false, `"#"`},
		{"CN=(a|b)", false, ""},
		{`CN=a"}`, false, `a brace, a quote`},
		{`mirror.example.com\`, true, "a backslash"},
		{"$host", true, `"$" (an nginx variable)`},
		{"$host", false, ""},
		{"shop/auth-headers", true, ""},
		{"it's", false, "a quote"},
	}
	for _, c := range cases {
		if got := strings.Join(raBreakout(c.value, c.withDollar), ", "); got != c.want {
			t.Errorf("raBreakout(%q, %v) = %q, want %q", c.value, c.withDollar, got, c.want)
		}
	}
}

func TestRaCatchAllCapture(t *testing.T) {
	cases := map[string]bool{
		"/(.*)":             true,
		"/?(.*)":            true,
		"^/(.*)$":           true,
		"/(/|$)(.*)":        true,
		"/(.+)":             true,
		"/(/.*)?":           true,
		"/":                 false, // no capture group: $1 is empty
		"/.*":               false,
		"/api/(.*)":         false,
		"/api(/|$)(.*)":     false,
		"/(.*)/admin":       false,
		"(.*)":              false,
		"/something(/|$)":   false,
		"/(?<rest>.*)":      false,
		"/static/(.*)\\.js": false,
	}
	for path, want := range cases {
		if got := raCatchAllCapture(path); got != want {
			t.Errorf("raCatchAllCapture(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestRaAllowsAllPublic(t *testing.T) {
	cases := map[string]string{
		"0.0.0.0/0":                           "IPv4",
		"10.0.0.0/8, 0.0.0.0/0":               "IPv4",
		"0.0.0.0/1,128.0.0.0/1":               "IPv4",
		"::/0":                                "IPv6",
		"0.0.0.0/0,::/0":                      "IPv4 IPv6",
		"203.0.113.0/24,10.0.0.0/8":           "",
		"0.0.0.0/1":                           "",
		"not-a-cidr":                          "",
		"":                                    "",
		"0.0.0.0/2,64.0.0.0/2,128.0.0.0/1":    "IPv4",
		"1.0.0.0/8,2.0.0.0/7,4.0.0.0/6":       "",
		"2000::/3":                            "",
		"192.168.0.0/16,172.16.0.0/12,10.0/8": "",
	}
	for in, want := range cases {
		if got := strings.Join(raAllowsAllPublic(in), " "); got != want {
			t.Errorf("raAllowsAllPublic(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRaProtocols(t *testing.T) {
	cases := []struct {
		backend, portName, appProtocol string
		conflict                       bool
	}{
		{"HTTPS", "http-web", "", true},
		{"HTTPS", "https", "", false},
		{"HTTPS", "web", "", false}, // detected by Istio: nothing declared to disagree with
		{"GRPCS", "grpc", "", true},
		{"GRPC", "grpc", "", false},
		{"GRPC", "http2", "", false},
		{"HTTP", "tls-app", "", true},
		{"HTTP", "tcp-app", "", true},
		{"HTTP", "web", "http", false},
		{"HTTP", "http", "https", true}, // appProtocol wins over the name
		{"AJP", "http", "", true},
		{"FCGI", "tcp", "", false},
		{"https", "http", "", true}, // case-insensitive, as ingress-nginx
		{"AUTO_HTTP", "https", "", false},
		{"HTTP", "web", "kubernetes.io/wss", true}, // wss is HTTPS to Istio: TLS by the app
		{"HTTPS", "web", "kubernetes.io/ws", true}, // ws is HTTP
	}
	for _, c := range cases {
		_, _, class := raIstioPortProtocol(graph.ServicePort{Name: c.portName, AppProtocol: c.appProtocol, Port: 8080, Protocol: "TCP"})
		got := raProtocolConflict(raBackendWire(c.backend), class) != ""
		if got != c.conflict {
			t.Errorf("backend-protocol %s to port %q (appProtocol %q): conflict %v, want %v", c.backend, c.portName, c.appProtocol, got, c.conflict)
		}
	}
}

func TestRaNamesService(t *testing.T) {
	svc := &graph.Node{Kind: graph.KindService, Namespace: "shop", Name: "api"}
	cases := []struct {
		host, clientNS string
		want           bool
	}{
		{"api.shop.svc.cluster.local", "ingress-nginx", true},
		{"API.shop.svc.cluster.local.", "ingress-nginx", true},
		{"api.shop.svc.cluster.local:80", "ingress-nginx", true},
		{"api.shop", "ingress-nginx", true},
		{"api.shop.svc", "ingress-nginx", true},
		{"api", "ingress-nginx", false}, // short names resolve in the client's namespace
		{"api", "shop", true},
		{"payments.payments.svc.cluster.local", "ingress-nginx", false},
		{"shop.example.com", "ingress-nginx", false},
	}
	for _, c := range cases {
		if got := raNamesService(c.host, svc, c.clientNS); got != c.want {
			t.Errorf("raNamesService(%q, from %s) = %v, want %v", c.host, c.clientNS, got, c.want)
		}
	}
}
