// Package rulesdoc renders the rule catalogue (rules and their message
// codes) as text, JSON and Markdown: `shadowroute rules`, the docs index
// and docs/codes.md are all written from the catalogue here, and a test
// fails when the committed docs drift from it.
package rulesdoc

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/shadowroute/shadowroute/analysis"
)

// Rule is the JSON shape of one rule.
type Rule struct {
	Slug     string             `json:"slug"`
	Severity string             `json:"severity"`
	Title    string             `json:"title"`
	Summary  string             `json:"summary"`
	Doc      string             `json:"doc"`
	Messages []analysis.Message `json:"messages"`
}

func shapes(catalogue []*analysis.Rule) []Rule {
	out := make([]Rule, 0, len(catalogue))
	for _, r := range catalogue {
		out = append(out, Rule{Slug: r.Slug, Severity: string(r.Severity), Title: r.Title, Summary: r.Summary, Doc: r.Doc, Messages: r.Messages})
	}
	return out
}

// JSON writes the catalogue with every message.
func JSON(w io.Writer, catalogue []*analysis.Rule) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(shapes(catalogue))
}

// Text writes one line per rule, or with codes one line per message.
func Text(w io.Writer, catalogue []*analysis.Rule, codes bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if codes {
		fmt.Fprintln(tw, "CODE\tLEVEL\tRULE\tFINDS")
		for _, r := range catalogue {
			for _, m := range r.Messages {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Code, m.Level, r.Slug, m.Summary)
			}
		}
	} else {
		fmt.Fprintln(tw, "RULE\tSEVERITY\tCODES\tFINDS")
		for _, r := range catalogue {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Slug, r.Severity, codeRange(r), r.Summary)
		}
	}
	return tw.Flush()
}

// codeRange is "SR0101" or "SR0101-SR0102".
func codeRange(r *analysis.Rule) string {
	if len(r.Messages) == 0 {
		return "-"
	}
	first, last := r.Messages[0].Code, r.Messages[len(r.Messages)-1].Code
	if first == last {
		return first
	}
	return first + "-" + last
}

// levels lists the distinct levels of a rule's messages, highest first.
func levels(r *analysis.Rule) string {
	var out []string
	for _, sev := range []analysis.Severity{analysis.Critical, analysis.High, analysis.Medium, analysis.Low, analysis.Info} {
		for _, m := range r.Messages {
			if m.Level == sev {
				out = append(out, string(sev))
				break
			}
		}
	}
	return strings.Join(out, " / ")
}

// MarkdownIndex is the rules table of docs/README.md; links are relative
// to docs/.
func MarkdownIndex(catalogue []*analysis.Rule) string {
	var b strings.Builder
	b.WriteString("| rule | levels | codes | page |\n| --- | --- | --- | --- |\n")
	for _, r := range catalogue {
		page := strings.TrimPrefix(r.Doc, "docs/")
		fmt.Fprintf(&b, "| `%s` | %s | %s | [%s](%s): %s |\n", r.Slug, levels(r), codeRange(r), page, page, r.Summary)
	}
	return b.String()
}

// MarkdownCodes is docs/codes.md: every finding code with its level, rule
// and meaning.
func MarkdownCodes(catalogue []*analysis.Rule) string {
	var b strings.Builder
	b.WriteString("# Finding codes\n\n")
	b.WriteString("Generated from the rule catalogue (`shadowroute rules --codes --format markdown`; a test fails when this page\n")
	b.WriteString("drifts from it). Every finding carries one of these codes (JSON field `code`); a code keeps its meaning\n")
	b.WriteString("across releases and a retired code is never reused. `--severity CODE=LEVEL` re-rates one message,\n")
	b.WriteString("`--severity RULE=LEVEL` every message of a rule (a code wins over its rule).\n\n")
	b.WriteString("| code | level | rule | finds |\n| --- | --- | --- | --- |\n")
	for _, r := range catalogue {
		for _, m := range r.Messages {
			fmt.Fprintf(&b, "| %s | %s | [`%s`](%s) | %s |\n", m.Code, m.Level, r.Slug, strings.TrimPrefix(r.Doc, "docs/"), m.Summary)
		}
	}
	return b.String()
}

// Counts is the sentence the README uses for the catalogue's size.
func Counts(catalogue []*analysis.Rule) string {
	n := 0
	for _, r := range catalogue {
		n += len(r.Messages)
	}
	return fmt.Sprintf("%d rules, %d finding codes", len(catalogue), n)
}
