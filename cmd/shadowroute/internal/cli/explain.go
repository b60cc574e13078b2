package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/safetext"
)

type explainOptions struct {
	analyzeOptions
	from, to string
	k        int
}

func newExplainCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &explainOptions{analyzeOptions: analyzeOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "explain PATH... --from internet|NS/NAME --to NS/NAME[:PORT]",
		Short: "Show every way a source reaches a workload, hop by hop, with the object that allows each hop",
		Long: `Build the reachability graph and list the ways (up to -k, fewest hops
first, no workload passed twice) the source reaches the target workload: each
hop with its port, whether it is configured routing or a reached workload
connecting on its own, its mesh authentication, the AuthorizationPolicies
and NetworkPolicies that allowed it and the objects behind it at file:line.
When the source cannot reach the target, it names what refuses the direct
connection from the source (or from the nearest workloads the source
reaches): the NetworkPolicy, PeerAuthentication or AuthorizationPolicy.

` + exitCodeHelp,
		Example: `  shadowroute explain testdata/demo --from internet --to data/postgres
  shadowroute explain ./manifests --from shop/web --to data/postgres:5432 -k 5`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if err := o.completeAnalysis(); err != nil {
				return err
			}
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "internet", "the source: internet, or a workload NAMESPACE/NAME")
	f.StringVar(&o.to, "to", "", "the target workload NAMESPACE/NAME, optionally :PORT")
	f.IntVarP(&o.k, "k", "k", 3, "show at most this many ways")
	o.failOn = "none"
	o.analysis.Register(f)
	return cmd
}

func (o *explainOptions) run(streams IO) error {
	if o.to == "" {
		return inputError("explain: --to NAMESPACE/NAME[:PORT] is required")
	}
	if o.k < 1 {
		return inputError("explain: -k must be at least 1")
	}
	target, portText, _ := strings.Cut(o.to, ":")
	port := int32(0)
	if portText != "" {
		n, err := strconv.Atoi(portText)
		if err != nil || n < 1 || n > 65535 {
			return inputError("--to %q: the port must be a number 1-65535", o.to)
		}
		port = int32(n)
	}
	inv, err := load(o.global, streams, o.paths)
	if err != nil {
		return err
	}
	m := model.New(inv, o.opts.Model)
	g, err := build.Build(m)
	if err != nil {
		return err
	}
	find := func(spec, flag string) (*graph.Node, error) {
		ns, name, ok := strings.Cut(spec, "/")
		if !ok {
			return nil, inputError("%s %q: want NAMESPACE/NAME", flag, spec)
		}
		for _, n := range g.SortedNodes() {
			if n.Kind == graph.KindWorkload && n.Workload != nil && n.Workload.Source != nil && n.Namespace == ns && n.Name == name {
				return n, nil
			}
		}
		return nil, inputError("%s %q: no workload %s in the input", flag, spec, spec)
	}
	src := g.Internet
	if o.from != "internet" {
		if src, err = find(o.from, "--from"); err != nil {
			return err
		}
	}
	dst, err := find(target, "--to")
	if err != nil {
		return err
	}
	p := &printerTo{w: streams.Out}
	ways := simplePaths(g, src, dst, port, o.k)
	what := o.to
	p.f("%s → %s: %d way(s) shown (at most %d, fewest hops first)\n", safetext.Text(src.Label), safetext.Text(what), len(ways), o.k)
	for i, way := range ways {
		p.f("\n%d. %d hop(s)\n", i+1, len(way))
		for _, e := range way {
			p.f("   %s\n", safetext.Text(describeHop(e)))
			for _, ev := range e.Evidence {
				p.f("       %s\n", safetext.Text(ev.String()))
			}
		}
	}
	if len(ways) == 0 {
		p.f("\nNo way in the graph. What refuses the direct connection")
		sources := []*graph.Node{src}
		if src == g.Internet || src.Workload == nil {
			sources = reachedWorkloads(g, src, 3)
			p.f(" from the nearest workloads the source reaches")
		}
		p.f(":\n")
		if len(sources) == 0 {
			p.f("   the source reaches no workload at all (nothing is exposed)\n")
		}
		for _, s := range sources {
			for _, v := range build.Why(m, s.Workload.Source, dst.Workload.Source, port) {
				why := v.Reason
				if v.Allowed {
					why = "allowed on its own, but no chain of hops leads there"
				}
				p.f("   %s → %s:%d: %s\n", safetext.Text(s.Label), safetext.Text(dst.Label), v.Port, safetext.Text(why))
			}
		}
	}
	if len(g.NotSeen) > 0 {
		p.f("\nNot seen (the answer depends on it):\n")
		for _, n := range g.NotSeen {
			p.f("  - %s\n", safetext.Text(n))
		}
	}
	// What was not read may hold the object that would decide a hop.
	if lines := analysis.NotReadLines(inv); len(lines) > 0 {
		p.f("\nNot seen (these ways assume nothing else exists there):\n")
		for _, line := range lines {
			p.f("  - %s\n", safetext.Text(line))
		}
	}
	if p.err != nil {
		return p.err
	}
	return strictCheck(o.global, inv)
}

// simplePaths enumerates up to k paths without repeated nodes from src to
// dst over exposure and network edges (the hops the path search takes),
// fewest hops first, the last hop on port when port is set; the search is
// bounded so a dense graph cannot make it run away.
func simplePaths(g *graph.Graph, src, dst *graph.Node, port int32, k int) [][]*graph.Edge {
	type state struct {
		node *graph.Node
		path []*graph.Edge
		seen map[*graph.Node]bool
	}
	var out [][]*graph.Edge
	queue := []state{{node: src, seen: map[*graph.Node]bool{src: true}}}
	for expanded := 0; len(queue) > 0 && len(out) < k && expanded < 200000; expanded++ {
		s := queue[0]
		queue = queue[1:]
		if len(s.path) >= 12 {
			continue
		}
		for _, e := range g.EdgesFrom(s.node) {
			if !analysis.Carries(e) {
				continue
			}
			next := e.ToNode()
			if s.seen[next] {
				continue
			}
			path := append(append([]*graph.Edge(nil), s.path...), e)
			if next == dst {
				if port == 0 || e.Port == port {
					out = append(out, path)
					if len(out) == k {
						break
					}
				}
				continue
			}
			seen := make(map[*graph.Node]bool, len(s.seen)+1)
			for n := range s.seen {
				seen[n] = true
			}
			seen[next] = true
			queue = append(queue, state{node: next, path: path, seen: seen})
		}
	}
	return out
}

// reachedWorkloads are the first n workloads the source reaches, nearest
// first.
func reachedWorkloads(g *graph.Graph, src *graph.Node, n int) []*graph.Node {
	dist := map[*graph.Node]int{src: 0}
	queue := []*graph.Node{src}
	var out []*graph.Node
	for len(queue) > 0 && len(out) < n {
		cur := queue[0]
		queue = queue[1:]
		for _, e := range g.EdgesFrom(cur) {
			next := e.ToNode()
			if _, ok := dist[next]; ok || !analysis.Carries(e) {
				continue
			}
			dist[next] = dist[cur] + 1
			queue = append(queue, next)
			if next.Kind == graph.KindWorkload && next.Workload != nil && next.Workload.Source != nil {
				out = append(out, next)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return dist[out[i]] < dist[out[j]] })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// describeHop is one hop of a way: endpoints and port, routed (through
// which route) or lateral, mesh authentication with its reason, and the
// policies that allowed it.
func describeHop(e *graph.Edge) string {
	from, to := e.FromNode(), e.ToNode()
	s := fmt.Sprintf("%s → %s", from.Label, to.Label)
	if port := fmt.Sprintf(":%d", e.Port); e.Port != 0 && !strings.HasSuffix(s, port) {
		s += port
	}
	switch {
	case e.Kind == graph.EdgeExposes:
		s += " [exposed]"
	case e.Kind == graph.EdgeForwards:
		s += " [forwarded to the pods]"
	case e.Routed:
		var via []string
		for _, v := range e.Via {
			via = append(via, v.Label)
		}
		s += " [routed via " + strings.Join(via, ", ") + "]"
	case e.Kind == graph.EdgeNetwork:
		s += " [lateral: a reached workload connecting on its own]"
	}
	if e.Auth != "" {
		s += " " + string(e.Auth)
		if e.AuthReason != "" {
			s += " (" + e.AuthReason + ")"
		}
	}
	if a := e.Authz; a != nil {
		s += fmt.Sprintf("; authorization %s by %s", a.State, strings.Join(a.Policies, ", "))
	}
	if e.NetworkPolicy != "" {
		s += "; NetworkPolicy: " + e.NetworkPolicy
	}
	return s
}

// printerTo writes formatted text, keeping the first error.
type printerTo struct {
	w   interface{ Write([]byte) (int, error) }
	err error
}

func (p *printerTo) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
