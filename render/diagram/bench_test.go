package diagram

import (
	"context"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

// BenchmarkExposureSVG2000Nodes lays out the exposure view of a synthetic
// cluster whose view holds about 2,000 nodes (collapsing off), from graph
// to SVG: Select, DOT and the Graphviz layout. Target: under 3 s.
func BenchmarkExposureSVG2000Nodes(b *testing.B) {
	inv := manifesttest.FromBytes(b, "synthetic.yaml", synthetic.Cluster(22, 30))
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	res := rules.Analyze(g)
	b.ResetTimer()
	var nodes int
	for i := 0; i < b.N; i++ {
		d, err := Select(g, Options{View: ViewExposure, CollapseThreshold: -1, Findings: res.Findings})
		if err != nil {
			b.Fatal(err)
		}
		nodes = len(d.Nodes)
		if _, err := Layout(context.Background(), DOT(d, "bench"), FormatSVG, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(nodes), "nodes")
}
