// Package analysis runs path analysis over the reachability graph and turns
// what it finds into findings: data (rule, severity, target, witness path,
// evidence, assumptions) that renderers print.
package analysis

import (
	"fmt"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/graph"
)

// Severity levels, highest first.
type Severity string

// Severities.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities: critical is 4, info 0, unknown -1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	case Info:
		return 0
	}
	return -1
}

// ParseSeverity validates a severity name ("none" is accepted by callers
// that mean "never").
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToLower(s))
	if sev.Rank() < 0 {
		return "", fmt.Errorf("unknown severity %q (critical, high, medium, low, info)", s)
	}
	return sev, nil
}

// Rule is one check: a slug, a default severity, a title, its docs page and
// a function over the graph and inventory that returns findings. Rules are
// plain values; the catalogue (analysis/rules) lists them and Run drives
// them, in the spirit of golang.org/x/tools/go/analysis.
type Rule struct {
	Slug     string
	Severity Severity
	Title    string
	// Summary is one line for `shadowroute rules`.
	Summary string
	Doc     string
	// Needs declares what the driver must compute for the rule.
	Needs Need
	// Messages are the distinct findings the rule can emit, each with a
	// stable code; the rule's findings carry one of them.
	Messages []Message
	Run      func(*Pass) []Finding
}

// Message is one distinct finding of the catalogue: a stable code
// (SR + two digits for the rule + two for the message), its default level,
// and one line saying what it means. Codes never change meaning; a retired
// code is not reused.
type Message struct {
	Code    string   `json:"code"`
	Level   Severity `json:"level"`
	Summary string   `json:"summary"`
}

// Message returns the rule's message with a code, or false.
func (r *Rule) Message(code string) (Message, bool) {
	for _, m := range r.Messages {
		if m.Code == code {
			return m, true
		}
	}
	return Message{}, false
}

// Ref names an object.
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// Hop is one step of a witness path: the node reached and the edge taken to
// reach it (nil for the first node).
type Hop struct {
	Node HopNode  `json:"node"`
	Edge *HopEdge `json:"edge,omitempty"`
}

// HopNode is a node on a path.
type HopNode struct {
	Kind      graph.NodeKind `json:"kind"`
	Namespace string         `json:"namespace,omitempty"`
	Name      string         `json:"name"`
	Label     string         `json:"label"`
	Port      int32          `json:"port,omitempty"`
}

// HopEdge holds the attributes of the edge into a hop.
type HopEdge struct {
	Kind graph.EdgeKind `json:"kind"`
	// Hop says, for a connection between workloads (kind network), whether
	// it follows configured routing (routed) or is a reached workload
	// connecting onward on its own (lateral, a pivot).
	Hop           HopKind          `json:"hop,omitempty"`
	Port          int32            `json:"port,omitempty"`
	Protocol      string           `json:"protocol,omitempty"`
	Match         string           `json:"match,omitempty"`
	TLS           string           `json:"tls,omitempty"`
	Auth          graph.AuthState  `json:"auth,omitempty"`
	AuthReason    string           `json:"authReason,omitempty"`
	Authz         graph.AuthzState `json:"authz,omitempty"`
	AuthzPolicies []string         `json:"authzPolicies,omitempty"`
	Narrowing     []string         `json:"narrowing,omitempty"`
	NetworkPolicy string           `json:"networkPolicy,omitempty"`
}

// HopKind tells configured traffic from lateral movement.
type HopKind string

// Hop kinds.
const (
	// HopRouted follows an Ingress, Gateway or VirtualService route.
	HopRouted HopKind = "routed"
	// HopLateral is a reached workload connecting to another on its own:
	// it needs that workload compromised.
	HopLateral HopKind = "lateral"
)

// Finding is one result.
type Finding struct {
	Rule string `json:"rule"`
	// Code is the catalogue code of this kind of finding (Message.Code).
	Code        string           `json:"code"`
	Severity    Severity         `json:"severity"`
	Title       string           `json:"title"`
	Message     string           `json:"message"`
	Target      Ref              `json:"target"`
	Source      string           `json:"source,omitempty"`
	Path        []Hop            `json:"path"`
	Evidence    []graph.Evidence `json:"evidence"`
	Assumptions []string         `json:"assumptions"`
	// Details holds what a rule knows beyond its message, by key (each
	// rule's page lists its keys), so messages stay short.
	Details map[string]any `json:"details,omitempty"`
	// Suppression is set when a baseline or an annotation accepts the
	// finding: it stays in the output but does not count.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// Target is a database or sensitive workload the analysis searched for.
type Target struct {
	Ref
	Reason               string `json:"reason"`
	ReachableFromNet     bool   `json:"reachableFromInternet"`
	ReachableFromPrivate bool   `json:"reachableFromPrivateNetwork"`
	Findings             int    `json:"findings"`
}

// Summary counts.
type Summary struct {
	Targets    int            `json:"targets"`
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"bySeverity"`
	NotSeen    int            `json:"notSeen"`
	// Mesh: the input shows a service mesh (Istio configuration or an
	// injected workload).
	Mesh bool `json:"mesh"`
	// Suppressed counts the findings a baseline or annotation accepts
	// (not in Findings or BySeverity).
	Suppressed int `json:"suppressed,omitempty"`
}

// Result is the analysis output; its JSON form is the documented contract
// (docs/json-format.md).
type Result struct {
	SchemaVersion string    `json:"schemaVersion"`
	Findings      []Finding `json:"findings"`
	Targets       []Target  `json:"targets"`
	NotSeen       []string  `json:"notSeen"`
	Summary       Summary   `json:"summary"`
	// PathSearch is false when no selected rule needed the path search
	// (e.g. --enable weak-tls): Targets is then empty because nobody
	// looked, not because nothing is reachable.
	PathSearch bool `json:"pathSearch"`
	// BlastRadius is filled on request (analyze --blast-radius, report):
	// per internet-reachable route, the workloads it reaches and the
	// database credentials they hold (docs/blast-radius.md).
	BlastRadius []blastradius.Entry `json:"blastRadius,omitempty"`
	// Warnings are problems with the analysis request itself (an ignore
	// annotation without a reason, an expired baseline entry).
	Warnings []string `json:"warnings,omitempty"`
}

// MaxSeverity returns the highest severity among the findings, or "".
func (r *Result) MaxSeverity() Severity {
	best := Severity("")
	for _, f := range r.Findings {
		if f.Counted() && f.Severity.Rank() > best.Rank() {
			best = f.Severity
		}
	}
	return best
}
