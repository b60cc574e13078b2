package model

import (
	"fmt"
	"strconv"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Istio ambient waypoint names (istio/istio pkg/config/constants, labels).
const (
	// WaypointClass is the GatewayClass of waypoint proxies.
	WaypointClass = "istio-waypoint"
	// MeshController is its controllerName.
	MeshController = "istio.io/mesh-controller"

	labelUseWaypoint          = "istio.io/use-waypoint"
	labelUseWaypointNamespace = "istio.io/use-waypoint-namespace"
	labelWaypointFor          = "istio.io/waypoint-for"
	labelIngressUseWaypoint   = "istio.io/ingress-use-waypoint"
)

// Waypoint reports whether the Gateway is an ambient waypoint (class
// istio-waypoint, or a class whose controller is istio.io/mesh-controller).
func (g *APIGateway) Waypoint() bool { return g.Controller == MeshController }

// ProxyServiceAccount is the service account the Gateway's proxies run
// as: the first proxy's, or, for a waypoint istiod generates, the Gateway's
// own name (a waypoint's ServiceAccount has no class suffix).
func (g *APIGateway) ProxyServiceAccount() string {
	if len(g.Proxies) > 0 {
		return g.Proxies[0].ServiceAccount()
	}
	return g.Obj.Name
}

// waypointFor is the traffic a waypoint takes: istio.io/waypoint-for on
// the Gateway, else on its GatewayClass, else "service" (istio/istio
// pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go
// WaypointsCollection).
func (g *APIGateway) waypointFor() string {
	if v := g.Obj.Labels[labelWaypointFor]; v != "" {
		return v
	}
	if g.ClassObject != nil {
		if v := g.ClassObject.Obj.GetLabels()[labelWaypointFor]; v != "" {
			return v
		}
	}
	return "service"
}

// WaypointChoice is the waypoint an object's traffic is sent through, and
// why; Gateway nil means none (Reason says whether one was asked for and
// is missing).
type WaypointChoice struct {
	Gateway *APIGateway
	Reason  string
	// Missing: a waypoint is named but not in the input (or does not take
	// this traffic), so traffic goes straight to the pods.
	Missing bool
}

// ServiceWaypoint is the waypoint of traffic addressed to a Service: its
// own istio.io/use-waypoint label (with istio.io/use-waypoint-namespace),
// else its namespace's; "none" opts out; a named waypoint that is absent
// gives no waypoint without falling back to the namespace label; the
// waypoint must take service traffic (waypoint-for service or all)
// (waypoints.go fetchWaypointForService, fetchWaypointForTarget).
func (m *Model) ServiceWaypoint(s *Service) WaypointChoice {
	return m.waypointOf(s.Obj.Labels, s.Obj.Namespace, fmt.Sprintf("Service %s", s.Key), "service")
}

// WorkloadWaypoint is the waypoint of traffic addressed to a pod's own
// address: the pod's label, else its namespace's, and the waypoint must
// take workload traffic (waypoint-for workload or all;
// fetchWaypointForWorkload).
func (m *Model) WorkloadWaypoint(w *inventory.Workload) WaypointChoice {
	return m.waypointOf(w.Labels(), w.Namespace, fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name), "workload")
}

func (m *Model) waypointOf(own map[string]string, namespace, what, traffic string) WaypointChoice {
	labels, from := own, what
	if _, ok := own[labelUseWaypoint]; !ok {
		nsLabels, _ := m.NamespaceLabels(namespace)
		labels, from = nsLabels, "namespace "+namespace
	}
	name := labels[labelUseWaypoint]
	switch name {
	case "":
		return WaypointChoice{}
	case "none":
		return WaypointChoice{Reason: fmt.Sprintf("%s opts out of waypoints (%s=none)", from, labelUseWaypoint)}
	}
	ns := namespace
	if v := labels[labelUseWaypointNamespace]; v != "" {
		ns = v
	}
	gw := m.apiGateway(ns + "/" + name)
	if gw == nil || !gw.Waypoint() {
		return WaypointChoice{Missing: true, Reason: fmt.Sprintf("%s names waypoint %s/%s (%s), which is not in the input: traffic goes straight to the pods", from, ns, name, labelUseWaypoint)}
	}
	if f := gw.waypointFor(); f != traffic && f != "all" {
		return WaypointChoice{Missing: true, Reason: fmt.Sprintf("%s names waypoint %s, which takes %s traffic only (%s): %s-addressed traffic goes straight to the pods", from, gw.Key, f, labelWaypointFor, traffic)}
	}
	return WaypointChoice{Gateway: gw, Reason: fmt.Sprintf("%s uses waypoint %s (%s)", from, gw.Key, labelUseWaypoint)}
}

// IngressUsesWaypoint reports whether Istio ingress gateways send traffic
// for the Service through its waypoint: only when istio.io/ingress-use-waypoint
// is true on the Service, else on its namespace (istio/istio
// pilot/pkg/serviceregistry/kube/controller/ambient/services.go
// ingressUseWaypointFromLabels; pilot/pkg/xds/endpoints/endpoint_builder.go
// findServiceWaypoint: "They need to explicitly opt-in on the service to
// send from ingress -> waypoint").
func (m *Model) IngressUsesWaypoint(s *Service) bool {
	v, ok := s.Obj.Labels[labelIngressUseWaypoint]
	if !ok {
		nsLabels, _ := m.NamespaceLabels(s.Obj.Namespace)
		v = nsLabels[labelIngressUseWaypoint]
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// Waypoints returns the ambient waypoints (Gateways of the waypoint class).
func (m *Model) Waypoints() []*APIGateway {
	var out []*APIGateway
	for _, g := range m.apiGateways {
		if g.Waypoint() {
			out = append(out, g)
		}
	}
	return out
}

// WaypointReference is an object naming a waypoint with
// istio.io/use-waypoint (a Namespace, Service or workload), and the
// waypoint it names.
type WaypointReference struct {
	Object    *inventory.Object
	Namespace string
	Name      string
	// Found: the named Gateway is in the input and is a waypoint.
	Found bool
}

// WaypointReferences lists every use-waypoint label of the input's
// Namespaces, Services and workloads (value "none" opts out and names
// nothing), in that order.
func (m *Model) WaypointReferences() []WaypointReference {
	var out []WaypointReference
	add := func(o *inventory.Object, labels map[string]string, defaultNS string) {
		name := labels[labelUseWaypoint]
		if name == "" || name == "none" {
			return
		}
		ns := defaultNS
		if v := labels[labelUseWaypointNamespace]; v != "" {
			ns = v
		}
		gw := m.apiGateway(ns + "/" + name)
		out = append(out, WaypointReference{Object: o, Namespace: ns, Name: name, Found: gw != nil && gw.Waypoint()})
	}
	for _, o := range m.Inventory.Objects(inventory.Namespace) {
		add(o, o.Obj.GetLabels(), o.Key.Name)
	}
	for _, s := range m.services {
		if s.Entry != nil {
			add(s.Entry, s.Obj.Labels, s.Obj.Namespace)
		}
	}
	for _, w := range m.workloads {
		if w.Object != nil {
			add(w.Object, w.Labels(), w.Namespace)
		}
	}
	return out
}
