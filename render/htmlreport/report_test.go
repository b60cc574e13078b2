package htmlreport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const demoDir = "../../testdata/demo"

// pipeline runs the real loader, graph builder, analysis and diagram view
// on the given paths.
func pipeline(t *testing.T, paths ...string) (*analysis.Result, diagram.Diagram) {
	t.Helper()
	inv := manifesttest.Load(t, paths...)
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	res := rules.Analyze(g)
	d, err := diagram.Select(g, diagram.Options{View: diagram.ViewExposure, Findings: res.Findings})
	if err != nil {
		t.Fatal(err)
	}
	return res, d
}

// testSVG lays out a minimal DOT drawing of the diagram with Graphviz, so
// that the SVG has Graphviz's real structure (<g class="node"><title>ID…,
// entity-escaped titles, viewBox, XML prolog). The project's DOT writer is
// not used: this package only needs the node IDs to match.
func testSVG(t *testing.T, d diagram.Diagram) []byte {
	t.Helper()
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	colour := map[string]string{"plaintext": "#c0392b", "mtls-unrestricted": "#d68910", "mtls-restricted": "#1e8449", "broken": "#7f8c8d"}
	shape := map[string]string{"internet": "doubleoctagon", "private-network": "doubleoctagon", "entrypoint": "cds", "route": "note", "service": "ellipse", "workload": "box", "external": "oval"}
	var b strings.Builder
	b.WriteString("digraph shadowroute {\n  rankdir=LR; nodesep=0.35; ranksep=0.6;\n  node [fontname=\"Helvetica\" fontsize=11 style=\"rounded,filled\" fillcolor=\"#f7f9fc\" color=\"#5d6d7e\"];\n  edge [color=\"#95a5a6\" arrowsize=0.7];\n")
	for _, n := range d.Nodes {
		sh := shape[string(n.Kind)]
		if sh == "" {
			sh = "box"
		}
		fill := "#f7f9fc"
		if n.Attributes["database"] != "" {
			sh, fill = "cylinder", "#fdebd0"
		}
		fmt.Fprintf(&b, "  %s [label=%s shape=%s fillcolor=%q];\n", q(n.ID), q(n.Label), sh, fill)
	}
	for _, e := range d.Edges {
		c := colour[e.State]
		if c == "" {
			c = "#95a5a6"
		}
		w := "1"
		if e.OnPath {
			w = "2.5"
		}
		fmt.Fprintf(&b, "  %s -> %s [color=%q penwidth=%s];\n", q(e.From), q(e.To), c, w)
	}
	b.WriteString("}\n")
	svg, err := diagram.Layout(context.Background(), []byte(b.String()), diagram.FormatSVG, time.Minute)
	if err != nil {
		t.Fatalf("laying out the test diagram: %v", err)
	}
	return svg
}

func demoInput(t *testing.T, paths ...string) Input {
	t.Helper()
	res, d := pipeline(t, paths...)
	return Input{
		Title:   "shadowroute report",
		Sources: paths,
		Result:  res,
		SVG:     testSVG(t, d),
		Diagram: d,
	}
}

func render(t *testing.T, in Input) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var (
	// Any attribute that makes a browser fetch, pointing off the page.
	externalAttr = regexp.MustCompile(`(?i)(?:^|[\s"'<])(?:src|href|xlink:href|action|formaction|poster|background|srcset|data|manifest|ping)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)`)
	externalCSS  = regexp.MustCompile(`(?i)url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)|@import`)
	dataScript   = regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`)
	eventAttr    = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	tagRE        = regexp.MustCompile(`(?is)<(script|link|img|iframe|object|embed|video|audio|source|base)\b[^>]*>`)
)

// checkSelfContained fails on anything that would load a resource from
// elsewhere. data: URLs are allowed (the empty favicon).
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, m := range externalAttr.FindAllString(page, -1) {
		if !strings.Contains(strings.ToLower(m), "data:") {
			t.Errorf("external resource reference: %q", m)
		}
	}
	if m := externalCSS.FindString(page); m != "" && !strings.Contains(m, "data:") {
		t.Errorf("external CSS reference: %q", m)
	}
	for _, tag := range tagRE.FindAllString(page, -1) {
		low := strings.ToLower(tag)
		switch {
		case strings.HasPrefix(low, "<script") && !strings.Contains(low, "src"):
		case strings.HasPrefix(low, "<link") && strings.Contains(low, `href="data:`):
		default:
			t.Errorf("element that may load something: %s", tag)
		}
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) {
		t.Error("no Content-Security-Policy forbidding network access")
	}
}

func TestReportFromDemo(t *testing.T) {
	in := demoInput(t, demoDir)
	res := in.Result
	if len(res.Findings) == 0 {
		t.Fatal("the demo has no findings: nothing to test")
	}
	page := render(t, in)

	checkSelfContained(t, page)

	if got := strings.Count(page, `<tr class="finding-row`); got != len(res.Findings) {
		t.Errorf("findings table has %d rows, want %d (one per finding)", got, len(res.Findings))
	}
	if got := strings.Count(page, `<tbody class="finding"`); got != len(res.Findings) {
		t.Errorf("%d finding groups, want %d", got, len(res.Findings))
	}
	for i, f := range res.Findings {
		row := fmt.Sprintf(`id="finding-%d" data-index="%d" data-severity="%s" data-rule="%s" data-namespace="%s"`, i+1, i, f.Severity, f.Rule, f.Target.Namespace)
		if !strings.Contains(page, row) {
			t.Errorf("finding %d: no row %s", i+1, row)
		}
		// Every hop label, every evidence line is in the detail.
		for _, h := range f.Path {
			if !strings.Contains(page, html.EscapeString(h.Node.Label)) {
				t.Errorf("finding %d: hop %q missing", i+1, h.Node.Label)
			}
		}
		for _, ev := range f.Evidence {
			if !strings.Contains(page, html.EscapeString(ev.String())) {
				t.Errorf("finding %d: evidence %q missing", i+1, ev.String())
			}
		}
	}
	// The plaintext hop is tagged as in the text report.
	if !strings.Contains(page, `<span class="tag tag-plaintext">plaintext</span>`) {
		t.Error("no plaintext tag on the witness paths")
	}

	// Inline JSON parses, and is the result and the diagram.
	m := dataScript.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline JSON data")
	}
	var data struct {
		Title   string          `json:"title"`
		Sources []string        `json:"sources"`
		Result  analysis.Result `json:"result"`
		Diagram diagram.Diagram `json:"diagram"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("inline JSON does not parse: %v\n%s", err, m[1])
	}
	if len(data.Result.Findings) != len(res.Findings) || data.Result.SchemaVersion != res.SchemaVersion {
		t.Errorf("inline JSON has %d findings (schema %q), want %d (%q)", len(data.Result.Findings), data.Result.SchemaVersion, len(res.Findings), res.SchemaVersion)
	}
	if len(data.Diagram.Nodes) != len(in.Diagram.Nodes) || len(data.Diagram.Edges) != len(in.Diagram.Edges) {
		t.Errorf("inline JSON diagram has %d nodes %d edges, want %d %d", len(data.Diagram.Nodes), len(data.Diagram.Edges), len(in.Diagram.Nodes), len(in.Diagram.Edges))
	}
	onPath := 0
	for _, n := range data.Diagram.Nodes {
		onPath += len(n.Findings)
	}
	if onPath == 0 {
		t.Error("no diagram node lists a finding")
	}

	// The SVG is inline, without its XML prolog, and every diagram node is
	// a <g class="node"> whose <title> is its ID.
	if strings.Count(page, "<svg") != 1 {
		t.Errorf("want exactly one inline <svg>, have %d", strings.Count(page, "<svg"))
	}
	if strings.Contains(page, "<?xml") || strings.Contains(page, "<!DOCTYPE svg") {
		t.Error("SVG prolog left in the page")
	}
	for _, n := range in.Diagram.Nodes {
		if !strings.Contains(page, `<title>`+html.EscapeString(n.ID)+`</title>`) {
			t.Errorf("diagram node %q has no <title> in the SVG", n.ID)
		}
	}
	if !strings.Contains(page, `class="node"`) || !strings.Contains(page, `viewBox="`) {
		t.Error("SVG lacks node groups or a viewBox")
	}
	if strings.Contains(page, "diagram not rendered") || strings.Contains(page, "Diagram not rendered") {
		t.Error("says the diagram was not rendered")
	}

	// Deterministic.
	if again := render(t, in); again != page {
		t.Error("two renders of the same input differ")
	}
}

func TestReportWithoutDiagram(t *testing.T) {
	res, d := pipeline(t, demoDir)
	page := render(t, Input{Title: "shadowroute report", Sources: []string{demoDir}, Result: res, Diagram: d,
		Note: "the graph has 2400 nodes, more than --diagram-max-nodes 1500"})
	checkSelfContained(t, page)
	if !strings.Contains(page, "Diagram not rendered</strong>: the graph has 2400 nodes, more than --diagram-max-nodes 1500") {
		t.Error("missing diagram is not explained with the note")
	}
	if strings.Contains(page, "<svg") {
		t.Error("an <svg> without a diagram")
	}
	page = render(t, Input{Result: res})
	if !strings.Contains(page, "Diagram not rendered</strong>: no diagram was produced") {
		t.Error("missing diagram without a note is not explained")
	}
	if !strings.Contains(page, "<title>shadowroute report</title>") {
		t.Error("default title missing")
	}
}

func TestReportEmptyResult(t *testing.T) {
	res := &analysis.Result{SchemaVersion: "1", Findings: []analysis.Finding{}, Targets: []analysis.Target{},
		NotSeen: []string{"Namespace data (sidecar injection unknown)"}}
	page := render(t, Input{Result: res})
	if !strings.Contains(page, "No shadow routes found in what was loaded") || !strings.Contains(page, "Namespace data (sidecar injection unknown)") {
		t.Error("empty result with not-seen entries is not explained")
	}
	if strings.Contains(page, `<tr class="finding-row`) {
		t.Error("finding rows without findings")
	}
	if err := Write(&bytes.Buffer{}, Input{}); err == nil {
		t.Error("nil result accepted")
	}
}

// Hostile text in the input (names come from manifests, titles from flags)
// must stay text, and a hostile SVG must lose anything active or remote.
func TestReportEscaping(t *testing.T) {
	evil := `</script><script>alert(1)</script><img src=x onerror=alert(2)>`
	res := &analysis.Result{
		SchemaVersion: "1",
		Findings: []analysis.Finding{{
			Rule: "shadow-route", Severity: analysis.Critical, Title: "t", Message: evil,
			Target: analysis.Ref{Kind: "Deployment", Namespace: `ns"><b>x`, Name: evil},
			Path: []analysis.Hop{
				{Node: analysis.HopNode{Kind: "internet", Name: "internet", Label: "internet"}},
				{Node: analysis.HopNode{Kind: "workload", Namespace: "n", Name: "w", Label: evil, Port: 5432},
					Edge: &analysis.HopEdge{Kind: "network", Auth: "plaintext", AuthReason: evil}},
			},
			Assumptions: []string{evil},
		}},
		NotSeen: []string{evil},
	}
	svg := `<?xml version="1.0"?><!DOCTYPE svg><svg width="100pt" height="50pt" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(3)">` +
		`<style>@import url(https://evil.example/x.css);</style><script>alert(4)</script>` +
		`<g class="node" onclick="alert(5)"><title>a&#45;&gt;b &lt;/script&gt;</title><a xlink:href="https://evil.example/"><text>t</text></a>` +
		`<image href="https://evil.example/i.png"/><rect fill="url(https://evil.example/f)" stroke="url(#grad)"/></g>` +
		`<foreignObject><div>x</div></foreignObject></svg>`
	page := render(t, Input{Title: evil, Sources: []string{evil}, Result: res, SVG: []byte(svg),
		Diagram: diagram.Diagram{Nodes: []diagram.NodeDetail{{ID: "a->b </script>", Kind: "workload", Name: evil, Label: evil, Findings: []int{0}}}}})
	checkSelfContained(t, page)
	for _, bad := range []string{"<script>alert", "<img", "evil.example", "<b>x", "foreignObject", "<style>@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if m := eventAttr.FindString(page); m != "" {
		t.Errorf("event handler attribute in the page: %q", m)
	}
	if got := strings.Count(page, "<script"); got != 2 {
		t.Errorf("%d <script> elements, want 2 (data and code)", got)
	}
	if !strings.Contains(page, `<title>a-&gt;b &lt;/script&gt;</title>`) || !strings.Contains(page, `stroke="url(#grad)"`) || !strings.Contains(page, `viewBox="0 0 100 50"`) {
		t.Errorf("sanitised SVG lost what it should keep:\n%s", page[strings.Index(page, "<svg"):strings.Index(page, "</svg>")])
	}
	m := dataScript.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline JSON data")
	}
	var data struct {
		Result analysis.Result `json:"result"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("inline JSON does not parse: %v", err)
	}
	if data.Result.Findings[0].Message != evil {
		t.Errorf("inline JSON changed the message: %q", data.Result.Findings[0].Message)
	}
	if _, err := inlineSVG([]byte(`<html></html>`)); err == nil {
		t.Error("non-SVG diagram accepted")
	}
}

func TestSeverityColoursAndFilters(t *testing.T) {
	page := render(t, demoInput(t, demoDir, filepath.Join("testdata", "legacy-broken-route.yaml")))
	for _, want := range []string{
		`<select id="filter-severity" name="severity">`, `<option value="high">high (2)</option>`, `<option value="medium">medium (1)</option>`,
		`<select id="filter-rule" name="rule">`, `<option value="shadow-route">`, `<option value="broken-route">`,
		`<select id="filter-namespace" name="namespace">`, `<option value="data">`, `<option value="legacy">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, sev := range severities {
		if !strings.Contains(css, ".sev-"+string(sev)+" {") {
			t.Errorf("no colour for severity %s", sev)
		}
	}
}

// Without an SVG, hops are not links into a diagram that is not there.
func TestNoDiagramLinksWithoutSVG(t *testing.T) {
	res, d := pipeline(t, demoDir)
	page := render(t, Input{Result: res, Diagram: d})
	if strings.Contains(page, `class="node-link"`) || strings.Contains(page, `class="btn btn-small show-path"`) {
		t.Error("links into a diagram that was not rendered")
	}
	page = render(t, Input{Result: res, Diagram: d, SVG: testSVG(t, d)})
	if !strings.Contains(page, `class="node-link"`) || !strings.Contains(page, `class="btn btn-small show-path"`) {
		t.Error("no links from witness paths into the diagram")
	}
}
