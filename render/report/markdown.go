package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Markdown writes a report fit for a pull-request comment: a summary table,
// the findings with their witness paths and evidence, what was not seen,
// and (when given) a Mermaid diagram of the paths.
//
// Input-derived values are written with safetext.Markdown (table cells,
// list items), safetext.MarkdownCode (evidence) and safetext.HTML (inside
// the <details><summary> HTML block, where Markdown escapes do not apply),
// so a manifest cannot add markup, hide part of the comment or break a
// table. mermaid must come from diagram.Mermaid, whose labels hold no
// backtick, so it cannot close the fence around it.
func Markdown(w io.Writer, r *analysis.Result, mermaid []byte) error {
	p := &printer{w: w}
	p.f("## shadowroute\n\n")
	p.f("| targets | findings | critical | high | medium | low | info | not seen |\n|---|---|---|---|---|---|---|---|\n")
	s := r.Summary
	p.f("| %d | %d | %d | %d | %d | %d | %d | %d |\n\n", s.Targets, s.Findings, s.BySeverity["critical"], s.BySeverity["high"],
		s.BySeverity["medium"], s.BySeverity["low"], s.BySeverity["info"], s.NotSeen)
	if !r.PathSearch {
		p.f("No path rule was selected: no path search ran and no target was looked at.\n\n")
	}
	if len(r.Findings) == 0 {
		if len(r.NotSeen) > 0 {
			p.f("No findings in what was loaded — but the answer depends on what was **not seen** (below).\n\n")
		} else {
			p.f("No findings.\n\n")
		}
	} else {
		p.f("| severity | rule | code | target | message |\n|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			p.f("| **%s** | %s | %s | %s | %s |\n", safetext.Markdown(string(f.Severity)), safetext.MarkdownCode(f.Rule), safetext.MarkdownCode(f.Code),
				safetext.Markdown(f.Target.String()), safetext.Markdown(f.Message))
		}
		p.f("\n")
		for i, f := range r.Findings {
			p.f("<details><summary>%d. [%s] %s %s — %s</summary>\n\n", i+1, safetext.HTML(strings.ToUpper(string(f.Severity))),
				safetext.HTML(f.Rule), safetext.HTML(f.Code), safetext.HTML(f.Target.String()))
			if len(f.Path) > 1 {
				p.f("Path:\n\n")
				for j, h := range f.Path {
					p.f("%d. %s\n", j+1, safetext.Markdown(Path([]analysis.Hop{h})))
				}
				p.f("\n")
			}
			if len(f.Evidence) > 0 {
				p.f("Evidence:\n\n")
				for _, e := range f.Evidence {
					p.f("- %s\n", safetext.MarkdownCode(e.String()))
				}
				p.f("\n")
			}
			for _, a := range f.Assumptions {
				p.f("> assumption: %s\n", safetext.Markdown(a))
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
			p.f("- %s\n", safetext.Markdown(n))
		}
		p.f("\n")
	}
	if len(mermaid) > 0 {
		// diagram.Mermaid writes no backtick, so no line of it can close
		// the fence; the check keeps it that way.
		fence := "```"
		for bytes.Contains(mermaid, []byte(fence)) {
			fence += "`"
		}
		p.f("### Paths\n\n%smermaid\n%s%s\n", fence, mermaid, fence)
	}
	return p.err
}
