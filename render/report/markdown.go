package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// MarkdownLimit is the largest comment GitHub accepts (65,536
// characters); Markdown keeps the report under it.
const MarkdownLimit = 65536

// Markdown writes a report fit for a pull-request comment: a summary table,
// the findings with their witness paths and evidence, what was not seen,
// and (when given) a Mermaid diagram of the paths. It stays under
// MarkdownLimit characters: when everything does not fit, the summary comes
// first, then as many findings as fit in severity order (the table rows,
// then their details), then what else fits, and a note counts what was left
// out and points at the JSON output, which has it all.
//
// Input-derived values are written with safetext.Markdown (table cells,
// list items), safetext.MarkdownCode (evidence) and safetext.HTML (inside
// the <details><summary> HTML block, where Markdown escapes do not apply),
// so a manifest cannot add markup, hide part of the comment or break a
// table. mermaid must come from diagram.Mermaid, whose labels hold no
// backtick, so it cannot close the fence around it.
func Markdown(w io.Writer, r *analysis.Result, mermaid []byte) error {
	return markdownWithin(w, r, mermaid, MarkdownLimit)
}

func markdownWithin(w io.Writer, r *analysis.Result, mermaid []byte, limit int) error {
	var head strings.Builder
	head.WriteString("## shadowroute\n\n")
	head.WriteString("| targets | findings | critical | high | medium | low | info | not seen |\n|---|---|---|---|---|---|---|---|\n")
	s := r.Summary
	fmt.Fprintf(&head, "| %d | %d | %d | %d | %d | %d | %d | %d |\n\n", s.Targets, s.Findings, s.BySeverity["critical"], s.BySeverity["high"],
		s.BySeverity["medium"], s.BySeverity["low"], s.BySeverity["info"], s.NotSeen)
	if r.PathSearch && !s.Mesh {
		head.WriteString("The input has no service mesh (no Istio configuration, no injected workload), so no hop is mesh-authenticated.\n\n")
	}
	if !r.PathSearch {
		head.WriteString("No path rule was selected: no path search ran and no target was looked at.\n\n")
	}
	if len(r.Findings) == 0 {
		if len(r.NotSeen) > 0 {
			head.WriteString("No findings in what was loaded — but the answer depends on what was **not seen** (below).\n\n")
		} else {
			head.WriteString("No findings.\n\n")
		}
	}
	rows := make([]string, len(r.Findings))
	details := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		rows[i] = fmt.Sprintf("| **%s** | %s | %s | %s | %s |\n", safetext.Markdown(string(f.Severity)), safetext.MarkdownCode(f.Rule), safetext.MarkdownCode(f.Code),
			safetext.Markdown(f.Target.String()), safetext.Markdown(f.Message))
		details[i] = markdownDetails(i, f)
	}
	var blast string
	if len(r.BlastRadius) > 0 {
		var b bytes.Buffer
		b.WriteString("### Credential blast radius\n\n")
		if err := blastradius.Markdown(&b, r.BlastRadius); err != nil {
			return err
		}
		b.WriteString("\n")
		blast = b.String()
	}
	var notSeen strings.Builder
	if len(r.NotSeen) > 0 {
		notSeen.WriteString("### Not seen\n\n")
		for _, n := range r.NotSeen {
			fmt.Fprintf(&notSeen, "- %s\n", safetext.Markdown(n))
		}
		notSeen.WriteString("\n")
	}
	var paths string
	if len(mermaid) > 0 {
		// diagram.Mermaid writes no backtick, so no line of it can close
		// the fence; the check keeps it that way.
		fence := "```"
		for bytes.Contains(mermaid, []byte(fence)) {
			fence += "`"
		}
		paths = fmt.Sprintf("### Paths\n\n%smermaid\n%s%s\n", fence, mermaid, fence)
	}
	const tableHead = "| severity | rule | code | target | message |\n|---|---|---|---|---|\n"
	// The usual order: findings, blast radius, Not seen, paths.
	full := head.String()
	if len(rows) > 0 {
		full += tableHead + strings.Join(rows, "") + "\n" + strings.Join(details, "")
	}
	full += blast + notSeen.String() + paths
	if utf8.RuneCountInString(full) <= limit {
		_, err := io.WriteString(w, full)
		return err
	}
	// Too long: the summary, then findings in severity order while they
	// fit, then the rest while it fits, keeping room for the note.
	const reserve = 600
	budget := limit - reserve
	var out strings.Builder
	n := 0
	used := func(add string) bool {
		size := utf8.RuneCountInString(add)
		if n+size > budget {
			return false
		}
		out.WriteString(add)
		n += size
		return true
	}
	used(head.String())
	shownRows := 0
	if len(rows) > 0 && used(tableHead) {
		for _, row := range rows {
			if !used(row) {
				break
			}
			shownRows++
		}
		used("\n")
	}
	shownDetails := 0
	for i := 0; i < shownRows; i++ {
		if !used(details[i]) {
			break
		}
		shownDetails++
	}
	var left []string
	if shownRows < len(rows) {
		left = append(left, fmt.Sprintf("%d of %d findings", len(rows)-shownRows, len(rows)))
	}
	if shownDetails < shownRows {
		left = append(left, fmt.Sprintf("the paths and evidence of %d shown findings", shownRows-shownDetails))
	}
	for _, part := range []struct{ what, text string }{{"the credential blast radius", blast}, {fmt.Sprintf("%d Not seen entries", len(r.NotSeen)), notSeen.String()}, {"the path diagram", paths}} {
		if part.text != "" && !used(part.text) {
			left = append(left, part.what)
		}
	}
	fmt.Fprintf(&out, "> **Truncated** to fit a %d-character comment: not shown here are %s. The JSON report (`shadowroute analyze --format json -o findings.json`) has everything.\n", limit, strings.Join(left, "; "))
	_, err := io.WriteString(w, out.String())
	return err
}

// markdownDetails is one finding's collapsible block: path, evidence and
// assumptions.
func markdownDetails(i int, f analysis.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%d. [%s] %s %s — %s</summary>\n\n", i+1, safetext.HTML(strings.ToUpper(string(f.Severity))),
		safetext.HTML(f.Rule), safetext.HTML(f.Code), safetext.HTML(f.Target.String()))
	if len(f.Path) > 1 {
		b.WriteString("Path:\n\n")
		for j, h := range f.Path {
			fmt.Fprintf(&b, "%d. %s\n", j+1, safetext.Markdown(Path([]analysis.Hop{h})))
		}
		b.WriteString("\n")
	}
	if len(f.Evidence) > 0 {
		b.WriteString("Evidence:\n\n")
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "- %s\n", safetext.MarkdownCode(e.String()))
		}
		b.WriteString("\n")
	}
	for _, a := range f.Assumptions {
		fmt.Fprintf(&b, "> assumption: %s\n", safetext.Markdown(a))
	}
	b.WriteString("</details>\n\n")
	return b.String()
}
