package model

import (
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// The model is the rules' one door to the input: they list objects and look
// them up here (a test keeps analysis/passes from reading the inventory),
// so a new input kind or a live cluster source changes the model, not the
// rules. Lists are in inventory order (namespace, name) and built once.

// IngressObjects lists the Ingresses (Ingresses has them with their class).
func (m *Model) IngressObjects() []inventory.TypedObject[*networkingv1.Ingress] {
	return typed[*networkingv1.Ingress](m, inventory.Ingress)
}

// GatewayObjects lists the Istio Gateways (Gateways has them with their
// proxies).
func (m *Model) GatewayObjects() []inventory.TypedObject[*istionetv1.Gateway] {
	return typed[*istionetv1.Gateway](m, inventory.Gateway)
}

// VirtualServices lists the VirtualServices (Bindings resolves their
// gateways).
func (m *Model) VirtualServices() []inventory.TypedObject[*istionetv1.VirtualService] {
	return typed[*istionetv1.VirtualService](m, inventory.VirtualService)
}

// DestinationRules lists the DestinationRules.
func (m *Model) DestinationRules() []inventory.TypedObject[*istionetv1.DestinationRule] {
	return typed[*istionetv1.DestinationRule](m, inventory.DestinationRule)
}

// ServiceEntries lists the ServiceEntries.
func (m *Model) ServiceEntries() []inventory.TypedObject[*istionetv1.ServiceEntry] {
	return typed[*istionetv1.ServiceEntry](m, inventory.ServiceEntry)
}

// Sidecars lists the Istio Sidecar resources.
func (m *Model) Sidecars() []inventory.TypedObject[*istionetv1.Sidecar] {
	return typed[*istionetv1.Sidecar](m, inventory.Sidecar)
}

// AuthorizationPolicies lists the AuthorizationPolicies.
func (m *Model) AuthorizationPolicies() []inventory.TypedObject[*istiosecv1.AuthorizationPolicy] {
	return typed[*istiosecv1.AuthorizationPolicy](m, inventory.AuthorizationPolicy)
}

// PeerAuthentications lists the PeerAuthentications.
func (m *Model) PeerAuthentications() []inventory.TypedObject[*istiosecv1.PeerAuthentication] {
	return typed[*istiosecv1.PeerAuthentication](m, inventory.PeerAuthentication)
}

// RequestAuthentications lists the RequestAuthentications.
func (m *Model) RequestAuthentications() []inventory.TypedObject[*istiosecv1.RequestAuthentication] {
	return typed[*istiosecv1.RequestAuthentication](m, inventory.RequestAuthentication)
}

// NetworkPolicies lists the NetworkPolicies.
func (m *Model) NetworkPolicies() []inventory.TypedObject[*networkingv1.NetworkPolicy] {
	return typed[*networkingv1.NetworkPolicy](m, inventory.NetworkPolicy)
}

// Secrets lists the Secrets (values are in memory only for the checks that
// read certificates and credentials; nothing prints them).
func (m *Model) Secrets() []inventory.TypedObject[*corev1.Secret] {
	return typed[*corev1.Secret](m, inventory.Secret)
}

// ConfigMaps lists the ConfigMaps' data (not modelled objects: kept for the
// credential checks).
func (m *Model) ConfigMaps() []inventory.ConfigMapData { return m.Inventory.ConfigMaps }

// Object returns one object of a kind by namespace and name, or nil: to
// quote it as evidence or to know it exists.
func (m *Model) Object(kind schema.GroupKind, namespace, name string) *inventory.Object {
	return m.Inventory.Get(kind, namespace, name)
}

// ObjectsOf lists every object of a kind.
func (m *Model) ObjectsOf(kind schema.GroupKind) []*inventory.Object {
	return m.Inventory.Objects(kind)
}

// Loaded reports whether the input holds any object of a kind in a
// namespace ("" for any): only then can a missing object be told from one
// the input left out.
func (m *Model) Loaded(kind schema.GroupKind, namespace string) bool {
	for _, o := range m.Inventory.Objects(kind) {
		if namespace == "" || o.Key.Namespace == namespace {
			return true
		}
	}
	return false
}

// typed lists the objects of a kind, typed once and cached; callers get
// their own copy of the list, so sorting it (route-conflict orders by
// creation time) never changes what another rule sees.
func typed[T runtime.Object](m *Model, kind schema.GroupKind) []inventory.TypedObject[T] {
	list, ok := m.typedCache[kind].([]inventory.TypedObject[T])
	if !ok {
		list = inventory.Typed[T](m.Inventory, kind)
		m.typedCache[kind] = list
	}
	return append([]inventory.TypedObject[T](nil), list...)
}

// KnownNamespaces is every namespace the input shows to exist: the
// Namespace objects and the namespaces modelled objects live in.
func (m *Model) KnownNamespaces() map[string]bool {
	out := map[string]bool{}
	for _, o := range m.Inventory.Objects(inventory.Namespace) {
		out[o.Key.Name] = true
	}
	for gk := range inventory.Modelled {
		for _, o := range m.Inventory.Objects(gk) {
			if o.Key.Namespace != "" {
				out[o.Key.Namespace] = true
			}
		}
	}
	return out
}

// HasMesh reports whether the input shows an Istio mesh: Istio
// configuration of any kind, or a workload the injection rules put in the
// mesh (sidecar or gateway proxy).
func (m *Model) HasMesh() bool {
	for _, gk := range []schema.GroupKind{inventory.Gateway, inventory.VirtualService, inventory.DestinationRule, inventory.ServiceEntry,
		inventory.Sidecar, inventory.PeerAuthentication, inventory.AuthorizationPolicy, inventory.RequestAuthentication} {
		if len(m.Inventory.Objects(gk)) > 0 {
			return true
		}
	}
	for _, w := range m.workloads {
		if st := m.Mesh.InjectionStatus(w); st.Member || st.Gateway {
			return true
		}
	}
	return false
}

// NetworkPolicy returns the NetworkPolicy evaluator of the input (built
// once) and the problems found reading the policies.
func (m *Model) NetworkPolicy() (*netpol.Evaluator, []string) {
	if m.netpol == nil {
		m.netpol, m.netpolProblems = netpol.NewEvaluator(m.Inventory, m.Options.Addressing)
	}
	return m.netpol, m.netpolProblems
}

// NamespaceLabels returns a namespace's labels and whether the Namespace is
// in the input (mesh.NamespaceLabels).
func (m *Model) NamespaceLabels(namespace string) (map[string]string, bool) {
	return mesh.NamespaceLabels(m.Inventory, namespace)
}
