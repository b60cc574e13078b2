// Package netpol evaluates Kubernetes NetworkPolicies for a connection
// between two peers, with the standard semantics
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
// a pod is isolated in a direction only when a policy of that policyType
// selects it; allowed traffic is the union of the selecting policies' rules;
// within one peer podSelector AND namespaceSelector, across peers OR; ipBlock
// (with except) for addresses outside the pod network; ports by number or by
// name (resolved on the destination pod), endPort ranges, protocols.
// How ipBlocks meet pod addresses and how hostNetwork pods are seen is set
// by Addressing: the API leaves both to the network plugin.
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
	// ClassKey, when set, is the pod's equivalence class
	// (inventory.PodClassKey): the policies selecting it are looked up once
	// per class.
	ClassKey string
}

// Verdict is the outcome for one direction.
type Verdict struct {
	Allowed bool
	// Isolated: some policy selects the pod in this direction.
	Isolated bool
	// Policies that allowed the connection (ns/name), or the isolating
	// policies when denied.
	Policies []string
	// Assumption, when set, says what the allow rests on that the input
	// cannot show (pod or node addresses an ipBlock may hold, how a
	// hostNetwork pod is seen).
	Assumption string
}

// HostNetworkMode is how pods with hostNetwork: true meet NetworkPolicies.
// Their traffic carries the node's address, and network plugins differ:
// many neither select nor protect them with pod policies.
type HostNetworkMode int

const (
	// HostNetworkNode (the zero value, analyze's conservative default):
	// policies neither select nor protect hostNetwork pods, and as peers
	// they are node addresses, matched by ipBlocks (node addresses are
	// assumed private), never by pod or namespace selectors.
	HostNetworkNode HostNetworkMode = iota
	// HostNetworkPod: hostNetwork pods are ordinary pods on both sides of a
	// policy (netpol-analyzer's convention; connectivity's default).
	HostNetworkPod
)

// String is the flag value.
func (m HostNetworkMode) String() string {
	if m == HostNetworkPod {
		return "pod"
	}
	return "node"
}

// ParseHostNetworkMode reads a --host-network value.
func ParseHostNetworkMode(s string) (HostNetworkMode, error) {
	switch s {
	case "node":
		return HostNetworkNode, nil
	case "pod":
		return HostNetworkPod, nil
	}
	return 0, fmt.Errorf("want node or pod, got %q", s)
}

// Addressing is what the evaluator assumes about addresses the input does
// not show. The zero value is analyze's default.
type Addressing struct {
	HostNetwork HostNetworkMode
	// PodCIDRs are the cluster's pod address ranges, when known.
	PodCIDRs []netip.Prefix
	// IPBlocksIgnorePods: ipBlocks never match pods (netpol-analyzer's
	// convention, and some plugins'). Otherwise, as most plugins do and the
	// upstream e2e tests expect, an ipBlock matches a pod whose address it
	// holds: with PodCIDRs, a block overlapping them (certain when it covers
	// them all); without, a block holding private addresses, as an
	// assumption.
	IPBlocksIgnorePods bool
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
	addr        *Addressing
	// selecting caches the policies selecting a class of pods per
	// direction (podSelector and policyTypes read only the pod's namespace
	// and labels).
	selecting map[selectingKey][]*compiled
}

type selectingKey struct {
	class   string
	ingress bool
}

type compiled struct {
	addr     *Addressing
	policy   *networkingv1.NetworkPolicy
	name     string
	selector labels.Selector
	ingress  bool
	egress   bool
	// peerSelectors caches compiled peer selectors by pointer.
	peerSelectors map[*metav1.LabelSelector]labels.Selector
	// podBlocks caches blockMatches for in-cluster peers, which depends
	// only on the block and whether the peer is seen as a node.
	podBlocks map[podBlockKey]blockMatch
}

type podBlockKey struct {
	block *networkingv1.IPBlock
	node  bool
}

type blockMatch struct {
	ok         bool
	assumption string
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

// NewEvaluator compiles every NetworkPolicy of the inventory. The loader
// keeps out policies the API server would reject (sources/admission); one
// with an invalid selector that reaches here anyway (an inventory built by
// hand) is reported and selects nothing.
func NewEvaluator(inv *inventory.Inventory, addr Addressing) (*Evaluator, []string) {
	e := &Evaluator{byNamespace: map[string][]*compiled{}, addr: &addr, selecting: map[selectingKey][]*compiled{}}
	var problems []string
	for _, np := range inventory.Typed[*networkingv1.NetworkPolicy](inv, inventory.NetworkPolicy) {
		sel, err := metav1.LabelSelectorAsSelector(&np.Obj.Spec.PodSelector)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: NetworkPolicy %s/%s: invalid podSelector: %v", np.Entry.Origin, np.Obj.Namespace, np.Obj.Name, err))
			continue
		}
		c := &compiled{addr: e.addr, policy: np.Obj, name: np.Obj.Namespace + "/" + np.Obj.Name, selector: sel, peerSelectors: map[*metav1.LabelSelector]labels.Selector{}, podBlocks: map[podBlockKey]blockMatch{}}
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
	switch {
	case dst.External:
		return Verdict{Allowed: true}
	case e.nodeAddressed(dst):
		return Verdict{Allowed: true, Assumption: unprotectedHostNetwork}
	}
	return e.verdict(dst, dst.Namespace, true, src, dst, port, protocol)
}

// Egress decides whether src (a pod) may open the connection to dst.
func (e *Evaluator) Egress(src, dst Peer, port int32, protocol corev1.Protocol) Verdict {
	switch {
	case src.External:
		return Verdict{Allowed: true}
	case e.nodeAddressed(src):
		return Verdict{Allowed: true, Assumption: unprotectedHostNetwork}
	}
	return e.verdict(src, src.Namespace, false, dst, dst, port, protocol)
}

const unprotectedHostNetwork = "a hostNetwork pod is taken as the node itself, which NetworkPolicies neither select nor protect (--host-network=node)"

// nodeAddressed: p is a hostNetwork pod seen as its node.
func (e *Evaluator) nodeAddressed(p Peer) bool {
	return p.HostNetwork && !p.External && e.addr.HostNetwork == HostNetworkNode
}

// selectingPolicies returns the policies of namespace ns that select the
// subject pod in one direction, once per class of pods when the peer names
// its class.
func (e *Evaluator) selectingPolicies(subject Peer, ns string, ingress bool) []*compiled {
	key := selectingKey{subject.ClassKey, ingress} // the class names the namespace
	if subject.ClassKey != "" {
		if out, ok := e.selecting[key]; ok {
			return out
		}
	}
	var out []*compiled
	for _, c := range e.byNamespace[ns] {
		if (ingress && !c.ingress) || (!ingress && !c.egress) || !c.selector.Matches(labels.Set(subject.PodLabels)) {
			continue
		}
		out = append(out, c)
	}
	if subject.ClassKey != "" {
		e.selecting[key] = out
	}
	return out
}

func (e *Evaluator) verdict(subject Peer, ns string, ingress bool, other, dst Peer, port int32, protocol corev1.Protocol) Verdict {
	var v Verdict
	var isolating []string
	certain := false
	for _, c := range e.selectingPolicies(subject, ns, ingress) {
		v.Isolated = true
		isolating = append(isolating, c.name)
		if ok, assumption := c.admits(ingress, other, dst, port, protocol); ok {
			v.Allowed = true
			v.Policies = append(v.Policies, c.name)
			if assumption == "" {
				certain = true
			} else if v.Assumption == "" {
				v.Assumption = assumption
			}
		}
	}
	switch {
	case !v.Isolated:
		v.Allowed = true
	case !v.Allowed:
		v.Policies = isolating
	case certain:
		v.Assumption = ""
	}
	return v
}

// admits tells whether some rule of the policy admits the connection, and
// the assumption it rests on when no admitting rule is certain.
func (c *compiled) admits(ingress bool, other, dst Peer, port int32, protocol corev1.Protocol) (bool, string) {
	rule := func(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (bool, string) {
		if !portsAdmit(ports, dst.Workload, port, protocol) {
			return false, ""
		}
		return c.peersMatch(peers, other)
	}
	if ingress {
		rules := c.policy.Spec.Ingress
		return anyMatch(len(rules), func(i int) (bool, string) { return rule(rules[i].From, rules[i].Ports) })
	}
	rules := c.policy.Spec.Egress
	return anyMatch(len(rules), func(i int) (bool, string) { return rule(rules[i].To, rules[i].Ports) })
}

// anyMatch ORs n matches that may each rest on an assumption: true without
// assumption as soon as one matches for certain, else the first matching
// one's assumption.
func anyMatch(n int, match func(i int) (bool, string)) (bool, string) {
	matched, assumption := false, ""
	for i := 0; i < n; i++ {
		ok, a := match(i)
		if ok && a == "" {
			return true, ""
		}
		if ok && !matched {
			matched, assumption = true, a
		}
	}
	return matched, assumption
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
	if dst.External || e.nodeAddressed(dst) {
		return Allowance{Conns: conns.All()}
	}
	return e.allowance(dst, dst.Namespace, true, src, dst)
}

// EgressConns returns the connections src (a pod) may open to dst.
func (e *Evaluator) EgressConns(src, dst Peer) Allowance {
	if src.External || e.nodeAddressed(src) {
		return Allowance{Conns: conns.All()}
	}
	return e.allowance(src, src.Namespace, false, dst, dst)
}

// allowance unions the rules of the policies selecting subject in one
// direction that admit other; named ports resolve on dst.
func (e *Evaluator) allowance(subject Peer, ns string, ingress bool, other, dst Peer) Allowance {
	a := Allowance{}
	for _, c := range e.selectingPolicies(subject, ns, ingress) {
		a.Isolated = true
		pc := PolicyConns{Policy: c.name}
		if ingress {
			for _, rule := range c.policy.Spec.Ingress {
				if ok, _ := c.peersMatch(rule.From, other); ok {
					pc.Conns = pc.Conns.Union(portsConns(rule.Ports, dst.Workload))
				}
			}
		} else {
			for _, rule := range c.policy.Spec.Egress {
				if ok, _ := c.peersMatch(rule.To, other); ok {
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

// peersMatch: an empty list matches every peer; otherwise any peer
// matches. The assumption is set when no matching peer is certain.
func (c *compiled) peersMatch(peers []networkingv1.NetworkPolicyPeer, p Peer) (bool, string) {
	if len(peers) == 0 {
		return true, ""
	}
	return anyMatch(len(peers), func(i int) (bool, string) { return c.peerMatches(&peers[i], p) })
}

func (c *compiled) peerMatches(peer *networkingv1.NetworkPolicyPeer, p Peer) (bool, string) {
	if peer.IPBlock != nil {
		if p.External {
			return c.addr.blockMatches(peer.IPBlock, p)
		}
		key := podBlockKey{peer.IPBlock, p.HostNetwork && c.addr.HostNetwork == HostNetworkNode}
		m, ok := c.podBlocks[key]
		if !ok {
			m.ok, m.assumption = c.addr.blockMatches(peer.IPBlock, p)
			c.podBlocks[key] = m
		}
		return m.ok, m.assumption
	}
	if p.External || (p.HostNetwork && c.addr.HostNetwork == HostNetworkNode) {
		// Selectors select pods; a node address is none.
		return false, ""
	}
	if peer.NamespaceSelector != nil {
		if !c.sel(peer.NamespaceSelector).Matches(labels.Set(p.NSLabels)) {
			return false, ""
		}
	} else if p.Namespace != c.policy.Namespace {
		// A podSelector alone selects pods in the policy's namespace.
		return false, ""
	}
	if peer.PodSelector != nil && !c.sel(peer.PodSelector).Matches(labels.Set(p.PodLabels)) {
		return false, ""
	}
	return true, ""
}

// blockMatches tells whether an ipBlock holds the peer's address: an
// external peer's class or range; a hostNetwork pod seen as its node (node
// addresses assumed private); a pod's address as Addressing says.
func (a *Addressing) blockMatches(ipb *networkingv1.IPBlock, p Peer) (bool, string) {
	block := ipspace.Block{CIDR: ipb.CIDR, Except: ipb.Except}
	switch {
	case p.External && p.Range != nil:
		ok, err := block.ContainsRange(p.Range[0], p.Range[1])
		return err == nil && ok, ""
	case p.External:
		ok, err := block.Contains(p.Class)
		return err == nil && ok, ""
	case p.HostNetwork && a.HostNetwork == HostNetworkNode:
		if ok, err := block.Contains(ipspace.Private); err == nil && ok {
			return true, fmt.Sprintf("the hostNetwork pod's traffic carries its node's address, assumed private and so inside ipBlock %s (--host-network=node)", ipb.CIDR)
		}
		return false, ""
	case a.IPBlocksIgnorePods:
		return false, ""
	case len(a.PodCIDRs) == 0:
		if ok, err := block.Contains(ipspace.Private); err == nil && ok {
			return true, fmt.Sprintf("pod addresses are not in the input (no --pod-cidr): ipBlock %s holds private addresses, so it is taken to admit pods", ipb.CIDR)
		}
		return false, ""
	}
	overlaps, covers := false, true
	for _, pc := range a.PodCIDRs {
		o, err := block.Overlaps(pc)
		if err != nil {
			return false, ""
		}
		c, _ := block.Covers(pc)
		overlaps = overlaps || o
		covers = covers && c
	}
	switch {
	case covers:
		return true, ""
	case overlaps:
		return true, fmt.Sprintf("ipBlock %s holds part of the pod CIDR (--pod-cidr), so some pods' addresses are in it", ipb.CIDR)
	}
	return false, ""
}

// mayMatchPods: the block could hold a pod's or a node's address, so pods
// of any namespace may pass it (NamespaceMayReach).
func (a *Addressing) mayMatchPods(ipb *networkingv1.IPBlock) bool {
	for _, probe := range []Peer{{HostNetwork: true}, {}} {
		if ok, _ := a.blockMatches(ipb, probe); ok {
			return true
		}
	}
	return false
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
	if dst.External || e.nodeAddressed(dst) {
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
					if e.addr.mayMatchPods(peer.IPBlock) {
						return true
					}
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
