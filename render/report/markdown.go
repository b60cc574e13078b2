package report

import (
	"io"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
)

// Markdown writes a report fit for a pull-request comment: a summary table,
// the findings with their witness paths and evidence, what was not seen,
// and (when given) a Mermaid diagram of the paths.
func Markdown(w io.Writer, r *analysis.Result, mermaid []byte) error {
	p := &printer{w: w}
	p.f("## shadowroute\n\n")
	p.f("| targets | findings | critical | high | medium | low | info | not seen |\n|---|---|---|---|---|---|---|---|\n")
	s := r.Summary
	p.f("| %d | %d | %d | %d | %d | %d | %d | %d |\n\n", s.Targets, s.Findings, s.BySeverity["critical"], s.BySeverity["high"],
		s.BySeverity["medium"], s.BySeverity["low"], s.BySeverity["info"], s.NotSeen)
	if len(r.Findings) == 0 {
		if len(r.NotSeen) > 0 {
			p.f("No findings in what was loaded — but the answer depends on what was **not seen** (below).\n\n")
		} else {
			p.f("No findings.\n\n")
		}
	} else {
		p.f("| severity | rule | target | message |\n|---|---|---|---|\n")
		for _, f := range r.Findings {
			p.f("| **%s** | `%s` | %s | %s |\n", f.Severity, f.Rule, mdEscape(f.Target.String()), mdEscape(f.Message))
		}
		p.f("\n")
		for i, f := range r.Findings {
			p.f("<details><summary>%d. [%s] %s — %s</summary>\n\n", i+1, strings.ToUpper(string(f.Severity)), f.Rule, mdEscape(f.Target.String()))
			if len(f.Path) > 1 {
				p.f("Path:\n\n")
				for j, h := range f.Path {
					p.f("%d. %s\n", j+1, mdEscape(Path([]analysis.Hop{h})))
				}
				p.f("\n")
			}
			if len(f.Evidence) > 0 {
				p.f("Evidence:\n\n")
				for _, e := range f.Evidence {
					p.f("- `%s`\n", e)
				}
				p.f("\n")
			}
			for _, a := range f.Assumptions {
				p.f("> assumption: %s\n", mdEscape(a))
			}
			p.f("</details>\n\n")
		}
	}
	if len(r.BlastRadius) > 0 && p.err == nil {
		p.f("### Credential blast radius\n\n")
		if err := blastradius.Markdown(w, r.BlastRadius); err != nil {
			return err
		}
		p.f("\n")
	}
	if len(r.NotSeen) > 0 {
		p.f("### Not seen\n\n")
		for _, n := range r.NotSeen {
			p.f("- %s\n", mdEscape(n))
		}
		p.f("\n")
	}
	if len(mermaid) > 0 {
		p.f("### Paths\n\n```mermaid\n%s```\n", mermaid)
	}
	return p.err
}

// mdEscape keeps table cells intact.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
