package analysis_test

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/connectivity"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	conntext "github.com/shadowroute/shadowroute/render/connectivity"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/render/sarif"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

// benchSizes are the generator sizes the stage benchmarks run: small and
// medium always, large (100k pods) with SHADOWROUTE_BENCH_LARGE=1, since
// one iteration takes seconds (make bench-large).
func benchSizes() []synthetic.Size {
	out := []synthetic.Size{synthetic.Sizes["small"], synthetic.Sizes["medium"]}
	if os.Getenv("SHADOWROUTE_BENCH_LARGE") == "1" {
		out = append(out, synthetic.Sizes["large"])
	}
	return out
}

// writeSize writes a generated cluster (seed 1) to a temporary folder and
// returns it with its size in bytes.
func writeSize(b *testing.B, s synthetic.Size) (string, int64) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), s.Name)
	total, err := synthetic.Write(dir, s, 1)
	if err != nil {
		b.Fatal(err)
	}
	return dir, total
}

func loadDir(b *testing.B, dir string) *inventory.Inventory {
	b.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	inv, err := l.Load([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	return inv
}

// BenchmarkStages times each stage of `shadowroute analyze` on the
// generator's sizes: load (YAML from disk, MB/s), model, graph build, each
// rule alone (with the shared computations it needs), every rule together,
// connectivity and the JSON and SARIF renderers, and end to end.
func BenchmarkStages(b *testing.B) {
	for _, s := range benchSizes() {
		dir, bytes := writeSize(b, s)
		b.Run(s.Name+"/load", func(b *testing.B) {
			b.SetBytes(bytes)
			for i := 0; i < b.N; i++ {
				loadDir(b, dir)
			}
		})
		inv := loadDir(b, dir)
		b.Run(s.Name+"/model+graph", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := build.Build(model.New(inv, model.Options{})); err != nil {
					b.Fatal(err)
				}
			}
		})
		m := model.New(inv, model.Options{})
		g, err := build.Build(m)
		if err != nil {
			b.Fatal(err)
		}
		in := analysis.Input{Graph: g, Model: m}
		for _, r := range rules.All() {
			b.Run(s.Name+"/rule="+r.Slug, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					// A fresh model each time: its caches are part of a
					// rule's cost when it runs alone.
					analysis.Run(analysis.Input{Graph: g, Model: model.New(inv, model.Options{})}, []*analysis.Rule{r})
				}
			})
		}
		var res *analysis.Result
		b.Run(s.Name+"/every-rule", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res = analysis.Run(analysis.Input{Graph: g, Model: model.New(inv, model.Options{})}, rules.All())
			}
		})
		if res == nil {
			res = analysis.Run(in, rules.All())
		}
		b.Run(s.Name+"/connectivity", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cg, err := build.Connectivity(model.New(inv, model.Options{}), build.ConnectivityOptions{})
				if err != nil {
					b.Fatal(err)
				}
				connectivity.Read(cg, false, false, "")
			}
		})
		b.Run(s.Name+"/render-json", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := report.JSON(io.Discard, res); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.Name+"/render-sarif", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := sarif.Write(io.Discard, res, rules.All(), "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.Name+"/end-to-end", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				inv := loadDir(b, dir)
				m := model.New(inv, model.Options{})
				g, err := build.Build(m)
				if err != nil {
					b.Fatal(err)
				}
				res := analysis.Run(analysis.Input{Graph: g, Model: m}, rules.All())
				if err := report.JSON(io.Discard, res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(res.Findings)), "findings")
		})
	}
}

// BenchmarkNoRuleCostsMoreThanTheGraphBuild is a structural guard, not a
// timed test: on the medium size, every rule run alone must cost less than
// building the model and graph it reads (each the fastest of three runs).
// It fails, naming the rule, when one does; make bench runs it.
func BenchmarkNoRuleCostsMoreThanTheGraphBuild(b *testing.B) {
	dir, _ := writeSize(b, synthetic.Sizes["medium"])
	inv := loadDir(b, dir)
	fastest := func(f func()) time.Duration {
		best := time.Duration(math.MaxInt64)
		for i := 0; i < 3; i++ {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	for i := 0; i < b.N; i++ {
		buildCost := fastest(func() {
			if _, err := build.Build(model.New(inv, model.Options{})); err != nil {
				b.Fatal(err)
			}
		})
		g, err := build.Build(model.New(inv, model.Options{}))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rules.All() {
			cost := fastest(func() {
				analysis.Run(analysis.Input{Graph: g, Model: model.New(inv, model.Options{})}, []*analysis.Rule{r})
			})
			b.Logf("%-38s %7.1f ms (model and graph build %.1f ms)", r.Slug, float64(cost)/1e6, float64(buildCost)/1e6)
			if cost > buildCost {
				b.Errorf("rule %s costs %s on medium, more than the model and graph build (%s)", r.Slug, cost, buildCost)
			}
		}
	}
}

// BenchmarkConnectivityPolicyOnly times `shadowroute connectivity` (load,
// model, the all-pairs connectivity graph, table, text) on the NetworkPolicy-only shape of 500 and
// 10,000 workloads.
func BenchmarkConnectivityPolicyOnly(b *testing.B) {
	for _, size := range []struct {
		name                  string
		namespaces, workloads int
	}{{"500", 25, 20}, {"10000", 100, 100}} {
		data := synthetic.PolicyOnly(size.namespaces, size.workloads)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				l, err := manifest.NewLoader(manifest.Options{})
				if err != nil {
					b.Fatal(err)
				}
				inv := inventory.New()
				l.LoadBytes(inv, "policy-only.yaml", data)
				g, err := build.Connectivity(model.New(inv, model.Options{}), build.ConnectivityOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if err := conntext.Write(io.Discard, connectivity.Read(g, false, false, ""), "txt"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
