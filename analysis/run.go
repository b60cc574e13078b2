package analysis

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shadowroute/shadowroute/analysis/blastradius"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Input is what rules read: the graph built from the model, and the model.
type Input struct {
	Graph *graph.Graph
	// Model is the resolved model the graph was built from (nil: rules that
	// need it find nothing to check).
	Model  *model.Model
	Config Config
}

// Config selects and tunes rules.
type Config struct {
	// Enable, when not empty, runs only these rules.
	Enable []string
	// Disable skips these rules.
	Disable []string
	// Severity overrides the severity of every finding of a rule (keyed by
	// slug) or of one message (keyed by code); a code wins over its rule.
	Severity map[string]Severity
	// Now is the time certificate checks measure against (zero: time.Now).
	Now time.Time
	// CertExpiryWarn is how early an expiring certificate is reported
	// (zero: 30 days).
	CertExpiryWarn time.Duration
	// SensitivePaths overrides the sensitive-path rule's list.
	SensitivePaths []string
	// BlastRadius adds the credential blast radius to the result
	// (analyze --blast-radius, report).
	BlastRadius bool
	// Lateral bounds the lateral hops a path may take (--lateral).
	Lateral Lateral
}

// Lateral is how many lateral hops (a reached workload connecting onward on
// its own, which needs it compromised) a path may take.
type Lateral int

const (
	// LateralAny: as many as the network allows (the default).
	LateralAny Lateral = iota
	// LateralOne: at most one.
	LateralOne
	// LateralOff: none; only configured routing is followed.
	LateralOff
)

// MaxHops is the number of lateral hops allowed (blastradius.AnyPivots
// for any).
func (l Lateral) MaxHops() int {
	switch l {
	case LateralOff:
		return 0
	case LateralOne:
		return 1
	}
	return blastradius.AnyPivots
}

// ParseLateral reads a --lateral value.
func ParseLateral(s string) (Lateral, error) {
	switch s {
	case "any":
		return LateralAny, nil
	case "1":
		return LateralOne, nil
	case "off":
		return LateralOff, nil
	}
	return 0, fmt.Errorf("want off, 1 or any, got %q", s)
}

// Need is what a rule needs computed beyond the model and the graph; the
// driver computes only what the selected rules declare.
type Need uint8

// Needs.
const (
	// NeedPaths: the shared internet/private-network path search.
	NeedPaths Need = 1 << iota
	// NeedBlastRadius: per public route, the workloads it reaches and the
	// credentials they hold.
	NeedBlastRadius
)

// Pass is one rule's view of the input.
type Pass struct {
	Graph *graph.Graph
	// Model is the resolved model, the rules' one door to the input
	// (objects to check and to quote as evidence); never nil in a rule.
	Model  *model.Model
	Config Config
	// Rule is the rule being run.
	Rule   *Rule
	shared *computed
}

// computed holds what the driver computes once per run for the rules that
// declare a need, and what each rule used (checked against its Needs).
type computed struct {
	paths       *PathSearch
	blastRadius []blastradius.Entry
	blastDone   bool
	// adminHolders is the blast radius cut to admin credentials
	// (blastradius.ComputeAdminHolders), when the full one is not wanted.
	adminHolders []blastradius.Entry
	adminDone    bool
	used         map[*Rule]Need
}

// Mesh returns the Istio semantics of the model (configured root namespace
// and trust domain).
func (p *Pass) Mesh() mesh.Env { return p.Model.Mesh }

// Paths returns the shared path search, computed once per run.
func (p *Pass) Paths() *PathSearch {
	p.shared.used[p.Rule] |= NeedPaths
	if p.shared.paths == nil {
		p.shared.paths = searchPaths(p.Graph, p.Config.Lateral)
	}
	return p.shared.paths
}

// BlastRadius returns the credential blast radius, computed once per run.
func (p *Pass) BlastRadius() []blastradius.Entry {
	p.shared.used[p.Rule] |= NeedBlastRadius
	if !p.shared.blastDone {
		p.shared.blastRadius, p.shared.blastDone = blastradius.Compute(p.Graph, p.Model.Inventory, p.Config.Lateral.MaxHops()), true
	}
	return p.shared.blastRadius
}

// AdminCredentialReach returns the blast radius with only the credentials
// that are another database's admin credential (blastradius.AdminOf),
// computed once per run: the full blast radius when the run computes it
// anyway (Config.BlastRadius: report), else the far cheaper cut one
// (blastradius.ComputeAdminHolders). Both give the same answer to "which
// reached workload holds which admin credential, from which routes".
func (p *Pass) AdminCredentialReach() []blastradius.Entry {
	if p.Config.BlastRadius {
		return p.BlastRadius()
	}
	p.shared.used[p.Rule] |= NeedBlastRadius
	if !p.shared.adminDone {
		p.shared.adminHolders, p.shared.adminDone = blastradius.ComputeAdminHolders(p.Graph, p.Model.Inventory, p.Config.Lateral.MaxHops()), true
	}
	return p.shared.adminHolders
}

// Finding builds a finding of the pass's rule with the catalogue message
// code; its severity is the message's level. A code the rule does not
// declare keeps the rule's default severity (the catalogue test fails on it).
func (p *Pass) Finding(code string, target Ref, message string, evidence ...graph.Evidence) Finding {
	sev := p.Rule.Severity
	if m, ok := p.Rule.Message(code); ok {
		sev = m.Level
	}
	return Finding{Rule: p.Rule.Slug, Code: code, Severity: sev, Title: p.Rule.Title, Message: message, Target: target,
		Path: []Hop{}, Evidence: evidence, Assumptions: []string{}}
}

// Selected returns the rules of the catalogue the configuration enables, or
// an error naming an unknown slug.
func Selected(catalogue []*Rule, cfg Config) ([]*Rule, error) {
	known := map[string]bool{}
	codes := map[string]bool{}
	for _, r := range catalogue {
		known[r.Slug] = true
		for _, m := range r.Messages {
			codes[m.Code] = true
		}
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
	for key := range cfg.Severity {
		if !known[key] && !codes[key] {
			return nil, fmt.Errorf("--severity: unknown rule or code %q (see shadowroute rules --codes)", key)
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
// sorted, targets, what was not seen (the graph's gaps and the input's
// warnings), and the summary. It is exactly what every command prints: no
// caller patches the result afterwards. Only what the rules declare in
// Needs (and Config.BlastRadius) is computed: without a path rule there is
// no path search and no target list (Result.PathSearch is false).
func Run(in Input, rules []*Rule) *Result {
	res, _ := RunTrace(in, rules)
	return res
}

// RunTrace is Run that also returns what each rule used of the shared
// computations (the driver's own use under the nil key): the
// catalogue's test checks it against every rule's Needs.
func RunTrace(in Input, rules []*Rule) (*Result, map[*Rule]Need) {
	g := in.Graph
	m := in.Model
	if m == nil {
		m = model.New(inventory.New(), model.Options{})
	}
	res := &Result{SchemaVersion: SchemaVersion, Findings: []Finding{}, Targets: []Target{}, NotSeen: append([]string{}, g.NotSeen...)}
	for _, w := range m.Inventory.Warnings {
		res.NotSeen = append(res.NotSeen, "input warning: "+w.String())
	}
	shared := &computed{used: map[*Rule]Need{}}
	var needs Need
	for _, r := range rules {
		needs |= r.Needs
	}
	for _, r := range rules {
		pass := &Pass{Graph: g, Model: m, Config: in.Config, Rule: r, shared: shared}
		for _, f := range r.Run(pass) {
			if sev, ok := in.Config.Severity[f.Code]; ok {
				f.Severity = sev
			} else if sev, ok := in.Config.Severity[r.Slug]; ok {
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
	if needs&NeedPaths != 0 {
		res.PathSearch = true
		pass := &Pass{Graph: g, Model: m, Config: in.Config, shared: shared}
		res.Targets = pass.Paths().Targets
	}
	if in.Config.BlastRadius {
		pass := &Pass{Graph: g, Model: m, Config: in.Config, shared: shared}
		res.BlastRadius = pass.BlastRadius()
	}
	markUnread(res, m)
	sortFindings(res.Findings)
	sort.Strings(res.NotSeen)
	suppressByAnnotations(res, m)
	res.Summary.Mesh = g.Mesh
	res.Recount()
	return res, shared.used
}

// ParseSeverityOverride parses RULE=LEVEL or CODE=LEVEL.
func ParseSeverityOverride(s string) (string, Severity, error) {
	slug, level, ok := strings.Cut(s, "=")
	if !ok || slug == "" {
		return "", "", fmt.Errorf("--severity %q: want RULE=LEVEL or CODE=LEVEL, e.g. plaintext-http=low or SR0601=low", s)
	}
	sev, err := ParseSeverity(level)
	if err != nil {
		return "", "", fmt.Errorf("--severity %q: %w", s, err)
	}
	return slug, sev, nil
}
