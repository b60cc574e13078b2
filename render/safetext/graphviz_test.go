package safetext_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// TestDOTEscapesMakeWellFormedSVG writes every hostile value as a node ID,
// a cluster name, a label and a tooltip, lets Graphviz parse the DOT and
// lay it out, and parses the SVG as strict XML: the DOT must parse, the SVG
// must be well-formed, every node must keep its own name (the <title>), and
// every label must show exactly Text(value).
func TestDOTEscapesMakeWellFormedSVG(t *testing.T) {
	values := append([]string{}, hostileDOT...)
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"a", " ", "\\", "\\", "\"", "&", "&amp;", "&#1;", "&#27;", "&bogus;", "&nbsp;", ";", "#", "<", ">",
		"\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\u0085", "\ufffe", "\uffff", "\u202e", "\xff", "N", "G", "n", "l", "{", "|", "}", "é", "🐘"}
	for i := 0; i < 150; i++ {
		var b strings.Builder
		for j := 1 + rng.Intn(12); j > 0; j-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		values = append(values, b.String())
	}
	var dot strings.Builder
	dot.WriteString("digraph g {\n  graph [label=\"" + safetext.DOTLabel(values[3]) + "\"];\n")
	want := map[string]string{} // node name in the SVG -> label line
	for i, v := range values {
		id := fmt.Sprintf("n%d:", i) + v // distinct even when values repeat
		fmt.Fprintf(&dot, "  subgraph \"%s\" { label=\"%s\";\n", safetext.DOTID("cluster_"+id), safetext.DOTLabel(v))
		fmt.Fprintf(&dot, "    \"%s\" [label=\"%s\\n%s\", tooltip=\"%s\"];\n  }\n",
			safetext.DOTID(id), safetext.DOTLabel(v), safetext.DOTLabel("second line"), safetext.DOTLabel(v+"\n"+v))
		if i > 0 {
			fmt.Fprintf(&dot, "  \"%s\" -> \"%s\" [label=\"%s\"];\n", safetext.DOTID(fmt.Sprintf("n%d:", i-1)+values[i-1]), safetext.DOTID(id), safetext.DOTLabel(v))
		}
		want[svgName(safetext.DOTID(id))] = safetext.Text(v)
	}
	dot.WriteString("}\n")
	svg, err := diagram.Layout(context.Background(), []byte(dot.String()), diagram.FormatSVG, 2*time.Minute)
	if err != nil {
		t.Fatalf("Graphviz rejected the escaped DOT: %v", err)
	}
	titles, texts := readSVG(t, svg)
	t.Logf("%d nodes, %d titles, %d texts", len(want), len(titles), len(texts))
	got := map[string]bool{}
	for _, title := range titles {
		got[title] = true
	}
	for name := range want {
		if !got[name] {
			t.Errorf("no node titled %q in the SVG", name)
		}
	}
	shown := map[string]bool{}
	for _, tx := range texts {
		shown[norm(tx)] = true
	}
	for name, label := range want {
		if norm(label) != "" && !shown[norm(label)] {
			t.Errorf("node %q: label %q is not shown as such", name, label)
		}
	}
}

// hostileDOT are values aimed at DOT and SVG in particular.
var hostileDOT = []string{
	"plain", `"]; evil [label="x`, `trailing\`, `\"`, `\\`, `\N \G \E \T \H \L \n \l \r`, "a\nb\r\nc",
	"\x1b[2J", "\x00", "\ufffe\uffff", "\u202egnp", "\xff\xfe", "&bogus;", "&amp;bogus;", "&#1;", "&#27;[2J", "&nbsp;",
	"&#xFFFE;", "&lt;script&gt;", "<script>alert(1)</script>", "<b>html</b>", "{record|fields}", "a]]>b", "-->", "é 🐘",
}

// svgName is the node name Graphviz sees for "escaped": \" is a quote and
// &amp; (after XML decoding of the title) is "&".
func svgName(escaped string) string {
	return strings.NewReplacer(`\"`, `"`, "&amp;", "&").Replace(escaped)
}

// norm folds the spaces Graphviz writes as no-break spaces, and its
// trimming of a label line's ends.
func norm(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
}

// readSVG parses svg as strict XML and returns the node <title>s and all
// <text> contents.
func readSVG(t *testing.T, svg []byte) (titles, texts []string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	var stack []string
	var classes []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			class := ""
			for _, a := range tk.Attr {
				if a.Name.Local == "class" {
					class = a.Value
				}
			}
			stack = append(stack, tk.Name.Local)
			classes = append(classes, class)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			classes = classes[:len(classes)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			switch stack[len(stack)-1] {
			case "title":
				if len(classes) >= 2 && classes[len(classes)-2] == "node" {
					titles = append(titles, string(tk))
				}
			case "text":
				texts = append(texts, string(tk))
			}
		}
	}
	return titles, texts
}
