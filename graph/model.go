// Package graph is shadowroute's reachability graph: nodes for the internet,
// entrypoints, workloads, services, routes and external hosts, and edges for
// exposure, forwarding, service selection and network connections, each with
// the attributes and evidence that make it exist. It implements gonum's
// directed multigraph interfaces (graph.DirectedMultigraph) over each node's
// own edge lists, so gonum's algorithms (path, traverse) run on it directly.
//
// The model is documented in docs/graph-model.md.
package graph

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

	gonum "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/graph/conns"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// NodeKind is the kind of a node.
type NodeKind string

// Node kinds.
const (
	KindInternet       NodeKind = "internet"
	KindPrivateNetwork NodeKind = "private-network"
	KindEntrypoint     NodeKind = "entrypoint"
	KindWorkload       NodeKind = "workload"
	KindService        NodeKind = "service"
	KindRoute          NodeKind = "route"
	KindExternal       NodeKind = "external"
	// KindCluster is "any pod in any namespace" (connectivity exposure).
	KindCluster NodeKind = "entire-cluster"
)

// EdgeKind is the kind of an edge.
type EdgeKind string

// Edge kinds.
const (
	// EdgeExposes: a source (internet, private network) reaches an entrypoint.
	EdgeExposes EdgeKind = "exposes"
	// EdgeForwards: configured forwarding (entrypoint to pods, controller to
	// route, route to service or external host).
	EdgeForwards EdgeKind = "forwards"
	// EdgeSelects: a Service selects a workload's pods on a port.
	EdgeSelects EdgeKind = "selects"
	// EdgeNetwork: a workload opens a connection to another workload's port.
	// Routed network edges carry the route and service they go through.
	EdgeNetwork EdgeKind = "network"
)

// Evidence names an object that makes a node or edge exist, with its origin.
type Evidence struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
}

// EvidenceOf builds evidence from an inventory entry.
func EvidenceOf(o *inventory.Object) Evidence {
	if o == nil {
		return Evidence{}
	}
	return Evidence{Kind: o.Key.Kind, Namespace: o.Key.Namespace, Name: o.Key.Name, File: o.Origin.File, Line: o.Origin.Line}
}

// String renders evidence as "Kind ns/name (file:line)".
func (e Evidence) String() string {
	name := e.Name
	if e.Namespace != "" {
		name = e.Namespace + "/" + e.Name
	}
	if e.File == "" {
		return e.Kind + " " + name
	}
	return fmt.Sprintf("%s %s (%s)", e.Kind, name, e.Where())
}

// Where is "file:line", or the origin alone when it has no line (an
// object read from a live cluster: "cluster:CONTEXT Kind/ns/name").
func (e Evidence) Where() string {
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// Node is a vertex of the graph. Which of the optional parts is set depends
// on Kind.
type Node struct {
	id int64
	// out and in are the node's edges in insertion order (Graph.Connect),
	// so EdgesFrom and EdgesTo are a read, not a walk of the multigraph.
	out, in []*Edge
	// ID is the stable identifier (see Key); the builder sets it when the
	// label alone is not unique.
	UID       string
	Kind      NodeKind
	Namespace string
	Name      string
	// Label is the human-readable name used in paths and diagrams.
	Label string
	// Assumed marks a node that stands for something not in the input (an
	// Ingress controller with no pods, say).
	Assumed  bool
	Evidence []Evidence

	Entrypoint *EntrypointInfo
	Workload   *WorkloadInfo
	Service    *ServiceInfo
	Route      *RouteInfo
}

// ID implements gonum's graph.Node.
func (n *Node) ID() int64 { return n.id }

// Key is a stable identifier, unique in the graph, used to find and sort
// nodes.
func (n *Node) Key() string {
	if n.UID != "" {
		return string(n.Kind) + ":" + n.UID
	}
	return string(n.Kind) + ":" + n.Label
}

// EntrypointInfo describes a way in from outside the cluster.
type EntrypointInfo struct {
	// Type is LoadBalancer, NodePort, ExternalIP, HostPort or HostNetwork.
	Type     string
	Port     int32
	Protocol string
	// Internal is set when only the private network reaches it.
	Internal bool
	// InternalReason says why (annotation, source ranges).
	InternalReason string
}

// WorkloadInfo holds a workload's attributes.
type WorkloadInfo struct {
	Kind           string
	Labels         map[string]string
	ServiceAccount string
	Ports          map[string]int32
	Mesh           MeshStatus
	Database       *DatabaseClass
	HostNetwork    bool
	// Controller is set when the workload implements Ingresses or Istio
	// Gateways.
	Controller string
	Source     *inventory.Workload `json:"-"`
}

// MeshStatus is a workload's sidecar membership.
type MeshStatus struct {
	Member bool
	// Gateway marks Istio gateway proxies (members with their own identity,
	// whose listeners take traffic from outside the mesh).
	Gateway bool
	// Ambient marks pods captured by Istio's ztunnel (ambient mode): in
	// the mesh over HBONE, without a proxy of their own.
	Ambient bool
	// Reason explains the decision (which label, which namespace).
	Reason string
	// Unknown is set when the decision rests on something not in the input.
	Unknown bool
}

// DatabaseClass says why a workload counts as a database.
type DatabaseClass struct {
	Reason string
}

// ServiceInfo holds a Service's ports.
type ServiceInfo struct {
	Type  string
	Ports []ServicePort
	// Source is the Service object (for a ServiceEntry with a
	// workloadSelector, the Service the model synthesises from it).
	Source *corev1.Service `json:"-"`
}

// ServicePort is one Service port.
type ServicePort struct {
	Name        string
	Port        int32
	TargetPort  string
	Protocol    string
	AppProtocol string
}

// RouteInfo describes one routing rule.
type RouteInfo struct {
	// Type is Ingress, VirtualService or HTTPRoute.
	Type string
	// Section is where in the owner the route is written ("http[0]",
	// "rules[1]"); "" for Ingress rules.
	Section  string
	Host     string
	Path     string
	PathType string
	// Protocol is HTTP or HTTPS for Ingress rules, and the Gateway server's
	// protocol as written (HTTP, HTTPS, HTTP2, GRPC, TCP, TLS, MONGO, ...)
	// for VirtualService routes.
	Protocol string
	// TLS is none, terminated or passthrough.
	TLS string
	// Port is the gateway server port, 0 for Ingress rules.
	Port int32
	// Owner is the routing object to fix when the route is broken.
	Owner Evidence
}

// Edge is a directed multigraph line: its two ends and its attributes.
// The attributes are read through the embedded pointer and never change
// once the edge is connected, so edges alike but for their source share
// one EdgeAttrs: the lateral hops of sources of one pivot class are most of
// a large cluster's edges, and a copy of the attributes per hop cost more
// memory and time than everything else in the graph (issue #16).
type Edge struct {
	id       int64
	from, to *Node
	*EdgeAttrs
}

// EdgeAttrs are what an edge says besides its ends.
type EdgeAttrs struct {
	Kind     EdgeKind
	Port     int32
	Protocol string
	// Match is the L7 match of a forwarding edge (host, path).
	Match string
	// TLS is none, terminated, passthrough or mtls.
	TLS string
	// Auth is the mesh authentication of a hop into a workload: mtls or
	// plaintext. Empty on edges that are not hops into a workload.
	Auth AuthState
	// AuthReason explains a plaintext hop (not injected, PERMISSIVE, ...).
	AuthReason string
	// Authz is the destination's authorization decision.
	Authz *Authz
	// NetworkPolicy says what allowed the hop.
	NetworkPolicy string
	// Assumptions are what the hop's allow rests on that the input cannot
	// show (netpol.Verdict.Assumption: pod or node addresses in an
	// ipBlock, a hostNetwork pod seen as its node).
	Assumptions []string
	// Conns is the connection set of a connectivity-view edge (protocols
	// and port ranges); empty on analysis edges, which carry one Port.
	Conns conns.Set
	// Routed marks a network edge that follows configured routing; Via
	// holds the route and service nodes it passes.
	Routed bool
	Via    []*Node
	// EntryPorts, on a routed edge or a proxy's forwards edge into a route,
	// are the proxy's container ports serving the route's listener: the
	// route is taken only by traffic that entered the proxy on one of them
	// (nil: any port).
	EntryPorts []int32
	Evidence   []Evidence
}

// AdmitsEntry reports whether traffic that entered the edge's source on a
// port may take the edge (EntryPorts).
func (e *Edge) AdmitsEntry(port int32) bool {
	return len(e.EntryPorts) == 0 || slices.Contains(e.EntryPorts, port)
}

// Authz is the outcome of AuthorizationPolicy evaluation on a hop.
type Authz struct {
	// State is restricted or unrestricted. The whole Authz is nil when no
	// AuthorizationPolicy applies to the destination.
	State AuthzState
	// Policies are the policies that decided.
	Policies []string
	// Narrowing lists request conditions (paths, methods, JWT) an ALLOW or a
	// partial DENY depends on: the edge exists for some requests only.
	Narrowing []string
	// Custom is set when a CUSTOM (external) policy may still deny.
	Custom bool
}

// AuthzState is the AuthorizationPolicy state of a hop.
type AuthzState string

// Authz states.
const (
	// AuthzRestricted: every matching ALLOW rule names specific sources.
	AuthzRestricted AuthzState = "restricted"
	// AuthzUnrestricted: a policy applies but does not restrict sources.
	AuthzUnrestricted AuthzState = "unrestricted"
)

// AuthState is the mesh authentication of a hop into a workload.
type AuthState string

// Auth values.
const (
	AuthMTLS      AuthState = "mtls"
	AuthPlaintext AuthState = "plaintext"
)

// From implements gonum's graph.Line.
func (e *Edge) From() gonum.Node { return e.from }

// To implements gonum's graph.Line.
func (e *Edge) To() gonum.Node { return e.to }

// ID implements gonum's graph.Line.
func (e *Edge) ID() int64 { return e.id }

// ReversedLine implements gonum's graph.Line.
func (e *Edge) ReversedLine() gonum.Line {
	r := *e
	r.from, r.to = e.to, e.from
	return &r
}

// FromNode and ToNode return the typed endpoints.
func (e *Edge) FromNode() *Node { return e.from }

// ToNode returns the edge's destination.
func (e *Edge) ToNode() *Node { return e.to }

// Graph is the reachability graph.
type Graph struct {
	nodes map[string]*Node
	// byID holds the nodes by ID (IDs are dense, from 0).
	byID []*Node
	// blocks hold the edges by ID, edgeBlock to a block: no slice of
	// pointers to millions of edges, regrown as they are added (issue #16).
	blocks   [][]Edge
	numEdges int
	// linked counts the edges (from the first) that are in their ends'
	// edge lists; the rest came from ConnectBatched.
	linked int

	// Internet and PrivateNetwork are the two sources.
	Internet       *Node
	PrivateNetwork *Node
	// Broken lists routes that can never deliver.
	Broken []BrokenRoute
	// NotSeen lists what the input lacked that the answer depends on.
	NotSeen []string
	// Mesh: the input shows a service mesh (model.HasMesh). Without one no
	// hop is mesh-authenticated, and findings say so rather than speak of
	// bypassing it.
	Mesh bool
}

// BrokenRoute is a route that cannot deliver, with the reason.
type BrokenRoute struct {
	Route  *Node
	Owner  Evidence
	Reason string
	Path   []*Node
}

// New returns a graph holding the two source nodes.
func New() *Graph {
	g := &Graph{nodes: map[string]*Node{}}
	g.Internet = g.AddNode(&Node{Kind: KindInternet, Label: "internet", Name: "internet"})
	g.PrivateNetwork = g.AddNode(&Node{Kind: KindPrivateNetwork, Label: "private-network", Name: "private-network"})
	return g
}

// AddNode adds n unless a node with the same key exists, and returns the
// node held by the graph.
func (g *Graph) AddNode(n *Node) *Node {
	if old, ok := g.nodes[n.Key()]; ok {
		return old
	}
	n.id = int64(len(g.byID))
	g.byID = append(g.byID, n)
	g.nodes[n.Key()] = n
	return n
}

// Lookup returns the node with the given key, or nil.
func (g *Graph) Lookup(key string) *Node { return g.nodes[key] }

// IDBound is one more than the largest node ID: node IDs are dense, so
// per-node state of a search fits a slice of this length.
func (g *Graph) IDBound() int64 { return int64(len(g.byID)) }

// edgeBlock is how many edges Connect allocates at once.
const edgeBlock = 1024

// Connect adds an edge from→to with the given attributes, which the edge
// keeps (not a copy): the caller must not change them afterwards, and may
// connect other edges with the same ones.
func (g *Graph) Connect(from, to *Node, a *EdgeAttrs) *Edge {
	g.link()
	e := g.newEdge(from, to, a)
	from.out = append(from.out, e)
	to.in = append(to.in, e)
	g.linked = g.numEdges
	return e
}

// ConnectBatched adds an edge as Connect does, but puts it in its ends'
// edge lists only with the rest of a batch: at the next Connect, the next
// read of an edge list, or LinkBatched. The lists are then grown once per
// node, not edge by edge: millions of lateral hops appended one at a time
// regrew the lists of every much-reached workload (issue #16). Edge order
// is the same as with Connect.
func (g *Graph) ConnectBatched(from, to *Node, a *EdgeAttrs) *Edge {
	return g.newEdge(from, to, a)
}

// LinkBatched puts the edges of ConnectBatched in their ends' edge lists.
// A builder calls it when its batch is done, so the graph it hands on is
// read without being changed.
func (g *Graph) LinkBatched() { g.link() }

// link puts the edges connected since the last link in their ends' lists,
// in order, growing each list once. A large batch fills the out-lists and
// the in-lists at once, on two cores: they are separate fields of the
// nodes, each side written by one goroutine (the lateral hops of a large
// cluster are millions, issue #16).
func (g *Graph) link() {
	first := g.linked
	if first == g.numEdges {
		return
	}
	g.linked = g.numEdges
	if g.numEdges-first < parallelLinkBatch {
		g.linkSide(first, true)
		g.linkSide(first, false)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { g.linkSide(first, false) })
	g.linkSide(first, true)
	wg.Wait()
}

// parallelLinkBatch is the batch size from which link fills both sides at
// once; below it a goroutine costs more than it saves.
const parallelLinkBatch = 1 << 14

// linkSide appends the edges from ID first on to their sources' out-lists
// (out) or their targets' in-lists, each list grown once.
func (g *Graph) linkSide(first int, out bool) {
	end := func(e *Edge) (*Node, *[]*Edge) {
		if out {
			return e.from, &e.from.out
		}
		return e.to, &e.to.in
	}
	counts := make([]int, len(g.byID))
	for id := first; id < g.numEdges; id++ {
		e := g.EdgeByID(int64(id))
		if e.from == nil {
			// A builder's bug, not an input's: it reserved an edge and
			// linked the batch before making it.
			panic(fmt.Sprintf("graph: edge %d reserved (ReserveBatched) and never set", id))
		}
		n, _ := end(e)
		counts[n.id]++
	}
	for id, n := range g.byID {
		if counts[id] == 0 {
			continue
		}
		if out {
			n.out = slices.Grow(n.out, counts[id])
		} else {
			n.in = slices.Grow(n.in, counts[id])
		}
	}
	for id := first; id < g.numEdges; id++ {
		e := g.EdgeByID(int64(id))
		_, list := end(e)
		*list = append(*list, e)
	}
}

// newEdge numbers an edge and takes it from the current block: on a large
// cluster edges are millions, and allocating them one by one cost more than
// making them.
func (g *Graph) newEdge(from, to *Node, a *EdgeAttrs) *Edge {
	if g.numEdges == len(g.blocks)*edgeBlock {
		g.blocks = append(g.blocks, make([]Edge, edgeBlock))
	}
	g.numEdges++
	return g.SetReserved(int64(g.numEdges-1), from, to, a)
}

// ReserveBatched numbers the next k edges of a batch without making them,
// and returns the first of their IDs: the caller makes each with
// SetReserved before the batch is linked or read. A builder reserves the
// edges it can copy, keeps numbering the ones it evaluates, and copies the
// reserved ones afterwards on every core (issue #16); edge order is the
// order of the IDs, as if they had been connected one by one.
func (g *Graph) ReserveBatched(k int) int64 {
	first := int64(g.numEdges)
	g.numEdges += k
	for len(g.blocks)*edgeBlock < g.numEdges {
		g.blocks = append(g.blocks, make([]Edge, edgeBlock))
	}
	return first
}

// SetReserved makes the reserved edge with an ID. Distinct IDs may be set
// from several goroutines at once; nothing may read the graph meanwhile.
func (g *Graph) SetReserved(id int64, from, to *Node, a *EdgeAttrs) *Edge {
	e := &g.blocks[id/edgeBlock][id%edgeBlock]
	e.from, e.to, e.EdgeAttrs = from, to, a
	e.id = id
	return e
}

// The methods below implement gonum's graph.DirectedMultigraph on the
// nodes' edge lists. The graph kept no copy of its lines in a gonum
// multigraph: that copy (a map per node pair) cost as much as the edges
// themselves on a large cluster (issue #16).

// Node implements gonum's graph.Graph.
func (g *Graph) Node(id int64) gonum.Node {
	if n := g.node(id); n != nil {
		return n
	}
	return nil
}

// NodeByID returns the node with an ID, or nil for an ID outside
// [0, IDBound).
func (g *Graph) NodeByID(id int64) *Node { return g.node(id) }

func (g *Graph) node(id int64) *Node {
	if id < 0 || id >= int64(len(g.byID)) {
		return nil
	}
	return g.byID[id]
}

// Nodes implements gonum's graph.Graph, in ID order.
func (g *Graph) Nodes() gonum.Nodes {
	nodes := make([]gonum.Node, len(g.byID))
	for i, n := range g.byID {
		nodes[i] = n
	}
	return iterator.NewOrderedNodes(nodes)
}

// neighbours lists the distinct far ends of edges, in first-seen order.
func neighbours(edges []*Edge, far func(*Edge) *Node) gonum.Nodes {
	if len(edges) == 0 {
		return gonum.Empty
	}
	seen := map[*Node]bool{}
	var out []gonum.Node
	for _, e := range edges {
		if n := far(e); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return iterator.NewOrderedNodes(out)
}

// From implements gonum's graph.Graph: the nodes an edge from id reaches.
func (g *Graph) From(id int64) gonum.Nodes {
	g.link()
	n := g.node(id)
	if n == nil {
		return gonum.Empty
	}
	return neighbours(n.out, (*Edge).ToNode)
}

// To implements gonum's graph.Directed: the nodes with an edge into id.
func (g *Graph) To(id int64) gonum.Nodes {
	g.link()
	n := g.node(id)
	if n == nil {
		return gonum.Empty
	}
	return neighbours(n.in, (*Edge).FromNode)
}

// linesFromTo lists the edges from uid to vid in insertion order.
func (g *Graph) linesFromTo(uid, vid int64) []gonum.Line {
	g.link()
	u := g.node(uid)
	if u == nil {
		return nil
	}
	var out []gonum.Line
	for _, e := range u.out {
		if e.to.id == vid {
			out = append(out, e)
		}
	}
	return out
}

// HasEdgeFromTo implements gonum's graph.Directed.
func (g *Graph) HasEdgeFromTo(uid, vid int64) bool { return len(g.linesFromTo(uid, vid)) > 0 }

// HasEdgeBetween implements gonum's graph.Graph.
func (g *Graph) HasEdgeBetween(xid, yid int64) bool {
	return g.HasEdgeFromTo(xid, yid) || g.HasEdgeFromTo(yid, xid)
}

// Edge implements gonum's graph.Graph: the lines from uid to vid as one
// multigraph edge, or nil.
func (g *Graph) Edge(uid, vid int64) gonum.Edge {
	lines := g.linesFromTo(uid, vid)
	if len(lines) == 0 {
		return nil
	}
	return multiEdge{from: g.byID[uid], to: g.byID[vid], lines: lines}
}

// Lines implements gonum's graph.Multigraph.
func (g *Graph) Lines(uid, vid int64) gonum.Lines {
	lines := g.linesFromTo(uid, vid)
	if len(lines) == 0 {
		return gonum.Empty
	}
	return iterator.NewOrderedLines(lines)
}

// LinesBetween implements gonum's graph.Multigraph (either direction).
func (g *Graph) LinesBetween(xid, yid int64) gonum.Lines {
	lines := append(g.linesFromTo(xid, yid), g.linesFromTo(yid, xid)...)
	if len(lines) == 0 {
		return gonum.Empty
	}
	return iterator.NewOrderedLines(lines)
}

// multiEdge is the gonum edge of the lines between two nodes.
type multiEdge struct {
	from, to *Node
	lines    []gonum.Line
}

func (e multiEdge) From() gonum.Node { return e.from }
func (e multiEdge) To() gonum.Node   { return e.to }
func (e multiEdge) ReversedEdge() gonum.Edge {
	rev := make([]gonum.Line, len(e.lines))
	for i, l := range e.lines {
		rev[i] = l.ReversedLine()
	}
	return multiEdge{from: e.to, to: e.from, lines: rev}
}

// Lines returns the edge's lines (gonum's graph.Lines as the multi
// package's Edge does).
func (e multiEdge) Lines() gonum.Lines { return iterator.NewOrderedLines(e.lines) }

var _ gonum.DirectedMultigraph = (*Graph)(nil)

// SortedNodes returns every node sorted by key.
func (g *Graph) SortedNodes() []*Node {
	// Each key is built once: building two per comparison cost more than
	// the sort on a large graph (issue #16).
	type keyed struct {
		key  string
		node *Node
	}
	all := make([]keyed, 0, len(g.nodes))
	for key, n := range g.nodes {
		all = append(all, keyed{key, n})
	}
	slices.SortFunc(all, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]*Node, len(all))
	for i, k := range all {
		out[i] = k.node
	}
	return out
}

// Edges iterates every edge in insertion order (deterministic: the builder
// walks sorted inputs), with its ID.
func (g *Graph) Edges() iter.Seq2[int, *Edge] {
	return func(yield func(int, *Edge) bool) {
		for id := range g.numEdges {
			if !yield(id, g.EdgeByID(int64(id))) {
				return
			}
		}
	}
}

// NumEdges is how many edges the graph holds (their IDs are 0 to
// NumEdges-1).
func (g *Graph) NumEdges() int { return g.numEdges }

// EdgeByID returns the edge with an ID below NumEdges.
func (g *Graph) EdgeByID(id int64) *Edge { return &g.blocks[id/edgeBlock][id%edgeBlock] }

// EdgesFrom returns the edges leaving n, in insertion order. The slice
// belongs to the graph: callers read it and must not modify it.
func (g *Graph) EdgesFrom(n *Node) []*Edge {
	g.link()
	return slices.Clip(n.out)
}

// EdgesTo returns the edges entering n, in insertion order (read-only, as
// EdgesFrom).
func (g *Graph) EdgesTo(n *Node) []*Edge {
	g.link()
	return slices.Clip(n.in)
}

// AddNotSeen records something missing from the input, once.
func (g *Graph) AddNotSeen(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, s := range g.NotSeen {
		if s == msg {
			return
		}
	}
	g.NotSeen = append(g.NotSeen, msg)
}
