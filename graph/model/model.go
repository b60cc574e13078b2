// Package model is shadowroute's resolved model: built once from the
// inventory and one Options value, it answers the semantic questions the
// graph builder and the rules ask, each with one function that follows the
// upstream code it cites. Istio's PushContext (istio/istio
// pilot/pkg/model/push_context.go) is the shape it follows: indexes built
// once, answers computed lazily and cached.
//
// Questions answered here: which workloads a Service selects and which
// Services select a workload (with each port's Istio protocol), which proxy
// workloads a Gateway configures, which Gateways and servers a
// VirtualService binds to, and the Istio semantics (injection, capture,
// PeerAuthentication, DestinationRule, AuthorizationPolicy) through Mesh.
package model

import (
	"fmt"
	"sort"
	"strings"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Options are the analysis settings every command shares: the graph, the
// rules and every renderer see the model built from the same value.
type Options struct {
	// RootNamespace is Istio's mesh root namespace (default istio-system).
	RootNamespace string
	// TrustDomain of SPIFFE principals (default cluster.local).
	TrustDomain string
	// IngressControllers maps an IngressClass name to the workloads that
	// implement it, overriding the built-in recognition.
	IngressControllers map[string]ControllerSelector
	// GatewayControllers maps a GatewayClass name to the proxy workloads
	// that serve its Gateways, overriding the built-in recognition.
	GatewayControllers map[string]ControllerSelector
	// DefaultIngressClass names the cluster's default IngressClass when the
	// input holds no IngressClass marked default (the class object lives
	// outside the manifests analysed).
	DefaultIngressClass string
	// GatewayScopeNamespace mirrors istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE:
	// a Gateway selects workloads in its own namespace only.
	GatewayScopeNamespace bool
	// Classify configures database detection.
	Classify classify.Options
	// Addressing is what NetworkPolicy evaluation assumes about pod, node
	// and hostNetwork addresses (netpol.Addressing).
	Addressing netpol.Addressing
}

// ControllerSelector names workloads by namespace ("*" for any) and label
// selector.
type ControllerSelector struct {
	Namespace string
	Selector  labels.Selector
}

// withDefaults fills the Istio defaults.
func (o Options) withDefaults() Options {
	if o.RootNamespace == "" {
		o.RootNamespace = mesh.DefaultRootNamespace
	}
	if o.TrustDomain == "" {
		o.TrustDomain = mesh.DefaultTrustDomain
	}
	return o
}

// Model is the resolved model of one inventory. It caches answers as they
// are asked, so it is not safe for concurrent use.
type Model struct {
	// Inventory is the input; rules read it only to quote evidence.
	Inventory *inventory.Inventory
	// Options, with defaults filled.
	Options Options
	// Mesh answers Istio's per-workload questions with the configured root
	// namespace and trust domain.
	Mesh mesh.Env

	workloads   []*inventory.Workload
	byNamespace map[string][]*inventory.Workload
	// transient are Helm hook workloads, left out of the analysis.
	transient []*inventory.Workload

	services     []*Service
	serviceByKey map[string]*Service
	seServices   []*Service
	servicesOf   map[*inventory.Workload][]*Service

	gateways     []*Gateway
	gatewayByKey map[string]*Gateway
	// apiGateways are the Gateway API Gateways; generated the notes on
	// proxies generated for them.
	apiGateways []*APIGateway
	generated   []string

	ingresses    []*Ingress
	ingressByObj map[*networkingv1.Ingress]*Ingress

	// listenerList, listenersByEntry and routeList are resolved on first
	// use (listeners.go, routes.go).
	listenerList     []*Listener
	listenersByEntry map[*inventory.Object][]*Listener
	routeList        []*Route
	routeGaps        []RouteGap

	// seIndex indexes ServiceEntries by host (destination.go).
	seIndex *serviceEntryIndex

	// proxyPorts caches GatewayListenerOn per proxy and port.
	proxyPorts map[listenerKey]cachedListener
	// typedCache holds typed object lists by kind (objects.go).
	typedCache map[schema.GroupKind]any

	netpol         *netpol.Evaluator
	netpolProblems []string
}

// New resolves the inventory. It never fails: what cannot be resolved is
// answered as such (a Gateway without proxies, a reference to nothing).
func New(inv *inventory.Inventory, opts Options) *Model {
	opts = opts.withDefaults()
	backendTLS := generateBackendTLSRules(inv) // before the DestinationRules are sorted
	m := &Model{
		Inventory: inv,
		Options:   opts,
		Mesh: mesh.Env{Inv: inv, RootNamespace: opts.RootNamespace, TrustDomain: opts.TrustDomain,
			DestinationRules: mesh.SortedDestinationRules(inv), Sidecars: mesh.SortedSidecars(inv),
			Policies: mesh.NewPolicyIndex(inv)},
		byNamespace:  map[string][]*inventory.Workload{},
		serviceByKey: map[string]*Service{},
		servicesOf:   map[*inventory.Workload][]*Service{},
		gatewayByKey: map[string]*Gateway{},
		typedCache:   map[schema.GroupKind]any{},
		proxyPorts:   map[listenerKey]cachedListener{},
	}
	m.generated = append(backendTLS, generateIstioGateways(inv, opts.GatewayControllers)...)
	for _, w := range inv.Workloads() {
		if hook := HelmHook(w); hook != "" {
			m.transient = append(m.transient, w)
			continue
		}
		m.workloads = append(m.workloads, w)
		m.byNamespace[w.Namespace] = append(m.byNamespace[w.Namespace], w)
	}
	m.resolveServices()
	m.resolveServiceEntries()
	m.resolveGateways()
	m.resolveAPIGateways()
	return m
}

// Generated lists the objects the model added because a controller would
// create them (generateIstioGateways), as Not seen lines.
func (m *Model) Generated() []string { return append([]string(nil), m.generated...) }

// Workloads returns every workload in inventory order (a copy the caller
// may reorder).
func (m *Model) Workloads() []*inventory.Workload {
	return append([]*inventory.Workload(nil), m.workloads...)
}

// HelmHook returns the helm.sh/hook annotation of a workload's controller
// object (a Job, or a Pod such as a helm test): Helm runs hooks to
// completion at install, upgrade or test time
// (https://helm.sh/docs/topics/charts_hooks/), so they are no running
// workload a path can pass through. "" for other workloads.
func HelmHook(w *inventory.Workload) string {
	if w.Object == nil {
		return ""
	}
	switch w.Object.Key.Kind {
	case "Job", "Pod":
		return w.Object.Obj.GetAnnotations()["helm.sh/hook"]
	}
	return ""
}

// TransientWorkloads are the Helm hook workloads the analysis leaves out.
func (m *Model) TransientWorkloads() []*inventory.Workload {
	return append([]*inventory.Workload(nil), m.transient...)
}

// SelectWorkloads returns the workloads whose pod labels a selector
// matches, in one namespace or, with namespace "", in all.
func (m *Model) SelectWorkloads(sel labels.Selector, namespace string) []*inventory.Workload {
	candidates := m.workloads
	if namespace != "" {
		candidates = m.byNamespace[namespace]
	}
	var out []*inventory.Workload
	for _, w := range candidates {
		if sel.Matches(labels.Set(w.Labels())) {
			out = append(out, w)
		}
	}
	return out
}

// PodClass returns the equivalence class of a workload's pods
// (inventory.PodClassKey), computed once (mesh.PolicyIndex.Class): selector answers (NetworkPolicy,
// AuthorizationPolicy, PeerAuthentication) are shared by the class.
func (m *Model) PodClass(w *inventory.Workload) string { return m.Mesh.Policies.Class(w) }

// Service is a Kubernetes Service with the workloads it selects.
type Service struct {
	Obj   *corev1.Service
	Entry *inventory.Object
	// Key is namespace/name.
	Key string
	// Selected are the workloads of the Service's namespace whose pod
	// labels its selector matches; for a Service without selector, the
	// workloads its EndpointSlices point at.
	Selected []*inventory.Workload
	// Slices are the EndpointSlices of a Service without selector
	// (kubernetes.io/service-name), and Unresolved the endpoints among them
	// that are no workload of the input (addresses without a Pod targetRef,
	// Pods not loaded).
	Slices     []*inventory.Object
	Unresolved []string
	// ServiceEntry is set when the Service stands for a ServiceEntry with
	// a workloadSelector (ServiceEntryServices): Obj is synthesised from
	// it and Entry is the ServiceEntry.
	ServiceEntry bool
}

// resolveServices applies Service selection: a non-empty spec.selector
// selects the pods of the Service's namespace whose labels contain it
// (https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors:
// without a selector no EndpointSlice is managed).
func (m *Model) resolveServices() {
	for _, s := range inventory.Typed[*corev1.Service](m.Inventory, inventory.Service) {
		svc := &Service{Obj: s.Obj, Entry: s.Entry, Key: s.Obj.Namespace + "/" + s.Obj.Name}
		if len(s.Obj.Spec.Selector) > 0 {
			svc.Selected = m.SelectWorkloads(labels.SelectorFromSet(s.Obj.Spec.Selector), s.Obj.Namespace)
		} else {
			m.resolveEndpointSlices(svc)
		}
		for _, w := range svc.Selected {
			m.servicesOf[w] = append(m.servicesOf[w], svc)
		}
		m.services = append(m.services, svc)
		m.serviceByKey[svc.Key] = svc
	}
	for _, list := range m.servicesOf {
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	}
}

// ServiceEntryServices are the ServiceEntries with a workloadSelector, each
// seen as the Service it acts as: Istio makes the selected pods of its
// namespace the endpoints of its hosts, with mesh semantics
// (https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-workload_selector;
// pilot/pkg/serviceregistry/serviceentry/controller.go selects the pods):
// its ports, with the port protocol as appProtocol so protocol selection
// reads it and targetPort defaulting to the number. The selected pods take
// those ports (reached by routes and pivots alike).
func (m *Model) ServiceEntryServices() []*Service { return append([]*Service(nil), m.seServices...) }

func (m *Model) resolveServiceEntries() {
	for _, se := range inventory.Typed[*istionetv1.ServiceEntry](m.Inventory, inventory.ServiceEntry) {
		sel := se.Obj.Spec.GetWorkloadSelector()
		if sel == nil {
			continue
		}
		obj := &corev1.Service{}
		obj.Name, obj.Namespace = se.Obj.Name, se.Obj.Namespace
		obj.Spec.Selector = sel.GetLabels()
		for _, p := range se.Obj.Spec.GetPorts() {
			target := p.GetTargetPort()
			if target == 0 {
				target = p.GetNumber()
			}
			app := strings.ToLower(p.GetProtocol())
			obj.Spec.Ports = append(obj.Spec.Ports, corev1.ServicePort{Name: p.GetName(), Port: int32(p.GetNumber()),
				TargetPort: intstr.FromInt32(int32(target)), Protocol: corev1.ProtocolTCP, AppProtocol: &app})
		}
		m.seServices = append(m.seServices, &Service{Obj: obj, Entry: se.Entry, Key: "serviceentry:" + se.Obj.Namespace + "/" + se.Obj.Name,
			Selected: m.SelectWorkloads(labels.SelectorFromSet(sel.GetLabels()), se.Obj.Namespace), ServiceEntry: true})
		last := m.seServices[len(m.seServices)-1]
		m.serviceByKey[last.Key] = last
	}
}

// ServiceEntryService returns the Service a ServiceEntry with a
// workloadSelector acts as, or nil.
func (m *Model) ServiceEntryService(namespace, name string) *Service {
	return m.serviceByKey["serviceentry:"+namespace+"/"+name]
}

// resolveEndpointSlices gives a Service without selector the endpoints of
// the EndpointSlices labelled kubernetes.io/service-name=NAME in its
// namespace
// (https://kubernetes.io/docs/concepts/services-networking/service/#custom-endpointslices;
// kube-proxy reads them as it reads managed ones, pkg/proxy/endpointslicecache.go):
// an endpoint whose targetRef is a Pod of the input stands for that pod's
// workload; one whose ready condition is false gets no traffic (kube-proxy
// routes to ready endpoints) and is skipped; the others are addresses the
// input does not show, listed as Unresolved.
func (m *Model) resolveEndpointSlices(svc *Service) {
	seen := map[*inventory.Workload]bool{}
	for _, es := range inventory.Typed[*discoveryv1.EndpointSlice](m.Inventory, inventory.EndpointSlice) {
		if es.Obj.Namespace != svc.Obj.Namespace || es.Obj.Labels[discoveryv1.LabelServiceName] != svc.Obj.Name {
			continue
		}
		svc.Slices = append(svc.Slices, es.Entry)
		for _, ep := range es.Obj.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			ref := ep.TargetRef
			if ref != nil && ref.Kind == "Pod" {
				ns := ref.Namespace
				if ns == "" {
					ns = es.Obj.Namespace
				}
				if w := m.Inventory.WorkloadOfPod(ns, ref.Name); w != nil {
					if !seen[w] {
						seen[w] = true
						svc.Selected = append(svc.Selected, w)
					}
					continue
				}
				svc.Unresolved = append(svc.Unresolved, fmt.Sprintf("Pod %s/%s (not in the input)", ns, ref.Name))
				continue
			}
			svc.Unresolved = append(svc.Unresolved, strings.Join(ep.Addresses, ", "))
		}
	}
}

// VisibleTo reports whether istiod makes the Service visible to proxies of
// a namespace: the networking.istio.io/exportTo annotation (comma-separated
// ".", "*", "~" or namespaces; unset: everywhere), as istio/istio
// pilot/pkg/serviceregistry/kube/conversion.go ConvertService reads it and
// push_context.go initServiceRegistry applies it.
func (s *Service) VisibleTo(namespace string) bool {
	v, ok := s.Obj.Annotations["networking.istio.io/exportTo"]
	if !ok {
		return true
	}
	var exportTo []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			exportTo = append(exportTo, e)
		}
	}
	return hosts.Visible(exportTo, s.Obj.Namespace, namespace)
}

// Services returns every Service in inventory order (a copy).
func (m *Model) Services() []*Service { return append([]*Service(nil), m.services...) }

// Service returns the Service namespace/name, or nil.
func (m *Model) Service(namespace, name string) *Service { return m.serviceByKey[namespace+"/"+name] }

// ServicesOf returns the Services selecting a workload, sorted by key.
func (m *Model) ServicesOf(w *inventory.Workload) []*Service {
	return append([]*Service(nil), m.servicesOf[w]...)
}

// TargetPort resolves a Service port's targetPort on one workload: a number
// as is (unset defaults to the port), a name through the workload's
// container ports (https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports).
func TargetPort(p corev1.ServicePort, w *inventory.Workload) (int32, bool) {
	if p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "" {
		return w.NamedPort(p.TargetPort.StrVal)
	}
	if p.TargetPort.IntVal != 0 {
		return p.TargetPort.IntVal, true
	}
	return p.Port, true
}
