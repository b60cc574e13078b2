package inventory

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TrafficEffect is what an unmodelled kind does to traffic.
type TrafficEffect string

// Effects of unmodelled kinds.
const (
	// Routes: the object routes or exposes traffic (an ingress or gateway
	// route, a serverless service): paths through it are not analysed.
	Routes TrafficEffect = "routes"
	// Filters: the object allows or denies traffic (a CNI or mesh policy):
	// verdicts are computed as if it did not exist.
	Filters TrafficEffect = "filters"
	// Alters: the object rewrites how a proxy handles traffic (EnvoyFilter).
	Alters TrafficEffect = "alters"
)

// Unmodelled lists the kinds, read by no part of shadowroute, that carry,
// expose or filter traffic: the loader records each such object so that
// the analysis says it did not see through it, instead of reporting a
// database unreachable because its route was a kind nobody reads. Kinds
// not listed here (operators' own CRDs, configuration) are counted as
// skipped only.
var Unmodelled = map[schema.GroupKind]TrafficEffect{
	// Kubernetes Gateway API kinds not modelled (Gateway, the route kinds
	// ReferenceGrant and BackendTLSPolicy are).
	{Group: "gateway.networking.k8s.io", Kind: "ListenerSet"}: Routes,
	// UDP routes: Istio implements none, and the graph carries no UDP paths.
	{Group: "gateway.networking.k8s.io", Kind: "UDPRoute"}:                  Routes,
	{Group: "gateway.networking.x-k8s.io", Kind: "XListenerSet"}:            Routes,
	{Group: "policy.networking.k8s.io", Kind: "AdminNetworkPolicy"}:         Filters,
	{Group: "policy.networking.k8s.io", Kind: "BaselineAdminNetworkPolicy"}: Filters,
	// OpenShift, Knative.
	{Group: "route.openshift.io", Kind: "Route"}:                Routes,
	{Group: "serving.knative.dev", Kind: "Service"}:             Routes,
	{Group: "serving.knative.dev", Kind: "Route"}:               Routes,
	{Group: "networking.internal.knative.dev", Kind: "Ingress"}: Routes,
	// Ingress controllers' own routing kinds.
	{Group: "projectcontour.io", Kind: "HTTPProxy"}:         Routes,
	{Group: "contour.heptio.com", Kind: "IngressRoute"}:     Routes,
	{Group: "traefik.io", Kind: "IngressRoute"}:             Routes,
	{Group: "traefik.io", Kind: "IngressRouteTCP"}:          Routes,
	{Group: "traefik.io", Kind: "IngressRouteUDP"}:          Routes,
	{Group: "traefik.containo.us", Kind: "IngressRoute"}:    Routes,
	{Group: "traefik.containo.us", Kind: "IngressRouteTCP"}: Routes,
	{Group: "traefik.containo.us", Kind: "IngressRouteUDP"}: Routes,
	{Group: "configuration.konghq.com", Kind: "TCPIngress"}: Routes,
	{Group: "configuration.konghq.com", Kind: "UDPIngress"}: Routes,
	{Group: "getambassador.io", Kind: "Mapping"}:            Routes,
	{Group: "getambassador.io", Kind: "TCPMapping"}:         Routes,
	{Group: "getambassador.io", Kind: "Host"}:               Routes,
	{Group: "apisix.apache.org", Kind: "ApisixRoute"}:       Routes,
	{Group: "gateway.solo.io", Kind: "VirtualService"}:      Routes,
	// Policy kinds of CNIs and of meshes other than Istio.
	{Group: "cilium.io", Kind: "CiliumNetworkPolicy"}:             Filters,
	{Group: "cilium.io", Kind: "CiliumClusterwideNetworkPolicy"}:  Filters,
	{Group: "crd.projectcalico.org", Kind: "NetworkPolicy"}:       Filters,
	{Group: "crd.projectcalico.org", Kind: "GlobalNetworkPolicy"}: Filters,
	{Group: "projectcalico.org", Kind: "NetworkPolicy"}:           Filters,
	{Group: "projectcalico.org", Kind: "GlobalNetworkPolicy"}:     Filters,
	{Group: "policy.linkerd.io", Kind: "Server"}:                  Filters,
	{Group: "policy.linkerd.io", Kind: "AuthorizationPolicy"}:     Filters,
	{Group: "policy.linkerd.io", Kind: "ServerAuthorization"}:     Filters,
	{Group: "policy.linkerd.io", Kind: "HTTPRoute"}:               Routes,
	// Istio kinds not modelled.
	{Group: "networking.istio.io", Kind: "EnvoyFilter"}:   Alters,
	{Group: "networking.istio.io", Kind: "WorkloadEntry"}: Routes,
	{Group: "networking.istio.io", Kind: "WorkloadGroup"}: Routes,
}

// UnmodelledObject is an object of an Unmodelled kind: kept by name and
// place so every report can say what it did not analyse.
type UnmodelledObject struct {
	APIVersion, Kind, Namespace, Name string
	Effect                            TrafficEffect
	Origin                            Origin
}

// String names the object and says what its kind does that is not
// analysed.
func (u UnmodelledObject) String() string {
	name := u.Name
	if u.Namespace != "" {
		name = u.Namespace + "/" + u.Name
	}
	var what string
	switch u.Effect {
	case Routes:
		what = "it routes or exposes traffic, and paths through these objects are not analysed"
	case Filters:
		what = "it allows or denies traffic, and verdicts are computed as if it did not exist"
	default:
		what = "it changes how proxies handle traffic, and its effect is not analysed"
	}
	return fmt.Sprintf("%s %s %s (%s): not modelled: %s", u.APIVersion, u.Kind, name, u.Origin, what)
}

// AddUnmodelled records an object of an Unmodelled kind (and counts it as
// skipped).
func (inv *Inventory) AddUnmodelled(u UnmodelledObject) {
	inv.Skip(u.APIVersion, u.Kind)
	inv.UnmodelledObjects = append(inv.UnmodelledObjects, u)
}
