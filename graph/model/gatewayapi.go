package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Well-known names of the Gateway API and of Istio's implementation.
const (
	// GatewayNameLabel is the pod label Istio's generated gateway
	// Deployments (and other implementations) carry with the Gateway's
	// name (gateway-api apis/v1 well_known_labels.go).
	GatewayNameLabel = "gateway.networking.k8s.io/gateway-name"
	// IstioGatewayController is the controllerName of Istio's GatewayClass
	// "istio", which istiod creates on install.
	IstioGatewayController = "istio.io/gateway-controller"
	// IstioGatewayClass is the class istiod creates.
	IstioGatewayClass = "istio"
	// istioServiceTypeAnnotation picks the generated Service's type
	// (default LoadBalancer).
	istioServiceTypeAnnotation = "networking.istio.io/service-type"
)

// APIGateway is a Kubernetes Gateway API Gateway with its class and the
// proxy workloads that serve it.
type APIGateway struct {
	Obj   *gatewayv1.Gateway
	Entry *inventory.Object
	// Key is namespace/name.
	Key string
	// Class is spec.gatewayClassName; ClassObject the GatewayClass (nil
	// when not in the input); Controller its controllerName (Istio's for
	// class "istio" without an object, as istiod creates it).
	Class       string
	ClassObject *inventory.Object
	Controller  string
	// Proxies are the workloads serving the Gateway (gatewayProxies); none
	// when the input does not hold them.
	Proxies []*inventory.Workload
	// Configured: Proxies come from --gateway-controller.
	Configured bool
	// Generated: the proxy Deployment and Service are not in the input and
	// were generated as istiod's gateway deployment controller creates them.
	Generated bool
}

// Istio reports whether Istio implements the Gateway.
func (g *APIGateway) Istio() bool { return g.Controller == IstioGatewayController }

// APIGateways returns every Gateway API Gateway in inventory order.
func (m *Model) APIGateways() []*APIGateway { return append([]*APIGateway(nil), m.apiGateways...) }

// gatewayClassOf resolves a Gateway's class: its GatewayClass object, or
// Istio's built-in "istio" class.
func gatewayClassOf(inv *inventory.Inventory, name string) (*inventory.Object, string) {
	for _, c := range inventory.Typed[*gatewayv1.GatewayClass](inv, inventory.GatewayClass) {
		if c.Obj.Name == name {
			return c.Entry, string(c.Obj.Spec.ControllerName)
		}
	}
	switch name {
	case IstioGatewayClass:
		return nil, IstioGatewayController
	case WaypointClass:
		return nil, MeshController
	}
	return nil, ""
}

// generateIstioGateways adds to the inventory, for every Gateway of an
// Istio class whose proxy is not in the input, the Deployment and Service
// istiod's gateway deployment controller creates from it
// (istio/istio pilot/pkg/config/kube/gateway/deploymentcontroller.go, template
// manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml):
// both named NAME-CLASS in the Gateway's namespace, the pods labelled
// gateway.networking.k8s.io/gateway-name=NAME and sidecar.istio.io/inject
// "false", running proxyv2 as a router with status port 15021, the Service
// selecting them with one port per listener port (targetPort the same)
// plus 15021, of type LoadBalancer unless networking.istio.io/service-type
// (on the Gateway or in spec.infrastructure.annotations) says otherwise.
// They carry the Gateway's origin. A live cluster's own objects win: when
// a workload with that label (or istio.io/gateway-name, which Deployments
// from before Istio 1.24 select on) exists, or --gateway-controller names
// the class's proxies, nothing is generated (so a second
// call on the same inventory adds nothing).
func generateIstioGateways(inv *inventory.Inventory, configured map[string]ControllerSelector) []string {
	var notes []string
	for _, gw := range inventory.Typed[*gatewayv1.Gateway](inv, inventory.APIGateway) {
		class := string(gw.Obj.Spec.GatewayClassName)
		_, ctrl := gatewayClassOf(inv, class)
		if ctrl != IstioGatewayController && ctrl != MeshController {
			continue
		}
		if _, ok := configured[class]; ok {
			continue // --gateway-controller names the proxies
		}
		if !istioManaged(gw.Obj) {
			continue // manual deployment: spec.addresses names the Service
		}
		// A waypoint's Deployment, Service and service account carry the
		// Gateway's own name, and its Service is ClusterIP (istio/istio
		// pilot/pkg/config/kube/gatewaycommon classinfo.go: the waypoint
		// class disables the name suffix; deploymentcontroller.go).
		name := gw.Obj.Name + "-" + class
		svcType := corev1.ServiceTypeLoadBalancer
		if ctrl == MeshController {
			name, svcType = gw.Obj.Name, corev1.ServiceTypeClusterIP
		}
		if t := gatewayAnnotation(gw.Obj, istioServiceTypeAnnotation); t != "" {
			svcType = corev1.ServiceType(t)
		}
		note := fmt.Sprintf("Gateway %s/%s (%s, class %s): its proxy Deployment and Service %s/%s are not in the input; analysed as istiod generates them (a %s Service on the listener ports, the proxy a mesh gateway)",
			gw.Obj.Namespace, gw.Obj.Name, gw.Entry.Origin, class, gw.Obj.Namespace, name, svcType)
		if proxy := gatewayProxy(inv, gw.Obj); proxy != nil {
			if proxy.Origin == gw.Entry.Origin {
				notes = append(notes, note) // generated by an earlier call
			}
			continue
		}
		podLabels := map[string]string{
			GatewayNameLabel: gw.Obj.Name,
			"gateway.networking.k8s.io/gateway-class-name": class,
			"sidecar.istio.io/inject":                      "false",
			"service.istio.io/canonical-name":              name,
		}
		dep := &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.Obj.Namespace, Labels: map[string]string{GatewayNameLabel: gw.Obj.Name}},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{GatewayNameLabel: gw.Obj.Name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: map[string]string{"istio.io/rev": "default"}},
					Spec: corev1.PodSpec{ServiceAccountName: name, Containers: []corev1.Container{{
						Name: "istio-proxy", Image: "docker.io/istio/proxyv2", Args: []string{"proxy", "router"},
						Ports: []corev1.ContainerPort{
							{Name: "metrics", ContainerPort: 15020, Protocol: corev1.ProtocolTCP},
							{Name: "status-port", ContainerPort: 15021, Protocol: corev1.ProtocolTCP},
							{Name: "http-envoy-prom", ContainerPort: 15090, Protocol: corev1.ProtocolTCP},
						},
					}}},
				},
			},
		}
		ports := []corev1.ServicePort{{Name: "status-port", Port: 15021, Protocol: corev1.ProtocolTCP}}
		seen := map[int32]bool{15021: true}
		for _, l := range gw.Obj.Spec.Listeners {
			if seen[int32(l.Port)] {
				continue
			}
			seen[int32(l.Port)] = true
			proto := corev1.ProtocolTCP
			if l.Protocol == gatewayv1.UDPProtocolType {
				proto = corev1.ProtocolUDP
			}
			ports = append(ports, corev1.ServicePort{Name: fmt.Sprintf("%s-%d", strings.ToLower(string(l.Protocol)), l.Port), Port: int32(l.Port), Protocol: proto})
		}
		svc := &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gw.Obj.Namespace, Labels: map[string]string{GatewayNameLabel: gw.Obj.Name}},
			Spec:       corev1.ServiceSpec{Type: svcType, Selector: map[string]string{GatewayNameLabel: gw.Obj.Name}, Ports: ports},
		}
		for _, o := range []inventory.KubeObject{dep, svc} {
			gk := o.GetObjectKind().GroupVersionKind().GroupKind()
			inv.Add(&inventory.Object{Key: inventory.Key{Group: gk.Group, Kind: gk.Kind, Namespace: gw.Obj.Namespace, Name: name}, Origin: gw.Entry.Origin, Obj: o})
		}
		notes = append(notes, note)
	}
	return notes
}

func gatewayAnnotation(gw *gatewayv1.Gateway, key string) string {
	if v := gw.Annotations[key]; v != "" {
		return v
	}
	if gw.Spec.Infrastructure != nil {
		return string(gw.Spec.Infrastructure.Annotations[gatewayv1.AnnotationKey(key)])
	}
	return ""
}

// gatewayProxy returns a workload of the Gateway's namespace whose pods
// carry its gateway-name label, or nil.
func gatewayProxy(inv *inventory.Inventory, gw *gatewayv1.Gateway) *inventory.Workload {
	for _, w := range inv.Workloads() {
		if w.Namespace == gw.Namespace && (w.Labels()[GatewayNameLabel] == gw.Name || w.Labels()[legacyIstioGatewayNameLabel] == gw.Name) {
			return w
		}
	}
	return nil
}

// resolveAPIGateways resolves each Gateway API Gateway's class and proxies.
func (m *Model) resolveAPIGateways() {
	for _, gw := range inventory.Typed[*gatewayv1.Gateway](m.Inventory, inventory.APIGateway) {
		g := &APIGateway{Obj: gw.Obj, Entry: gw.Entry, Key: gw.Obj.Namespace + "/" + gw.Obj.Name, Class: string(gw.Obj.Spec.GatewayClassName)}
		g.ClassObject, g.Controller = gatewayClassOf(m.Inventory, g.Class)
		g.Proxies, g.Configured = m.gatewayProxies(g)
		for _, p := range g.Proxies {
			g.Generated = g.Generated || p.Origin == gw.Entry.Origin
		}
		m.apiGateways = append(m.apiGateways, g)
	}
	sort.SliceStable(m.apiGateways, func(i, j int) bool { return m.apiGateways[i].Key < m.apiGateways[j].Key })
}

// istioManaged reports whether istiod deploys the Gateway's proxy itself:
// when spec.addresses is empty or holds one IPAddress (or untyped)
// address, which only asks for that address (istio/istio
// pilot/pkg/config/kube/gatewaycommon/gateway_utils.go IsManaged). Otherwise
// the Gateway is a manual deployment bound to existing proxies.
func istioManaged(gw *gatewayv1.Gateway) bool {
	a := gw.Spec.Addresses
	if len(a) == 0 {
		return true
	}
	return len(a) == 1 && (a[0].Type == nil || *a[0].Type == gatewayv1.IPAddressType)
}

// addressedProxies are the workloads behind the Services a manually
// deployed Istio Gateway names in spec.addresses of type Hostname (a short
// name is a Service of the Gateway's namespace, else NAME.NAMESPACE.svc...;
// istio/istio pilot/pkg/config/kube/gateway/conversion.go
// extractGatewayServices). Other address types bind nothing.
func (m *Model) addressedProxies(g *APIGateway) []*inventory.Workload {
	var out []*inventory.Workload
	for _, a := range g.Obj.Spec.Addresses {
		if a.Type == nil || *a.Type != gatewayv1.HostnameAddressType {
			continue
		}
		name, ns := a.Value, g.Obj.Namespace
		if parts := strings.Split(a.Value, "."); len(parts) >= 2 {
			name, ns = parts[0], parts[1]
		}
		svc := m.Inventory.Get(inventory.Service, ns, name)
		if s, ok := objService(svc); ok && len(s.Spec.Selector) > 0 {
			for _, w := range m.SelectWorkloads(labels.SelectorFromSet(s.Spec.Selector), ns) {
				if !slices.Contains(out, w) {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// Well-known labels implementations put on the proxies of one Gateway.
const (
	legacyIstioGatewayNameLabel = "istio.io/gateway-name"
	envoyGatewayOwnerName       = "gateway.envoyproxy.io/owning-gateway-name"
	envoyGatewayOwnerNamespace  = "gateway.envoyproxy.io/owning-gateway-namespace"
	contourOwnerName            = "projectcontour.io/owning-gateway-name"
	kongPublishService          = "konghq.com/publish-service"
)

// gatewayProxies finds the workloads serving a Gateway: those
// --gateway-controller names for its class, else the proxies its
// implementation creates, recognised as each labels them:
//   - Istio: gateway.networking.k8s.io/gateway-name (istio.io/gateway-name on
//     Deployments from before 1.24) in the Gateway's namespace (istio/istio
//     manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml);
//   - Envoy Gateway: gateway.envoyproxy.io/owning-gateway-name and
//     -namespace, in its controller namespace or the Gateway's (envoyproxy/gateway
//     internal/infrastructure/kubernetes/proxy/resource_provider.go);
//   - Contour: projectcontour.io/owning-gateway-name in the Gateway's
//     namespace (projectcontour/contour internal/provisioner/model);
//   - NGINX Gateway Fabric: app.kubernetes.io/name NAME-CLASS in the
//     Gateway's namespace (nginx/nginx-gateway-fabric
//     internal/controller/provisioner/objects.go);
//   - Traefik: its own pods (app.kubernetes.io/name traefik), which serve
//     every Gateway of the class;
//   - Kong (unmanaged): the pods of the Service the Gateway's
//     konghq.com/publish-service annotation names;
//   - any other: gateway.networking.k8s.io/gateway-name in the Gateway's
//     namespace, the Gateway API's well-known label.
//
// Implementations without in-cluster proxy pods (Cilium's node-level
// Envoy, cloud load balancers) leave Proxies empty: the graph then assumes a
// proxy outside the mesh.
func (m *Model) gatewayProxies(g *APIGateway) ([]*inventory.Workload, bool) {
	if sel, ok := m.Options.GatewayControllers[g.Class]; ok {
		var out []*inventory.Workload
		for _, w := range m.workloads {
			if (sel.Namespace == "" || sel.Namespace == "*" || sel.Namespace == w.Namespace) && sel.Selector.Matches(labels.Set(w.Labels())) {
				out = append(out, w)
			}
		}
		return out, true
	}
	ns, name := g.Obj.Namespace, g.Obj.Name
	inNS := func(key, value string) []*inventory.Workload {
		return m.SelectWorkloads(labels.SelectorFromSet(map[string]string{key: value}), ns)
	}
	switch c := g.Controller; {
	case g.Waypoint():
		return inNS(GatewayNameLabel, name), false
	case g.Istio() && !istioManaged(g.Obj):
		return m.addressedProxies(g), false
	case g.Istio():
		if out := inNS(GatewayNameLabel, name); len(out) > 0 {
			return out, false
		}
		return inNS(legacyIstioGatewayNameLabel, name), false
	case strings.HasPrefix(c, "gateway.envoyproxy.io/"):
		return m.SelectWorkloads(labels.SelectorFromSet(map[string]string{envoyGatewayOwnerName: name, envoyGatewayOwnerNamespace: ns}), ""), false
	case strings.HasPrefix(c, "traefik.io/"):
		// Traefik's own pods serve every Gateway of its class.
		return m.SelectWorkloads(labels.SelectorFromSet(map[string]string{"app.kubernetes.io/name": "traefik"}), ""), false
	case strings.HasPrefix(c, "projectcontour.io/"):
		return inNS(contourOwnerName, name), false
	case strings.HasPrefix(c, "gateway.nginx.org/"):
		return inNS("app.kubernetes.io/name", name+"-"+g.Class), false
	case strings.HasPrefix(c, "konghq.com/"):
		if svcNS, svcName, ok := strings.Cut(g.Obj.Annotations[kongPublishService], "/"); ok {
			if svc := m.Inventory.Get(inventory.Service, svcNS, svcName); svc != nil {
				if s, ok := svc.Obj.(*corev1.Service); ok && len(s.Spec.Selector) > 0 {
					return m.SelectWorkloads(labels.SelectorFromSet(s.Spec.Selector), svcNS), false
				}
			}
		}
		return nil, false
	}
	return inNS(GatewayNameLabel, name), false
}
