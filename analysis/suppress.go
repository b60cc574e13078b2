package analysis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Suppression says why a finding does not count: accepted in a baseline
// file, or by annotations on an object it concerns. A suppressed finding
// stays in JSON and SARIF (marked), leaves the summary counts and never
// trips --fail-on.
type Suppression struct {
	// Kind is "annotation" or "baseline".
	Kind string `json:"kind"`
	// Reason is the justification written with it.
	Reason string `json:"reason"`
	// Object is the annotated object ("Kind namespace/name"), for
	// annotations.
	Object string `json:"object,omitempty"`
	// Expires is the baseline entry's end date (YYYY-MM-DD), if any.
	Expires string `json:"expires,omitempty"`
}

// Annotations that suppress findings on the object that carries them.
const (
	// IgnoreAnnotation lists codes (SR0101) or rule slugs (shadow-route),
	// comma-separated.
	IgnoreAnnotation = "shadowroute.io/ignore"
	// IgnoreReasonAnnotation is required: without it the ignore is a
	// warning and not honoured.
	IgnoreReasonAnnotation = "shadowroute.io/ignore-reason"
)

// suppressByAnnotations marks the findings an annotated object accepts:
// the finding's target, or, for findings with a witness path, any object
// the path cites (its evidence). An ignore without a reason is not
// honoured and becomes a warning.
func suppressByAnnotations(res *Result, m *model.Model) {
	if m == nil {
		return
	}
	warned := map[string]bool{}
	for i := range res.Findings {
		f := &res.Findings[i]
		candidates := []graph.Evidence{{Kind: f.Target.Kind, Namespace: f.Target.Namespace, Name: f.Target.Name}}
		if len(f.Path) > 0 {
			candidates = append(candidates, f.Evidence...)
		}
		for _, c := range candidates {
			o := objectByKind(m.Inventory, c.Kind, c.Namespace, c.Name)
			if o == nil {
				continue
			}
			ann := o.Obj.GetAnnotations()
			list, ok := ann[IgnoreAnnotation]
			if !ok || !ignores(list, f) {
				continue
			}
			what := fmt.Sprintf("%s %s", o.Key.Kind, displayName(o))
			reason := strings.TrimSpace(ann[IgnoreReasonAnnotation])
			if reason == "" {
				if !warned[what] {
					warned[what] = true
					res.Warnings = append(res.Warnings, fmt.Sprintf("%s (%s): %s without %s is not honoured", what, o.Origin, IgnoreAnnotation, IgnoreReasonAnnotation))
				}
				continue
			}
			f.Suppression = &Suppression{Kind: "annotation", Reason: reason, Object: what}
			break
		}
	}
	sort.Strings(res.Warnings)
}

func displayName(o *inventory.Object) string {
	if o.Key.Namespace == "" {
		return o.Key.Name
	}
	return o.Key.Namespace + "/" + o.Key.Name
}

// ignores reports whether a comma-separated list names the finding's code
// or rule.
func ignores(list string, f *Finding) bool {
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item != "" && (strings.EqualFold(item, f.Code) || item == f.Rule) {
			return true
		}
	}
	return false
}

// objectByKind finds an object by kind name (any API group), namespace
// and name.
func objectByKind(inv *inventory.Inventory, kind, namespace, name string) *inventory.Object {
	if inv == nil {
		return nil
	}
	for gk := range inventory.Modelled {
		if gk.Kind != kind {
			continue
		}
		if o := inv.Get(gk, namespace, name); o != nil {
			return o
		}
	}
	return nil
}

// Counted reports whether a finding counts: it is not suppressed.
func (f Finding) Counted() bool { return f.Suppression == nil }

// Recount fills the summary and the targets' finding counts from the
// findings that count (after suppressions).
func (r *Result) Recount() {
	counts := map[Ref]int{}
	r.Summary.Findings, r.Summary.Suppressed = 0, 0
	r.Summary.BySeverity = map[string]int{}
	for _, s := range []Severity{Critical, High, Medium, Low, Info} {
		r.Summary.BySeverity[string(s)] = 0
	}
	for _, f := range r.Findings {
		if !f.Counted() {
			r.Summary.Suppressed++
			continue
		}
		counts[f.Target]++
		r.Summary.Findings++
		r.Summary.BySeverity[string(f.Severity)]++
	}
	for i := range r.Targets {
		r.Targets[i].Findings = counts[r.Targets[i].Ref]
	}
	r.Summary.Targets, r.Summary.NotSeen = len(r.Targets), len(r.NotSeen)
}
