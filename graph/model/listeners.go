package model

import (
	"fmt"
	"slices"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/protocol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// ListenerKind says which object declares a listener.
type ListenerKind int

// Listener kinds.
const (
	// IngressHTTP is the plaintext listener an Ingress controller opens for
	// every host of an Ingress.
	IngressHTTP ListenerKind = iota + 1
	// IngressHTTPS is the TLS listener of one spec.tls entry: its hosts,
	// served with its secretName.
	IngressHTTPS
	// GatewayServer is one server of an Istio Gateway.
	GatewayServer
	// APIGatewayListener is one listener of a Gateway API Gateway.
	APIGatewayListener
)

// TLSMode is what a listener does with TLS.
type TLSMode string

// TLS modes (the route TLS states of the graph).
const (
	TLSNone        TLSMode = "none"
	TLSTerminated  TLSMode = "terminated"
	TLSPassthrough TLSMode = "passthrough"
	TLSMutual      TLSMode = "mutual"
	// TLSIstioMutual accepts only clients with an Istio workload
	// certificate: nothing outside the mesh completes the handshake.
	TLSIstioMutual TLSMode = "istio-mutual"
)

// Listener is where an entry proxy accepts connections for a set of hosts:
// an Istio Gateway server, or the HTTP and HTTPS listeners an Ingress
// controller opens for an Ingress. Rules read listeners instead of
// enumerating each routing kind.
type Listener struct {
	Kind ListenerKind
	// Entry is the declaring object (the Ingress or the Gateway).
	Entry *inventory.Object
	// Ingress is set for Ingress listeners, Gateway and Server for Gateway
	// servers.
	Ingress *Ingress
	Gateway *Gateway
	Server  *networkingapi.Server
	// APIGateway and APIListener are set for Gateway API listeners.
	APIGateway  *APIGateway
	APIListener *gatewayv1.Listener
	// Index is the server's index in spec.servers, or the entry's in
	// spec.tls; 0 for an IngressHTTP listener.
	Index int
	// Port is the Gateway server port, 80 or 443 for Ingress listeners.
	Port int32
	// Protocol is the protocol as written, upper-cased (HTTP, HTTPS, TLS,
	// TCP, MONGO, ...).
	Protocol string
	TLS      ListenerTLS
	// Hosts are the host names the listener accepts, in order.
	Hosts []ListenerHost
}

// ListenerTLS is a listener's TLS configuration.
type ListenerTLS struct {
	Mode TLSMode
	// HTTPSRedirect: a plaintext listener answering every request with a
	// redirect to HTTPS.
	HTTPSRedirect bool
	// MinVersion and MaxVersion are the protocol bounds as Istio names
	// them (TLSV1_0 ... TLSV1_3), "" when not set.
	MinVersion, MaxVersion string
	// Ciphers are the cipher suites configured, as written.
	Ciphers []string
	// Credentials are the Secret names served (credentialName(s),
	// secretName), as written, without empty ones.
	Credentials []string
}

// ListenerHost is one host a listener accepts. Namespace is the namespace
// part of a Gateway server host ("*" when any namespace may bind, "." for
// the Gateway's own); DNS the host name ("*" for every host).
type ListenerHost struct {
	Raw, Namespace, DNS string
}

// Proxies returns the workloads serving the listener: the Gateway's
// proxies, or the Ingress class's controllers (none when no controller is
// in the input).
func (l *Listener) Proxies() []*inventory.Workload {
	switch {
	case l.Gateway != nil:
		return l.Gateway.Proxies
	case l.APIGateway != nil:
		return l.APIGateway.Proxies
	case l.Ingress != nil && l.Ingress.Class != nil:
		return l.Ingress.Class.Controllers
	}
	return nil
}

// Terminates reports whether the listener terminates TLS (so its
// protocol, cipher and certificate settings apply).
func (l *Listener) Terminates() bool {
	switch l.Protocol {
	case "HTTPS", "TLS":
		return l.TLS.Mode != TLSPassthrough
	}
	return false
}

// Plaintext reports whether the listener is an HTTP one receiving
// requests unencrypted: HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-WEB
// (protocol.Protocol.IsHTTP, as istio/istio pilot/pkg/model/gateway
// IsHTTPServer decides).
func (l *Listener) Plaintext() bool { return protocol.Parse(l.Protocol).IsHTTP() }

// ServesHTTP reports whether requests reach an HTTP filter chain, so HTTP
// routes apply: plaintext HTTP listeners and HTTPS listeners that terminate
// TLS (istio/istio pilot/pkg/model/gateway IsHTTPServer, used by
// pilot/pkg/networking/core/gateway.go buildGatewayListeners; an HTTPS
// server without a tls block, which validation refuses, is taken to
// terminate).
func (l *Listener) ServesHTTP() bool {
	return l.Plaintext() || (l.Protocol == "HTTPS" && l.TLS.Mode != TLSPassthrough)
}

// Describe names the listener for messages, e.g. "Gateway
// istio-system/public port 443".
func (l *Listener) Describe() string {
	return fmt.Sprintf("%s %s/%s port %d", l.Entry.Key.Kind, l.Entry.Key.Namespace, l.Entry.Key.Name, l.Port)
}

// Listeners returns every listener: each Ingress's HTTP listener and one
// per spec.tls entry, in inventory order, then each Gateway's servers in
// order.
func (m *Model) Listeners() []*Listener {
	if m.listenerList == nil {
		m.resolveListeners()
	}
	return append([]*Listener(nil), m.listenerList...)
}

// ListenersOf returns the listeners an object (Ingress or Gateway)
// declares, in order.
func (m *Model) ListenersOf(entry *inventory.Object) []*Listener {
	if m.listenerList == nil {
		m.resolveListeners()
	}
	return slices.Clip(m.listenersByEntry[entry])
}

func (m *Model) resolveListeners() {
	m.listenerList = []*Listener{}
	m.listenersByEntry = map[*inventory.Object][]*Listener{}
	add := func(l *Listener) {
		m.listenerList = append(m.listenerList, l)
		m.listenersByEntry[l.Entry] = append(m.listenersByEntry[l.Entry], l)
	}
	for _, ing := range m.Ingresses() {
		for _, l := range ingressListeners(ing) {
			add(l)
		}
	}
	for _, gw := range m.gateways {
		for i, s := range gw.Obj.Spec.GetServers() {
			add(gatewayServerListener(gw, i, s))
		}
	}
	for _, gw := range m.apiGateways {
		for i := range gw.Obj.Spec.Listeners {
			add(apiGatewayListener(gw, i))
		}
	}
}

// apiGatewayListener is a Gateway API listener: HTTPS terminates TLS, TLS
// terminates or passes it through (tls.mode, default Terminate), with the
// certificateRefs as credentials; hostname unset accepts every host
// (gateway-api apis/v1 gateway_types.go Listener, GatewayTLSConfig).
func apiGatewayListener(gw *APIGateway, i int) *Listener {
	src := &gw.Obj.Spec.Listeners[i]
	l := &Listener{Kind: APIGatewayListener, Entry: gw.Entry, APIGateway: gw, APIListener: src, Index: i,
		Port: int32(src.Port), Protocol: strings.ToUpper(string(src.Protocol)), TLS: ListenerTLS{Mode: TLSNone}}
	switch src.Protocol {
	case gatewayv1.HTTPSProtocolType, gatewayv1.TLSProtocolType:
		l.TLS.Mode = TLSTerminated
		if src.TLS != nil && src.TLS.Mode != nil && *src.TLS.Mode == gatewayv1.TLSModePassthrough {
			l.TLS.Mode = TLSPassthrough
		}
	}
	if src.TLS != nil {
		for _, ref := range src.TLS.CertificateRefs {
			l.TLS.Credentials = append(l.TLS.Credentials, string(ref.Name))
		}
	}
	host := "*"
	if src.Hostname != nil && *src.Hostname != "" {
		host = strings.ToLower(string(*src.Hostname))
	}
	l.Hosts = []ListenerHost{{Raw: host, Namespace: "*", DNS: host}}
	return l
}

// ingressListeners are the listeners an Ingress controller opens for an
// Ingress: plaintext HTTP for every rule host (and "*" for a rule without
// host or a default backend), and per spec.tls entry an HTTPS listener for
// its hosts with its secretName
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#tls).
func ingressListeners(ing *Ingress) []*Listener {
	http := &Listener{Kind: IngressHTTP, Entry: ing.Entry, Ingress: ing, Port: 80, Protocol: "HTTP", TLS: ListenerTLS{Mode: TLSNone}}
	seen := map[string]bool{}
	addHost := func(h string) {
		if h == "" {
			h = "*"
		}
		if !seen[h] {
			seen[h] = true
			http.Hosts = append(http.Hosts, ListenerHost{Raw: h, DNS: h})
		}
	}
	if ing.Obj.Spec.DefaultBackend != nil {
		addHost("")
	}
	for _, r := range ing.Obj.Spec.Rules {
		addHost(r.Host)
	}
	out := []*Listener{http}
	for i, t := range ing.Obj.Spec.TLS {
		l := &Listener{Kind: IngressHTTPS, Entry: ing.Entry, Ingress: ing, Index: i, Port: 443, Protocol: "HTTPS", TLS: ListenerTLS{Mode: TLSTerminated}}
		if t.SecretName != "" {
			l.TLS.Credentials = []string{t.SecretName}
		}
		for _, h := range t.Hosts {
			l.Hosts = append(l.Hosts, ListenerHost{Raw: h, DNS: h})
		}
		out = append(out, l)
	}
	return out
}

// gatewayServerListener is a Gateway server as a listener. The protocol
// decides first; the TLS mode matters only for HTTPS and TLS servers
// (istio/istio pilot/pkg/model/gateway.go: an HTTP server with a tls block
// is an HTTPS-redirect server, never a TLS one).
func gatewayServerListener(gw *Gateway, i int, s *networkingapi.Server) *Listener {
	l := &Listener{Kind: GatewayServer, Entry: gw.Entry, Gateway: gw, Server: s, Index: i,
		Port: int32(s.GetPort().GetNumber()), Protocol: strings.ToUpper(s.GetPort().GetProtocol()), TLS: ListenerTLS{Mode: TLSNone}}
	tls := s.GetTls()
	if l.Protocol == "HTTPS" || l.Protocol == "TLS" {
		switch tls.GetMode() {
		case networkingapi.ServerTLSSettings_PASSTHROUGH, networkingapi.ServerTLSSettings_AUTO_PASSTHROUGH:
			l.TLS.Mode = TLSPassthrough
		case networkingapi.ServerTLSSettings_ISTIO_MUTUAL:
			l.TLS.Mode = TLSIstioMutual
		case networkingapi.ServerTLSSettings_MUTUAL:
			l.TLS.Mode = TLSMutual
		default:
			l.TLS.Mode = TLSTerminated
		}
	}
	l.TLS.HTTPSRedirect = l.Plaintext() && tls.GetHttpsRedirect()
	if tls != nil {
		if v := tls.GetMinProtocolVersion(); v != networkingapi.ServerTLSSettings_TLS_AUTO {
			l.TLS.MinVersion = v.String()
		}
		if v := tls.GetMaxProtocolVersion(); v != networkingapi.ServerTLSSettings_TLS_AUTO {
			l.TLS.MaxVersion = v.String()
		}
		l.TLS.Ciphers = tls.GetCipherSuites()
		for _, c := range append([]string{tls.GetCredentialName()}, tls.GetCredentialNames()...) {
			if c != "" {
				l.TLS.Credentials = append(l.TLS.Credentials, c)
			}
		}
	}
	for _, h := range s.GetHosts() {
		sh := hosts.ParseServerHost(h)
		l.Hosts = append(l.Hosts, ListenerHost{Raw: h, Namespace: sh.Namespace, DNS: sh.DNS})
	}
	return l
}

// ListenerGroup is the listeners one object declares, in order.
type ListenerGroup struct {
	Entry     *inventory.Object
	Listeners []*Listener
}

// ListenerGroups returns the listeners of one kind grouped by the object
// declaring them, in listener order: rules that report once per Gateway
// (or, later, per Gateway API Gateway) read these.
func (m *Model) ListenerGroups(kind ListenerKind) []ListenerGroup {
	var out []ListenerGroup
	for _, l := range m.Listeners() {
		if l.Kind != kind {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Entry == l.Entry {
			out[n-1].Listeners = append(out[n-1].Listeners, l)
			continue
		}
		out = append(out, ListenerGroup{Entry: l.Entry, Listeners: []*Listener{l}})
	}
	return out
}

// ListenerPorts returns the container ports of a proxy on which a listener
// is served, so that a route is reached only through them (not through a
// status or telemetry port of the same pod). For a Gateway server: its
// port number, which istiod reads as the gateway Service's port and serves
// on that port's targetPort (pilot/pkg/model/gateway.go; the number itself
// when no Service port names it), so every targetPort of the proxy's
// Service ports with that number, and the number. For an Ingress listener:
// the controller's container ports named http and https, or else numbered
// 80 and 443, as ingress-nginx's deploy.yaml declares them (both, for
// either listener: see below). Nil means any port: a proxy not in the
// input, or a controller whose container ports say nothing about which one
// serves HTTP.
func (m *Model) ListenerPorts(proxy *inventory.Workload, l *Listener) []int32 {
	if proxy == nil {
		return nil
	}
	var out []int32
	add := func(p int32) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	switch l.Kind {
	case GatewayServer, APIGatewayListener:
		add(l.Port)
		for _, s := range m.ServicesOf(proxy) {
			for _, sp := range s.Obj.Spec.Ports {
				if sp.Port == l.Port {
					if t, ok := TargetPort(sp, proxy); ok {
						add(t)
					}
				}
			}
		}
	case IngressHTTP, IngressHTTPS:
		// An Ingress controller serves every host on its HTTP and its HTTPS
		// port: ingress-nginx opens an HTTPS server for hosts without
		// spec.tls too (with its default certificate), TLS may be
		// terminated in front of it onto the HTTP port, and redirects are
		// configured per Ingress or controller-wide. Both ports, so no
		// route is hidden; other container ports (ingress-nginx's webhook
		// 8443, metrics 10254) serve no route.
		http, https := controllerPorts(proxy, "http", 80), controllerPorts(proxy, "https", 443)
		if len(http) == 0 && len(https) == 0 {
			return nil
		}
		out = append(http, https...)
	}
	slices.Sort(out)
	return out
}

// controllerPorts returns an Ingress controller's container port named name,
// else numbered number; nil (any) when it declares neither.
func controllerPorts(proxy *inventory.Workload, name string, number int32) []int32 {
	var out []int32
	for _, p := range proxy.Ports() {
		if p.Name == name && !slices.Contains(out, p.Port) {
			out = append(out, p.Port)
		}
	}
	if len(out) == 0 {
		for _, p := range proxy.Ports() {
			if p.Port == number && !slices.Contains(out, p.Port) {
				out = append(out, p.Port)
			}
		}
	}
	return out
}
