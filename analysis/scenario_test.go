package analysis_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/render/golden"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const scenarios = "../testdata/scenarios"

// TestScenarios runs every scenario folder: the findings must equal the
// hand-written expect.txt (rule, severity, target), and the full JSON output
// must equal analyze.golden (JSON; not named .json so that loading the folder reads only the manifests) (regenerate with -update and review).
func TestScenarios(t *testing.T) {
	dirs, err := os.ReadDir(scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(scenarios, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			res := analyzeDir(t, dir)
			var got []string
			for _, f := range res.Findings {
				got = append(got, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.Target))
			}
			sort.Strings(got)
			want := golden.Expectations(t, filepath.Join(dir, "expect.txt"))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				var text bytes.Buffer
				_ = report.Text(&text, res)
				t.Errorf("findings:\n  %s\nwant:\n  %s\nreport:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), text.String())
			}
			var js bytes.Buffer
			if err := report.JSON(&js, res); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join(dir, "analyze.golden"), js.Bytes())
		})
	}
}

func analyzeDir(t *testing.T, dir string) *analysis.Result {
	t.Helper()
	inv := manifesttest.Load(t, filepath.Join(dir, "input.yaml"))
	g, err := build.Build(inv, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return analysis.Analyze(g)
}
