package netpol

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/synthetic/fuzzbytes"
)

// The references in this file are written from the Kubernetes API
// documentation, not from netpol.go:
//   - label selectors (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
//     and LabelSelector / LabelSelectorRequirement in the API reference):
//     matchLabels and matchExpressions are ANDed; In needs the key with one
//     of the values; NotIn matches a missing key or another value; Exists
//     needs the key; DoesNotExist its absence; an empty selector matches
//     everything. In/NotIn need values, Exists/DoesNotExist take none, keys
//     are qualified names and values label values; anything else is invalid.
//   - NetworkPolicy (https://kubernetes.io/docs/concepts/services-networking/network-policies/
//     and the NetworkPolicySpec reference): see refVerdict.
// Project decisions the reference follows because netpol.go documents them:
// an invalid podSelector makes the policy select nothing (and is reported),
// an invalid peer selector matches nothing. The evaluator runs with
// netpol-analyzer's addressing (Addressing{HostNetwork: HostNetworkPod,
// IPBlocksIgnorePods: true}): ipBlocks match only peers outside the pod
// network, and hostNetwork pods are ordinary pods on both sides of a
// policy. The other addressing modes are TestAddressing's table.

// Label alphabets: small, so selectors and labels meet; a few entries are
// invalid on purpose (they may only appear in selectors).
type token struct {
	s     string
	valid bool
}

var (
	labelKeys   = []token{{"app", true}, {"tier", true}, {"example.com/team", true}, {"bad key", false}, {"", false}}
	labelValues = []token{{"web", true}, {"db", true}, {"", true}, {"a.b-c_d", true}, {"bad value", false}, {"-x", false}}
	operators   = []token{{string(metav1.LabelSelectorOpIn), true}, {string(metav1.LabelSelectorOpNotIn), true},
		{string(metav1.LabelSelectorOpExists), true}, {string(metav1.LabelSelectorOpDoesNotExist), true},
		{"Gt", false}, {"in", false}}
)

// genLabels makes a label set from the valid keys and values.
func genLabels(d *fuzzbytes.Reader) map[string]string {
	out := map[string]string{}
	for _, k := range labelKeys[:3] {
		if d.Bool() {
			out[k.s] = labelValues[d.Intn(4)].s
		}
	}
	return out
}

// genSelector makes a selector (nil when absent is allowed and chosen) and
// says whether it is valid.
func genSelector(d *fuzzbytes.Reader, allowNil bool) (*metav1.LabelSelector, bool) {
	mode := d.Intn(8)
	if allowNil && mode == 0 {
		return nil, true
	}
	sel := &metav1.LabelSelector{}
	valid := true
	if mode == 1 {
		return sel, true // {}
	}
	for i := d.Intn(3); i > 0; i-- {
		k, v := labelKeys[d.Intn(len(labelKeys))], labelValues[d.Intn(len(labelValues))]
		if sel.MatchLabels == nil {
			sel.MatchLabels = map[string]string{}
		}
		sel.MatchLabels[k.s] = v.s
	}
	// Validity is decided on the final map (a repeated key keeps its last value).
	for k, v := range sel.MatchLabels {
		if !tokenValid(labelKeys, k) || !tokenValid(labelValues, v) {
			valid = false
		}
	}
	for i := d.Intn(3); i > 0; i-- {
		k, op := labelKeys[d.Intn(len(labelKeys))], operators[d.Intn(len(operators))]
		e := metav1.LabelSelectorRequirement{Key: k.s, Operator: metav1.LabelSelectorOperator(op.s)}
		for j := d.Intn(3); j > 0; j-- {
			v := labelValues[d.Intn(len(labelValues))]
			e.Values = append(e.Values, v.s)
			valid = valid && v.valid
		}
		valid = valid && k.valid && op.valid
		switch e.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			valid = valid && len(e.Values) > 0
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			valid = valid && len(e.Values) == 0
		}
		sel.MatchExpressions = append(sel.MatchExpressions, e)
	}
	if valid != refSelectorValid(sel) {
		panic(fmt.Sprintf("genSelector: validity bookkeeping disagrees for %v", sel))
	}
	return sel, valid
}

func tokenValid(ts []token, s string) bool {
	for _, t := range ts {
		if t.s == s {
			return t.valid
		}
	}
	return false
}

// refSelects is the API documentation's reading of a (valid) selector.
func refSelects(sel *metav1.LabelSelector, set map[string]string) bool {
	for k, v := range sel.MatchLabels {
		if got, ok := set[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range sel.MatchExpressions {
		got, present := set[e.Key]
		in := false
		for _, v := range e.Values {
			in = in || (present && got == v)
		}
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !in {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if in {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !present {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if present {
				return false
			}
		}
	}
	return true
}

func policyObject(np *networkingv1.NetworkPolicy) *inventory.Object {
	np.APIVersion, np.Kind = "networking.k8s.io/v1", "NetworkPolicy"
	return &inventory.Object{
		Key: inventory.Key{Group: inventory.NetworkPolicy.Group, Kind: inventory.NetworkPolicy.Kind, Namespace: np.Namespace, Name: np.Name},
		Obj: np,
	}
}

// FuzzLabelSelector: the selectors NetworkPolicies use (the policy's
// podSelector, a peer's namespaceSelector and podSelector) select what the
// API documentation says, invalid ones are reported or match nothing, and
// nothing panics.
func FuzzLabelSelector(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{1, 1, 1},                            // {} everywhere
		{2, 1, 0, 0, 0, 1, 0},                // matchLabels app=web
		{2, 1, 3, 0, 0},                      // matchLabels with an invalid key
		{2, 0, 1, 0, 0, 1, 0, 0},             // expression In without values (invalid)
		{2, 0, 1, 0, 1, 1, 0},                // NotIn app [web]
		{2, 0, 1, 1, 2, 0},                   // Exists tier
		{2, 0, 1, 1, 3, 0},                   // DoesNotExist tier
		{2, 0, 1, 0, 2, 1, 0},                // Exists with a value (invalid)
		{2, 0, 1, 0, 4, 1, 0},                // unknown operator Gt
		{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, // no namespaceSelector: the policy's namespace only
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := fuzzbytes.New(data)
		podSel, podValid := genSelector(d, false)
		nsSel, nsValid := genSelector(d, true)
		peerPod, peerPodValid := genSelector(d, true)
		if nsSel == nil && peerPod == nil {
			peerPod, peerPodValid = &metav1.LabelSelector{}, true
		}
		dstLabels, srcLabels, srcNSLabels := genLabels(d), genLabels(d), genLabels(d)
		srcNS := []string{"data", "shop"}[d.Intn(2)]
		srcNSLabels[corev1.LabelMetadataName] = srcNS

		// The selectors themselves, as LabelSelectorAsSelector compiles them.
		for _, c := range []struct {
			sel   *metav1.LabelSelector
			valid bool
			set   map[string]string
		}{{podSel, podValid, dstLabels}, {nsSel, nsValid, srcNSLabels}, {peerPod, peerPodValid, srcLabels}} {
			if c.sel == nil {
				continue
			}
			s, err := metav1.LabelSelectorAsSelector(c.sel)
			if (err == nil) != c.valid {
				t.Fatalf("selector %v: error %v, valid per API rules: %v", c.sel, err, c.valid)
			}
			if err == nil && s.Matches(labels.Set(c.set)) != refSelects(c.sel, c.set) {
				t.Fatalf("selector %v on %v: Matches = %v, reference %v", c.sel, c.set, !refSelects(c.sel, c.set), refSelects(c.sel, c.set))
			}
		}

		inv := inventory.New()
		inv.Add(policyObject(&networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "data"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: *podSel,
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsSel, PodSelector: peerPod}}}},
			},
		}))
		e, problems := NewEvaluator(inv, Addressing{HostNetwork: HostNetworkPod, IPBlocksIgnorePods: true})
		if (len(problems) == 0) != podValid {
			t.Fatalf("podSelector %v valid=%v, problems %v", podSel, podValid, problems)
		}
		dst := Peer{Namespace: "data", PodLabels: dstLabels, NSLabels: map[string]string{corev1.LabelMetadataName: "data"}}
		src := Peer{Namespace: srcNS, PodLabels: srcLabels, NSLabels: srcNSLabels}

		isolated := podValid && refSelects(podSel, dstLabels)
		peer := true
		if nsSel != nil {
			peer = nsValid && refSelects(nsSel, srcNSLabels)
		} else {
			peer = srcNS == "data"
		}
		if peerPod != nil {
			peer = peer && peerPodValid && refSelects(peerPod, srcLabels)
		}
		v := e.Ingress(src, dst, 80, corev1.ProtocolTCP)
		if v.Isolated != isolated || v.Allowed != (!isolated || peer) {
			t.Fatalf("podSelector %v nsSel %v peerPod %v\ndst %v src %s %v ns %v\ngot isolated=%v allowed=%v, want isolated=%v allowed=%v",
				podSel, nsSel, peerPod, dstLabels, srcNS, srcLabels, srcNSLabels, v.Isolated, v.Allowed, isolated, !isolated || peer)
		}
	})
}

// ---------------------------------------------------------------------------
// NetworkPolicy evaluation.

// Address alphabet: the CIDRs policies use, and for each address class
// representatives of every cell the CIDRs cut it into, so "some address of
// the class" is decided exactly by trying the representatives.
var (
	fuzzCIDRs   = []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "172.16.0.0/12", "203.0.113.0/24", "8.8.8.8/32"}
	classReps   = map[ipspace.Class][]netip.Addr{ipspace.Public: addrs("203.0.113.5", "8.8.8.8", "1.1.1.1"), ipspace.Private: addrs("10.1.2.3", "10.2.3.4", "192.168.1.1", "172.16.0.1", "100.64.0.1")}
	probePorts  = []int32{53, 80, 5432, 8080, 9090, 1024}
	probeProtos = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

type fuzzNamespace struct {
	name   string
	labels map[string]string
}

// fuzzPod is one pod of the generated inventory.
type fuzzPod struct {
	peer Peer
	name string
}

func genPods(d *fuzzbytes.Reader, namespaces []fuzzNamespace) []fuzzPod {
	var pods []fuzzPod
	for i := 0; i < 3; i++ {
		ns := namespaces[d.Intn(len(namespaces))]
		var ports []corev1.ContainerPort
		// Container port names are unique in a pod.
		if d.Bool() {
			ports = append(ports, corev1.ContainerPort{Name: "http", ContainerPort: []int32{80, 8080}[d.Intn(2)]})
		}
		if d.Bool() {
			ports = append(ports, corev1.ContainerPort{Name: "pg", ContainerPort: 5432, Protocol: []corev1.Protocol{"", corev1.ProtocolSCTP}[d.Intn(2)]})
		}
		if d.Bool() {
			ports = append(ports, corev1.ContainerPort{Name: "dns", ContainerPort: 53, Protocol: []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP}[d.Intn(2)]})
		}
		if d.Bool() {
			ports = append(ports, corev1.ContainerPort{ContainerPort: 9090}) // unnamed
		}
		name := fmt.Sprintf("pod%d", i)
		podLabels := genLabels(d)
		w := &inventory.Workload{Kind: "Pod", Namespace: ns.name, Name: name, Replicas: 1, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.name, Labels: podLabels},
			Spec:       corev1.PodSpec{HostNetwork: d.Intn(8) == 7, Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		}}
		pods = append(pods, fuzzPod{name: name, peer: Peer{Namespace: ns.name, PodLabels: podLabels, NSLabels: ns.labels, HostNetwork: w.Template.Spec.HostNetwork, Workload: w}})
	}
	return pods
}

// genPeer makes one valid NetworkPolicyPeer: selectors, or an ipBlock whose
// exceptions lie strictly inside its CIDR.
func genPeer(d *fuzzbytes.Reader) networkingv1.NetworkPolicyPeer {
	var p networkingv1.NetworkPolicyPeer
	switch d.Intn(4) {
	case 0:
		p.PodSelector, _ = genSelector(d, false)
	case 1:
		p.NamespaceSelector, _ = genSelector(d, false)
	case 2:
		p.PodSelector, _ = genSelector(d, false)
		p.NamespaceSelector, _ = genSelector(d, false)
	default:
		cidr := netip.MustParsePrefix(fuzzCIDRs[d.Intn(len(fuzzCIDRs))])
		p.IPBlock = &networkingv1.IPBlock{CIDR: cidr.String()}
		for i := d.Intn(3); i > 0; i-- {
			ex := netip.MustParsePrefix(fuzzCIDRs[d.Intn(len(fuzzCIDRs))])
			if ex.Bits() > cidr.Bits() && cidr.Contains(ex.Addr()) {
				p.IPBlock.Except = append(p.IPBlock.Except, ex.String())
			}
		}
	}
	return p
}

func genPorts(d *fuzzbytes.Reader) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	n := d.Intn(4)
	if n == 3 {
		return []networkingv1.NetworkPolicyPort{} // ports: []
	}
	for ; n > 0; n-- {
		var p networkingv1.NetworkPolicyPort
		if i := d.Intn(4); i > 0 {
			proto := []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}[i-1]
			p.Protocol = &proto
		}
		switch d.Intn(5) {
		case 0: // whole protocol
		case 1, 2:
			port := intstr.FromInt32([]int32{80, 53, 5432, 8080}[d.Intn(4)])
			p.Port = &port
		case 3:
			r := [][2]int32{{8000, 8100}, {1, 1024}, {5000, 6000}, {53, 53}}[d.Intn(4)]
			port := intstr.FromInt32(r[0])
			p.Port, p.EndPort = &port, &r[1]
		default:
			port := intstr.FromString([]string{"http", "pg", "dns", "nope"}[d.Intn(4)])
			p.Port = &port
		}
		out = append(out, p)
	}
	return out
}

func genRules(d *fuzzbytes.Reader) (peers [][]networkingv1.NetworkPolicyPeer, ports [][]networkingv1.NetworkPolicyPort, present bool) {
	n := d.Intn(4)
	if n == 0 {
		return nil, nil, d.Bool() // missing, or [] with present=true
	}
	for i := 0; i < n; i++ {
		var ps []networkingv1.NetworkPolicyPeer
		switch m := d.Intn(4); m {
		case 0: // from/to missing
		case 1:
			ps = []networkingv1.NetworkPolicyPeer{}
		default:
			for j := m - 1; j > 0; j-- {
				ps = append(ps, genPeer(d))
			}
		}
		peers = append(peers, ps)
		ports = append(ports, genPorts(d))
	}
	return peers, ports, true
}

func genPolicies(d *fuzzbytes.Reader, namespaces []fuzzNamespace) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for i := 1 + d.Intn(3); i > 0; i-- {
		np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("np%d", i), Namespace: namespaces[d.Intn(len(namespaces))].name}}
		sel, _ := genSelector(d, false)
		np.Spec.PodSelector = *sel
		switch d.Intn(4) {
		case 1:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		case 2:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		case 3:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		}
		peers, ports, present := genRules(d)
		if present {
			np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{}
		}
		for j := range peers {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peers[j], Ports: ports[j]})
		}
		peers, ports, present = genRules(d)
		if present {
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{}
		}
		for j := range peers {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peers[j], Ports: ports[j]})
		}
		out = append(out, np)
	}
	return out
}

// refPolicyTypes: policyTypes as given; when empty, Ingress always and
// Egress when the policy has egress rules.
func refPolicyTypes(np *networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		ingress = ingress || t == networkingv1.PolicyTypeIngress
		egress = egress || t == networkingv1.PolicyTypeEgress
	}
	return ingress, egress
}

// refSelectorValid applies the API's validity rules to a generated
// selector (every key, value and operator comes from the alphabets above).
func refSelectorValid(sel *metav1.LabelSelector) bool {
	for k, v := range sel.MatchLabels {
		if !tokenValid(labelKeys, k) || !tokenValid(labelValues, v) {
			return false
		}
	}
	for _, e := range sel.MatchExpressions {
		if !tokenValid(labelKeys, e.Key) || !tokenValid(operators, string(e.Operator)) {
			return false
		}
		for _, v := range e.Values {
			if !tokenValid(labelValues, v) {
				return false
			}
		}
		switch e.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				return false
			}
		default:
			if len(e.Values) != 0 {
				return false
			}
		}
	}
	return true
}

// refSelectorOrNothing: an invalid selector selects nothing.
func refSelectorOrNothing(sel *metav1.LabelSelector, set map[string]string) bool {
	return refSelectorValid(sel) && refSelects(sel, set)
}

// refBlockHolds: the address is in the CIDR and in none of the exceptions.
func refBlockHolds(b *networkingv1.IPBlock, a netip.Addr) bool {
	if !netip.MustParsePrefix(b.CIDR).Contains(a) {
		return false
	}
	for _, e := range b.Except {
		if netip.MustParsePrefix(e).Contains(a) {
			return false
		}
	}
	return true
}

// refPeer: does one peer entry of a policy in policyNS admit the other end?
// addr is the external end's address (ignored for pods).
func refPeer(p networkingv1.NetworkPolicyPeer, policyNS string, other Peer, addr netip.Addr) bool {
	if p.IPBlock != nil {
		return other.External && refBlockHolds(p.IPBlock, addr)
	}
	if other.External {
		return false
	}
	if p.NamespaceSelector != nil {
		if !refSelectorOrNothing(p.NamespaceSelector, other.NSLabels) {
			return false
		}
	} else if other.Namespace != policyNS {
		return false // a podSelector alone means the policy's namespace
	}
	return p.PodSelector == nil || refSelectorOrNothing(p.PodSelector, other.PodLabels)
}

// refPort: does one ports entry admit protocol/port? Named ports resolve on
// the destination pod's container ports of that protocol.
func refPort(p networkingv1.NetworkPolicyPort, dst *inventory.Workload, port int32, protocol corev1.Protocol) bool {
	proto := corev1.ProtocolTCP
	if p.Protocol != nil {
		proto = *p.Protocol
	}
	if proto != protocol {
		return false
	}
	switch {
	case p.Port == nil:
		return true
	case p.Port.Type == intstr.Int:
		hi := p.Port.IntVal
		if p.EndPort != nil {
			hi = *p.EndPort
		}
		return p.Port.IntVal <= port && port <= hi
	}
	if dst == nil {
		return false
	}
	for _, c := range dst.Template.Spec.Containers {
		for _, cp := range c.Ports {
			cproto := cp.Protocol
			if cproto == "" {
				cproto = corev1.ProtocolTCP
			}
			if cp.Name == p.Port.StrVal && cproto == protocol && cp.ContainerPort == port {
				return true
			}
		}
	}
	return false
}

// refVerdict decides one direction at one address of the external end (for
// pods addr is unused): subject is the pod whose policies apply (the
// destination for ingress, the source for egress), other the far end, dst
// the destination (named ports). Not isolated unless a policy of that
// direction selects the subject; then allowed when some rule of some
// selecting policy admits both the peer (missing or empty from/to: every
// peer) and the port (missing or empty ports: every port).
func refVerdict(policies []*networkingv1.NetworkPolicy, ingress bool, subject, other, dst Peer, addr netip.Addr, port int32, protocol corev1.Protocol) (allowed, isolated bool) {
	if subject.External {
		return true, false
	}
	for _, np := range policies {
		in, eg := refPolicyTypes(np)
		if np.Namespace != subject.Namespace || (ingress && !in) || (!ingress && !eg) || !refSelectorOrNothing(&np.Spec.PodSelector, subject.PodLabels) {
			continue
		}
		isolated = true
		type rule struct {
			peers []networkingv1.NetworkPolicyPeer
			ports []networkingv1.NetworkPolicyPort
		}
		var rules []rule
		if ingress {
			for _, r := range np.Spec.Ingress {
				rules = append(rules, rule{r.From, r.Ports})
			}
		} else {
			for _, r := range np.Spec.Egress {
				rules = append(rules, rule{r.To, r.Ports})
			}
		}
		for _, r := range rules {
			peerOK := len(r.peers) == 0
			for _, p := range r.peers {
				peerOK = peerOK || refPeer(p, np.Namespace, other, addr)
			}
			portOK := len(r.ports) == 0
			for _, p := range r.ports {
				portOK = portOK || refPort(p, dst.Workload, port, protocol)
			}
			if peerOK && portOK {
				allowed = true
			}
		}
	}
	return allowed || !isolated, isolated
}

// refVerdictExternal: for an external end known only by its class, allowed
// when some address of the class is (the evaluator answers "may").
func refVerdictExternal(policies []*networkingv1.NetworkPolicy, ingress bool, subject, other, dst Peer, reps []netip.Addr, port int32, protocol corev1.Protocol) (allowed, isolated bool) {
	for _, a := range reps {
		al, iso := refVerdict(policies, ingress, subject, other, dst, a, port, protocol)
		allowed, isolated = allowed || al, iso
	}
	return allowed, isolated
}

func describePolicies(nps []*networkingv1.NetworkPolicy) string {
	var b strings.Builder
	for _, np := range nps {
		spec, _ := json.Marshal(np.Spec)
		fmt.Fprintf(&b, "%s/%s: %s\n", np.Namespace, np.Name, spec)
	}
	return b.String()
}

// decodeNetpolWorld decodes two namespaces (their labels), three pods and
// one to three policies.
func decodeNetpolWorld(data []byte) ([]fuzzPod, []*networkingv1.NetworkPolicy) {
	d := fuzzbytes.New(data)
	namespaces := []fuzzNamespace{
		{"data", map[string]string{corev1.LabelMetadataName: "data", "app": []string{"db", "web"}[d.Intn(2)]}},
		{"shop", map[string]string{corev1.LabelMetadataName: "shop", "tier": []string{"db", "web"}[d.Intn(2)]}},
	}
	pods := genPods(d, namespaces)
	return pods, genPolicies(d, namespaces)
}

// FuzzNetworkPolicy: for a small random inventory (2 namespaces, 3 pods with
// labels and named container ports, 1-3 policies), Ingress and Egress agree
// with the reference for every pod pair, for pods and the internet and the
// private network as the far end, and for every range the evaluator's own
// ipBlock partition cuts; IngressConns/EgressConns narrowed with For agree
// with Ingress/Egress; NamespaceMayReach never rules out an admitted pod.
func FuzzNetworkPolicy(f *testing.F) {
	// Inputs past their end decode as zeros: {} is two namespaces, three
	// unlabelled pods in data without ports, one policy in data with
	// podSelector {} and default policyTypes: deny-all ingress there.
	// testdata/fuzz/FuzzNetworkPolicy holds inputs named after what they
	// decode to (ipBlock with except, named port, endPort, ...).
	f.Add([]byte{})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 3, 3, 3, 3, 3, 3})
	f.Fuzz(checkNetworkPolicies)
}

func checkNetworkPolicies(t *testing.T, data []byte) {
	{
		pods, policies := decodeNetpolWorld(data)
		inv := inventory.New()
		for _, np := range policies {
			inv.Add(policyObject(np))
		}
		e, problems := NewEvaluator(inv, Addressing{HostNetwork: HostNetworkPod, IPBlocksIgnorePods: true})
		_ = problems // generated podSelectors may be invalid: the reference drops those policies too
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("%s\npolicies:\n%s", fmt.Sprintf(format, args...), describePolicies(policies))
		}

		check := func(ingress bool, src, dst Peer, srcName, dstName string, reps []netip.Addr) {
			subject, other := dst, src
			evalOne, evalConns := e.Ingress, e.IngressConns
			dir := "ingress"
			if !ingress {
				subject, other = src, dst
				evalOne, evalConns = e.Egress, e.EgressConns
				dir = "egress"
			}
			a := evalConns(src, dst)
			for _, proto := range probeProtos {
				for _, port := range probePorts {
					var want, iso bool
					switch {
					case !other.External:
						want, iso = refVerdict(policies, ingress, subject, other, dst, netip.Addr{}, port, proto)
					default:
						want, iso = refVerdictExternal(policies, ingress, subject, other, dst, reps, port, proto)
					}
					v := evalOne(src, dst, port, proto)
					if v.Allowed != want || v.Isolated != iso {
						fail("%s %s -> %s %s/%d: allowed=%v isolated=%v, reference allowed=%v isolated=%v", dir, srcName, dstName, proto, port, v.Allowed, v.Isolated, want, iso)
					}
					if c := a.For(proto, port); c.Allowed != v.Allowed || c.Isolated != v.Isolated {
						fail("%s %s -> %s %s/%d: %sConns.For allowed=%v isolated=%v, single port allowed=%v isolated=%v", dir, srcName, dstName, proto, port, dir, c.Allowed, c.Isolated, v.Allowed, v.Isolated)
					}
					if a.Conns.Contains(proto, port) != v.Allowed {
						fail("%s %s -> %s %s/%d: Conns %s disagrees with allowed=%v", dir, srcName, dstName, proto, port, a.Conns, v.Allowed)
					}
				}
			}
			if ingress && !other.External && !e.NamespaceMayReach(other.Namespace, other.NSLabels, dst) && !a.Conns.Empty() {
				fail("NamespaceMayReach(%s) = false but %s admits %s on %s", other.Namespace, dstName, srcName, a.Conns)
			}
		}

		internet, private := Peer{External: true, Class: ipspace.Public}, Peer{External: true, Class: ipspace.Private}
		for _, dst := range pods {
			for _, src := range pods {
				if src.name == dst.name {
					continue
				}
				check(true, src.peer, dst.peer, src.name, dst.name, nil)
				check(false, src.peer, dst.peer, src.name, dst.name, nil)
			}
			check(true, internet, dst.peer, "internet", dst.name, classReps[ipspace.Public])
			check(true, private, dst.peer, "private network", dst.name, classReps[ipspace.Private])
			check(false, dst.peer, internet, dst.name, "internet", classReps[ipspace.Public])
			check(false, dst.peer, private, dst.name, "private network", classReps[ipspace.Private])
			// The ranges the graph builder asks about: every ipBlock holds
			// all of a range or none of it, so its first and last address
			// decide alike.
			for _, ingress := range []bool{true, false} {
				for _, r := range ipspace.Partition(e.IPBlockBoundaries(ingress)) {
					peer := Peer{External: true, Class: ipspace.RangeClass(r[0], r[1]), Range: &[2]netip.Addr{r[0], r[1]}}
					name := r[0].String() + "-" + r[1].String()
					if ingress {
						check(true, peer, dst.peer, name, dst.name, []netip.Addr{r[0]})
						check(true, peer, dst.peer, name, dst.name, []netip.Addr{r[1]})
					} else {
						check(false, dst.peer, peer, dst.name, name, []netip.Addr{r[0]})
						check(false, dst.peer, peer, dst.name, name, []netip.Addr{r[1]})
					}
				}
			}
		}
	}
}
