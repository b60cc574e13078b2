// Package netpol evaluates Kubernetes NetworkPolicies for a connection
// between two peers, with the standard semantics
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
// a pod is isolated in a direction only when a policy of that policyType
// selects it; allowed traffic is the union of the selecting policies' rules;
// within one peer podSelector AND namespaceSelector, across peers OR; ipBlock
// (with except) for addresses outside the pod network; ports by number or by
// name (resolved on the destination pod), endPort ranges, protocols.
// Pods of hostNetwork workloads are not subject to pod NetworkPolicies.
package netpol

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/graph/conns"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Peer is one end of a connection.
type Peer struct {
	// External peers (the internet, the private network) have no pod;
	// Class is their address class.
	External bool
	Class    ipspace.Class
	// Range, when set, is a concrete IPv4 range of an external peer, cut so
	// that every ipBlock holds all of it or none of it.
	Range *[2]netip.Addr
	// Pod peers.
	Namespace   string
	PodLabels   map[string]string
	NSLabels    map[string]string
	HostNetwork bool
	// Workload resolves named ports when this peer is the destination.
	Workload *inventory.Workload
}

// Verdict is the outcome for one direction.
type Verdict struct {
	Allowed bool
	// Isolated: some policy selects the pod in this direction.
	Isolated bool
	// Policies that allowed the connection (ns/name), or the isolating
	// policies when denied.
	Policies []string
}

// Describe renders the verdict for edges and messages.
func (v Verdict) Describe(direction string) string {
	switch {
	case !v.Isolated:
		return "no NetworkPolicy selects the " + direction
	case v.Allowed:
		return "allowed by NetworkPolicy " + strings.Join(v.Policies, ", ")
	default:
		return "denied: NetworkPolicy " + strings.Join(v.Policies, ", ") + " isolates the " + direction
	}
}

// Evaluator caches compiled selectors of the inventory's policies.
type Evaluator struct {
	byNamespace map[string][]*compiled
}

type compiled struct {
	policy   *networkingv1.NetworkPolicy
	name     string
	selector labels.Selector
	ingress  bool
	egress   bool
	// peerSelectors caches compiled peer selectors by pointer.
	peerSelectors map[*metav1.LabelSelector]labels.Selector
}

// sel compiles a peer selector once; an invalid selector matches nothing.
func (c *compiled) sel(ls *metav1.LabelSelector) labels.Selector {
	if s, ok := c.peerSelectors[ls]; ok {
		return s
	}
	s, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		s = labels.Nothing()
	}
	c.peerSelectors[ls] = s
	return s
}

// NewEvaluator compiles every NetworkPolicy of the inventory. Policies with
// an invalid selector are reported as warnings and select nothing.
func NewEvaluator(inv *inventory.Inventory) (*Evaluator, []string) {
	e := &Evaluator{byNamespace: map[string][]*compiled{}}
	var problems []string
	for _, np := range inventory.Typed[*networkingv1.NetworkPolicy](inv, inventory.NetworkPolicy) {
		sel, err := metav1.LabelSelectorAsSelector(&np.Obj.Spec.PodSelector)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: NetworkPolicy %s/%s: invalid podSelector: %v", np.Entry.Origin, np.Obj.Namespace, np.Obj.Name, err))
			continue
		}
		c := &compiled{policy: np.Obj, name: np.Obj.Namespace + "/" + np.Obj.Name, selector: sel, peerSelectors: map[*metav1.LabelSelector]labels.Selector{}}
		c.ingress, c.egress = Directions(&np.Obj.Spec)
		e.byNamespace[np.Obj.Namespace] = append(e.byNamespace[np.Obj.Namespace], c)
	}
	return e, problems
}

// Directions tells the directions a policy isolates: its policyTypes, by
// default Ingress plus Egress when it has egress rules (NetworkPolicySpec
// policyTypes, k8s.io/api networking/v1 types.go).
func Directions(spec *networkingv1.NetworkPolicySpec) (ingress, egress bool) {
	if len(spec.PolicyTypes) == 0 {
		return true, len(spec.Egress) > 0
	}
	for _, t := range spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

// Ingress decides whether dst (a pod) accepts the connection from src on
// port/protocol: IngressConns narrowed to one port, computed without
// building sets because the graph builder asks it for every pivot pair
// (TestSinglePortAgreesWithConns holds the two together).
func (e *Evaluator) Ingress(src, dst Peer, port int32, protocol corev1.Protocol) Verdict {
	if dst.External || dst.HostNetwork {
		return Verdict{Allowed: true}
	}
	return e.verdict(dst, dst.Namespace, true, src, dst, port, protocol)
}

// Egress decides whether src (a pod) may open the connection to dst.
func (e *Evaluator) Egress(src, dst Peer, port int32, protocol corev1.Protocol) Verdict {
	if src.External || src.HostNetwork {
		return Verdict{Allowed: true}
	}
	return e.verdict(src, src.Namespace, false, dst, dst, port, protocol)
}

func (e *Evaluator) verdict(subject Peer, ns string, ingress bool, other, dst Peer, port int32, protocol corev1.Protocol) Verdict {
	var v Verdict
	var isolating []string
	for _, c := range e.byNamespace[ns] {
		if (ingress && !c.ingress) || (!ingress && !c.egress) || !c.selector.Matches(labels.Set(subject.PodLabels)) {
			continue
		}
		v.Isolated = true
		isolating = append(isolating, c.name)
		if c.admits(ingress, other, dst, port, protocol) {
			v.Allowed = true
			v.Policies = append(v.Policies, c.name)
		}
	}
	if !v.Isolated {
		v.Allowed = true
	} else if !v.Allowed {
		v.Policies = isolating
	}
	return v
}

func (c *compiled) admits(ingress bool, other, dst Peer, port int32, protocol corev1.Protocol) bool {
	if ingress {
		for _, rule := range c.policy.Spec.Ingress {
			if c.peersMatch(rule.From, other) && portsAdmit(rule.Ports, dst.Workload, port, protocol) {
				return true
			}
		}
		return false
	}
	for _, rule := range c.policy.Spec.Egress {
		if c.peersMatch(rule.To, other) && portsAdmit(rule.Ports, dst.Workload, port, protocol) {
			return true
		}
	}
	return false
}

// Allowance is what one direction allows between two peers: the set of
// connections and, per selecting policy, its share of it.
type Allowance struct {
	// Isolated: some policy selects the pod in this direction.
	Isolated bool
	Conns    conns.Set
	// By lists the selecting policies with the connections each allows.
	By []PolicyConns
}

// PolicyConns is one policy's contribution.
type PolicyConns struct {
	Policy string
	Conns  conns.Set
}

// For narrows an allowance to one protocol port.
func (a Allowance) For(protocol corev1.Protocol, port int32) Verdict {
	if !a.Isolated {
		return Verdict{Allowed: true}
	}
	v := Verdict{Isolated: true}
	for _, pc := range a.By {
		if pc.Conns.Contains(protocol, port) {
			v.Allowed = true
			v.Policies = append(v.Policies, pc.Policy)
		}
	}
	if !v.Allowed {
		for _, pc := range a.By {
			v.Policies = append(v.Policies, pc.Policy)
		}
	}
	return v
}

// IngressConns returns the connections dst (a pod) accepts from src.
func (e *Evaluator) IngressConns(src, dst Peer) Allowance {
	if dst.External || dst.HostNetwork {
		return Allowance{Conns: conns.All()}
	}
	return e.allowance(dst, dst.Namespace, true, src, dst)
}

// EgressConns returns the connections src (a pod) may open to dst.
func (e *Evaluator) EgressConns(src, dst Peer) Allowance {
	if src.External || src.HostNetwork {
		return Allowance{Conns: conns.All()}
	}
	return e.allowance(src, src.Namespace, false, dst, dst)
}

// allowance unions the rules of the policies selecting subject in one
// direction that admit other; named ports resolve on dst.
func (e *Evaluator) allowance(subject Peer, ns string, ingress bool, other, dst Peer) Allowance {
	a := Allowance{}
	for _, c := range e.byNamespace[ns] {
		if (ingress && !c.ingress) || (!ingress && !c.egress) || !c.selector.Matches(labels.Set(subject.PodLabels)) {
			continue
		}
		a.Isolated = true
		pc := PolicyConns{Policy: c.name}
		if ingress {
			for _, rule := range c.policy.Spec.Ingress {
				if c.peersMatch(rule.From, other) {
					pc.Conns = pc.Conns.Union(portsConns(rule.Ports, dst.Workload))
				}
			}
		} else {
			for _, rule := range c.policy.Spec.Egress {
				if c.peersMatch(rule.To, other) {
					pc.Conns = pc.Conns.Union(portsConns(rule.Ports, dst.Workload))
				}
			}
		}
		a.Conns = a.Conns.Union(pc.Conns)
		a.By = append(a.By, pc)
	}
	if !a.Isolated {
		a.Conns = conns.All()
	}
	return a
}

// peersMatch: an empty list matches every peer; otherwise any peer matches.
func (c *compiled) peersMatch(peers []networkingv1.NetworkPolicyPeer, p Peer) bool {
	if len(peers) == 0 {
		return true
	}
	for i := range peers {
		if c.peerMatches(&peers[i], p) {
			return true
		}
	}
	return false
}

func (c *compiled) peerMatches(peer *networkingv1.NetworkPolicyPeer, p Peer) bool {
	if peer.IPBlock != nil {
		// ipBlocks describe addresses outside the pod network: they match the
		// internet and private-network sources, never pods (whose IPs are
		// ephemeral and unknown here).
		if !p.External {
			return false
		}
		block := ipspace.Block{CIDR: peer.IPBlock.CIDR, Except: peer.IPBlock.Except}
		if p.Range != nil {
			ok, err := block.ContainsRange(p.Range[0], p.Range[1])
			return err == nil && ok
		}
		ok, err := block.Contains(p.Class)
		return err == nil && ok
	}
	if p.External {
		return false
	}
	if peer.NamespaceSelector != nil {
		if !c.sel(peer.NamespaceSelector).Matches(labels.Set(p.NSLabels)) {
			return false
		}
	} else if p.Namespace != c.policy.Namespace {
		// A podSelector alone selects pods in the policy's namespace.
		return false
	}
	if peer.PodSelector != nil && !c.sel(peer.PodSelector).Matches(labels.Set(p.PodLabels)) {
		return false
	}
	return true
}

// portsConns: an empty list allows every connection; a port entry without
// a port allows its whole protocol; named ports resolve on the destination
// pod's container ports; endPort makes a range.
func portsConns(ports []networkingv1.NetworkPolicyPort, dst *inventory.Workload) conns.Set {
	if len(ports) == 0 {
		return conns.All()
	}
	var out conns.Set
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		switch {
		case p.Port == nil:
			out.Add(proto, conns.MinPort, conns.MaxPort)
		case p.Port.StrVal == "" || p.Port.IntVal != 0:
			hi := p.Port.IntVal
			if p.EndPort != nil {
				hi = *p.EndPort
			}
			out.Add(proto, p.Port.IntVal, hi)
		case dst != nil:
			for _, cp := range dst.Ports() {
				if cp.Name == p.Port.StrVal && cp.Protocol == proto {
					out.Add(proto, cp.Port, cp.Port)
				}
			}
		}
	}
	return out
}

// portsAdmit is portsConns(ports, dst).Contains(protocol, port).
func portsAdmit(ports []networkingv1.NetworkPolicyPort, dst *inventory.Workload, port int32, protocol corev1.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if proto != protocol {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.StrVal == "" || p.Port.IntVal != 0:
			hi := p.Port.IntVal
			if p.EndPort != nil {
				hi = *p.EndPort
			}
			if port >= p.Port.IntVal && port <= hi {
				return true
			}
		case dst != nil:
			for _, cp := range dst.Ports() {
				if cp.Name == p.Port.StrVal && cp.Protocol == proto && cp.Port == port {
					return true
				}
			}
		}
	}
	return false
}

// IPBlockBoundaries returns the cut points of every ipBlock in the
// inventory's ingress rules (ingress true) or egress rules (see
// ipspace.Partition). netpol-analyzer cuts the two directions separately.
func (e *Evaluator) IPBlockBoundaries(ingress bool) []netip.Addr {
	var out []netip.Addr
	add := func(peers []networkingv1.NetworkPolicyPeer) {
		for _, p := range peers {
			if p.IPBlock != nil {
				out = append(out, ipspace.Block{CIDR: p.IPBlock.CIDR, Except: p.IPBlock.Except}.Boundaries()...)
			}
		}
	}
	for _, list := range e.byNamespace {
		for _, c := range list {
			if ingress {
				for _, r := range c.policy.Spec.Ingress {
					add(r.From)
				}
				continue
			}
			for _, r := range c.policy.Spec.Egress {
				add(r.To)
			}
		}
	}
	return out
}

// NamespaceMayReach reports whether some pod of namespace ns (with the
// given namespace labels) could pass dst's ingress policies on some port:
// true when dst is not isolated for ingress, or when a rule of a selecting
// policy has a peer that can match pods of that namespace. It ignores pod
// labels and ports, so false means no pod of ns reaches dst at all; the
// graph builder uses it to skip whole namespaces of pivot sources.
func (e *Evaluator) NamespaceMayReach(ns string, nsLabels map[string]string, dst Peer) bool {
	if dst.External || dst.HostNetwork {
		return true
	}
	isolated := false
	for _, c := range e.byNamespace[dst.Namespace] {
		if !c.ingress || !c.selector.Matches(labels.Set(dst.PodLabels)) {
			continue
		}
		isolated = true
		for _, rule := range c.policy.Spec.Ingress {
			if len(rule.From) == 0 {
				return true
			}
			for i := range rule.From {
				peer := &rule.From[i]
				switch {
				case peer.IPBlock != nil:
				case peer.NamespaceSelector != nil:
					if c.sel(peer.NamespaceSelector).Matches(labels.Set(nsLabels)) {
						return true
					}
				case ns == c.policy.Namespace:
					return true
				}
			}
		}
	}
	return !isolated
}
