package diagram

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/graph"
)

// hostileDiagram has node IDs, names, labels and attributes that carry
// DOT, SVG/XML and Mermaid syntax, control and invisible characters.
func hostileDiagram() Diagram {
	ns := "shop\x1b[2J\r\n::add-mask::x"
	ids := []string{
		"workload:" + ns + "/web\"]; evil [label=\"x\\",
		"workload:" + ns + "/trailing\\",
		"route:Ingress " + ns + "/web<!-- a.example.com/`x`|&bogus;&#1;",
		"service:" + ns + "/two  spaces   three",
		"workload:a-b/%%{init: {\"theme\":\"dark\"}}%%",
		"workload:a_b/\u202egnp\ufffe\u2028",
		"internet:internet",
	}
	nss := []string{ns, ns, ns, ns, "a-b", "a_b", ""}
	kinds := []graph.NodeKind{"workload", "workload", "route", "service", "workload", "workload", "internet"}
	var d Diagram
	for i, id := range ids {
		d.Nodes = append(d.Nodes, NodeDetail{ID: id, Kind: kinds[i], Namespace: nss[i], Name: id[strings.LastIndexByte(id, '/')+1:], Label: id,
			Attributes: map[string]string{"mesh": "member=true (\x1b[31m\"injected\")", "evidence 1": "Deployment x (f\x00ile.yaml:1)"}})
	}
	for i := 1; i < len(ids); i++ {
		d.Edges = append(d.Edges, EdgeDetail{From: ids[i-1], To: ids[i], Kind: "network", State: statePlaintext,
			Attributes: map[string]string{"port": "5432", "match": "prefix /api\r\n::error::x<script>"}})
	}
	return d
}

func TestHostileDOTLaysOutAndKeepsTitles(t *testing.T) {
	d := hostileDiagram()
	svg, err := Layout(context.Background(), DOT(d, "shadowroute: in\x1b[2J\n::add-mask::dir \"q\" \\"), FormatSVG, time.Minute)
	if err != nil {
		t.Fatalf("Graphviz rejects the DOT: %v", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var titles []string
	inNode, inTitle := 0, false
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
			if tk.Name.Local == "g" {
				for _, a := range tk.Attr {
					if a.Name.Local == "class" && a.Value == "node" {
						inNode++
					}
				}
			}
			inTitle = tk.Name.Local == "title" && inNode > 0
		case xml.CharData:
			if inTitle {
				titles = append(titles, string(tk))
			}
		case xml.EndElement:
			if tk.Name.Local == "g" && inNode > 0 {
				inNode--
			}
			inTitle = false
		}
	}
	got := map[string]bool{}
	for _, s := range titles {
		if !strings.HasPrefix(s, "legend_") {
			got[s] = true
		}
	}
	if len(got) != len(d.Nodes) {
		t.Errorf("%d distinct node titles, want %d: %q", len(got), len(d.Nodes), titles)
	}
	for _, n := range d.Nodes {
		if !got[SVGTitle(n.ID)] {
			t.Errorf("no node titled SVGTitle(%q) = %q; titles: %q", n.ID, SVGTitle(n.ID), titles)
		}
	}
	// Graphviz also writes each node's name in an XML comment; escaped,
	// it cannot end the comment.
	for _, bad := range []string{"\x1b", "<script", "<!-- a.example", "\r"} {
		if strings.Contains(string(svg), bad) {
			t.Errorf("SVG holds raw input %q", bad)
		}
	}
}

func TestSVGTitleOfOrdinaryIDs(t *testing.T) {
	for _, id := range []string{"workload:data/postgres[StatefulSet]", "route:Ingress payments/payments-legacy pay.example.com/", "internet:internet"} {
		if got := SVGTitle(id); got != id {
			t.Errorf("SVGTitle(%q) = %q", id, got)
		}
	}
	if got, want := SVGTitle("a  b"), "a \u00a0b"; got != want {
		t.Errorf("SVGTitle of a double space = %q, want %q", got, want)
	}
}

var mermaidLine = regexp.MustCompile(`^(flowchart LR|  subgraph ns_\w+\["[^"]*"\]|  end|` +
	` {2,4}n\d+(\(\("[^"]*"\)\)|>"[^"]*"\]|\[/"[^"]*"/\]|\[\["[^"]*"\]\]|\[\("[^"]*"\)\]|\("[^"]*"\))|` +
	`  n\d+ (-->|==>|-\.->) n\d+|  linkStyle \d+ stroke:#[0-9a-f]{6}|  classDef \w+ [a-z0-9:#,-]+|  class n\d+ \w+|)$`)

func TestHostileMermaid(t *testing.T) {
	out := string(Mermaid(hostileDiagram()))
	if strings.Contains(out, "%%") || strings.ContainsAny(out, "`<&\\\x1b\r") {
		t.Errorf("Mermaid holds raw input:\n%s", out)
	}
	subgraphs := map[string]bool{}
	for n, line := range strings.Split(out, "\n") {
		if !mermaidLine.MatchString(line) {
			t.Errorf("line %d is not a statement Mermaid writes: %q", n+1, line)
		}
		if strings.HasPrefix(line, "  subgraph ") {
			id := strings.Fields(line)[1]
			id = id[:strings.IndexByte(id, '[')]
			if subgraphs[id] {
				t.Errorf("two namespaces share subgraph %s", id)
			}
			subgraphs[id] = true
		}
	}
	if len(subgraphs) != 3 {
		t.Errorf("%d subgraphs, want 3 (one per namespace): %v", len(subgraphs), subgraphs)
	}
}

// The JSON export carries the true values and prints safely.
func TestDiagramJSONRoundTrips(t *testing.T) {
	d := hostileDiagram()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\u202e") || strings.Contains(buf.String(), "\u2028") {
		t.Error("raw bidi or line separator in the JSON")
	}
	var back Diagram
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	for i := range d.Nodes {
		if back.Nodes[i].ID != d.Nodes[i].ID || back.Nodes[i].Attributes["mesh"] != d.Nodes[i].Attributes["mesh"] {
			t.Errorf("node %d changed: %q became %q", i, d.Nodes[i].ID, back.Nodes[i].ID)
		}
	}
	if back.Edges[0].Attributes["match"] != d.Edges[0].Attributes["match"] {
		t.Errorf("edge attribute changed: %q", back.Edges[0].Attributes["match"])
	}
}
