package protocol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestForServicePort is the table of istiod's protocol selection
// (pkg/config/kube/conversion.go ConvertProtocol, pkg/config/protocol Parse).
func TestForServicePort(t *testing.T) {
	for _, tc := range []struct {
		port      int32
		name      string
		transport corev1.Protocol
		app       string
		want      Selection
	}{
		{80, "http", "", "", Selection{HTTP, ByPortName}},
		{80, "http-web", "TCP", "", Selection{HTTP, ByPortName}},
		{80, "HTTP2", "", "", Selection{HTTP2, ByPortName}},
		{80, "grpc-api", "", "", Selection{GRPC, ByPortName}},
		{80, "grpc-web", "", "", Selection{GRPCWeb, ByPortName}},
		{80, "grpc-web-api", "", "", Selection{GRPCWeb, ByPortName}},
		{80, "GRPC-WEBx", "", "", Selection{GRPCWeb, ByPortName}}, // prefix match before the '-' cut
		{80, "http_proxy", "", "", Selection{HTTPProxy, ByPortName}},
		{443, "https", "", "", Selection{HTTPS, ByPortName}},
		{443, "tls-passthrough", "", "", Selection{TLS, ByPortName}},
		{5432, "tcp-postgres", "", "", Selection{TCP, ByPortName}},
		{27017, "mongo", "", "", Selection{Mongo, ByPortName}},
		{6379, "redis-main", "", "", Selection{Redis, ByPortName}},
		{3306, "mysql", "", "", Selection{MySQL, ByPortName}},
		{80, "web", "", "", Selection{Sniffed, ByPortName}},
		{80, "", "", "", Selection{Sniffed, ByPortName}},
		{80, "httpx", "", "", Selection{Sniffed, ByPortName}}, // the prefix ends at '-'
		{80, "h2c", "", "", Selection{Sniffed, ByPortName}},   // not an Istio name
		// Server-first well-known ports are TCP when undeclared, never sniffed.
		{3306, "db", "", "", Selection{TCP, ByWellKnownPort}},
		{27017, "", "", "", Selection{TCP, ByWellKnownPort}},
		{25, "smtp", "", "", Selection{TCP, ByWellKnownPort}},
		{53, "dns", "", "", Selection{TCP, ByWellKnownPort}},
		{5432, "db", "", "", Selection{Sniffed, ByPortName}},
		{3306, "http", "", "", Selection{HTTP, ByPortName}}, // a declaration wins on well-known ports
		// UDP from the transport field, before any name.
		{53, "http", corev1.ProtocolUDP, "", Selection{UDP, ByTransport}},
		{53, "dns", corev1.ProtocolUDP, "http", Selection{UDP, ByTransport}},
		// appProtocol replaces the name.
		{80, "tcp-x", "", "http", Selection{HTTP, ByAppProtocol}},
		{80, "http", "", "tcp", Selection{TCP, ByAppProtocol}},
		{80, "http", "", "HTTPS", Selection{HTTPS, ByAppProtocol}},
		{80, "web", "", "kubernetes.io/h2c", Selection{HTTP2, ByAppProtocol}},
		{80, "web", "", "kubernetes.io/ws", Selection{HTTP, ByAppProtocol}},
		{443, "web", "", "kubernetes.io/wss", Selection{HTTPS, ByAppProtocol}},
		{80, "http", "", "example.com/custom", Selection{Sniffed, ByAppProtocol}},
		{3306, "http", "", "example.com/custom", Selection{TCP, ByWellKnownPort}},
		{80, "http", "", "grpc-web", Selection{GRPCWeb, ByAppProtocol}},
	} {
		if got := ForServicePort(tc.port, tc.name, tc.transport, tc.app); got != tc.want {
			t.Errorf("ForServicePort(%d, %q, %q, %q) = %+v, want %+v", tc.port, tc.name, tc.transport, tc.app, got, tc.want)
		}
	}
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		p                       Protocol
		http, tcp, tls, mayHTTP bool
	}{
		{HTTP, true, false, false, true},
		{GRPCWeb, true, false, false, true},
		{HTTPS, false, true, true, false},
		{TLS, false, true, true, false},
		{Mongo, false, true, false, false},
		{UDP, false, false, false, false},
		{Sniffed, false, false, false, true},
	} {
		if tc.p.IsHTTP() != tc.http || tc.p.IsTCP() != tc.tcp || tc.p.IsTLS() != tc.tls || tc.p.MayCarryHTTP() != tc.mayHTTP {
			t.Errorf("%s: IsHTTP %v IsTCP %v IsTLS %v MayCarryHTTP %v", tc.p, tc.p.IsHTTP(), tc.p.IsTCP(), tc.p.IsTLS(), tc.p.MayCarryHTTP())
		}
	}
}
