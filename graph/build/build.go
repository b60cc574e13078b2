// Package build turns an inventory into the reachability graph: workloads,
// services, entrypoints and routes as nodes; exposure, forwarding, selection
// and network connections as edges, each hop into a workload evaluated for
// NetworkPolicy, mesh authentication and authorization.
package build

import (
	"fmt"
	"sort"
	"strings"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/graph/protocol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// workload is the builder's view of one workload.
type workload struct {
	src       *inventory.Workload
	node      *graph.Node
	mesh      mesh.Status
	peer      netpol.Peer
	principal string
	// ports the workload can be reached on: declared container ports plus
	// numeric targetPorts of Services selecting it.
	ports map[int32]corev1.Protocol
	// portList is ports in ascending order, filled once Services are known.
	portList []int32
	// assumed marks an abstract controller standing in for pods not in the
	// input.
	assumed bool
}

// portRef is a Service port as routes address it.
type portRef = corev1.ServicePort

type service struct {
	obj      *corev1.Service
	entry    *inventory.Object
	node     *graph.Node
	selected []*workload
	// slices are the EndpointSlices of a Service without selector.
	slices []*inventory.Object
}

type builder struct {
	m    *model.Model
	opts model.Options
	g    *graph.Graph
	env  mesh.Env
	np   *netpol.Evaluator

	workloads []*workload
	byNode    map[*graph.Node]*workload
	bySource  map[*inventory.Workload]*workload
	services  map[string]*service // ns/name
	// servicesOf lists, per workload, the Services selecting it (sorted).
	servicesOf map[*workload][]*service
	// peerAuth caches PeerAuthentication decisions per workload port.
	peerAuth map[peerAuthKey]mesh.PeerAuthDecision
	// sidecars caches the Sidecar resource of each client.
	sidecars map[*workload]*inventory.TypedObject[*istionetv1.Sidecar]
	// classes are the Ingress classes resolved to controller nodes, by name.
	classes map[string]*ingressClass
	// assumedGateways are the assumed proxies of Gateway API Gateways whose
	// proxies are not in the input, by Gateway namespace/name.
	assumedGateways map[string]*workload
	// evaluateEachPivot turns off the pivot classes (pivotClasses) and the
	// namespace prefilter: every lateral hop from a reached workload to
	// any workload is evaluated on its own. Tests compare both.
	evaluateEachPivot bool
}

type peerAuthKey struct {
	w    *workload
	port int32
}

// Build constructs the graph from the resolved model. Problems with the
// input that do not stop the build are recorded in the graph's NotSeen list.
func Build(m *model.Model) (*graph.Graph, error) {
	return build(m, false)
}

func build(m *model.Model, evaluateEachPivot bool) (*graph.Graph, error) {
	b := newBuilder(m)
	b.evaluateEachPivot = evaluateEachPivot
	b.g.Mesh = m.HasMesh()
	b.addWorkloads()
	b.addServices()
	b.addEntrypoints()
	b.addIngresses()
	b.addGateways()
	b.addRoutes()
	b.addPivots()
	sort.Strings(b.g.NotSeen)
	return b.g, nil
}

func newBuilder(m *model.Model) *builder {
	np, problems := m.NetworkPolicy()
	b := &builder{
		m: m, opts: m.Options, g: graph.New(), np: np,
		env:             m.Mesh,
		byNode:          map[*graph.Node]*workload{},
		bySource:        map[*inventory.Workload]*workload{},
		services:        map[string]*service{},
		servicesOf:      map[*workload][]*service{},
		peerAuth:        map[peerAuthKey]mesh.PeerAuthDecision{},
		sidecars:        map[*workload]*inventory.TypedObject[*istionetv1.Sidecar]{},
		classes:         map[string]*ingressClass{},
		assumedGateways: map[string]*workload{},
	}
	for _, p := range problems {
		b.g.AddNotSeen("%s", p)
	}
	for _, g := range m.Generated() {
		b.g.AddNotSeen("%s", g)
	}
	for _, u := range m.Unmodelled() {
		b.g.AddNotSeen("%s", u)
	}
	for _, r := range m.Rejections() {
		b.g.AddNotSeen("%s", r)
	}
	for _, w := range m.TransientWorkloads() {
		b.g.AddNotSeen("%s %s/%s (%s) is a Helm hook (helm.sh/hook: %s): it runs to completion at install or upgrade time, so it is not analysed as a running workload", w.Kind, w.Namespace, w.Name, w.Origin, model.HelmHook(w))
	}
	return b
}

func (b *builder) addWorkloads() {
	for _, w := range b.m.Workloads() {
		status := b.env.InjectionStatus(w)
		if status.Unknown {
			b.g.AddNotSeen("Namespace %s: not in the input, so sidecar injection for its workloads is unknown (treated as not injected)", w.Namespace)
		}
		nsLabels, _ := b.m.NamespaceLabels(w.Namespace)
		info := &graph.WorkloadInfo{
			Kind: w.Kind, Labels: w.Labels(), ServiceAccount: w.ServiceAccount(), Ports: map[string]int32{},
			Mesh:        graph.MeshStatus{Member: status.Member, Gateway: status.Gateway, Ambient: status.Ambient, Reason: status.Reason, Unknown: status.Unknown},
			HostNetwork: w.Template.Spec.HostNetwork, Source: w,
		}
		wl := &workload{
			src: w, mesh: status, principal: b.env.Principal(w.Namespace, w.ServiceAccount()),
			ports: map[int32]corev1.Protocol{},
			peer:  netpol.Peer{Namespace: w.Namespace, PodLabels: w.Labels(), NSLabels: nsLabels, HostNetwork: w.Template.Spec.HostNetwork, Workload: w, ClassKey: b.m.PodClass(w)},
		}
		for _, p := range w.Ports() {
			if p.Name != "" {
				info.Ports[p.Name] = p.Port
			}
			wl.ports[p.Port] = p.Protocol
		}
		if reason := classify.Database(w, b.opts.Classify); reason != "" {
			info.Database = &graph.DatabaseClass{Reason: reason}
		}
		wl.node = b.g.AddNode(&graph.Node{
			Kind: graph.KindWorkload, Namespace: w.Namespace, Name: w.Name,
			Label: w.Namespace + "/" + w.Name, UID: w.ID(),
			Evidence: []graph.Evidence{graph.EvidenceOf(w.Object)}, Workload: info,
		})
		b.workloads = append(b.workloads, wl)
		b.byNode[wl.node] = wl
		b.bySource[w] = wl
	}
}

// addServices adds every Service, and every ServiceEntry with a
// workloadSelector as the Service it acts as (model.ServiceEntryServices),
// with select edges to the workloads behind them; the target ports become
// ports of those workloads.
func (b *builder) addServices() {
	for _, s := range b.m.Services() {
		if len(s.Unresolved) > 0 {
			b.g.AddNotSeen("Service %s/%s (%s) has no selector, and its EndpointSlices name endpoints that are no workload of the input (%s): traffic to them is not analysed", s.Obj.Namespace, s.Obj.Name, s.Entry.Origin, strings.Join(s.Unresolved, "; "))
		}
		info := &graph.ServiceInfo{Type: string(s.Obj.Spec.Type), Source: s.Obj}
		if info.Type == "" {
			info.Type = string(corev1.ServiceTypeClusterIP)
		}
		for _, p := range s.Obj.Spec.Ports {
			info.Ports = append(info.Ports, graph.ServicePort{Name: p.Name, Port: p.Port, TargetPort: targetPortString(p), Protocol: string(protocolOf(p.Protocol)), AppProtocol: deref(p.AppProtocol)})
		}
		b.addService(s, &graph.Node{
			Kind: graph.KindService, Namespace: s.Obj.Namespace, Name: s.Obj.Name, Label: s.Obj.Namespace + "/" + s.Obj.Name,
			Evidence: []graph.Evidence{graph.EvidenceOf(s.Entry)}, Service: info,
		})
	}
	for _, s := range b.m.ServiceEntryServices() {
		b.addService(s, &graph.Node{Kind: graph.KindService, Namespace: s.Obj.Namespace, Name: s.Obj.Name + " (ServiceEntry)",
			Label: "ServiceEntry " + s.Obj.Namespace + "/" + s.Obj.Name, Evidence: []graph.Evidence{graph.EvidenceOf(s.Entry)},
			Service: &graph.ServiceInfo{Type: "ServiceEntry", Source: s.Obj}})
	}
}

func (b *builder) addService(s *model.Service, node *graph.Node) {
	svc := &service{obj: s.Obj, entry: s.Entry, slices: s.Slices, node: b.g.AddNode(node)}
	for _, w := range s.Selected {
		svc.selected = append(svc.selected, b.bySource[w])
	}
	ev := []graph.Evidence{graph.EvidenceOf(s.Entry)}
	for _, es := range s.Slices {
		ev = append(ev, graph.EvidenceOf(es))
	}
	for _, w := range svc.selected {
		b.servicesOf[w] = append(b.servicesOf[w], svc)
		for _, p := range s.Obj.Spec.Ports {
			target, ok := model.TargetPort(p, w.src)
			if !ok {
				continue
			}
			if _, known := w.ports[target]; !known {
				w.ports[target] = protocolOf(p.Protocol)
			}
			b.g.Connect(svc.node, w.node, &graph.EdgeAttrs{Kind: graph.EdgeSelects, Port: target, Protocol: string(protocolOf(p.Protocol)), Evidence: ev})
		}
	}
	b.services[s.Key] = svc
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func targetPortString(p corev1.ServicePort) string {
	if p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "" {
		return p.TargetPort.StrVal
	}
	if p.TargetPort.IntVal != 0 {
		return fmt.Sprint(p.TargetPort.IntVal)
	}
	return fmt.Sprint(p.Port)
}

// mayCarryHTTP: HTTP requests on the Service port reach the sidecar's HTTP
// filter chain, because the port is declared HTTP or its protocol is
// sniffed (graph/protocol, Istio's protocol selection).
func mayCarryHTTP(p corev1.ServicePort) bool {
	return protocol.Of(p).Protocol.MayCarryHTTP()
}

// describe names a hop's source for messages.
func (w *workload) describe() string {
	if w.assumed {
		return w.node.Label
	}
	return w.src.Namespace + "/" + w.src.Name
}

// hop is the outcome of evaluating one connection into a workload port.
type hop struct {
	edge    graph.EdgeAttrs
	refused string
	// strictRefusal: refused because the destination requires mTLS and the
	// source cannot present it.
	strictRefusal bool
	// netpolRefusal holds the ingress verdict of a NetworkPolicy refusal
	// (described only when a caller reports it: pivots refuse millions).
	netpolRefusal *netpol.Verdict
	// hboneRefusal: a NetworkPolicy drops the HBONE tunnel (port 15008)
	// an ambient hop travels in.
	hboneRefusal bool
}

// hopInput describes a connection attempt.
type hopInput struct {
	src      *workload     // nil for traffic from outside the cluster
	class    ipspace.Class // for src == nil
	dst      *workload
	port     int32
	protocol corev1.Protocol
	svc      *service // the Service the client addressed, if any
	http     bool
	// meshOnly skips NetworkPolicy (the caller evaluated it already).
	meshOnly bool
}

// evaluate applies NetworkPolicy (egress of the source, ingress of the
// destination), mesh authentication and authorization to a connection.
func (b *builder) evaluate(in hopInput) hop {
	var h hop
	dst := in.dst
	if dst.mesh.Member && !dst.mesh.Ambient && !in.meshOnly {
		if what, owned := mesh.ProxyPort(in.port); owned {
			// The Istio proxy answers this port itself and never forwards
			// it to the application: reaching it is no foothold in the
			// workload.
			h.refused = fmt.Sprintf("port %d is the Istio proxy's own %s", in.port, what)
			return h
		}
	}
	srcPeer := netpol.Peer{External: true, Class: in.class}
	if in.src != nil {
		srcPeer = in.src.peer
	}
	dstPeer := dst.peer
	if in.meshOnly {
		h.edge.Port, h.edge.Protocol = in.port, string(in.protocol)
		return b.evaluateMesh(in, h)
	}
	// Between mesh members where either end is ambient, the connection
	// is an HBONE tunnel to port 15008 of the destination pod, which
	// NetworkPolicies must admit (https://istio.io/latest/docs/ambient/usage/networkpolicy/:
	// "you will have to add an exception to that NetworkPolicy for port
	// 15008"); ztunnel then delivers to the application port.
	npPort, npProto, hbone := in.port, in.protocol, b.hbone(in)
	if hbone {
		npPort, npProto = hbonePort, corev1.ProtocolTCP
	}
	if in.src != nil && !in.src.assumed {
		egress := b.np.Egress(srcPeer, dstPeer, npPort, npProto)
		if !egress.Allowed {
			h.refused = "NetworkPolicy (egress)"
			if hbone {
				h.refused, h.hboneRefusal = "NetworkPolicy (egress) does not admit the HBONE tunnel to port 15008", true
			}
			return h
		}
		if egress.Assumption != "" {
			h.edge.Assumptions = append(h.edge.Assumptions, "egress from "+in.src.describe()+": "+egress.Assumption)
		}
		h.edge.Evidence = append(h.edge.Evidence, b.policyEvidence(egress)...)
	}
	ingress := b.np.Ingress(srcPeer, dstPeer, npPort, npProto)
	if !ingress.Allowed {
		h.refused = "NetworkPolicy"
		h.netpolRefusal = &ingress
		if hbone {
			h.refused, h.hboneRefusal = fmt.Sprintf("NetworkPolicy does not admit the HBONE tunnel to port %d of %s (ambient traffic to port %d travels in it)", hbonePort, dst.describe(), in.port), true
		}
		return h
	}
	if ingress.Assumption != "" {
		h.edge.Assumptions = append(h.edge.Assumptions, "ingress to "+dst.describe()+": "+ingress.Assumption)
	}
	h.edge.NetworkPolicy = ingress.Describe("destination")
	h.edge.Evidence = append(h.edge.Evidence, b.policyEvidence(ingress)...)
	h.edge.Port, h.edge.Protocol = in.port, string(in.protocol)
	return b.evaluateMesh(in, h)
}

// hbonePort is where ztunnel (and sidecars talking to ambient pods) send
// the HBONE tunnel (https://istio.io/latest/docs/ambient/usage/ztunnel/).
const hbonePort = 15008

// hbone reports whether a connection travels as HBONE: from a mesh member
// to an ambient pod, or from an ambient pod to a sidecar pod (ztunnel
// upgrades to HBONE when the destination has a proxy; ztunnel
// src/proxy/outbound.rs OutboundProtocol).
func (b *builder) hbone(in hopInput) bool {
	if in.src == nil || !in.src.mesh.Member {
		return false
	}
	return in.dst.mesh.Ambient || (in.src.mesh.Ambient && in.dst.mesh.Member)
}

// policyEvidence cites the NetworkPolicies that allowed a direction of a
// hop: they made the hop exist (issue #12 item 9), as the
// AuthorizationPolicies that admit it do.
func (b *builder) policyEvidence(v netpol.Verdict) []graph.Evidence {
	if !v.Isolated {
		return nil
	}
	var out []graph.Evidence
	for _, name := range v.Policies {
		ns, n, _ := strings.Cut(name, "/")
		if o := b.m.Object(inventory.NetworkPolicy, ns, n); o != nil {
			out = append(out, graph.EvidenceOf(o))
		}
	}
	return out
}

// evaluateMesh applies mesh authentication and authorization to a hop that
// NetworkPolicy allows.
func (b *builder) evaluateMesh(in hopInput, h hop) hop {
	dst := in.dst
	srcInMesh := in.src != nil && in.src.mesh.Member
	srcName := "traffic from outside the cluster"
	if in.src != nil {
		srcName = in.src.describe()
	}
	authzApplies := false
	switch {
	case !dst.mesh.Member:
		h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, "destination not in mesh: "+dst.mesh.Reason
	case dst.mesh.Ambient:
		b.ambientHop(in, &h)
		return h
	case dst.mesh.Gateway:
		// Gateway listeners terminate client traffic themselves; they do not
		// take mesh mTLS on their server ports. Whether a request is HTTP
		// there is the Gateway server's protocol, not the Service port's
		// name (model.GatewayListenerOn).
		h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, "Istio gateway listener (not mesh mTLS)"
		authzApplies = true
		if l, found := b.m.GatewayListenerOn(dst.src, in.port); found {
			in.http = l.HTTP
		}
	default:
		if captured, why := mesh.Capture(dst.src, in.port); !captured {
			h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, why+": the sidecar neither authenticates nor authorizes it"
			break
		}
		authzApplies = true
		pa, ok := b.peerAuth[peerAuthKey{dst, in.port}]
		if !ok {
			pa = b.env.PeerAuthMode(dst.src, in.port)
			b.peerAuth[peerAuthKey{dst, in.port}] = pa
		}
		if pa.Policy != nil {
			h.edge.Evidence = append(h.edge.Evidence, graph.EvidenceOf(pa.Policy))
		}
		if srcInMesh && in.src.mesh.Ambient {
			// ztunnel sends HBONE to a sidecar pod; it reads no
			// DestinationRule TLS.
			h.edge.Auth, h.edge.TLS, h.edge.AuthReason = graph.AuthMTLS, "mtls", "HBONE from ztunnel"
			break
		}
		if srcInMesh {
			c := b.clientTLS(in)
			if c.blocked {
				h.refused = c.why
				return h
			}
			if c.why != "" && (pa.Mode != mesh.ModeStrict || !c.mtlsPossible) {
				h.edge.Evidence = append(h.edge.Evidence, graph.EvidenceOf(c.evidence))
				if pa.Mode == mesh.ModeStrict {
					h.refused, h.strictRefusal = fmt.Sprintf("%s, and %s refuses plaintext", c.why, pa), true
					return h
				}
				h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, c.why
				break
			}
			if pa.Mode == mesh.ModeDisable {
				h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, "mTLS disabled: "+pa.String()
				break
			}
			h.edge.Auth, h.edge.TLS = graph.AuthMTLS, "mtls"
			break
		}
		if pa.Mode == mesh.ModeStrict {
			reason := "outside the mesh"
			if in.src != nil && !in.src.assumed {
				reason = "not in mesh: " + in.src.mesh.Reason
			}
			h.refused, h.strictRefusal = fmt.Sprintf("%s refuses plaintext from %s (%s)", pa, srcName, reason), true
			return h
		}
		if in.src == nil {
			h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, fmt.Sprintf("traffic from outside the cluster accepted by %s", pa)
		} else {
			h.edge.Auth, h.edge.AuthReason = graph.AuthPlaintext, "the source is outside the mesh and the destination accepts plaintext: "+pa.String()
		}
	}
	if authzApplies {
		req := mesh.Request{MTLS: h.edge.Auth == graph.AuthMTLS, Port: in.port, HTTP: in.http, SourceClass: ipspace.Private}
		if in.src == nil {
			req.SourceClass = in.class
		}
		if req.MTLS {
			req.Principal = in.src.principal
			req.Namespace = in.src.src.Namespace
			req.ServiceAccount = in.src.src.Namespace + "/" + in.src.src.ServiceAccount()
		}
		d := b.env.Authorize(dst.src, req)
		if !d.Allowed {
			h.refused = "AuthorizationPolicy: " + d.Reason
			return h
		}
		b.recordAuthz(&h, d)
	}
	return h
}

// recordAuthz puts an authorization decision that allowed a hop on its
// edge: restricted when some applied decision limits the sources, with the
// deciding policies as evidence (a hop may get two: a waypoint's and the
// destination's ztunnel).
func (b *builder) recordAuthz(h *hop, d mesh.Decision) {
	if !d.Applied {
		return
	}
	for _, name := range d.Policies {
		ns, n, _ := strings.Cut(strings.TrimSuffix(name, " (CUSTOM)"), "/")
		if o := b.m.Object(inventory.AuthorizationPolicy, ns, n); o != nil {
			h.edge.Evidence = append(h.edge.Evidence, graph.EvidenceOf(o))
		}
	}
	state := graph.AuthzUnrestricted
	if d.Restricted {
		state = graph.AuthzRestricted
	}
	if prev := h.edge.Authz; prev != nil {
		if prev.State == graph.AuthzRestricted {
			state = graph.AuthzRestricted
		}
		d.Policies = append(append([]string(nil), prev.Policies...), d.Policies...)
		d.Narrowing = append(append([]string(nil), prev.Narrowing...), d.Narrowing...)
		d.Custom = d.Custom || prev.Custom
	}
	h.edge.Authz = &graph.Authz{State: state, Policies: d.Policies, Narrowing: d.Narrowing, Custom: d.Custom}
}

// sidecarOf returns the Sidecar resource configuring a client's proxy
// (mesh.SidecarFor), looked up once per client.
func (b *builder) sidecarOf(w *workload) *inventory.TypedObject[*istionetv1.Sidecar] {
	sc, ok := b.sidecars[w]
	if !ok {
		sc = b.env.SidecarFor(w.src)
		b.sidecars[w] = sc
	}
	return sc
}

// clientOutcome is what the client's own configuration does to a hop.
type clientOutcome struct {
	// why explains the first way in that is not Istio mTLS ("" if none),
	// evidence is the object that makes it so.
	why      string
	evidence *inventory.Object
	// mtlsPossible: some addressed host (or none: auto-mTLS) gives mTLS.
	mtlsPossible bool
	// blocked: every addressed host is refused by the client's Sidecar
	// (REGISTRY_ONLY).
	blocked bool
}

// clientTLS applies the client's Sidecar egress (mesh.Egress) and
// DestinationRules to a hop from a mesh workload. The rule is chosen per
// addressed host (mesh.DestinationRuleFor): a routed hop addresses one
// Service; a direct connection (a pivot) may address any Service selecting
// the destination on that port, so it is plaintext when some Service is
// reached without Istio mTLS, and can still reach a STRICT destination when
// another gives mTLS (or no Service targets the port: auto-mTLS).
func (b *builder) clientTLS(in hopInput) clientOutcome {
	var out clientOutcome
	clientNS := in.src.src.Namespace
	candidates := b.servicesOf[in.dst]
	if in.svc != nil {
		candidates = []*service{in.svc}
	}
	addressed := false
	blockedWhy := ""
	plaintext := func(why string, evidence *inventory.Object) {
		if out.evidence == nil {
			out.why, out.evidence = why, evidence
		}
	}
	for _, s := range candidates {
		for _, p := range s.obj.Spec.Ports {
			if t, ok := model.TargetPort(p, in.dst.src); !ok || t != in.port {
				continue
			}
			addressed = true
			fqdn := hosts.ServiceFQDN(s.obj.Name, s.obj.Namespace)
			eg := mesh.EgressOf(b.sidecarOf(in.src), fqdn, s.obj.Namespace)
			switch {
			case eg.Blocked:
				if blockedWhy == "" {
					blockedWhy = eg.String()
				}
				continue
			case !eg.Imported:
				plaintext(eg.String(), eg.Sidecar)
				continue
			}
			if d := b.env.DestinationRuleFor(in.src.src, clientNS, s.obj.Namespace, fqdn, p.Port); d.NotMeshMTLS() {
				plaintext(d.String(), d.Rule)
			} else {
				out.mtlsPossible = true
			}
		}
	}
	// Refused only when every addressed way in is blocked.
	if blockedWhy != "" && out.evidence == nil && !out.mtlsPossible {
		out.blocked, out.why = true, blockedWhy
	}
	out.mtlsPossible = out.mtlsPossible || !addressed
	return out
}

func sortedServiceKeys(m map[string]*service) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
