package analysis

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Input is what rules read.
type Input struct {
	Graph *graph.Graph
	// Inventory is the loaded objects (rules that read annotations, Secrets
	// or ConfigMaps need it; nil means none of them can look).
	Inventory *inventory.Inventory
	Config    Config
}

// Config selects and tunes rules.
type Config struct {
	// Enable, when not empty, runs only these rules.
	Enable []string
	// Disable skips these rules.
	Disable []string
	// Severity overrides the severity of every finding of a rule.
	Severity map[string]Severity
	// Now is the time certificate checks measure against (zero: time.Now).
	Now time.Time
	// CertExpiryWarn is how early an expiring certificate is reported
	// (zero: 30 days).
	CertExpiryWarn time.Duration
	// SensitivePaths overrides the sensitive-path rule's list.
	SensitivePaths []string
	// RootNamespace is Istio's mesh root namespace (default istio-system).
	RootNamespace string
}

// Pass is one rule's view of the input.
type Pass struct {
	Graph     *graph.Graph
	Inventory *inventory.Inventory
	Config    Config
	// Rule is the rule being run.
	Rule  *Rule
	paths *pathResults
}

// Mesh returns the Istio semantics over the pass's inventory, with the
// configured root namespace.
func (p *Pass) Mesh() mesh.Env {
	root := p.Config.RootNamespace
	if root == "" {
		root = mesh.DefaultRootNamespace
	}
	return mesh.Env{Inv: p.Inventory, RootNamespace: root, TrustDomain: mesh.DefaultTrustDomain}
}

// Paths returns the shared path search, computed once per run.
func (p *Pass) Paths() *pathResults {
	if p.paths == nil {
		p.paths = searchPaths(p.Graph)
	}
	return p.paths
}

// Finding builds a finding of the pass's rule with its default severity.
func (p *Pass) Finding(target Ref, message string, evidence ...graph.Evidence) Finding {
	return Finding{Rule: p.Rule.Slug, Severity: p.Rule.Severity, Title: p.Rule.Title, Message: message, Target: target,
		Path: []Hop{}, Evidence: evidence, Assumptions: []string{}}
}

// Selected returns the rules of the catalogue the configuration enables, or
// an error naming an unknown slug.
func Selected(catalogue []*Rule, cfg Config) ([]*Rule, error) {
	known := map[string]bool{}
	for _, r := range catalogue {
		known[r.Slug] = true
	}
	check := func(flag string, slugs []string) error {
		for _, s := range slugs {
			if !known[s] {
				return fmt.Errorf("%s: unknown rule %q (see shadowroute rules)", flag, s)
			}
		}
		return nil
	}
	if err := check("--enable", cfg.Enable); err != nil {
		return nil, err
	}
	if err := check("--disable", cfg.Disable); err != nil {
		return nil, err
	}
	for slug := range cfg.Severity {
		if !known[slug] {
			return nil, fmt.Errorf("--severity: unknown rule %q (see shadowroute rules)", slug)
		}
	}
	var out []*Rule
	for _, r := range catalogue {
		if len(cfg.Enable) > 0 && !contains(cfg.Enable, r.Slug) {
			continue
		}
		if contains(cfg.Disable, r.Slug) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Run runs the rules over the input and assembles the result: findings
// sorted, targets, what was not seen, and the summary.
func Run(in Input, rules []*Rule) *Result {
	g := in.Graph
	res := &Result{SchemaVersion: SchemaVersion, Findings: []Finding{}, Targets: []Target{}, NotSeen: append([]string{}, g.NotSeen...)}
	shared := &Pass{Graph: g, Inventory: in.Inventory, Config: in.Config}
	for _, r := range rules {
		pass := *shared
		pass.Rule = r
		found := r.Run(&pass)
		shared.paths = pass.paths
		for _, f := range found {
			if sev, ok := in.Config.Severity[r.Slug]; ok {
				f.Severity = sev
			}
			if f.Evidence == nil {
				f.Evidence = []graph.Evidence{}
			}
			if f.Assumptions == nil {
				f.Assumptions = []string{}
			}
			if f.Path == nil {
				f.Path = []Hop{}
			}
			res.Findings = append(res.Findings, f)
		}
	}
	res.Targets = shared.Paths().targets
	counts := map[Ref]int{}
	for _, f := range res.Findings {
		counts[f.Target]++
	}
	for i := range res.Targets {
		res.Targets[i].Findings = counts[res.Targets[i].Ref]
	}
	sortFindings(res.Findings)
	sort.Strings(res.NotSeen)
	res.Summary = Summary{Targets: len(res.Targets), Findings: len(res.Findings), NotSeen: len(res.NotSeen), BySeverity: map[string]int{}}
	for _, s := range []Severity{Critical, High, Medium, Low, Info} {
		res.Summary.BySeverity[string(s)] = 0
	}
	for _, f := range res.Findings {
		res.Summary.BySeverity[string(f.Severity)]++
	}
	return res
}

// ParseSeverityOverride parses RULE=LEVEL.
func ParseSeverityOverride(s string) (string, Severity, error) {
	slug, level, ok := strings.Cut(s, "=")
	if !ok || slug == "" {
		return "", "", fmt.Errorf("--severity %q: want RULE=LEVEL, e.g. plaintext-http=low", s)
	}
	sev, err := ParseSeverity(level)
	if err != nil {
		return "", "", fmt.Errorf("--severity %q: %w", s, err)
	}
	return slug, sev, nil
}
