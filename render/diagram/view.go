package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

// Views.
const (
	// ViewExposure keeps what the internet or the private network reaches
	// through configured routing, plus every finding's witness path.
	ViewExposure = "exposure"
	// ViewFull keeps the whole graph.
	ViewFull = "full"
	// ViewPaths keeps only the findings' witness paths.
	ViewPaths = "paths"
)

// Options choose what a diagram shows.
type Options struct {
	View string
	// Focus is NAMESPACE/NAME of a workload: keep what reaches it and what
	// it reaches.
	Focus string
	// Namespace keeps nodes of one namespace (plus the sources and nodes
	// without a namespace).
	Namespace string
	// CollapseThreshold: when more than this many nodes of one kind sit in
	// one namespace and are on no finding's path, they are drawn as one
	// summary node. 0 means the default (25); negative turns it off.
	CollapseThreshold int
	// Findings mark witness paths (highlighted) and feed node details.
	Findings []analysis.Finding
	// MaxNodes, when positive, is the most nodes the diagram should have:
	// a view with more is drawn with one node per namespace (databases
	// and the traffic sources kept), its edges aggregated between them,
	// and Diagram.Collapsed says so.
	MaxNodes int
}

// DefaultCollapseThreshold keeps a 500-service cluster readable.
const DefaultCollapseThreshold = 25

// edge states drawn as colours.
const (
	stateMTLSRestricted   = "mtls-restricted"
	stateMTLSUnrestricted = "mtls-unrestricted"
	statePlaintext        = "plaintext"
	stateConfig           = "config"
	stateBroken           = "broken"
)

// Select builds the diagram for a view of g.
func Select(g *graph.Graph, opts Options) (Diagram, error) {
	if opts.View == "" {
		opts.View = ViewExposure
	}
	switch opts.View {
	case ViewExposure, ViewFull, ViewPaths:
	default:
		return Diagram{}, fmt.Errorf("unknown view %q (exposure, full or paths)", opts.View)
	}
	threshold := opts.CollapseThreshold
	if threshold == 0 {
		threshold = DefaultCollapseThreshold
	}
	onPath, pathEdges, findingsAt := pathMarks(g, opts.Findings)
	keep := map[*graph.Node]bool{}
	// drawn, when set, limits the edges drawn (--focus); nil draws every
	// edge the view shows between kept nodes.
	var drawn map[*graph.Edge]bool
	switch opts.View {
	case ViewFull:
		for _, n := range g.SortedNodes() {
			keep[n] = true
		}
	case ViewPaths:
		for n := range onPath {
			keep[n] = true
		}
	case ViewExposure:
		for n := range reachable(g, []*graph.Node{g.Internet, g.PrivateNetwork}, true, structural) {
			keep[n] = true
		}
		for n := range onPath {
			keep[n] = true
		}
	}
	if opts.Focus != "" {
		focus := findWorkload(g, opts.Focus)
		if focus == nil {
			return Diagram{}, fmt.Errorf("--focus %q: no workload with that NAMESPACE/NAME", opts.Focus)
		}
		var related map[*graph.Node]bool
		related, drawn = throughFocus(g, focus)
		for n := range keep {
			if !related[n] {
				delete(keep, n)
			}
		}
	}
	if opts.Namespace != "" {
		for n := range keep {
			if n.Namespace != "" && n.Namespace != opts.Namespace {
				delete(keep, n)
			}
		}
	}
	if len(keep) == 0 {
		return Diagram{Nodes: []NodeDetail{}, Edges: []EdgeDetail{}}, nil
	}
	summary := collapse(keep, onPath, threshold)
	if whole := drawnNodes(keep, summary); opts.MaxNodes > 0 && whole > opts.MaxNodes {
		d, omitted := assemble(g, opts.View, keep, drawn, collapseNamespaces(keep), onPath, pathEdges, findingsAt, true)
		head := []string{fmt.Sprintf("the %s view has %d nodes, more than %d: every namespace is drawn as one node (its databases kept), with the edges between namespaces aggregated", opts.View, whole, opts.MaxNodes)}
		if omitted > 0 {
			head = append(head, fmt.Sprintf("%d workload-to-workload connections on no witness path are not drawn (the DOT and JSON formats hold every one)", omitted))
		}
		d.Collapsed = append(head, d.Collapsed...)
		return d, nil
	}
	d, _ := assemble(g, opts.View, keep, drawn, summary, onPath, pathEdges, findingsAt, false)
	return d, nil
}

// drawnNodes is how many nodes assemble draws: the kept nodes not in a
// summary, and one per summary.
func drawnNodes(keep map[*graph.Node]bool, summary map[*graph.Node]string) int {
	summaries := map[string]bool{}
	n := 0
	for node := range keep {
		if s, ok := summary[node]; ok {
			summaries[s] = true
			continue
		}
		n++
	}
	return n + len(summaries)
}

// collapseNamespaces maps every kept node of a namespace to one summary
// per namespace, except databases (what the picture is about).
func collapseNamespaces(keep map[*graph.Node]bool) map[*graph.Node]string {
	summary := map[*graph.Node]string{}
	for n := range keep {
		if n.Namespace == "" || (n.Workload != nil && n.Workload.Database != nil) {
			continue
		}
		summary[n] = "namespace:" + n.Namespace
	}
	return summary
}

// structural edges are drawn in every view: exposure, forwarding, selection
// and routed connections (configured paths).
func structural(e *graph.Edge) bool {
	return e.Kind != graph.EdgeNetwork || e.Routed
}

func structuralOrTouching(n *graph.Node) func(*graph.Edge) bool {
	return func(e *graph.Edge) bool {
		return structural(e) || e.FromNode() == n || e.ToNode() == n
	}
}

// throughFocus is what a path through the focus passes: everything that
// reaches it (configured routing, and the hops into it, lateral ones too,
// with what reaches their sources), and what it reaches: its own configured
// routing (a gateway's routes) and the workloads it connects to. A
// workload the focus reaches laterally is drawn but not followed further:
// the focus connecting to an Ingress controller is not a path through the
// focus to every application behind that controller.
// The edges drawn are those the walks followed (and witness paths): a
// lateral edge between two workloads that both reach the focus is no path
// through it.
func throughFocus(g *graph.Graph, focus *graph.Node) (map[*graph.Node]bool, map[*graph.Edge]bool) {
	related, edges := walk(g, []*graph.Node{focus}, false, structuralOrTouching(focus))
	down, downEdges := walk(g, []*graph.Node{focus}, true, structural)
	for n := range down {
		related[n] = true
	}
	for e := range downEdges {
		edges[e] = true
	}
	for _, e := range g.EdgesFrom(focus) {
		related[e.ToNode()] = true
		edges[e] = true
	}
	if len(related) > 0 {
		related[focus] = true
	}
	return related, edges
}

// reachable walks forward (or backward) from the start nodes over edges
// the filter accepts.
func reachable(g *graph.Graph, start []*graph.Node, forward bool, follow func(*graph.Edge) bool) map[*graph.Node]bool {
	seen, _ := walk(g, start, forward, follow)
	return seen
}

// walk is reachable that also returns the edges it followed.
func walk(g *graph.Graph, start []*graph.Node, forward bool, follow func(*graph.Edge) bool) (map[*graph.Node]bool, map[*graph.Edge]bool) {
	seen := map[*graph.Node]bool{}
	followed := map[*graph.Edge]bool{}
	queue := append([]*graph.Node{}, start...)
	for _, s := range start {
		seen[s] = true
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		edges := g.EdgesFrom(n)
		if !forward {
			edges = g.EdgesTo(n)
		}
		for _, e := range edges {
			if !follow(e) {
				continue
			}
			followed[e] = true
			next := e.ToNode()
			if !forward {
				next = e.FromNode()
			}
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	// A start node nothing was reached from is not worth drawing alone.
	for _, s := range start {
		lonely := true
		edges := g.EdgesFrom(s)
		if !forward {
			edges = g.EdgesTo(s)
		}
		for _, e := range edges {
			if follow(e) {
				lonely = false
				break
			}
		}
		if lonely {
			delete(seen, s)
		}
	}
	return seen, followed
}

func findWorkload(g *graph.Graph, focus string) *graph.Node {
	ns, name, _ := strings.Cut(focus, "/")
	for _, n := range g.SortedNodes() {
		if n.Kind == graph.KindWorkload && n.Namespace == ns && n.Name == name {
			return n
		}
	}
	return nil
}

// pathMarks finds the nodes and hops on findings' witness paths and, per
// node, the findings passing it.
func pathMarks(g *graph.Graph, findings []analysis.Finding) (map[*graph.Node]bool, map[[2]*graph.Node]bool, map[*graph.Node][]int) {
	byLabel := map[string]*graph.Node{}
	for _, n := range g.SortedNodes() {
		byLabel[string(n.Kind)+"\x00"+n.Label] = n
	}
	onPath := map[*graph.Node]bool{}
	pathEdges := map[[2]*graph.Node]bool{}
	at := map[*graph.Node][]int{}
	for i, f := range findings {
		var prev *graph.Node
		for _, h := range f.Path {
			n := byLabel[string(h.Node.Kind)+"\x00"+h.Node.Label]
			if n == nil {
				continue
			}
			if !onPath[n] || len(at[n]) == 0 || at[n][len(at[n])-1] != i {
				at[n] = append(at[n], i)
			}
			onPath[n] = true
			if prev != nil {
				pathEdges[[2]*graph.Node{prev, n}] = true
			}
			prev = n
		}
	}
	return onPath, pathEdges, at
}

// collapse maps crowded groups (same kind and namespace, more than
// threshold nodes, none on a witness path) to one summary ID.
func collapse(keep map[*graph.Node]bool, onPath map[*graph.Node]bool, threshold int) map[*graph.Node]string {
	summary := map[*graph.Node]string{}
	if threshold < 0 {
		return summary
	}
	groups := map[string][]*graph.Node{}
	for n := range keep {
		if onPath[n] || n.Kind == graph.KindInternet || n.Kind == graph.KindPrivateNetwork {
			continue
		}
		if n.Workload != nil && n.Workload.Database != nil {
			continue // databases are what the picture is about
		}
		key := string(n.Kind) + "/" + n.Namespace
		groups[key] = append(groups[key], n)
	}
	for key, list := range groups {
		if len(list) <= threshold {
			continue
		}
		for _, n := range list {
			summary[n] = "summary:" + key
		}
	}
	return summary
}

// assemble turns the kept nodes into drawable nodes and edges. With
// pathLateralOnly, pivots on no witness path are left out (a picture of
// namespaces would be a mesh of them) and counted.
func assemble(g *graph.Graph, view string, keep map[*graph.Node]bool, drawn map[*graph.Edge]bool, summary map[*graph.Node]string, onPath map[*graph.Node]bool,
	pathEdges map[[2]*graph.Node]bool, findingsAt map[*graph.Node][]int, pathLateralOnly bool) (Diagram, int) {
	omitted := 0
	d := Diagram{Nodes: []NodeDetail{}, Edges: []EdgeDetail{}}
	id := func(n *graph.Node) string {
		if s, ok := summary[n]; ok {
			return s
		}
		return n.Key()
	}
	summaries := map[string]*NodeDetail{}
	kinds := map[string]map[graph.NodeKind]int{}
	for _, n := range g.SortedNodes() {
		if !keep[n] {
			continue
		}
		if s, ok := summary[n]; ok {
			if summaries[s] == nil {
				summaries[s] = &NodeDetail{ID: s, Kind: n.Kind, Namespace: n.Namespace, Name: "summary"}
				if strings.HasPrefix(s, "namespace:") {
					summaries[s].Kind = KindNamespace
				}
				kinds[s] = map[graph.NodeKind]int{}
			}
			summaries[s].Collapsed++
			kinds[s][n.Kind]++
			continue
		}
		d.Nodes = append(d.Nodes, detail(n, findingsAt[n]))
	}
	var keys []string
	for k := range summaries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := summaries[k]
		if s.Kind == KindNamespace {
			s.Label = "namespace " + s.Namespace + ": " + countKinds(kinds[k])
			d.Collapsed = append(d.Collapsed, fmt.Sprintf("namespace %s: %s drawn as one node", s.Namespace, countKinds(kinds[k])))
		} else {
			s.Label = fmt.Sprintf("%d %ss", s.Collapsed, kindNoun(s.Kind))
			d.Collapsed = append(d.Collapsed, fmt.Sprintf("namespace %s: %s on no witness path drawn as one node", s.Namespace, s.Label))
		}
		d.Nodes = append(d.Nodes, *s)
	}
	seen := map[string]int{}
	for _, e := range g.Edges() {
		from, to := e.FromNode(), e.ToNode()
		if !keep[from] || !keep[to] {
			continue
		}
		// Routed connections are drawn as their route and Service chain;
		// pivots only in the full view or when on a witness path.
		onP := pathEdges[[2]*graph.Node{from, to}]
		if drawn != nil && !drawn[e] && !onP {
			continue
		}
		if e.Kind == graph.EdgeNetwork && (e.Routed || (view != ViewFull && !onP)) {
			continue
		}
		if pathLateralOnly && e.Kind == graph.EdgeNetwork && !onP {
			omitted++
			continue
		}
		ed := EdgeDetail{From: id(from), To: id(to), Kind: e.Kind, State: edgeState(g, e), Attributes: edgeAttributes(e), OnPath: onP}
		if ed.From == ed.To {
			continue
		}
		key := ed.From + "\x00" + ed.To + "\x00" + string(ed.Kind) + "\x00" + ed.State
		if i, dup := seen[key]; dup {
			d.Edges[i].OnPath = d.Edges[i].OnPath || ed.OnPath
			continue
		}
		seen[key] = len(d.Edges)
		d.Edges = append(d.Edges, ed)
	}
	return d, omitted
}

// KindNamespace is the kind of a node standing for a whole namespace.
const KindNamespace graph.NodeKind = "namespace"

// countKinds says how many nodes of each kind a summary stands for, in a
// fixed order of kinds ("23 workloads, 25 services").
func countKinds(counts map[graph.NodeKind]int) string {
	var kinds []string
	for k := range counts {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		n := counts[graph.NodeKind(k)]
		noun := kindNoun(graph.NodeKind(k))
		if n != 1 {
			noun += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, noun))
	}
	return strings.Join(parts, ", ")
}

func kindNoun(kind graph.NodeKind) string {
	switch kind {
	case graph.KindEntrypoint:
		return "entrypoint"
	case graph.KindRoute:
		return "route"
	case graph.KindService:
		return "service"
	case graph.KindExternal:
		return "external host"
	}
	return string(kind)
}

// edgeState is the colour class of an edge: hops into workloads by their
// mesh state; a Service's selection edge by the worst routed hop through
// it; configuration edges neutral.
func edgeState(g *graph.Graph, e *graph.Edge) string {
	// Traffic from outside into its entrypoint's pods is the exposure itself;
	// its colour would only repeat that.
	if e.FromNode().Kind == graph.KindEntrypoint {
		return stateConfig
	}
	if e.Auth != "" {
		return hopState(e)
	}
	if e.Kind == graph.EdgeSelects {
		worst := ""
		for _, in := range g.EdgesTo(e.ToNode()) {
			if !in.Routed || len(in.Via) < 2 || in.Via[1] != e.FromNode() || in.Port != e.Port {
				continue
			}
			if s := hopState(in); rank(s) > rank(worst) {
				worst = s
			}
		}
		if worst == "" {
			return stateBroken
		}
		return worst
	}
	return stateConfig
}

func hopState(e *graph.Edge) string {
	if e.Auth == graph.AuthPlaintext {
		return statePlaintext
	}
	if e.Authz != nil && e.Authz.State == graph.AuthzRestricted {
		return stateMTLSRestricted
	}
	return stateMTLSUnrestricted
}

func rank(state string) int {
	switch state {
	case statePlaintext:
		return 3
	case stateMTLSUnrestricted:
		return 2
	case stateMTLSRestricted:
		return 1
	}
	return 0
}

func detail(n *graph.Node, findings []int) NodeDetail {
	d := NodeDetail{ID: n.Key(), Kind: n.Kind, Namespace: n.Namespace, Name: n.Name, Label: n.Label, Attributes: map[string]string{}, Findings: findings}
	if n.Assumed {
		d.Attributes["assumed"] = "true: not in the input"
	}
	for i, ev := range n.Evidence {
		if ev.Name != "" {
			d.Attributes[fmt.Sprintf("evidence %d", i+1)] = ev.String()
		}
	}
	if w := n.Workload; w != nil {
		d.Attributes["kind"] = w.Kind
		if w.ServiceAccount != "" {
			d.Attributes["serviceAccount"] = w.ServiceAccount
		}
		d.Attributes["mesh"] = fmt.Sprintf("member=%v (%s)", w.Mesh.Member, w.Mesh.Reason)
		if w.Database != nil {
			d.Attributes["database"] = w.Database.Reason
		}
		if w.Controller != "" {
			d.Attributes["controller"] = w.Controller
		}
		var ports []string
		for name, p := range w.Ports {
			ports = append(ports, fmt.Sprintf("%s=%d", name, p))
		}
		sort.Strings(ports)
		if len(ports) > 0 {
			d.Attributes["ports"] = strings.Join(ports, ", ")
		}
		if w.Source != nil {
			d.Attributes["replicas"] = fmt.Sprint(w.Source.Replicas)
		}
	}
	if ep := n.Entrypoint; ep != nil {
		d.Attributes["type"] = ep.Type
		d.Attributes["port"] = fmt.Sprintf("%d/%s", ep.Port, ep.Protocol)
		if ep.Internal {
			d.Attributes["internal"] = ep.InternalReason
		}
	}
	if r := n.Route; r != nil {
		d.Attributes["host"] = r.Host
		d.Attributes["path"] = r.Path
		d.Attributes["protocol"] = r.Protocol
		d.Attributes["tls"] = r.TLS
	}
	if s := n.Service; s != nil {
		d.Attributes["type"] = s.Type
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%d→%s", p.Port, p.TargetPort))
		}
		d.Attributes["ports"] = strings.Join(ports, ", ")
	}
	return d
}

func edgeAttributes(e *graph.Edge) map[string]string {
	a := map[string]string{}
	if e.Port != 0 {
		a["port"] = fmt.Sprint(e.Port)
	}
	if e.Match != "" {
		a["match"] = e.Match
	}
	if e.TLS != "" {
		a["tls"] = e.TLS
	}
	if e.Auth != "" {
		a["auth"] = string(e.Auth)
	}
	if e.AuthReason != "" {
		a["authReason"] = e.AuthReason
	}
	if e.Authz != nil {
		a["authz"] = string(e.Authz.State)
		if len(e.Authz.Policies) > 0 {
			a["authzPolicies"] = strings.Join(e.Authz.Policies, ", ")
		}
	}
	if e.NetworkPolicy != "" {
		a["networkPolicy"] = e.NetworkPolicy
	}
	return a
}
