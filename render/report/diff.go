package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/diff"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Diff writes a configuration delta (shadowroute diff) as text or as
// Markdown (a PR comment).
func Diff(w io.Writer, d diff.Delta, md bool) error {
	p := &printer{w: w}
	head, item := "%s:\n", "  - %s\n"
	if md {
		head, item = "\n### %s\n\n", "- %s\n"
		p.f("## shadowroute: what this change does\n\n")
	}
	counted := 0
	for _, f := range d.New {
		if f.Counted() {
			counted++
		}
	}
	p.f("%d new finding(s) (%d accepted by a baseline or annotation), %d fixed, %d unchanged\n", counted, d.Suppressed, len(d.Fixed), len(d.Unchanged))
	section := func(title string, list []string) {
		if len(list) == 0 {
			return
		}
		p.f(head, title)
		for _, s := range list {
			p.f(item, safetext.Text(s))
		}
	}
	findings := func(list []analysis.Finding) []string {
		var out []string
		for _, f := range list {
			s := fmt.Sprintf("[%s] %s %s — %s: %s", strings.ToUpper(string(f.Severity)), f.Rule, f.Code, f.Target, f.Message)
			if len(f.Path) > 1 {
				s += " (path: " + Path(f.Path) + ")"
			}
			if f.Suppression != nil {
				s += " (accepted: " + f.Suppression.Reason + ")"
			}
			out = append(out, s)
		}
		return out
	}
	section("New findings", findings(d.New))
	section("Fixed findings", findings(d.Fixed))
	section("Newly reached from the internet (configured routing)", d.NewlyExposed)
	section("No longer reached from the internet", d.NoLongerExposed)
	section("New connections into databases", d.NewDatabaseEdges)
	section("Hops that went from mTLS to plaintext", d.Downgraded)
	section("AuthorizationPolicies that no longer decide any hop", d.PoliciesStopped)
	if len(d.New)+len(d.Fixed)+len(d.NewlyExposed)+len(d.NoLongerExposed)+len(d.NewDatabaseEdges)+len(d.Downgraded)+len(d.PoliciesStopped) == 0 {
		p.f("No change in findings or exposure.\n")
	}
	return p.err
}
