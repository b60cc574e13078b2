package model

import (
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
		one := &networkingapi.Server{Hosts: []string{sh}}
		for _, vh := range vs.Spec.GetHosts() {
			if serverAdmitsHost(one, vs.Namespace, vh, gatewayNS) {
				return hosts.ResolveShortname(vh, vs.Namespace)
			}
		}
	}
	return ""
}

// serverAdmitsHost: some host of the server has a namespace part allowing
// the VirtualService's namespace and a DNS part overlapping the host.
func serverAdmitsHost(server *networkingapi.Server, vsNS, host, gatewayNS string) bool {
	host = hosts.ResolveShortname(host, vsNS)
	for _, sh := range server.GetHosts() {
		h := hosts.ParseServerHost(sh)
		if h.AllowsNamespace(vsNS, gatewayNS) && hosts.Match(h.DNS, host) {
			return true
		}
	}
	return false
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
