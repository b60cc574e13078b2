package model

import (
	"fmt"
	"sort"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Gateway is an Istio Gateway with the proxy workloads it configures.
type Gateway struct {
	Obj   *istionetv1.Gateway
	Entry *inventory.Object
	// Key is namespace/name.
	Key string
	// Proxies are the workloads the Gateway's selector matches.
	Proxies []*inventory.Workload
}

// ProxyNamespaces returns the namespaces of the Gateway's proxies, sorted
// and without repeats.
func (g *Gateway) ProxyNamespaces() []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range g.Proxies {
		if !seen[w.Namespace] {
			seen[w.Namespace] = true
			out = append(out, w.Namespace)
		}
	}
	sort.Strings(out)
	return out
}

// resolveGateways selects each Gateway's proxies: its selector matches pod
// labels in every namespace, or only in the Gateway's own namespace with
// PILOT_SCOPE_GATEWAY_TO_NAMESPACE (istio/istio pilot/pkg/model/gateway.go
// and push_context.go gatewayWithInstances; an empty selector is a subset
// of every label set, so it matches every workload)
// (https://istio.io/latest/docs/reference/config/networking/gateway/).
func (m *Model) resolveGateways() {
	for _, gw := range inventory.Typed[*istionetv1.Gateway](m.Inventory, inventory.Gateway) {
		g := &Gateway{Obj: gw.Obj, Entry: gw.Entry, Key: gw.Obj.Namespace + "/" + gw.Obj.Name}
		scope := ""
		if m.Options.GatewayScopeNamespace {
			scope = gw.Obj.Namespace
		}
		g.Proxies = m.SelectWorkloads(labels.SelectorFromSet(gw.Obj.Spec.GetSelector()), scope)
		m.gateways = append(m.gateways, g)
		m.gatewayByKey[g.Key] = g
	}
}

// Gateways returns every Gateway in inventory order.
func (m *Model) Gateways() []*Gateway { return append([]*Gateway(nil), m.gateways...) }

// Gateway returns the Gateway namespace/name, or nil.
func (m *Model) Gateway(key string) *Gateway { return m.gatewayByKey[key] }

// GatewayBinding is one entry of a VirtualService's gateways list, resolved.
type GatewayBinding struct {
	// Ref is the entry as written; Key the namespace/name it resolves to.
	Ref, Key string
	// Gateway is nil when no Gateway of that name is in the input.
	Gateway *Gateway
	// Proxies are the Gateway's proxies the VirtualService is exported to.
	Proxies []*inventory.Workload
	// Visible: the VirtualService is exported to some proxy namespace, or,
	// for a Gateway without proxies in the input, to the Gateway's own
	// namespace (then Assumed is set).
	Visible, Assumed bool
	// Servers are the Gateway servers that admit some host of the
	// VirtualService, each with the first host admitted.
	Servers []BoundServer
}

// BoundServer is a Gateway server and the VirtualService host it admits.
type BoundServer struct {
	Server *networkingapi.Server
	Host   string
}

// Bindings resolves a VirtualService's gateways entries other than "mesh",
// in the order written, each Gateway once: the reference through
// hosts.ResolveGatewayRef (istio/istio pilot/pkg/model/config.go
// resolveGatewayName), exportTo against the namespace of each gateway proxy
// rather than the Gateway object (push_context.go VirtualServicesForGateway),
// and server hosts by namespace part and DNS overlap (gateway.go
// server host matching).
func (m *Model) Bindings(vs *istionetv1.VirtualService) []GatewayBinding {
	var out []GatewayBinding
	seen := map[string]bool{}
	for _, ref := range vs.Spec.GetGateways() {
		if ref == hosts.MeshGateway {
			continue
		}
		key := hosts.GatewayKey(ref, vs.Namespace)
		if seen[key] {
			continue
		}
		seen[key] = true
		b := GatewayBinding{Ref: ref, Key: key, Gateway: m.gatewayByKey[key]}
		if b.Gateway == nil {
			out = append(out, b)
			continue
		}
		for _, p := range b.Gateway.Proxies {
			if hosts.Visible(vs.Spec.GetExportTo(), vs.Namespace, p.Namespace) {
				b.Proxies = append(b.Proxies, p)
			}
		}
		b.Visible = len(b.Proxies) > 0
		if len(b.Gateway.Proxies) == 0 {
			b.Assumed = true
			b.Visible = hosts.Visible(vs.Spec.GetExportTo(), vs.Namespace, b.Gateway.Obj.Namespace)
		}
		for _, server := range b.Gateway.Obj.Spec.GetServers() {
			if h := ServerAdmits(server, vs, b.Gateway.Obj.Namespace); h != "" {
				b.Servers = append(b.Servers, BoundServer{Server: server, Host: h})
			}
		}
		out = append(out, b)
	}
	return out
}

// ServerAdmits returns the VirtualService host a Gateway server admits (for
// the first server host admitting any, the first such VirtualService host),
// or "". Short VirtualService hosts are resolved in the VirtualService's
// namespace first (istio/istio pilot/pkg/model/virtualservice.go
// resolveVirtualServiceShortnames), and the resolved host is returned.
func ServerAdmits(server *networkingapi.Server, vs *istionetv1.VirtualService, gatewayNS string) string {
	for _, sh := range server.GetHosts() {
		for _, vh := range vs.Spec.GetHosts() {
			if serverHostAdmits(sh, vs.Namespace, vh, gatewayNS) {
				return hosts.ResolveShortname(vh, vs.Namespace)
			}
		}
	}
	return ""
}

// serverAdmitsHost: some host of the server admits the VirtualService host.
func serverAdmitsHost(server *networkingapi.Server, vsNS, host, gatewayNS string) bool {
	for _, sh := range server.GetHosts() {
		if serverHostAdmits(sh, vsNS, host, gatewayNS) {
			return true
		}
	}
	return false
}

// serverHostAdmits: one server host's namespace part allows the
// VirtualService's namespace and its DNS part overlaps the VirtualService
// host, resolved in its namespace first.
func serverHostAdmits(serverHost, vsNS, host, gatewayNS string) bool {
	h := hosts.ParseServerHost(serverHost)
	return h.AllowsNamespace(vsNS, gatewayNS) && hosts.Match(h.DNS, hosts.ResolveShortname(host, vsNS))
}

// AdmittedHosts returns, lower-cased and in order, the VirtualService hosts
// some server of the binding admits.
func (b GatewayBinding) AdmittedHosts(vs *istionetv1.VirtualService) []string {
	if b.Gateway == nil {
		return nil
	}
	var out []string
	for _, h := range vs.Spec.GetHosts() {
		for _, s := range b.Gateway.Obj.Spec.GetServers() {
			if serverAdmitsHost(s, vs.Namespace, h, b.Gateway.Obj.Namespace) {
				out = append(out, strings.ToLower(h))
				break
			}
		}
	}
	return out
}

// GatewayListener is what a gateway proxy serves on one port.
type GatewayListener struct {
	// HTTP: requests reach the HTTP filter chain (HTTP servers, and HTTPS
	// servers that terminate TLS).
	HTTP bool
	// Servers describes the servers on the port, e.g. "Gateway
	// istio-system/public server 443 (HTTPS, SIMPLE)".
	Servers []string
}

// GatewayListenerOn returns what a gateway proxy serves on a port, from
// the Gateway servers that configure it, never from the gateway Service's
// port names (istio/istio pilot/pkg/networking/core/gateway.go
// buildGatewayListeners: the server's protocol decides; an HTTPS server that
// terminates TLS builds an HTTP filter chain, PASSTHROUGH and
// AUTO_PASSTHROUGH keep TLS as TCP; a TLS server is TCP). A server's
// port.number is the gateway Service's port, served on that port's
// targetPort (pilot/pkg/model/gateway.go), so a server matches the proxy
// port when it names a Service port targeting it, or the port itself.
// found is false when no server of any Gateway is on the port.
func (m *Model) GatewayListenerOn(proxy *inventory.Workload, port int32) (GatewayListener, bool) {
	key := listenerKey{proxy, port}
	if c, ok := m.proxyPorts[key]; ok {
		return c.listener, c.found
	}
	l, found := m.gatewayListenerOn(proxy, port)
	m.proxyPorts[key] = cachedListener{l, found}
	return l, found
}

type listenerKey struct {
	proxy *inventory.Workload
	port  int32
}

type cachedListener struct {
	listener GatewayListener
	found    bool
}

// gatewayListenerOn computes GatewayListenerOn (asked once per hop into a
// gateway proxy, so cached).
func (m *Model) gatewayListenerOn(proxy *inventory.Workload, port int32) (l GatewayListener, found bool) {
	numbers := map[uint32]bool{uint32(port): true}
	for _, s := range m.ServicesOf(proxy) {
		for _, sp := range s.Obj.Spec.Ports {
			if t, ok := TargetPort(sp, proxy); ok && t == port {
				numbers[uint32(sp.Port)] = true
			}
		}
	}
	for _, gw := range m.GatewaysOf(proxy) {
		for _, sl := range m.ListenersOf(gw.Entry) {
			if !numbers[uint32(sl.Port)] {
				continue
			}
			found = true
			l.HTTP = l.HTTP || sl.ServesHTTP()
			what := fmt.Sprintf("Gateway %s server %d (%s", gw.Key, sl.Port, sl.Protocol)
			if sl.Server.GetTls() != nil {
				what += ", " + sl.Server.GetTls().GetMode().String()
			}
			l.Servers = append(l.Servers, what+")")
		}
	}
	return l, found
}

// GatewaysOf returns the Gateways whose proxies include a workload.
func (m *Model) GatewaysOf(proxy *inventory.Workload) []*Gateway {
	var out []*Gateway
	for _, gw := range m.gateways {
		for _, p := range gw.Proxies {
			if p == proxy {
				out = append(out, gw)
				break
			}
		}
	}
	return out
}

// DelegateProblem says why istiod does not merge a delegate VirtualService.
type DelegateProblem int

// Delegate problems.
const (
	DelegateUsable DelegateProblem = iota
	DelegateMissing
	DelegateHasHosts
	DelegateNotExported
)

// Delegate resolves an http route's delegate of a root VirtualService, as
// istio/istio pilot/pkg/model/virtualservice.go mergeVirtualServicesIfNeeded
// does: the namespace defaults to the root's; a delegate must exist, have no
// hosts (a VirtualService with hosts is a root) and be exported to the
// root's namespace. key is namespace/name; vs is nil when missing.
func (m *Model) Delegate(root *istionetv1.VirtualService, d *networkingapi.Delegate) (vs *inventory.TypedObject[*istionetv1.VirtualService], key string, problem DelegateProblem) {
	ns := d.GetNamespace()
	if ns == "" {
		ns = root.Namespace
	}
	key = ns + "/" + d.GetName()
	for _, c := range m.VirtualServices() {
		if c.Obj.Namespace != ns || c.Obj.Name != d.GetName() {
			continue
		}
		switch {
		case len(c.Obj.Spec.GetHosts()) > 0:
			return &c, key, DelegateHasHosts
		case !hosts.Visible(c.Obj.Spec.GetExportTo(), ns, root.Namespace):
			return &c, key, DelegateNotExported
		}
		return &c, key, DelegateUsable
	}
	return nil, key, DelegateMissing
}
