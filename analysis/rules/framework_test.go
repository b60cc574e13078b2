package rules

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/passes/weaktls"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

// frameworkInputs are inputs on which every rule has something to say: the
// demo and every rule case folder.
func frameworkInputs(t *testing.T) []string {
	t.Helper()
	dirs := []string{"../../testdata/demo"}
	matches, err := filepath.Glob(filepath.Join("..", "passes", "*", "testdata", "*", "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return append(dirs, matches...)
}

func loadModel(t *testing.T, path string) (*model.Model, *analysis.Input) {
	t.Helper()
	inv := manifesttest.Load(t, path)
	m := model.New(inv, model.Options{})
	g, err := build.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, &analysis.Input{Graph: g, Model: m, Config: analysis.Config{Now: analysistest.Now}}
}

// TestNeedsDeclared: a rule uses only the shared computations it declares,
// so the driver can skip the others (--enable weak-tls runs no path search).
func TestNeedsDeclared(t *testing.T) {
	for _, path := range frameworkInputs(t) {
		_, in := loadModel(t, path)
		res, used := analysis.RunTrace(*in, All())
		for r, u := range used {
			if r != nil && u&^r.Needs != 0 {
				t.Errorf("%s: rule %s used %b but declares Needs %b", path, r.Slug, u, r.Needs)
			}
		}
		if !res.PathSearch {
			t.Errorf("%s: the full catalogue ran no path search", path)
		}
	}
	_, in := loadModel(t, "../../testdata/demo")
	weak, err := analysis.Selected(All(), analysis.Config{Enable: []string{"weak-tls"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, used := analysis.RunTrace(*in, weak); res.PathSearch || len(res.Targets) != 0 || used[weaktls.Rule] != 0 {
		t.Errorf("--enable weak-tls: path search %v, %d targets, used %b", res.PathSearch, len(res.Targets), used[weaktls.Rule])
	}
}

// TestRulesAreIndependent: a rule's findings are the same whether it runs
// alone or with the whole catalogue, so disabling one rule never changes
// another's results.
func TestRulesAreIndependent(t *testing.T) {
	if _, err := os.Stat("../../testdata/demo"); err != nil {
		t.Fatal(err)
	}
	for _, path := range frameworkInputs(t) {
		_, in := loadModel(t, path)
		all := analysis.Run(*in, All())
		for _, r := range All() {
			alone := analysis.Run(*in, []*analysis.Rule{r})
			if got, want := ofRule(alone.Findings, r.Slug), ofRule(all.Findings, r.Slug); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: rule %s alone gives %d findings, with the catalogue %d", path, r.Slug, len(got), len(want))
			}
		}
	}
}

func ofRule(fs []analysis.Finding, slug string) []analysis.Finding {
	var out []analysis.Finding
	for _, f := range fs {
		if f.Rule == slug {
			out = append(out, f)
		}
	}
	return out
}

// TestFindingsCarryDeclaredCodes: every finding on every case folder and
// the demo carries a code its rule declares, at that message's level; every
// declared code is emitted by some case folder (each message has a
// positive case).
func TestFindingsCarryDeclaredCodes(t *testing.T) {
	emitted := map[string]bool{}
	for _, path := range append(frameworkInputs(t), scenarioInputs(t)...) {
		_, in := loadModel(t, path)
		for _, f := range analysis.Run(*in, All()).Findings {
			r := bySlug(f.Rule)
			m, ok := r.Message(f.Code)
			switch {
			case !ok:
				t.Errorf("%s: %s finding with undeclared code %q: %s", path, f.Rule, f.Code, f.Message)
			case m.Level != f.Severity:
				t.Errorf("%s: %s %s at %s, but the catalogue says %s", path, f.Rule, f.Code, f.Severity, m.Level)
			}
			emitted[f.Code] = true
		}
	}
	for _, r := range All() {
		for _, m := range r.Messages {
			if !emitted[m.Code] {
				t.Errorf("%s %s (%s) is emitted by no case folder or scenario", r.Slug, m.Code, m.Summary)
			}
		}
	}
}

func scenarioInputs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"../../testdata/scenarios/*/input.yaml", "../../testdata/ambient/*/input.yaml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, matches...)
	}
	return out
}

func bySlug(slug string) *analysis.Rule {
	for _, r := range All() {
		if r.Slug == slug {
			return r
		}
	}
	return nil
}
