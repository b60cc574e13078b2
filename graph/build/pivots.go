package build

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// addPivots adds the network edges out of every workload reachable from the
// internet or the private network: a reachable pod is a foothold, and may open
// connections to any workload port that NetworkPolicy, mesh authentication
// and authorization let it reach. Only reachable workloads get outgoing
// network edges, so the graph never holds all workload pairs.
func (b *builder) addPivots() {
	httpPorts := b.httpPorts()
	for _, w := range b.workloads {
		w.portList = sortedPorts(w.ports)
	}
	// reached is by node ID (no node is added here): visit runs once per
	// hop, millions of times at large, and two map lookups each cost more
	// than connecting the hop.
	reached := make([]bool, b.g.IDBound())
	var queue []*workload
	visit := func(n *graph.Node) {
		if reached[n.ID()] {
			return
		}
		if w, ok := b.byNode[n]; ok {
			reached[n.ID()] = true
			queue = append(queue, w)
		}
	}
	for _, source := range []*graph.Node{b.g.Internet, b.g.PrivateNetwork} {
		for _, e := range b.g.EdgesFrom(source) {
			visit(e.ToNode())
			for _, e2 := range b.g.EdgesFrom(e.ToNode()) {
				if e2.ToNode().Kind == graph.KindWorkload {
					visit(e2.ToNode())
				}
			}
		}
	}
	// The routed hops out of each workload, read before any pivot is
	// connected: pivots are connected in a batch (Graph.ConnectBatched),
	// and reading an edge list would link the batch so far every time.
	routed := map[*graph.Node][]*graph.Node{}
	for _, w := range b.workloads {
		for _, e := range b.g.EdgesFrom(w.node) {
			if e.Kind == graph.EdgeNetwork {
				routed[w.node] = append(routed[w.node], e.ToNode())
			}
		}
	}
	var copies []classCopy
	// Deferred in this order: the copies are made, then the batch linked.
	defer b.g.LinkBatched()
	defer func() { b.makeCopies(copies) }()
	classes := b.newPivotClasses()
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		for _, to := range routed[src.node] {
			visit(to)
		}
		candidates := b.workloads
		if !src.assumed && !b.evaluateEachPivot {
			candidates = classes.admissible(src.src.Namespace, src.peer.NSLabels)
		}
		connectAll := func(dst *workload) []*graph.Edge {
			var out []*graph.Edge
			for _, port := range dst.portList {
				h := b.evaluate(hopInput{src: src, dst: dst, port: port, protocol: dst.ports[port], http: httpPorts[dst][port]})
				if h.refused != "" {
					continue
				}
				e := h.edge
				e.Kind = graph.EdgeNetwork
				e.Evidence, e.Assumptions = slices.Clip(e.Evidence), slices.Clip(e.Assumptions)
				out = append(out, b.g.ConnectBatched(src.node, dst.node, &e))
				visit(dst.node)
			}
			return out
		}
		key, shared := classes.key(src)
		shared = shared && !b.evaluateEachPivot
		if c, seen := classes.byKey[key]; shared && seen {
			// Another pod of the class went first: its hops are this
			// pod's, in the same order, except the one into this pod
			// (none: no hop into itself) and those into the first pod
			// (evaluated here: the first pod made none into itself).
			// The copies are only numbered here, in that order, and made
			// after the loop on every core (makeCopies).
			run := 0
			flush := func(end int) {
				if k := end - run; k > 0 {
					copies = append(copies, classCopy{src: src, hops: c.hops[run:end], first: b.g.ReserveBatched(k - countHopsInto(c.hops[run:end], src))})
				}
			}
			for i, ch := range c.hops {
				switch {
				case ch.edge == nil:
					flush(i)
					run = i + 1
					connectAll(ch.dst)
				case ch.dst != src:
					visit(ch.dst.node)
				}
			}
			flush(len(c.hops))
			continue
		}
		var record *pivotClass
		var across *crossClass
		if shared {
			record = &pivotClass{}
			classes.byKey[key] = record
			across = classes.across(src)
		}
		for _, dst := range candidates {
			if dst == src {
				if record != nil {
					record.hops = append(record.hops, classHop{dst: src})
				}
				continue
			}
			var mask uint64
			shareable := false
			if across != nil && dst.src.Namespace != src.src.Namespace {
				mask, shareable = classes.identityMask(src, dst)
			}
			var edges []*graph.Edge
			if shareable {
				edges = across.hops(dst, mask, connectAll, func(t *graph.Edge) {
					b.g.ConnectBatched(src.node, dst.node, t.EdgeAttrs)
					visit(dst.node)
				})
			} else {
				edges = connectAll(dst)
			}
			for _, e := range edges {
				if record != nil {
					record.hops = append(record.hops, classHop{dst: dst, edge: e})
				}
			}
		}
	}
}

// classCopy is a run of a class's hops that a later pod of the class
// makes as the class's first pod made them: from src, with the first pod's
// attributes, skipping the hops into src itself, numbered from first.
type classCopy struct {
	src   *workload
	hops  []classHop
	first int64
}

func countHopsInto(hops []classHop, w *workload) int {
	n := 0
	for _, h := range hops {
		if h.dst == w {
			n++
		}
	}
	return n
}

// makeCopies makes the reserved hops of every classCopy, the copies shared
// among GOMAXPROCS workers: they are most of the lateral edges of a large
// cluster (8.7 million at the generator's large size) and each is one
// write, so one core made them at memory speed while the other idled.
func (b *builder) makeCopies(copies []classCopy) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(copies)) {
					return
				}
				c := copies[i]
				id := c.first
				for _, h := range c.hops {
					if h.dst != c.src {
						b.g.SetReserved(id, c.src.node, h.dst.node, h.edge.EdgeAttrs)
						id++
					}
				}
			}
		})
	}
	wg.Wait()
}

// pivotClasses groups the reached workloads whose lateral hops are the
// same: every hop out of a pod is decided by what the NetworkPolicies,
// Sidecars, DestinationRules and AuthorizationPolicies of the input read
// of it, so pods that those read alike get the same hops, evaluated once.
// What is read of a source:
//   - its namespace (same-namespace peers, namespace selectors, the
//     DestinationRule and Sidecar lookup, source.namespace);
//   - its pod labels as far as some egress policy's podSelector, some
//     ingress rule's peer podSelector or some DestinationRule
//     workloadSelector tells them apart (netpol.LabelVocabulary);
//   - hostNetwork (a pod seen as its node);
//   - its mesh state, and its identity as far as the AuthorizationPolicies'
//     principal and service-account patterns tell it apart
//     (mesh.IdentityVocabulary);
//   - the Sidecar resource of its proxy.
//
// Into a workload of another namespace, the namespace itself is read less:
// a podSelector peer alone never admits it (it selects the policy's
// namespace), namespace selectors read the namespace's labels, which
// project onto what those selectors name, and the DestinationRule lookup
// reads it only when the namespace holds rules, is the root namespace or
// is named in an exportTo (mesh.Env.RuleNamespaces). The identity
// (principal, service account, namespace) is read there by the
// AuthorizationPolicies of that workload only: it projects onto which of
// their patterns it matches (identityMask). Sources alike in all that share
// their hops into other namespaces (crossClass), whatever their own.
//
// A pod outside the mesh is classed by the same parts (it presents no
// identity, so its own is never read; hop reasons say "the source", which
// the edge names). A pod isolated for egress (an egress assumption names
// it) and an assumed controller are their own class: their hops are
// evaluated one by one.
type pivotClasses struct {
	b            *builder
	labels       *netpol.LabelVocabulary
	nsLabels     *netpol.LabelVocabulary
	identities   mesh.IdentityVocabulary
	ruleSpaces   map[string]bool
	sidecars     map[*inventory.TypedObject[*istionetv1.Sidecar]]int
	byKey        map[string]*pivotClass
	crossByKey   map[string]*crossClass
	workloadSlot map[*workload]int
	// patterns caches identityMask's patterns per destination slot.
	patterns [][]mesh.IdentityPattern
	// mayReachAcross caches admissible's answers into other namespaces,
	// per workload slot, by projection of the namespace labels;
	// admissibleFrom its lists by source namespace.
	mayReachAcross map[string][]bool
	admissibleFrom map[string][]*workload
}

// pivotClass holds the hops of the class's first pod in the order they
// were made; a hop without edge marks where the first pod itself stood
// among the destinations.
type pivotClass struct {
	hops []classHop
}

type classHop struct {
	dst  *workload
	edge *graph.Edge
}

// crossClass holds, per destination workload of another namespace than
// the evaluating pod's and per identityMask of the source there, the hops a
// pod of the class makes into it.
type crossClass struct {
	slot  map[*workload]int
	byDst [][]maskedHops
}

type maskedHops struct {
	mask  uint64
	edges []*graph.Edge
}

// hops connects src to dst as the class's pods with the same identity mask
// connect: with the attributes of the first pod's hops (connect), or by
// evaluating them (connectAll) for the first.
func (x *crossClass) hops(dst *workload, mask uint64, connectAll func(*workload) []*graph.Edge, connect func(template *graph.Edge)) []*graph.Edge {
	i := x.slot[dst]
	for _, m := range x.byDst[i] {
		if m.mask != mask {
			continue
		}
		for _, t := range m.edges {
			connect(t)
		}
		return m.edges
	}
	edges := connectAll(dst)
	x.byDst[i] = append(x.byDst[i], maskedHops{mask, edges})
	return edges
}

func (b *builder) newPivotClasses() *pivotClasses {
	c := &pivotClasses{
		b: b, labels: netpol.NewLabelVocabulary(), nsLabels: netpol.NewLabelVocabulary(), identities: b.env.IdentityVocabulary(),
		ruleSpaces: b.env.RuleNamespaces(), sidecars: map[*inventory.TypedObject[*istionetv1.Sidecar]]int{},
		byKey: map[string]*pivotClass{}, crossByKey: map[string]*crossClass{}, workloadSlot: map[*workload]int{},
	}
	b.np.AddSourceSelectors(c.labels, c.nsLabels)
	for _, sel := range b.env.ClientSelectors() {
		c.labels.AddLabels(sel)
	}
	for i, w := range b.workloads {
		c.workloadSlot[w] = i
	}
	c.patterns = make([][]mesh.IdentityPattern, len(b.workloads))
	c.mayReachAcross, c.admissibleFrom = map[string][]bool{}, map[string][]*workload{}
	return c
}

// key is the source's class, and false when its hops are its own.
func (c *pivotClasses) key(w *workload) (string, bool) {
	if w.assumed || c.b.np.EgressIsolated(w.peer) {
		return "", false
	}
	return fmt.Sprintf("%d:%s|%s|%s", len(w.src.Namespace), w.src.Namespace, c.shape(w),
		c.identities.Key(w.principal, w.src.Namespace+"/"+w.src.ServiceAccount())), true
}

// shape is what is read of a source besides its namespace and identity.
func (c *pivotClasses) shape(w *workload) string {
	sc := c.b.sidecarOf(w)
	id, ok := c.sidecars[sc]
	if !ok {
		id = len(c.sidecars)
		c.sidecars[sc] = id
	}
	st := w.mesh
	return fmt.Sprintf("%s|%t|%t %t %t %t|%d", c.labels.Key(w.src.Labels()), w.peer.HostNetwork, st.Member, st.Gateway, st.Ambient, st.Unknown, id)
}

// across returns the class of a shareable source for its hops into other
// namespaces; its identity is read per destination (identityMask).
func (c *pivotClasses) across(w *workload) *crossClass {
	ns := ""
	if c.ruleSpaces[w.src.Namespace] {
		ns = w.src.Namespace
	}
	trustDomain, _, _ := strings.Cut(w.principal, "/ns/")
	key := fmt.Sprintf("%d:%s|%s|%d:%s|%s", len(ns), ns, c.nsLabels.Key(w.peer.NSLabels), len(trustDomain), trustDomain, c.shape(w))
	x, ok := c.crossByKey[key]
	if !ok {
		x = &crossClass{slot: c.workloadSlot, byDst: make([][]maskedHops, len(c.workloadSlot))}
		c.crossByKey[key] = x
	}
	return x
}

// admissible lists the workloads whose ingress policies let some pod of
// namespace ns through (netpol.Evaluator.NamespaceMayReach), in the
// builder's order, once per namespace: in locked-down clusters most
// namespace pairs are ruled out once, not per pod pair. Into another
// namespace that reads only the namespace's labels through the peers'
// namespace selectors, so it is decided once per projection of the labels
// (nsLabels) and reused by every namespace with the same one. (The
// prefilter only saves evaluations: a workload it keeps is still evaluated
// hop by hop.)
func (c *pivotClasses) admissible(ns string, nsLabels map[string]string) []*workload {
	if list, ok := c.admissibleFrom[ns]; ok {
		return list
	}
	key := c.nsLabels.Key(nsLabels)
	across, ok := c.mayReachAcross[key]
	if !ok {
		across = make([]bool, len(c.b.workloads))
		for i, dst := range c.b.workloads {
			// "" is no namespace: no podSelector peer admits it.
			across[i] = c.b.np.NamespaceMayReach("", nsLabels, dst.peer)
		}
		c.mayReachAcross[key] = across
	}
	var out []*workload
	for i, dst := range c.b.workloads {
		if dst.src.Namespace == ns {
			if c.b.np.NamespaceMayReach(ns, nsLabels, dst.peer) {
				out = append(out, dst)
			}
		} else if across[i] {
			out = append(out, dst)
		}
	}
	c.admissibleFrom[ns] = out
	return out
}

// identityMask is which of the identity patterns of the AuthorizationPolicies
// applying to dst (mesh.Env.IdentityPatternsFor) the source matches: its
// principal, service account and namespace are read there through those
// only. Lateral hops name no Service, so no waypoint's policies apply.
// false when there are more patterns than the mask holds.
func (c *pivotClasses) identityMask(src, dst *workload) (uint64, bool) {
	i := c.workloadSlot[dst]
	if c.patterns[i] == nil {
		c.patterns[i] = append([]mesh.IdentityPattern{}, c.b.env.IdentityPatternsFor(dst.src)...)
	}
	patterns := c.patterns[i]
	if len(patterns) > 64 {
		return 0, false
	}
	var mask uint64
	serviceAccount := src.src.Namespace + "/" + src.src.ServiceAccount()
	for bit, p := range patterns {
		if p.Matches(src.principal, src.src.Namespace, serviceAccount) {
			mask |= 1 << bit
		}
	}
	return mask, true
}

// httpPorts marks workload ports on which an HTTP request reaches the
// sidecar's HTTP filter chain: every port whose protocol is sniffed (no
// Service declares it: Istio's inbound passthrough chains detect HTTP), and
// ports that some Service port declares HTTP or leaves undeclared. A port
// every Service declares TCP, TLS or UDP carries no HTTP.
func (b *builder) httpPorts() map[*workload]map[int32]bool {
	declared := map[*workload]map[int32]bool{}
	for _, key := range sortedServiceKeys(b.services) {
		svc := b.services[key]
		for _, w := range svc.selected {
			for _, p := range svc.obj.Spec.Ports {
				t, ok := model.TargetPort(p, w.src)
				if !ok {
					continue
				}
				if declared[w] == nil {
					declared[w] = map[int32]bool{}
				}
				declared[w][t] = declared[w][t] || mayCarryHTTP(p)
			}
		}
	}
	out := map[*workload]map[int32]bool{}
	for _, w := range b.workloads {
		out[w] = map[int32]bool{}
		for port := range w.ports {
			http, isDeclared := declared[w][port]
			out[w][port] = http || !isDeclared
		}
	}
	return out
}

func sortedPorts(m map[int32]corev1.Protocol) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
