package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Colours of hop states, shared by DOT and Mermaid output and the legend.
var stateColours = map[string]string{
	stateMTLSRestricted:   "#1e8449",
	stateMTLSUnrestricted: "#d68910",
	statePlaintext:        "#c0392b",
	stateConfig:           "#7f8c8d",
	stateBroken:           "#95a5a6",
}

var stateLegend = []struct{ state, text string }{
	{stateMTLSRestricted, "mTLS, restricted by ALLOW policy"},
	{stateMTLSUnrestricted, "mTLS, any mesh identity"},
	{statePlaintext, "plaintext (not mesh-authenticated)"},
	{stateConfig, "exposure / routing"},
	{stateBroken, "never delivers (refused, no pods)"},
}

// maxLabelledEdges: above this, ports and states go to tooltips only, which
// keeps Graphviz's layout time down on big views.
const maxLabelledEdges = 40

// DOT writes the diagram as Graphviz DOT: left to right, one cluster per
// namespace, databases as cylinders, mesh members with a double outline,
// edges coloured by hop state, witness paths drawn thick, and a legend.
// Node IDs are the graph's stable keys and the order is deterministic.
//
// Names, hosts, paths and the title come from the input: IDs are written
// with safetext.DOTID and labels and tooltips with safetext.DOTLabel, so
// the DOT always parses as written and the SVG Graphviz makes of it is
// well-formed XML. SVGTitle says what an ID becomes in the SVG.
func DOT(d Diagram, title string) []byte {
	var b strings.Builder
	b.WriteString("digraph shadowroute {\n")
	fmt.Fprintf(&b, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.3, ranksep=0.9, newrank=true, label=%s, labelloc=t];\n", quote(title))
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=10, style=\"filled\", fillcolor=\"#ffffff\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n")
	namespaces, byNS := groupByNamespace(d.Nodes)
	for _, ns := range namespaces {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph %s {\n    label=%s; style=\"rounded\"; color=\"#566573\"; fontcolor=\"#566573\";\n", quoteID("cluster_"+ns), quote("namespace "+ns))
			indent = "    "
		}
		for _, n := range byNS[ns] {
			fmt.Fprintf(&b, "%s%s [%s];\n", indent, quoteID(n.ID), nodeAttrs(n))
		}
		if ns != "" {
			b.WriteString("  }\n")
		}
	}
	labelled := len(d.Edges) <= maxLabelledEdges
	for _, e := range d.Edges {
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", quoteID(e.From), quoteID(e.To), edgeAttrs(e, labelled))
	}
	writeLegend(&b)
	b.WriteString("}\n")
	return []byte(b.String())
}

func nodeAttrs(n NodeDetail) string {
	label := n.Label
	attrs := map[string]string{}
	switch n.Kind {
	case graph.KindInternet:
		attrs["shape"], attrs["fillcolor"] = "oval", "#fadbd8"
	case graph.KindPrivateNetwork:
		attrs["shape"], attrs["fillcolor"] = "oval", "#fcf3cf"
	case graph.KindEntrypoint:
		attrs["shape"], attrs["fillcolor"] = "cds", "#f5eef8"
	case graph.KindRoute:
		attrs["shape"], attrs["fillcolor"] = "note", "#eaf2f8"
	case graph.KindService:
		attrs["shape"], attrs["fillcolor"] = "box", "#f4f6f6"
		label = "svc " + n.Name
	case graph.KindExternal:
		attrs["shape"], attrs["fillcolor"] = "box3d", "#f4f6f6"
	default:
		attrs["shape"] = "box"
		attrs["style"] = "\"rounded,filled\""
		if n.Name != "" && n.Namespace != "" {
			label = n.Name
		}
	}
	if n.Collapsed > 0 {
		attrs["shape"], attrs["style"], label = "folder", "\"filled,dashed\"", n.Label
	}
	if _, ok := n.Attributes["database"]; ok {
		attrs["shape"], attrs["fillcolor"] = "cylinder", "#fdebd0"
		attrs["style"] = "filled"
	}
	lines := []string{label}
	if strings.HasPrefix(n.Attributes["mesh"], "member=true") {
		attrs["peripheries"] = "2"
		attrs["color"] = "\"#2874a6\""
		lines = append(lines, "(mesh)")
	}
	if n.Attributes["assumed"] != "" {
		attrs["style"] = "\"dashed,filled\""
		lines = append(lines, "(assumed)")
	}
	if len(n.Findings) > 0 {
		attrs["penwidth"] = "2.5"
		if attrs["color"] == "" {
			attrs["color"] = "\"#c0392b\""
		}
	}
	if c := attrs["fillcolor"]; c != "" {
		attrs["fillcolor"] = quote(c)
	}
	attrs["label"] = quote(lines...)
	attrs["tooltip"] = quote(tooltip(n)...)
	return joinAttrs(attrs)
}

// tooltip returns the lines of a node's tooltip.
func tooltip(n NodeDetail) []string {
	parts := []string{n.Label}
	var keys []string
	for k := range n.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+n.Attributes[k])
	}
	return parts
}

func edgeAttrs(e EdgeDetail, labelled bool) string {
	attrs := map[string]string{"color": quote(stateColours[e.State])}
	if e.State == stateBroken {
		attrs["style"] = "dashed"
	}
	if e.OnPath {
		attrs["penwidth"] = "3"
	}
	var tip []string
	var keys []string
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tip = append(tip, k+": "+e.Attributes[k])
	}
	attrs["tooltip"] = quote(append([]string{string(e.Kind) + " (" + e.State + ")"}, tip...)...)
	if labelled {
		if p := e.Attributes["port"]; p != "" && e.Kind != "exposes" {
			attrs["label"] = quote(":" + p)
		}
	}
	return joinAttrs(attrs)
}

func writeLegend(b *strings.Builder) {
	b.WriteString("  subgraph cluster_legend {\n    label=\"legend\"; style=\"rounded,dashed\"; color=\"#aab7b8\"; fontcolor=\"#566573\";\n")
	for i, l := range stateLegend {
		fmt.Fprintf(b, "    \"legend_%d_a\" [shape=point, width=0.05, label=\"\"];\n", i)
		fmt.Fprintf(b, "    \"legend_%d_b\" [shape=plaintext, style=\"\", label=%s];\n", i, quote(l.text))
		style := ""
		if l.state == stateBroken {
			style = ", style=dashed"
		}
		fmt.Fprintf(b, "    \"legend_%d_a\" -> \"legend_%d_b\" [color=%s, arrowhead=normal%s];\n", i, i, quote(stateColours[l.state]), style)
	}
	b.WriteString("    \"legend_db\" [shape=cylinder, fillcolor=\"#fdebd0\", label=\"database\"];\n")
	b.WriteString("    \"legend_mesh\" [shape=box, style=\"rounded,filled\", peripheries=2, color=\"#2874a6\", label=\"mesh member\"];\n")
	b.WriteString("  }\n")
}

func joinAttrs(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + attrs[k]
	}
	return strings.Join(parts, ", ")
}

// quote makes a DOT double-quoted label (or tooltip, or any attribute
// value) of the given lines: each escaped with safetext.DOTLabel, so that a
// newline, quote or backslash in the input is shown rather than obeyed,
// and joined with DOT line breaks.
func quote(lines ...string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range lines {
		if i > 0 {
			b.WriteString(`\n`)
		}
		b.WriteString(safetext.DOTLabel(l))
	}
	b.WriteByte('"')
	return b.String()
}

// quoteID makes a DOT double-quoted ID (node or subgraph name).
func quoteID(id string) string {
	return `"` + safetext.DOTID(id) + `"`
}

// SVGTitle is the text of the <title> Graphviz writes (XML-escaped) for the
// node drawn for id. It is id itself unless id holds characters
// safetext.DOTID escapes (controls, backslashes, invisible characters) or
// consecutive spaces, since Graphviz writes each space that follows a space
// as a no-break space (&#160;).
func SVGTitle(id string) string {
	esc := safetext.DOTID(id)
	if esc != id {
		esc = svgTitleReplacer.Replace(esc)
	}
	if !strings.Contains(esc, "  ") {
		return esc
	}
	var b strings.Builder
	prev := rune(0)
	for _, r := range esc {
		if r == ' ' && prev == ' ' {
			b.WriteRune('\u00a0')
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

var svgTitleReplacer = strings.NewReplacer(`\"`, `"`, "&amp;", "&")

// groupByNamespace returns the namespaces in order ("" first) and the nodes
// of each, in diagram order.
func groupByNamespace(nodes []NodeDetail) ([]string, map[string][]NodeDetail) {
	byNS := map[string][]NodeDetail{}
	var namespaces []string
	for _, n := range nodes {
		if _, ok := byNS[n.Namespace]; !ok {
			namespaces = append(namespaces, n.Namespace)
		}
		byNS[n.Namespace] = append(byNS[n.Namespace], n)
	}
	sort.Strings(namespaces)
	return namespaces, byNS
}
