package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
)

// TestEveryRuleHasCasesBesideIt: every rule is a package under
// analysis/passes with its case folders in the package's testdata
// directory, a test running them (analysistest.RunCases) and a docs page
// (the path rules are also judged by every folder of testdata/scenarios).
// The package is found from the rule's Run function.
func TestEveryRuleHasCasesBesideIt(t *testing.T) {
	const prefix = "github.com/shadowroute/shadowroute/analysis/passes/"
	for _, r := range All() {
		fn := runtime.FuncForPC(reflect.ValueOf(r.Run).Pointer()).Name()
		pkg, _, _ := strings.Cut(strings.TrimPrefix(fn, prefix), ".")
		if !strings.HasPrefix(fn, prefix) || pkg == "" {
			t.Errorf("rule %s: Run is %s, not in a package under analysis/passes", r.Slug, fn)
			continue
		}
		dir := filepath.Join("..", "passes", pkg)
		entries, err := os.ReadDir(filepath.Join(dir, "testdata"))
		if err != nil {
			t.Errorf("rule %s: %v", r.Slug, err)
			continue
		}
		cases := 0
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(dir, "testdata", e.Name(), "expect.txt")); e.IsDir() && err == nil {
				cases++
			}
		}
		if cases < 2 {
			t.Errorf("rule %s has %d case folders in %s/testdata; every rule needs a positive and a negative case", r.Slug, cases, dir)
		}
		src, err := os.ReadFile(filepath.Join(dir, "cases_test.go"))
		if err != nil || !strings.Contains(string(src), "analysistest.RunCases") {
			t.Errorf("rule %s: %s/cases_test.go does not run its cases (analysistest.RunCases)", r.Slug, dir)
		}
		if _, err := os.Stat(filepath.Join("../..", r.Doc)); err != nil {
			t.Errorf("rule %s: docs page %s missing", r.Slug, r.Doc)
		}
	}
}

func TestCatalogueIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if r.Slug == "" || r.Title == "" || r.Summary == "" || r.Doc == "" || r.Run == nil || r.Severity.Rank() < 0 {
			t.Errorf("rule %+v is incomplete", r)
		}
		if seen[r.Slug] {
			t.Errorf("duplicate slug %s", r.Slug)
		}
		seen[r.Slug] = true
	}
	codes := map[string]bool{}
	for i, r := range All() {
		if len(r.Messages) == 0 {
			t.Errorf("rule %s declares no message", r.Slug)
		}
		hasDefault := false
		for _, m := range r.Messages {
			if !strings.HasPrefix(m.Code, fmt.Sprintf("SR%02d", i+1)) || len(m.Code) != 6 || m.Summary == "" || m.Level.Rank() < 0 {
				t.Errorf("rule %s (number %d in the catalogue): bad message %+v", r.Slug, i+1, m)
			}
			if codes[m.Code] {
				t.Errorf("duplicate code %s", m.Code)
			}
			codes[m.Code] = true
			hasDefault = hasDefault || m.Level == r.Severity
		}
		if !hasDefault {
			t.Errorf("rule %s: default severity %s is the level of none of its messages", r.Slug, r.Severity)
		}
	}
	if _, err := analysis.Selected(All(), analysis.Config{Severity: map[string]analysis.Severity{"SR0701": analysis.Low}}); err != nil {
		t.Errorf("--severity by code refused: %v", err)
	}
	if _, err := analysis.Selected(All(), analysis.Config{Severity: map[string]analysis.Severity{"SR9999": analysis.Low}}); err == nil {
		t.Error("--severity with an unknown code accepted")
	}
	if _, err := analysis.Selected(All(), analysis.Config{Enable: []string{"nope"}}); err == nil {
		t.Error("unknown --enable accepted")
	}
	sel, err := analysis.Selected(All(), analysis.Config{Disable: []string{"shadow-route"}})
	if err != nil || len(sel) != len(All())-1 {
		t.Errorf("--disable: %d rules, %v", len(sel), err)
	}
}
