package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"
)

const folder = "../../testdata/rules"

// TestRules runs every case folder testdata/rules/<slug>/<case>/ with only
// that rule enabled: the findings must equal the hand-written expect.txt,
// and the JSON output the reviewed analyze.golden.
func TestRules(t *testing.T) {
	catalogue := map[string]bool{}
	for _, r := range All() {
		catalogue[r.Slug] = true
	}
	slugs, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]int{}
	for _, s := range slugs {
		if !s.IsDir() {
			continue
		}
		if !catalogue[s.Name()] {
			t.Errorf("testdata/rules/%s: no such rule in the catalogue", s.Name())
			continue
		}
		cases, err := os.ReadDir(filepath.Join(folder, s.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			dir := filepath.Join(folder, s.Name(), c.Name())
			slug := s.Name()
			t.Run(slug+"/"+c.Name(), func(t *testing.T) {
				res := runRule(t, dir, slug)
				for _, f := range res.Findings {
					located := false
					for _, e := range f.Evidence {
						if e.File != "" && e.Line > 0 {
							located = true
						}
					}
					if !located {
						t.Errorf("%s %s: no evidence with file:line", f.Rule, f.Target)
					}
				}
				analysistest.Check(t, dir, res)
			})
			tested[slug]++
		}
	}
	for _, r := range All() {
		if contains(analysis.PathRules(), r) {
			continue // the path rules have testdata/scenarios
		}
		if tested[r.Slug] < 2 {
			t.Errorf("rule %s has %d case folders; every rule needs a positive and a negative case", r.Slug, tested[r.Slug])
		}
		if _, err := os.Stat(filepath.Join("../..", r.Doc)); err != nil {
			t.Errorf("rule %s: docs page %s missing", r.Slug, r.Doc)
		}
	}
}

func contains(list []*analysis.Rule, r *analysis.Rule) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

func runRule(t *testing.T, dir, slug string) *analysis.Result {
	t.Helper()
	return analysistest.Run(t, dir, All(), "--enable", slug)
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
