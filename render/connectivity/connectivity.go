// Package connectivity prints the connectivity table in the formats of
// np-guard's netpol-analyzer `list`: txt, json, csv, md and dot.
//
// Workload names, namespaces and kinds come from the input; each format
// escapes them with render/safetext for its own syntax (txt lines start
// with a value, so it is written with LineStart; CSV cells with CSV; md
// cells with Markdown; dot with DOTID and DOTLabel; JSON with the true
// values).
package connectivity

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	conn "github.com/shadowroute/shadowroute/analysis/connectivity"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Formats lists the supported output formats.
var Formats = []string{"txt", "json", "csv", "md", "dot"}

// Write prints the table in one format.
func Write(w io.Writer, t conn.Table, format string) error {
	switch format {
	case "txt":
		return txt(w, t)
	case "json":
		return jsonOut(w, t)
	case "csv":
		return csvOut(w, t)
	case "md":
		return md(w, t)
	case "dot":
		return dot(w, t)
	}
	return fmt.Errorf("unknown format %q", format)
}

func txt(w io.Writer, t conn.Table) error {
	var b strings.Builder
	for _, r := range t.Rows {
		b.WriteString(safetext.LineStart(r.Line(t.Mesh)) + "\n")
	}
	if t.Exposure {
		b.WriteString("\nExposure Analysis Result:\nEgress Exposure:\n")
		for _, e := range t.Egress {
			fmt.Fprintf(&b, "%s\t=>\t%s : %s\n", safetext.LineStart(e.Workload), safetext.Text(e.Peer), safetext.Text(e.Conn))
		}
		b.WriteString("\nIngress Exposure:\n")
		for _, e := range t.Ingress {
			fmt.Fprintf(&b, "%s\t<=\t%s : %s\n", safetext.LineStart(e.Workload), safetext.Text(e.Peer), safetext.Text(e.Conn))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func jsonOut(w io.Writer, t conn.Table) error {
	var buf bytes.Buffer
	if err := jsonEncode(&buf, t); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(buf.Bytes()))
	return err
}

func jsonEncode(w io.Writer, t conn.Table) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	rows := t.Rows
	if rows == nil {
		rows = []conn.Row{}
	}
	if !t.Exposure {
		return enc.Encode(rows)
	}
	egress, ingress := t.Egress, t.Ingress
	if egress == nil {
		egress = []conn.ExposureRow{}
	}
	if ingress == nil {
		ingress = []conn.ExposureRow{}
	}
	return enc.Encode(map[string]any{
		"connlist_results": rows,
		"exposure_results": map[string]any{"egress_exposure": egress, "ingress_exposure": ingress},
	})
}

func csvOut(w io.Writer, t conn.Table) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"src", "dst", "conn"})
	for _, r := range t.Rows {
		_ = cw.Write([]string{safetext.CSV(r.Src), safetext.CSV(r.Dst), safetext.CSV(r.ConnText())})
	}
	if t.Exposure {
		_ = cw.Write([]string{"exposure-workload", "direction", "peer", "conn"})
		for _, e := range append(append([]conn.ExposureRow{}, t.Egress...), t.Ingress...) {
			_ = cw.Write([]string{safetext.CSV(e.Workload), e.Direction, safetext.CSV(e.Peer), safetext.CSV(e.Conn)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func md(w io.Writer, t conn.Table) error {
	var b strings.Builder
	b.WriteString("| src | dst | conn |\n|-----|-----|------|\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", safetext.Markdown(r.Src), safetext.Markdown(r.Dst), safetext.Markdown(r.ConnText()))
	}
	if t.Exposure {
		b.WriteString("\n## Exposure Analysis Result\n\n| workload | direction | peer | conn |\n|----------|-----------|------|------|\n")
		for _, e := range append(append([]conn.ExposureRow{}, t.Egress...), t.Ingress...) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", safetext.Markdown(e.Workload), safetext.Markdown(e.Direction), safetext.Markdown(e.Peer), safetext.Markdown(e.Conn))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dot groups workloads by namespace (one cluster each), external ranges and
// the ingress controller outside, as netpol-analyzer's dot output does.
func dot(w io.Writer, t conn.Table) error {
	type peer struct{ id, ns, label string }
	peers := map[string]peer{}
	note := func(name, ns string, kind graph.NodeKind) {
		p := peer{id: name, label: name}
		if kind == graph.KindWorkload && ns != "" {
			p.ns = ns
			p.label = strings.TrimPrefix(name, ns+"/")
		}
		peers[name] = p
	}
	for _, r := range t.Rows {
		note(r.Src, r.SrcNamespace, r.SrcKind)
		note(r.Dst, r.DstNamespace, r.DstKind)
	}
	byNS := map[string][]peer{}
	var outside []peer
	for _, p := range peers {
		if p.ns == "" {
			outside = append(outside, p)
		} else {
			byNS[p.ns] = append(byNS[p.ns], p)
		}
	}
	var b strings.Builder
	b.WriteString("digraph {\n")
	var namespaces []string
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		list := byNS[ns]
		sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
		fmt.Fprintf(&b, "\tsubgraph %s {\n\t\tcolor=\"black\"\n\t\tfontcolor=\"black\"\n", dotID("cluster_"+ns))
		for _, p := range list {
			fmt.Fprintf(&b, "\t\t%s [label=%s color=\"blue\" fontcolor=\"blue\"]\n", dotID(p.id), dotLabel(p.label))
		}
		fmt.Fprintf(&b, "\t\tlabel=%s\n\t}\n", dotLabel(ns))
	}
	sort.Slice(outside, func(i, j int) bool { return outside[i].id < outside[j].id })
	for _, p := range outside {
		color := "red2"
		if strings.HasPrefix(p.id, "{") {
			color = "blue"
		}
		fmt.Fprintf(&b, "\t%s [label=%s color=%q fontcolor=%q]\n", dotID(p.id), dotLabel(p.label), color, color)
	}
	for _, r := range t.Rows {
		color := "gold2"
		if t.Mesh && r.Auth == graph.AuthPlaintext {
			color = "red2"
		} else if t.Mesh && r.Auth == graph.AuthMTLS {
			color = "darkgreen"
		}
		fmt.Fprintf(&b, "\t%s -> %s [label=%s color=%q fontcolor=\"darkgreen\"]\n", dotID(r.Src), dotID(r.Dst), dotLabel(r.ConnText()), color)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotID and dotLabel quote input-derived DOT IDs and labels.
func dotID(s string) string    { return `"` + safetext.DOTID(s) + `"` }
func dotLabel(s string) string { return `"` + safetext.DOTLabel(s) + `"` }
