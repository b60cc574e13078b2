package model

import (
	"sort"
	"strings"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// DestinationProblem is why a route destination leads nowhere.
type DestinationProblem int

const (
	// DestinationOK: the destination resolves.
	DestinationOK DestinationProblem = iota
	// DestinationHostMissing: neither a Service nor a ServiceEntry host
	// the viewers see.
	DestinationHostMissing
	// DestinationPortMissing: the Service (or ServiceEntry acting as one)
	// has no such port, or several ports and none was named.
	DestinationPortMissing
	// DestinationNotExported: the Service exists but is exported to none
	// of the viewers' namespaces (networking.istio.io/exportTo).
	DestinationNotExported
)

// Destination is a VirtualService destination resolved as istiod resolves
// it for the proxies that serve the route.
type Destination struct {
	// FQDN is the host after ResolveShortnameToFQDN in the config's
	// namespace.
	FQDN string
	// Service is the Service the host names, or the Service a ServiceEntry
	// with a workloadSelector acts as; nil for an external ServiceEntry host
	// or a missing one.
	Service *Service
	// Port is the Service port the destination uses (nil unless resolved).
	Port *corev1.ServicePort
	// ServiceEntry declares the host when it is not a Service.
	ServiceEntry *inventory.Object
	// Seeing are the viewer namespaces the Service is exported to.
	Seeing  []string
	Problem DestinationProblem
}

// Destination resolves a VirtualService destination host and port for
// proxies in the viewer namespaces (a gateway's proxies; the
// VirtualService's own namespace for mesh routes): the host is resolved in
// configNS (hosts.ResolveShortname, istiod ResolveShortnameToFQDN); a
// cluster Service of that name wins (istiod's registry: kube Services are
// hostname NAME.NS.svc.DOMAIN), visible to the viewers its
// networking.istio.io/exportTo admits (Service.VisibleTo); otherwise the
// first ServiceEntry (inventory order) exported to some viewer whose hosts
// match the host as written or resolved (hosts.Match, wildcards allowed);
// the port is the one named, or the only port when none is named
// (https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination:
// the port may be omitted only when the service exposes a single port).
func (m *Model) Destination(host string, port uint32, configNS string, viewers []string) Destination {
	d := Destination{FQDN: hosts.ResolveShortname(host, configNS)}
	if name, ns, ok := hosts.ParseServiceFQDN(d.FQDN); ok {
		if svc := m.Service(ns, name); svc != nil {
			d.Service = svc
			for _, v := range viewers {
				if svc.VisibleTo(v) {
					d.Seeing = append(d.Seeing, v)
				}
			}
			if len(d.Seeing) == 0 {
				d.Problem = DestinationNotExported
				return d
			}
			d.Port, d.Problem = servicePort(svc, port)
			return d
		}
	}
	for _, se := range m.serviceEntriesFor(host, d.FQDN) {
		visible := false
		for _, v := range viewers {
			visible = visible || hosts.Visible(se.Obj.Spec.GetExportTo(), se.Obj.Namespace, v)
		}
		if !visible {
			continue
		}
		for _, h := range se.Obj.Spec.GetHosts() {
			if !hosts.Match(h, host) && !hosts.Match(h, d.FQDN) {
				continue
			}
			d.ServiceEntry = se.Entry
			if svc := m.ServiceEntryService(se.Obj.Namespace, se.Obj.Name); svc != nil {
				d.Service, d.Seeing = svc, viewers
				d.Port, d.Problem = servicePort(svc, port)
			}
			return d
		}
	}
	d.Problem = DestinationHostMissing
	return d
}

// serviceEntriesFor returns, in inventory order, the ServiceEntries that
// may declare a host: those naming it or its FQDN exactly (hosts compare
// case-insensitively) and those with a wildcard host; every entry when the
// host is itself a wildcard. The index is built on first use.
func (m *Model) serviceEntriesFor(host, fqdn string) []inventory.TypedObject[*istionetv1.ServiceEntry] {
	if m.seIndex == nil {
		m.seIndex = &serviceEntryIndex{exact: map[string][]int{}}
		m.seIndex.all = m.ServiceEntries()
		for i, se := range m.seIndex.all {
			wild := false
			for _, h := range se.Obj.Spec.GetHosts() {
				if strings.HasPrefix(h, "*") {
					wild = true
					continue
				}
				m.seIndex.exact[strings.ToLower(h)] = append(m.seIndex.exact[strings.ToLower(h)], i)
			}
			if wild {
				m.seIndex.wildcard = append(m.seIndex.wildcard, i)
			}
		}
	}
	ix := m.seIndex
	if strings.HasPrefix(host, "*") || strings.HasPrefix(fqdn, "*") {
		return ix.all
	}
	var picked []int
	for _, list := range [][]int{ix.exact[strings.ToLower(host)], ix.exact[strings.ToLower(fqdn)], ix.wildcard} {
		picked = append(picked, list...)
	}
	sort.Ints(picked)
	out := make([]inventory.TypedObject[*istionetv1.ServiceEntry], 0, len(picked))
	for j, i := range picked {
		if j == 0 || picked[j-1] != i {
			out = append(out, ix.all[i])
		}
	}
	return out
}

// serviceEntryIndex indexes ServiceEntries by host.
type serviceEntryIndex struct {
	all      []inventory.TypedObject[*istionetv1.ServiceEntry]
	exact    map[string][]int
	wildcard []int
}

// servicePort finds the destination port; an ExternalName Service without
// ports takes any (it is a DNS alias).
func servicePort(svc *Service, port uint32) (*corev1.ServicePort, DestinationProblem) {
	ports := svc.Obj.Spec.Ports
	for i, p := range ports {
		if uint32(p.Port) == port || (port == 0 && len(ports) == 1) {
			return &ports[i], DestinationOK
		}
	}
	if svc.Obj.Spec.Type == corev1.ServiceTypeExternalName && len(ports) == 0 {
		return nil, DestinationOK
	}
	return nil, DestinationPortMissing
}

// IngressBackend resolves an Ingress backend in the Ingress's namespace:
// the Service and its port, by name or number
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#the-ingress-resource).
// An ExternalName Service without ports takes the backend's port number,
// as ingress-nginx forwards to externalName:port. A resource backend has no
// Service (nil, DestinationOK).
func (m *Model) IngressBackend(namespace string, be networkingv1.IngressBackend) (svc *Service, port corev1.ServicePort, problem DestinationProblem) {
	if be.Service == nil {
		return nil, port, DestinationOK
	}
	svc = m.Service(namespace, be.Service.Name)
	if svc == nil {
		return nil, port, DestinationHostMissing
	}
	want := be.Service.Port
	for _, p := range svc.Obj.Spec.Ports {
		if (want.Name != "" && p.Name == want.Name) || (want.Name == "" && p.Port == want.Number) {
			return svc, p, DestinationOK
		}
	}
	if svc.Obj.Spec.Type == corev1.ServiceTypeExternalName && len(svc.Obj.Spec.Ports) == 0 && want.Name == "" && want.Number > 0 {
		return svc, corev1.ServicePort{Port: want.Number, Protocol: corev1.ProtocolTCP}, DestinationOK
	}
	return svc, port, DestinationPortMissing
}
