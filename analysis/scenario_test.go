package analysis_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const scenarios = "../testdata/scenarios"

// TestScenarios runs every scenario folder through analysistest.Check.
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
			analysistest.Check(t, dir, res)
		})
	}
}

func analyzeDir(t *testing.T, dir string) *analysis.Result {
	t.Helper()
	inv := manifesttest.Load(t, filepath.Join(dir, "input.yaml"))
	opts, err := options.Parse(analysistest.Flags(t, dir), rules.PathRules())
	if err != nil {
		t.Fatalf("%s/flags: %v", dir, err)
	}
	m := model.New(inv, opts.Model)
	g, err := build.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	return analysis.Run(analysis.Input{Graph: g, Model: m, Config: opts.Analysis}, opts.Rules)
}
