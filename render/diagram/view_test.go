package diagram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/golden"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

func demoGraph(t testing.TB, dir string) (*graph.Graph, *analysis.Result) {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := l.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return g, rules.Analyze(g)
}

// TestGoldenDiagrams keeps the DOT and Mermaid of several scenarios and
// views as reviewed goldens.
func TestGoldenDiagrams(t *testing.T) {
	tests := []struct {
		name, dir string
		opts      Options
	}{
		{"demo-exposure", "../../testdata/demo", Options{View: ViewExposure}},
		{"demo-paths", "../../testdata/demo", Options{View: ViewPaths}},
		{"demo-focus-postgres", "../../testdata/demo", Options{View: ViewFull, Focus: "data/postgres"}},
		{"canonical-nginx", "../../testdata/scenarios/canonical-nginx-permissive-postgres", Options{View: ViewExposure}},
		{"broken-route", "../../testdata/scenarios/broken-route-strict-app", Options{View: ViewFull}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, res := demoGraph(t, tt.dir)
			tt.opts.Findings = res.Findings
			d, err := Select(g, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.name+".dot"), DOT(d, "shadowroute: "+tt.name))
			golden.Assert(t, filepath.Join("testdata", tt.name+".mmd"), Mermaid(d))
		})
	}
}

func TestExposureViewOfDemo(t *testing.T) {
	g, res := demoGraph(t, "../../testdata/demo")
	d, err := Select(g, Options{View: ViewExposure, Findings: res.Findings})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]NodeDetail{}
	for _, n := range d.Nodes {
		ids[n.ID] = n
	}
	for _, want := range []string{"internet:internet", "workload:data/postgres[StatefulSet]", "workload:data/redis[Deployment]", "route:Ingress payments/payments-legacy pay.example.com/"} {
		if _, ok := ids[want]; !ok {
			t.Errorf("exposure view lacks %s", want)
		}
	}
	if len(ids["workload:data/redis[Deployment]"].Findings) == 0 {
		t.Error("redis carries no finding index")
	}
	var onPath, plaintext int
	for _, e := range d.Edges {
		if e.OnPath {
			onPath++
		}
		if e.State == statePlaintext {
			plaintext++
		}
	}
	if onPath == 0 || plaintext == 0 {
		t.Errorf("onPath=%d plaintext=%d edges, want both > 0", onPath, plaintext)
	}
	svg, err := Layout(context.Background(), DOT(d, "demo"), FormatSVG, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>workload:data/postgres[StatefulSet]</title>", "cluster_data", stateColours[statePlaintext], "legend"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	js, err := json.Marshal(d)
	if err != nil || !strings.Contains(string(js), `"kind":"workload"`) {
		t.Errorf("JSON export: %v %s", err, js[:100])
	}
}

func TestCollapseKeepsPathsAndDatabases(t *testing.T) {
	g, res := demoGraph(t, "../../testdata/demo")
	d, err := Select(g, Options{View: ViewFull, CollapseThreshold: 1, Findings: res.Findings})
	if err != nil {
		t.Fatal(err)
	}
	var summaries int
	for _, n := range d.Nodes {
		if n.Collapsed > 0 {
			summaries++
		}
		if n.ID == "workload:data/postgres[StatefulSet]" && n.Collapsed > 0 {
			t.Error("database collapsed")
		}
	}
	if summaries == 0 {
		t.Error("threshold 1 collapsed nothing")
	}
	if _, err := Select(g, Options{View: "bogus"}); err == nil {
		t.Error("unknown view accepted")
	}
	if _, err := Select(g, Options{Focus: "nope/nope"}); err == nil {
		t.Error("unknown focus accepted")
	}
}

// TestFocusKeepsPathsThroughTheWorkload: on a synthetic cluster where
// every team's postgres may connect to the shared Ingress controller, the
// focus on one team's database draws that team's paths only: the
// controller is drawn (postgres reaches it) but not followed into the other
// teams' routes and workloads.
func TestFocusKeepsPathsThroughTheWorkload(t *testing.T) {
	inv := manifesttest.FromBytes(t, "synthetic.yaml", synthetic.Cluster(4, 10))
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	res := rules.Analyze(g)
	d, err := Select(g, Options{View: ViewFull, Focus: "team-1/postgres", Findings: res.Findings})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, n := range d.Nodes {
		kept[n.ID] = true
		if strings.HasPrefix(n.Namespace, "team-") && n.Namespace != "team-1" {
			t.Errorf("focus on team-1/postgres draws %s of another team", n.ID)
		}
	}
	if !kept["workload:team-1/postgres[StatefulSet]"] {
		t.Error("the focus itself is not drawn")
	}
	for _, e := range d.Edges {
		if !kept[e.From] || !kept[e.To] {
			t.Errorf("edge %s → %s leaves the drawn nodes", e.From, e.To)
		}
	}
}

// TestMaxNodesCollapsesNamespaces: a view over MaxNodes is drawn one node
// per namespace, databases and the traffic sources kept, and says what it
// collapsed; within MaxNodes (or without it) nothing is collapsed.
func TestMaxNodesCollapsesNamespaces(t *testing.T) {
	g, res := demoGraph(t, "../../testdata/demo")
	tests := []struct {
		name      string
		maxNodes  int
		collapsed bool
	}{
		{"no limit", 0, false},
		{"within the limit", 10000, false},
		{"over the limit", 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Select(g, Options{View: ViewFull, CollapseThreshold: -1, Findings: res.Findings, MaxNodes: tt.maxNodes})
			if err != nil {
				t.Fatal(err)
			}
			namespaces, databases, sources := 0, 0, 0
			for _, n := range d.Nodes {
				switch {
				case n.Kind == KindNamespace:
					namespaces++
					if n.Collapsed == 0 || !strings.HasPrefix(n.Label, "namespace "+n.Namespace+": ") {
						t.Errorf("namespace node %+v: no count or label", n)
					}
				case n.Attributes["database"] != "":
					databases++
				case n.Kind == graph.KindInternet:
					sources++
				case tt.collapsed && n.Namespace != "":
					t.Errorf("node %s of a namespace kept", n.ID)
				}
			}
			if databases != 2 || sources != 1 {
				t.Errorf("databases %d, internet %d drawn, want the demo's 2 and 1", databases, sources)
			}
			if got := namespaces > 0; got != tt.collapsed {
				t.Fatalf("namespace nodes %d, want collapsed=%t", namespaces, tt.collapsed)
			}
			if got := len(d.Collapsed) > 0; got != tt.collapsed {
				t.Fatalf("Collapsed %q, want statements=%t", d.Collapsed, tt.collapsed)
			}
			if tt.collapsed && !strings.Contains(d.Collapsed[0], "more than 5: every namespace is drawn as one node") {
				t.Errorf("first statement %q", d.Collapsed[0])
			}
			if tt.collapsed {
				whole, err := Select(g, Options{View: ViewFull, CollapseThreshold: -1, Findings: res.Findings})
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("the full view has %d nodes,", len(whole.Nodes)); !strings.HasPrefix(d.Collapsed[0], want) {
					t.Errorf("first statement %q, want it to start %q", d.Collapsed[0], want)
				}
			}
			for _, e := range d.Edges {
				if e.From == e.To {
					t.Errorf("self edge %+v", e)
				}
			}
		})
	}
}
