package analysis_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

func benchmarkCluster(b *testing.B, namespaces, apps int) {
	inv := manifesttest.FromBytes(b, "synthetic.yaml", synthetic.Cluster(namespaces, apps))
	b.ResetTimer()
	var findings int
	for i := 0; i < b.N; i++ {
		g, err := build.Build(model.New(inv, model.Options{}))
		if err != nil {
			b.Fatal(err)
		}
		findings = len(rules.Analyze(g).Findings)
	}
	b.ReportMetric(float64(len(inv.Workloads())), "workloads")
	b.ReportMetric(float64(findings), "findings")
}

func BenchmarkBuildAndAnalyze100Workloads(b *testing.B)  { benchmarkCluster(b, 10, 9) }
func BenchmarkBuildAndAnalyze500Workloads(b *testing.B)  { benchmarkCluster(b, 25, 19) }
func BenchmarkBuildAndAnalyze2000Workloads(b *testing.B) { benchmarkCluster(b, 50, 39) }

// TestSyntheticClusterFindings keeps the benchmark's input honest: every
// team database is reached through its PERMISSIVE web tier from nginx.
func TestSyntheticClusterFindings(t *testing.T) {
	inv := manifesttest.FromBytes(t, "synthetic.yaml", synthetic.Cluster(3, 2))
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	res := rules.Analyze(g)
	if len(res.Findings) != 3 {
		t.Fatalf("findings = %d, want 3 (one shadow-route per team database)", len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.Rule != "shadow-route" || f.Severity != analysis.High {
			t.Errorf("unexpected finding %s %s %s", f.Rule, f.Severity, f.Target)
		}
	}
}

// 10,000 workloads × 10 replicas: the 100,000-pod scale the roadmap names.
func BenchmarkBuildAndAnalyze10000Workloads(b *testing.B) { benchmarkCluster(b, 100, 99) }

// BenchmarkBlastRadius1000Workloads times the credential blast radius alone
// (privileged-credential-on-public-route and --blast-radius read it) on the
// synthetic cluster's graph, built once.
func BenchmarkBlastRadius1000Workloads(b *testing.B) {
	inv := manifesttest.FromBytes(b, "synthetic.yaml", synthetic.Cluster(20, 50))
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var entries int
	for i := 0; i < b.N; i++ {
		entries = len(blastradius.Compute(g, inv, blastradius.AnyPivots))
	}
	b.ReportMetric(float64(entries), "routes")
}
