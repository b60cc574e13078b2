package diagram

import (
	"fmt"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Mermaid writes the diagram as a Mermaid flowchart (left to right, one
// subgraph per namespace) with the same colours as the DOT output, for
// Markdown and GitHub.
//
// Input-derived text appears only inside double-quoted labels, escaped with
// safetext.Mermaid (no quote, directive, backtick or HTML can get through);
// node IDs are n0, n1, ... and subgraph IDs are made of letters, digits and
// "_" only, one per namespace.
func Mermaid(d Diagram) []byte {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range d.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	namespaces, byNS := groupByNamespace(d.Nodes)
	subgraphIDs := map[string]bool{}
	for _, ns := range namespaces {
		indent := "  "
		if ns != "" {
			// Namespaces that differ only in the characters mermaidID
			// replaces would share a subgraph: number the later ones.
			id := "ns_" + mermaidID(ns)
			for i := 2; subgraphIDs[id]; i++ {
				id = fmt.Sprintf("ns_%s_%d", mermaidID(ns), i)
			}
			subgraphIDs[id] = true
			fmt.Fprintf(&b, "  subgraph %s[\"namespace %s\"]\n", id, mermaidText(ns))
			indent = "    "
		}
		for _, n := range byNS[ns] {
			fmt.Fprintf(&b, "%s%s%s\n", indent, ids[n.ID], mermaidShape(n))
		}
		if ns != "" {
			b.WriteString("  end\n")
		}
	}
	for i, e := range d.Edges {
		arrow := "-->"
		if e.State == stateBroken {
			arrow = "-.->"
		} else if e.OnPath {
			arrow = "==>"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", ids[e.From], arrow, ids[e.To])
		fmt.Fprintf(&b, "  linkStyle %d stroke:%s\n", i, stateColours[e.State])
	}
	b.WriteString("  classDef database fill:#fdebd0,stroke:#935116\n")
	b.WriteString("  classDef mesh stroke:#2874a6,stroke-width:3px\n")
	b.WriteString("  classDef finding stroke:#c0392b,stroke-width:3px\n")
	b.WriteString("  classDef source fill:#fadbd8,stroke:#922b21\n")
	for _, n := range d.Nodes {
		var classes []string
		if n.Kind == graph.KindInternet || n.Kind == graph.KindPrivateNetwork {
			classes = append(classes, "source")
		}
		if _, ok := n.Attributes["database"]; ok {
			classes = append(classes, "database")
		}
		if strings.HasPrefix(n.Attributes["mesh"], "member=true") {
			classes = append(classes, "mesh")
		}
		if len(n.Findings) > 0 {
			classes = append(classes, "finding")
		}
		for _, c := range classes {
			fmt.Fprintf(&b, "  class %s %s\n", ids[n.ID], c)
		}
	}
	return []byte(b.String())
}

func mermaidShape(n NodeDetail) string {
	label := mermaidText(n.Label)
	if n.Kind == graph.KindWorkload && n.Name != "" && n.Namespace != "" && n.Collapsed == 0 {
		label = mermaidText(n.Name)
	}
	if _, ok := n.Attributes["database"]; ok {
		return "[(\"" + label + "\")]"
	}
	switch n.Kind {
	case graph.KindInternet, graph.KindPrivateNetwork:
		return "((\"" + label + "\"))"
	case graph.KindEntrypoint:
		return ">\"" + label + "\"]"
	case graph.KindRoute:
		return "[/\"" + label + "\"/]"
	case graph.KindService:
		return "[[\"svc " + mermaidText(n.Name) + "\"]]"
	}
	return "(\"" + label + "\")"
}

func mermaidID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

// mermaidText escapes a label for a quoted Mermaid node text.
func mermaidText(s string) string {
	return safetext.Mermaid(s)
}
