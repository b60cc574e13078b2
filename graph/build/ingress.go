package build

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
)

// ingressClass is a resolved class: its name, controller string and the
// workloads implementing it.
type ingressClass struct {
	name        string
	controller  string
	controllers []*workload
	evidence    []graph.Evidence
}

// classFor is the builder's view of a resolved class (model.IngressClass):
// its controller workloads, or an assumed controller when none is in the
// input.
func (b *builder) classFor(mc *model.IngressClass) *ingressClass {
	if c, ok := b.classes[mc.Name]; ok {
		return c
	}
	c := &ingressClass{name: mc.Name, controller: mc.Controller}
	if mc.Object != nil {
		c.evidence = append(c.evidence, graph.EvidenceOf(mc.Object))
	}
	for _, w := range mc.Controllers {
		c.controllers = append(c.controllers, b.bySource[w])
	}
	if len(c.controllers) == 0 {
		c.controllers = []*workload{b.assumedController(c)}
	}
	for _, w := range c.controllers {
		if w.node.Workload != nil && w.node.Workload.Controller == "" {
			w.node.Workload.Controller = "IngressClass " + mc.Name
		}
	}
	b.classes[mc.Name] = c
	return c
}

// assumedController stands for an Ingress controller whose pods are not in
// the input: outside the mesh, reachable from the internet (an Ingress is
// published to be reached), with unknown labels.
func (b *builder) assumedController(c *ingressClass) *workload {
	ctrl := c.controller
	if ctrl == "" {
		ctrl = "unknown controller"
	}
	b.g.AddNotSeen("IngressClass %s (%s): no controller pods in the input; its Ingresses are analysed from an assumed controller outside the mesh, exposed to the internet (use --ingress-controller %s=NAMESPACE/SELECTOR)", c.name, ctrl, c.name)
	return b.assumedProxy("controller-"+c.name, "", fmt.Sprintf("assumed controller of IngressClass %s", c.name), "IngressClass "+c.name, c.evidence)
}

// assumedProxy adds a proxy workload whose pods are not in the input:
// outside the mesh, exposed to the internet, with unknown labels (only a
// namespace selector {} matches it).
func (b *builder) assumedProxy(name, namespace, label, controller string, evidence []graph.Evidence) *workload {
	node := b.g.AddNode(&graph.Node{Kind: graph.KindWorkload, Namespace: namespace, Name: name, Label: label, Assumed: true,
		Evidence: evidence, Workload: &graph.WorkloadInfo{Kind: "Controller", Controller: controller, Mesh: graph.MeshStatus{Reason: "assumed outside the mesh", Unknown: true}}})
	w := &workload{node: node, assumed: true, mesh: mesh.Status{Reason: "assumed outside the mesh", Unknown: true}}
	w.peer.NSLabels = map[string]string{}
	w.peer.PodLabels = map[string]string{}
	w.peer.Namespace = "<unknown>"
	b.byNode[node] = w
	b.g.Connect(b.g.Internet, node, &graph.EdgeAttrs{Kind: graph.EdgeExposes, Evidence: evidence})
	return w
}

// addIngresses resolves each Ingress's class to the controllers that serve
// it (or an assumed controller) and notes Ingresses no controller serves.
func (b *builder) addIngresses() {
	if defaults := b.m.DefaultClasses(); len(defaults) > 1 {
		b.g.AddNotSeen("several IngressClasses are marked default; %s assumed for Ingresses without a class", defaults[0].Key.Name)
	}
	for _, ing := range b.m.Ingresses() {
		if ing.Class == nil {
			b.g.AddNotSeen("Ingress %s/%s (%s): no ingressClassName, no class annotation and no default IngressClass: no controller serves it (if the cluster has a default class outside the input, name it with --default-ingress-class)", ing.Obj.Namespace, ing.Obj.Name, ing.Entry.Origin)
			continue
		}
		class := b.classFor(ing.Class)
		if ing.Class.Object == nil && class.controller == "" {
			b.g.AddNotSeen("Ingress %s/%s (%s): class %q (from %s) has no IngressClass object and is not a well-known class name", ing.Obj.Namespace, ing.Obj.Name, ing.Entry.Origin, ing.Class.Name, ing.ClassFrom)
		}
	}
}

// ingressRoute adds the route node of an Ingress rule path (or default
// backend), forwarding edges from the class's controllers, and routed hops
// from each controller to the backend Service's pods.
func (b *builder) ingressRoute(r *model.Route) {
	ing := r.Listener.Ingress
	class := b.classFor(ing.Class)
	owner := graph.EvidenceOf(r.Entry)
	label := fmt.Sprintf("Ingress %s/%s %s%s", ing.Obj.Namespace, ing.Obj.Name, r.Host, r.Match)
	if r.DefaultBackend {
		label = fmt.Sprintf("Ingress %s/%s default backend", ing.Obj.Namespace, ing.Obj.Name)
	}
	tlsState := string(r.Listener.TLS.Mode)
	route := b.g.AddNode(&graph.Node{Kind: graph.KindRoute, Namespace: ing.Obj.Namespace, Name: ing.Obj.Name, Label: label,
		Evidence: append([]graph.Evidence{owner}, class.evidence...),
		Route:    &graph.RouteInfo{Type: "Ingress", Host: r.Host, Path: r.Match, PathType: r.PathType, Protocol: r.Protocol(), TLS: tlsState, Owner: owner}})
	for _, c := range class.controllers {
		b.g.Connect(c.node, route, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Match: r.Host + r.Match, TLS: tlsState, EntryPorts: b.m.ListenerPorts(c.src, r.Listener), Evidence: []graph.Evidence{owner}})
	}
	be := *r.Destinations[0].Backend
	if be.Service == nil {
		return // resource backends (e.g. storage buckets) do not reach workloads
	}
	b.serviceBackend(route, owner, r.Listener, class.controllers, ing.Obj.Namespace, be, "backend", true)
}

// serviceBackend links a route to the Service a backend names (an Ingress
// backend, a Gateway API backendRef, in namespace) and adds the routed hops
// from its proxies to the Service's pods; a missing Service or port makes
// the route broken, the backend called noun in the reason; http says
// whether requests pass an HTTP filter chain on the way (TCP and TLS
// routes do not).
func (b *builder) serviceBackend(route *graph.Node, owner graph.Evidence, l *model.Listener, proxies []*workload, namespace string, be networkingv1.IngressBackend, noun string, http bool) {
	ms, port, problem := b.m.IngressBackend(namespace, be)
	switch problem {
	case model.DestinationHostMissing:
		b.broken(route, owner, fmt.Sprintf("%s Service %s/%s not found", noun, namespace, be.Service.Name))
		return
	case model.DestinationPortMissing:
		b.broken(route, owner, fmt.Sprintf("Service %s/%s has no port %s", namespace, be.Service.Name, backendPort(be)))
		return
	}
	svc := b.services[ms.Key]
	b.g.Connect(route, svc.node, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: port.Port, Protocol: string(protocolOf(port.Protocol)), Evidence: []graph.Evidence{owner}})
	b.routedHops(proxies, l, route, owner, svc, port, http)
}

func backendPort(be networkingv1.IngressBackend) string {
	if be.Service.Port.Name != "" {
		return be.Service.Port.Name
	}
	return fmt.Sprint(be.Service.Port.Number)
}

// broken records a route that cannot deliver.
func (b *builder) broken(route *graph.Node, owner graph.Evidence, reason string) {
	b.g.Broken = append(b.g.Broken, graph.BrokenRoute{Route: route, Owner: owner, Reason: reason})
}

// routedHops evaluates every (source proxy, backend pod) pair of a route on
// a listener and adds a routed network edge for each allowed one, entered
// only through the proxy's container ports serving the listener
// (Edge.EntryPorts, model.ListenerPorts). A route none of whose
// pairs can deliver is broken when the cause is structural (no pods, no such
// port) or STRICT mTLS refusing a plaintext controller.
func (b *builder) routedHops(sources []*workload, l *model.Listener, route *graph.Node, owner graph.Evidence, svc *service, port portRef, http bool) {
	b.routedHopsVia(sources, l, route, owner, svc, port, http, 0)
}

// routedHopsVia is routedHops following ExternalName aliases: istiod treats an
// ExternalName Service naming a cluster Service as an alias of it
// (istio/istio pilot/pkg/model/push_context.go resolveServiceAliases), so the
// route reaches the concrete Service's pods on the same port number; any
// other external name is a DNS destination outside the cluster.
func (b *builder) routedHopsVia(sources []*workload, l *model.Listener, route *graph.Node, owner graph.Evidence, svc *service, port portRef, http bool, depth int) {
	if svc.obj.Spec.Type == corev1.ServiceTypeExternalName {
		name := strings.TrimSuffix(strings.ToLower(svc.obj.Spec.ExternalName), ".")
		if n, ns, ok := hosts.ParseServiceFQDN(name); ok && depth < 8 {
			if target := b.services[ns+"/"+n]; target != nil && target != svc {
				for _, p := range target.obj.Spec.Ports {
					if p.Port == port.Port || len(target.obj.Spec.Ports) == 1 {
						b.g.Connect(svc.node, target.node, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: p.Port, Protocol: string(protocolOf(p.Protocol)), Evidence: []graph.Evidence{graph.EvidenceOf(svc.entry)}})
						b.routedHopsVia(sources, l, route, owner, target, p, http, depth+1)
						return
					}
				}
				b.broken(route, owner, fmt.Sprintf("ExternalName Service %s/%s aliases Service %s/%s, which has no port %d", svc.obj.Namespace, svc.obj.Name, ns, n, port.Port))
				return
			}
		}
		if name != "" {
			ext := b.g.AddNode(&graph.Node{Kind: graph.KindExternal, Name: name, Label: name, Evidence: []graph.Evidence{graph.EvidenceOf(svc.entry)}})
			b.g.Connect(route, ext, &graph.EdgeAttrs{Kind: graph.EdgeForwards, Port: port.Port, Evidence: []graph.Evidence{owner, graph.EvidenceOf(svc.entry)}})
			return
		}
	}
	if len(svc.selected) == 0 {
		if len(svc.obj.Spec.Selector) == 0 {
			if len(svc.slices) == 0 {
				b.g.AddNotSeen("Service %s/%s (%s) has no selector and no EndpointSlice in the input: its endpoints are managed outside Kubernetes and not analysed", svc.obj.Namespace, svc.obj.Name, svc.entry.Origin)
			}
			return
		}
		b.broken(route, owner, fmt.Sprintf("backend Service %s/%s selects no workload", svc.obj.Namespace, svc.obj.Name))
		return
	}
	delivered := false
	var strictReasons, hboneReasons, portMissing []string
	for _, dst := range svc.selected {
		target, ok := model.TargetPort(port, dst.src)
		if !ok {
			portMissing = append(portMissing, fmt.Sprintf("%s has no container port named %q", dst.describe(), port.TargetPort.StrVal))
			continue
		}
		for _, src := range sources {
			h := b.evaluate(hopInput{src: src, dst: dst, port: target, protocol: protocolOf(port.Protocol), svc: svc, http: http || mayCarryHTTP(port)})
			if h.refused != "" {
				if h.strictRefusal {
					strictReasons = append(strictReasons, h.refused)
				}
				if h.hboneRefusal {
					hboneReasons = append(hboneReasons, h.refused)
				}
				continue
			}
			delivered = true
			e := h.edge
			e.Kind, e.Routed, e.Via = graph.EdgeNetwork, true, []*graph.Node{route, svc.node}
			e.EntryPorts = b.m.ListenerPorts(src.src, l)
			e.Evidence = append([]graph.Evidence{owner, graph.EvidenceOf(svc.entry)}, e.Evidence...)
			b.g.Connect(src.node, dst.node, &e)
		}
	}
	if delivered {
		return
	}
	switch {
	case len(strictReasons) > 0:
		sort.Strings(strictReasons)
		b.broken(route, owner, strictReasons[0])
	case len(hboneReasons) > 0:
		// Structural too: a NetworkPolicy written for sidecar mode drops
		// the tunnel every mesh hop into an ambient pod travels in.
		sort.Strings(hboneReasons)
		b.broken(route, owner, hboneReasons[0])
	case len(portMissing) > 0:
		b.broken(route, owner, "target port does not exist: "+portMissing[0])
	}
}
