package analysis

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	gonum "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"

	"github.com/shadowroute/shadowroute/graph"
)

// stateGraph is the graph the path search runs on: each node of the
// reachability graph appears twice, once for "every workload-to-workload hop
// so far was mesh-authenticated" and once for "some hop was plaintext", so
// one shortest-path tree answers both questions. A proxy whose routes are
// served on some of its ports only (Edge.EntryPorts) also appears once per
// such port, so a path takes a route only if it entered the proxy on a port
// serving the route's listener: ports are carried through proxies, and a
// path entering a gateway on its status port cannot leave through a route.
// Only hops that carry traffic are followed: exposure, entrypoint-to-pod
// forwarding and network connections (routed ones stand for their route
// and Service).
type stateGraph struct {
	lateral Lateral
	// g is the reachability graph, whose edges the arcs name by ID.
	g *graph.Graph
	// out are the arcs leaving each state, indexed by state ID (states are
	// dense: see id), sorted by target, one arc per pair of states; in are
	// the arcs entering each state, built on first use (inArcs).
	out, in [][]arc
	inOnce  sync.Once
	// nodes is the reachability-graph node of each state (nil: no state).
	nodes []*graph.Node
	// slots numbers, per gated proxy, the ports its routes are entered on
	// (from 1); slot 0 is entering on any other port, or starting there.
	// (Indexed by node ID: nil for the many nodes that are no gated proxy.)
	slots  []map[int32]int
	stride int64
	// loopBudget bounds the loop-free search (loopFreeBudget; tests lower it).
	loopBudget int
	// ids holds each state's gonum node, so handing one out boxes no
	// integer (an allocation per arc the search relaxes).
	ids []simple.Node
}

// searchView is the state graph as one search reads it (gonum's
// traverse.Graph and path.Weighted). The state graph is read-only once
// built, so searches from the internet and the private network run at
// once, each with its own view. last is the out-arc the view's newest From
// iteration handed out, and lastFrom its source: gonum's Dijkstra asks
// Weight for exactly that arc next, which is then read, not searched for
// again.
type searchView struct {
	*stateGraph
	last     *arc
	lastFrom int64
}

// arc is a step between two states: the reachability-graph edge it takes
// (its ID, which gives its cost: weight). In an in-list, state is the arc's
// source; in an out-list, its target. Eight bytes: the arcs are millions on
// a large cluster (two per lateral edge, each in an out- and an in-list),
// and with a cost and an edge pointer they took most of the search's memory
// (issue #16). 32 bits hold as many states and edges as memory does.
type arc struct {
	state int32
	edge  int32
}

// id numbers a state: the node and its entry-port slot, whether a hop so
// far was plaintext, and (for --lateral 1) whether the one lateral hop was
// taken.
func (s *stateGraph) id(n *graph.Node, slot int, tainted, usedLateral bool) int64 {
	id := (n.ID()*s.stride + int64(slot)) * 4
	if tainted {
		id += 2
	}
	if usedLateral {
		id++
	}
	return id
}

// slotsOf lists a node's slots: 0, and one per gated entry port.
func (s *stateGraph) slotsOf(n *graph.Node) []int {
	out := []int{0}
	for i := 1; i <= len(s.slots[n.ID()]); i++ {
		out = append(out, i)
	}
	return out
}

// leaving lists the slots of an edge's source the edge may leave from: a
// routed edge with EntryPorts only from the slots of those ports, any
// other edge from every slot.
func (s *stateGraph) leaving(e *graph.Edge) []int {
	if len(e.EntryPorts) == 0 {
		return s.slotsOf(e.FromNode())
	}
	var out []int
	for _, p := range e.EntryPorts {
		if slot, ok := s.slots[e.FromNode().ID()][p]; ok {
			out = append(out, slot)
		}
	}
	return out
}

// entering is the slot an edge arrives in: its port's slot on a gated
// proxy, else 0.
func (s *stateGraph) entering(e *graph.Edge) int {
	return s.slots[e.ToNode().ID()][e.Port]
}

// IsLateral: a network edge that follows no route (a pivot).
func IsLateral(e *graph.Edge) bool { return e.Kind == graph.EdgeNetwork && !e.Routed }

// Carries reports whether an edge carries traffic toward a workload.
func Carries(e *graph.Edge) bool {
	switch e.Kind {
	case graph.EdgeExposes, graph.EdgeNetwork:
		return true
	case graph.EdgeForwards:
		return e.FromNode().Kind == graph.KindEntrypoint && e.ToNode().Kind == graph.KindWorkload
	}
	return false
}

// Bypasses reports whether a hop is a workload-to-workload connection that
// is not mesh-authenticated. A hop into an ingress proxy is not: an Istio
// gateway's listeners and an Ingress controller are the front door, built to
// take client traffic in plaintext, so reaching one is an entry; the hop out
// of it toward a workload is judged on its own.
func Bypasses(e *graph.Edge) bool {
	if e.Kind != graph.EdgeNetwork || e.Auth != graph.AuthPlaintext {
		return false
	}
	to := e.ToNode().Workload
	return to == nil || !(to.Mesh.Gateway || to.Controller != "")
}

// lateralCost makes one lateral hop cost more than any path of routed hops.
const lateralCost = 1e4

// newStateGraph builds the state graph as plain adjacency slices: a
// general-purpose graph (a map per node) cost more than the reachability
// graph it copies on a large cluster (issue #16). The search reads it
// through gonum's traverse.Graph and path.Weighted (From, Edge, Weight).
//
// A state's arcs come from its node's out-edges only, so the nodes' arcs
// are built on every core, each worker a run of nodes; the in-lists only
// the loop-free search reads are built the first time it does (inArcs).
func newStateGraph(g *graph.Graph, lateral Lateral) *stateGraph {
	g.LinkBatched() // nothing is pending after the builder; reads below never change g
	s := &stateGraph{lateral: lateral, g: g, slots: make([]map[int32]int, g.IDBound()), stride: 1, loopBudget: loopFreeBudget}
	// Slots are numbered per proxy in its out-edges' order (edge ID order).
	for id := range g.IDBound() {
		for _, e := range g.EdgesFrom(g.NodeByID(id)) {
			for _, p := range e.EntryPorts {
				m := s.slots[id]
				if m == nil {
					m = map[int32]int{}
					s.slots[id] = m
				}
				if _, ok := m[p]; !ok {
					m[p] = len(m) + 1
				}
				if int64(len(m)+1) > s.stride {
					s.stride = int64(len(m) + 1)
				}
			}
		}
	}
	states := g.IDBound() * s.stride * 4
	s.out, s.nodes = make([][]arc, states), make([]*graph.Node, states)
	s.ids = make([]simple.Node, states)
	for i := range s.ids {
		s.ids[i] = simple.Node(i)
	}
	// The "lateral hop spent" layer exists only under --lateral 1.
	layers := []bool{false}
	if lateral == LateralOne {
		layers = []bool{false, true}
	}
	for id := range g.IDBound() {
		n := g.NodeByID(id)
		for _, slot := range s.slotsOf(n) {
			for _, t := range []bool{false, true} {
				for _, l := range layers {
					s.nodes[s.id(n, slot, t, l)] = n
				}
			}
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var counts []int
			for {
				first := next.Add(nodeRun) - nodeRun
				if first >= g.IDBound() {
					return
				}
				for id := first; id < min(first+nodeRun, g.IDBound()); id++ {
					counts = s.addArcsOf(g.NodeByID(id), layers, counts)
				}
			}
		}()
	}
	wg.Wait()
	return s
}

// nodeRun is how many nodes a worker of newStateGraph takes at once.
const nodeRun = 64

// addArcsOf fills the out-lists of a node's states, from its out-edges in
// ID order: counted per state, then cut from one backing array (appending
// arc by arc grew millions of slices on a large cluster, issue #16), then
// sorted by target with one arc per pair of states: of parallel edges the
// first, unless a later one is routed (preferEdge). counts is scratch
// space, returned for the next node.
func (s *stateGraph) addArcsOf(n *graph.Node, layers []bool, counts []int) []int {
	edges := s.g.EdgesFrom(n)
	if len(edges) == 0 {
		return counts
	}
	base := s.id(n, 0, false, false)
	counts = slices.Grow(counts[:0], int(s.stride*4))[:s.stride*4]
	clear(counts)
	onlySlotZero := []int{0}
	eachArc := func(add func(from int64, a arc)) {
		for _, e := range edges {
			if !Carries(e) {
				continue
			}
			lat := IsLateral(e)
			if lat && s.lateral == LateralOff {
				continue
			}
			toSlot := s.entering(e)
			leaving := onlySlotZero
			if len(e.EntryPorts) > 0 || len(s.slots[n.ID()]) > 0 {
				leaving = s.leaving(e)
			}
			bypasses := Bypasses(e)
			for _, fromSlot := range leaving {
				for _, t := range []bool{false, true} {
					for _, l := range layers {
						toL := l
						if lat && s.lateral == LateralOne {
							if l {
								continue // the one lateral hop is spent
							}
							toL = true
						}
						add(s.id(n, fromSlot, t, l), arc{state: int32(s.id(e.ToNode(), toSlot, t || bypasses, toL)), edge: int32(e.ID())})
					}
				}
			}
		}
	}
	total := 0
	eachArc(func(from int64, _ arc) { counts[from-base]++; total++ })
	if total == 0 {
		return counts
	}
	backing := make([]arc, total)
	for local, k := range counts {
		if k > 0 {
			s.out[base+int64(local)], backing = backing[:0:k], backing[k:]
		}
	}
	eachArc(func(from int64, a arc) { s.out[from] = append(s.out[from], a) })
	for local := range counts {
		from := base + int64(local)
		arcs := s.out[from]
		if len(arcs) == 0 {
			continue
		}
		slices.SortStableFunc(arcs, func(a, b arc) int { return cmp.Compare(a.state, b.state) })
		kept := arcs[:0]
		for _, a := range arcs {
			if k := len(kept) - 1; k >= 0 && kept[k].state == a.state {
				if !preferEdge(s.edge(kept[k]), s.edge(a)) {
					kept[k] = a
				}
				continue
			}
			kept = append(kept, a)
		}
		s.out[from] = slices.Clip(kept)
	}
	return counts
}

// inArcs returns the in-lists, built from the out-lists on first use: each
// state's arcs in, ordered by source state. Only the loop-free search reads
// them (distancesTo), and on most inputs it never runs; building them with
// the out-lists doubled the state graph (issue #16).
func (s *stateGraph) inArcs() [][]arc {
	s.inOnce.Do(func() {
		counts := make([]int, len(s.out))
		total := 0
		for _, arcs := range s.out {
			for _, a := range arcs {
				counts[a.state]++
				total++
			}
		}
		s.in = make([][]arc, len(s.out))
		backing := make([]arc, total)
		for to, n := range counts {
			if n > 0 {
				s.in[to], backing = backing[:0:n], backing[n:]
			}
		}
		for from, arcs := range s.out {
			for _, a := range arcs {
				s.in[a.state] = append(s.in[a.state], arc{state: int32(from), edge: a.edge})
			}
		}
	})
	return s.in
}

// arcTo returns the arc from one state to another, if any.
func (s *stateGraph) arcTo(from, to int64) (arc, bool) {
	if from < 0 || from >= int64(len(s.out)) {
		return arc{}, false
	}
	arcs := s.out[from]
	i, found := slices.BinarySearchFunc(arcs, to, func(a arc, t int64) int { return cmp.Compare(int64(a.state), t) })
	if !found {
		return arc{}, false
	}
	return arcs[i], true
}

// stateNodes iterates the states at the ends of a state's out-arcs
// (gonum's graph.Nodes); from is that state, remembered with each arc
// handed out.
type stateNodes struct {
	s    *searchView
	from int64
	arcs []arc
	i    int
}

func (it *stateNodes) Next() bool {
	if it.i >= len(it.arcs) {
		return false
	}
	it.i++
	return true
}
func (it *stateNodes) Len() int { return len(it.arcs) - it.i }
func (it *stateNodes) Reset()   { it.i = 0 }
func (it *stateNodes) Node() gonum.Node {
	a := &it.arcs[it.i-1]
	it.s.last, it.s.lastFrom = a, it.from
	return &it.s.ids[a.state]
}
func (s *stateGraph) node(id int64) gonum.Node { return simple.Node(id) }

// From implements gonum's traverse.Graph: the states an arc from id reaches.
func (s *searchView) From(id int64) gonum.Nodes {
	if id < 0 || id >= int64(len(s.out)) || len(s.out[id]) == 0 {
		return gonum.Empty
	}
	return &stateNodes{s: s, from: id, arcs: s.out[id]}
}

// Edge implements gonum's traverse.Graph.
func (s *searchView) Edge(uid, vid int64) gonum.Edge {
	a, ok := s.arcTo(uid, vid)
	if !ok {
		return nil
	}
	return simple.WeightedEdge{F: simple.Node(uid), T: simple.Node(vid), W: s.weight(a)}
}

// Weight implements gonum's path.Weighted.
func (s *searchView) Weight(xid, yid int64) (float64, bool) {
	if xid == yid {
		return 0, true
	}
	if s.last != nil && s.lastFrom == xid && int64(s.last.state) == yid {
		return s.weight(*s.last), true
	}
	a, ok := s.arcTo(xid, yid)
	if !ok {
		return math.Inf(1), false
	}
	return s.weight(a), true
}

// edge is the reachability-graph edge an arc takes.
func (s *stateGraph) edge(a arc) *graph.Edge { return s.g.EdgeByID(int64(a.edge)) }

// weight is an arc's cost. Every hop costs 1; the tiny per-edge increment
// (edges are numbered in the builder's sorted order) breaks ties between
// equally short paths the same way on every run. A lateral hop needs the
// workload it leaves compromised: paths prefer routed hops, then the
// fewest lateral ones.
func (s *stateGraph) weight(a arc) float64 {
	w := 1 + float64(a.edge)*1e-9
	if IsLateral(s.edge(a)) {
		w += lateralCost
	}
	return w
}

// preferEdge keeps the first of two parallel edges unless the second is
// routed (configured routing is the better explanation of a path).
func preferEdge(old, candidate *graph.Edge) bool {
	return old.Routed || !candidate.Routed
}

// Search holds the shortest-path tree from one source.
type Search struct {
	s       *searchView
	tree    path.Shortest
	src     *graph.Node
	lateral Lateral
}

// Source is the node the search starts from.
func (q *Search) Source() *graph.Node { return q.src }

// from runs the search from src. Searches may run at once: each reads the
// state graph through its own view.
func (s *stateGraph) from(src *graph.Node) *Search {
	v := &searchView{stateGraph: s}
	return &Search{s: v, tree: path.DijkstraFrom(simple.Node(s.id(src, 0, false, false)), v), src: src, lateral: s.lateral}
}

// Reaches reports whether a loop-free path reaches the node in the taint
// state.
func (q *Search) Reaches(n *graph.Node, tainted bool) bool {
	return q.PathTo(n, tainted) != nil
}

// states lists a node's states among the given slots in a taint state, the
// lateral budget spent or not (the spent layer exists under --lateral 1
// only).
func (q *Search) states(slots []int, n *graph.Node, tainted bool, lateralBudget ...bool) []int64 {
	if len(lateralBudget) == 0 {
		lateralBudget = []bool{false, true}
	}
	var out []int64
	for _, slot := range slots {
		for _, l := range lateralBudget {
			if l && q.lateral != LateralOne {
				continue
			}
			out = append(out, q.s.id(n, slot, tainted, l))
		}
	}
	return out
}

// PathTo returns the hops of the cheapest loop-free path to a node in a
// taint state, or nil.
func (q *Search) PathTo(n *graph.Node, tainted bool) []Step {
	nodes := q.treeOrLoopFree(q.states(q.s.slotsOf(n), n, tainted), nil)
	if nodes == nil {
		return nil
	}
	return q.steps(nodes)
}

// Step is a node of a path and the edge that led to it.
type Step struct {
	Node *graph.Node
	// Edge is nil for the path's source.
	Edge *graph.Edge
}

func (q *Search) steps(nodes []gonum.Node) []Step {
	var out []Step
	for i, gn := range nodes {
		st := Step{Node: q.s.nodes[gn.ID()]}
		if i > 0 {
			a, _ := q.s.arcTo(nodes[i-1].ID(), gn.ID())
			st.Edge = q.s.edge(a)
		}
		out = append(out, st)
	}
	return out
}

// PathVia returns the cheapest loop-free path to the edge's source in one of the
// given taint states, followed by the edge itself, within the lateral
// budget (a lateral edge is no step under --lateral off, and under
// --lateral 1 only from a state that has not spent the one lateral hop) and
// through an entry port the edge admits.
func (q *Search) PathVia(e *graph.Edge, taints ...bool) ([]Step, bool) {
	if len(taints) == 0 {
		taints = []bool{false, true}
	}
	lateralBudget := []bool{false, true}
	if IsLateral(e) {
		switch q.lateral {
		case LateralOff:
			return nil, false
		case LateralOne:
			lateralBudget = []bool{false}
		}
	}
	var targets []int64
	for _, t := range taints {
		targets = append(targets, q.states(q.s.leaving(e), e.FromNode(), t, lateralBudget...)...)
	}
	// The path to the edge's source must not pass its destination already.
	nodes := q.treeOrLoopFree(targets, e.ToNode())
	if nodes == nil {
		return nil, false
	}
	return append(q.steps(nodes), Step{Node: e.ToNode(), Edge: e}), true
}

// ToHops renders a path, expanding routed edges into their route and
// Service nodes.
func ToHops(steps []Step) []Hop {
	var out []Hop
	for _, st := range steps {
		if st.Edge != nil && st.Edge.Routed {
			for _, via := range st.Edge.Via {
				out = append(out, Hop{Node: HopNodeOf(via, 0), Edge: &HopEdge{Kind: graph.EdgeForwards, Match: viaMatch(via)}})
			}
		}
		port := int32(0)
		if st.Edge != nil && st.Node.Kind == graph.KindWorkload {
			port = st.Edge.Port
		}
		if st.Node.Kind == graph.KindEntrypoint {
			port = st.Node.Entrypoint.Port
		}
		h := Hop{Node: HopNodeOf(st.Node, port)}
		if st.Edge != nil {
			h.Edge = hopEdge(st.Edge)
		}
		out = append(out, h)
	}
	return out
}

func viaMatch(n *graph.Node) string {
	if n.Route != nil {
		return n.Route.Host + n.Route.Path
	}
	return ""
}

func HopNodeOf(n *graph.Node, port int32) HopNode {
	return HopNode{Kind: n.Kind, Namespace: n.Namespace, Name: n.Name, Label: n.Label, Port: port}
}

func hopEdge(e *graph.Edge) *HopEdge {
	h := &HopEdge{Kind: e.Kind, Port: e.Port, Protocol: e.Protocol, Match: e.Match, TLS: e.TLS, Auth: e.Auth, AuthReason: e.AuthReason, NetworkPolicy: e.NetworkPolicy}
	switch {
	case IsLateral(e):
		h.Hop = HopLateral
	case e.Kind == graph.EdgeNetwork:
		h.Hop = HopRouted
	}
	if e.Authz != nil {
		h.Authz, h.AuthzPolicies, h.Narrowing = e.Authz.State, e.Authz.Policies, e.Authz.Narrowing
	} else if e.Auth != "" && e.ToNode().Kind == graph.KindWorkload && e.ToNode().Workload != nil && e.ToNode().Workload.Mesh.Member {
		h.Authz = graph.AuthzUnrestricted
	}
	return h
}

// EvidenceOf collects the evidence of a path's nodes and edges, deduplicated
// and in path order.
func EvidenceOf(steps []Step) []graph.Evidence {
	seen := map[string]bool{}
	var out []graph.Evidence
	add := func(list []graph.Evidence) {
		for _, e := range list {
			k := e.String()
			if e.Name == "" || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, e)
		}
	}
	for _, st := range steps {
		if st.Edge != nil {
			add(st.Edge.Evidence)
			for _, v := range st.Edge.Via {
				add(v.Evidence)
			}
		}
		add(st.Node.Evidence)
	}
	return out
}

// AssumptionsOf lists what a path rests on that the input did not show.
func AssumptionsOf(steps []Step) []string {
	var out []string
	seen := map[string]bool{}
	note := func(n *graph.Node) {
		var a string
		switch {
		case n.Assumed:
			a = n.Label + ": not in the input; assumed outside the mesh and exposed to the internet"
		case n.Workload != nil && n.Workload.Mesh.Unknown:
			a = n.Label + ": " + n.Workload.Mesh.Reason
		case n.Route != nil && n.Route.TLS == "mutual":
			a = n.Label + ": the Gateway server requires a client certificate (tls.mode MUTUAL), so only clients holding one its CA trusts take this route"
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, st := range steps {
		note(st.Node)
		if st.Edge != nil {
			for _, v := range st.Edge.Via {
				note(v)
			}
			for _, a := range st.Edge.Assumptions {
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
	}
	if n := passedTwice(steps); n != nil {
		out = append(out, fmt.Sprintf("the path passes %s twice: no path without that loop was found within the search bound (%d partial paths), so this one is kept; the finding may not hold", n.Label, loopFreeBudget))
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// passedTwice returns the first node a path passes twice, or nil (a
// loop-free search that ran out of budget keeps the looped path).
func passedTwice(steps []Step) *graph.Node {
	seen := map[*graph.Node]bool{}
	for _, st := range steps {
		if seen[st.Node] {
			return st.Node
		}
		seen[st.Node] = true
	}
	return nil
}

// LateralHops counts the hops of a path that are lateral movement (a
// network edge that follows no route).
func LateralHops(steps []Step) int {
	n := 0
	for _, st := range steps {
		if st.Edge != nil && IsLateral(st.Edge) {
			n++
		}
	}
	return n
}

// PreferPath: of two witness paths (to the same target) the one with fewer
// lateral hops (a routed path needs no compromised workload), then the one
// whose lateral hops leave from fewer workloads outside the target's
// namespace (the source nearest the target: an application's own workload
// reaching its database explains more than another application's), then
// the shorter; ties keep the first found.
func PreferPath(a, b []Step) bool {
	if la, lb := LateralHops(a), LateralHops(b); la != lb {
		return la < lb
	}
	if fa, fb := foreignLateralHops(a), foreignLateralHops(b); fa != fb {
		return fa < fb
	}
	return len(a) < len(b)
}

// foreignLateralHops counts the lateral hops of a path that leave from a
// workload outside the namespace of the path's last node.
func foreignLateralHops(steps []Step) int {
	if len(steps) == 0 {
		return 0
	}
	ns := steps[len(steps)-1].Node.Namespace
	n := 0
	for _, st := range steps {
		if st.Edge != nil && IsLateral(st.Edge) && st.Edge.FromNode().Namespace != ns {
			n++
		}
	}
	return n
}

// DescribeHop names a hop for messages: "a → b:port".
func DescribeHop(e *graph.Edge) string {
	return fmt.Sprintf("%s → %s:%d", e.FromNode().Label, e.ToNode().Label, e.Port)
}

// FirstBypass returns the first plaintext workload-to-workload hop of a path.
func FirstBypass(steps []Step) *graph.Edge {
	for _, st := range steps {
		if st.Edge != nil && Bypasses(st.Edge) {
			return st.Edge
		}
	}
	return nil
}

// Trimmed shortens a list for messages.
func Trimmed(list []string) string {
	return strings.Join(list, ", ")
}
