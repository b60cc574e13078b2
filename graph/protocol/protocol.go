// Package protocol is Istio's protocol selection for a Kubernetes Service
// port, written once: the graph builder (does a hop carry HTTP, so that
// HTTP-only AuthorizationPolicy fields apply), ineffective-policy (is a port
// declared TCP) and risky-annotation (does nginx's backend-protocol agree
// with the sidecar) all ask this package.
package protocol

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Protocol is Istio's protocol.Instance for a port.
type Protocol string

// The protocols Istio's protocol.Parse knows (istio/istio
// pkg/config/protocol/instance.go), and Sniffed for its Unsupported: the
// sidecar detects HTTP on the first bytes of each connection.
const (
	HTTP      Protocol = "HTTP"
	HTTP2     Protocol = "HTTP2"
	HTTPProxy Protocol = "HTTP_PROXY"
	GRPC      Protocol = "GRPC"
	GRPCWeb   Protocol = "GRPC-Web"
	HTTPS     Protocol = "HTTPS"
	TLS       Protocol = "TLS"
	TCP       Protocol = "TCP"
	UDP       Protocol = "UDP"
	Mongo     Protocol = "Mongo"
	Redis     Protocol = "Redis"
	MySQL     Protocol = "MySQL"
	Sniffed   Protocol = "UnsupportedProtocol"
)

// Source says which part of the port decided its protocol.
type Source string

// Sources of a protocol decision.
const (
	ByAppProtocol   Source = "appProtocol"
	ByPortName      Source = "port name"
	ByWellKnownPort Source = "well-known port"
	ByTransport     Source = "protocol field"
)

// Selection is the protocol Istio applies to a Service port and why.
type Selection struct {
	Protocol Protocol
	By       Source
}

// wellKnownPorts are the server-first ports istiod never sniffs: an
// undeclared protocol on them is TCP (istio/istio
// pkg/config/kube/conversion.go wellKnownPorts).
var wellKnownPorts = map[int32]bool{25: true, 53: true, 3306: true, 27017: true}

// ForServicePort applies istiod's protocol selection to a Service port,
// following istio/istio pkg/config/kube/conversion.go ConvertProtocol: UDP
// from the protocol field; else appProtocol when set (with Kubernetes'
// standard names kubernetes.io/h2c = HTTP2, kubernetes.io/ws = HTTP,
// kubernetes.io/wss = HTTPS), else the port name; a name starting with
// "grpc-web" is GRPC-Web, otherwise the prefix before the first '-' is
// parsed case-insensitively (protocol.Parse); an unknown prefix on ports
// 25, 53, 3306 and 27017 is TCP, elsewhere the protocol is sniffed.
// appProtocol is "" when unset (the API server rejects an empty value).
func ForServicePort(port int32, name string, transport corev1.Protocol, appProtocol string) Selection {
	if transport == corev1.ProtocolUDP {
		return Selection{UDP, ByTransport}
	}
	by, text := ByPortName, name
	if appProtocol != "" {
		by, text = ByAppProtocol, appProtocol
		switch appProtocol {
		case "kubernetes.io/h2c":
			return Selection{HTTP2, by}
		case "kubernetes.io/ws":
			return Selection{HTTP, by}
		case "kubernetes.io/wss":
			return Selection{HTTPS, by}
		}
	}
	const grpcWeb = "grpc-web"
	if len(text) >= len(grpcWeb) && strings.EqualFold(text[:len(grpcWeb)], grpcWeb) {
		return Selection{GRPCWeb, by}
	}
	if i := strings.IndexByte(text, '-'); i >= 0 {
		text = text[:i]
	}
	p := Parse(text)
	if p == Sniffed && wellKnownPorts[port] {
		return Selection{TCP, ByWellKnownPort}
	}
	return Selection{p, by}
}

// Of is ForServicePort for a corev1.ServicePort.
func Of(p corev1.ServicePort) Selection {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return ForServicePort(p.Port, p.Name, p.Protocol, app)
}

// Parse is istio/istio pkg/config/protocol/instance.go Parse: a protocol
// name, case-insensitive; Sniffed for an unknown one.
func Parse(s string) Protocol {
	switch strings.ToLower(s) {
	case "tcp":
		return TCP
	case "udp":
		return UDP
	case "grpc":
		return GRPC
	case "grpc-web":
		return GRPCWeb
	case "http":
		return HTTP
	case "http_proxy":
		return HTTPProxy
	case "http2":
		return HTTP2
	case "https":
		return HTTPS
	case "tls":
		return TLS
	case "mongo":
		return Mongo
	case "redis":
		return Redis
	case "mysql":
		return MySQL
	}
	return Sniffed
}

// IsHTTP: the sidecar runs its HTTP filter chain on the port (Instance.IsHTTP).
func (p Protocol) IsHTTP() bool {
	switch p {
	case HTTP, HTTP2, HTTPProxy, GRPC, GRPCWeb:
		return true
	}
	return false
}

// IsTCP: the sidecar proxies the port as TCP, so HTTP fields never apply
// (Instance.IsTCP).
func (p Protocol) IsTCP() bool {
	switch p {
	case TCP, HTTPS, TLS, Mongo, Redis, MySQL:
		return true
	}
	return false
}

// IsTLS: the application terminates TLS on the port (Instance.IsTLS).
func (p Protocol) IsTLS() bool { return p == HTTPS || p == TLS }

// IsSniffed: no declaration; the sidecar detects HTTP per connection.
func (p Protocol) IsSniffed() bool { return p == Sniffed }

// MayCarryHTTP: HTTP requests on the port reach the HTTP filter chain,
// declared or detected.
func (p Protocol) MayCarryHTTP() bool { return p.IsHTTP() || p.IsSniffed() }

// String is the protocol's lower-case name as users write it.
func (p Protocol) String() string {
	if p == Sniffed {
		return "undeclared (sniffed)"
	}
	return strings.ToLower(string(p))
}
