package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/graph"
)

const evil = "\x1b[2J\x1b[32mNo findings\x1b[0m\r\n::add-mask::secret <!-- `x` | ##[error]e \u202e"

func hostileResult() *analysis.Result {
	ref := analysis.Ref{Kind: "::add-mask::Kind", Namespace: evil, Name: "db\n::error::x"}
	return &analysis.Result{
		SchemaVersion: "1",
		Findings: []analysis.Finding{{
			Rule: "shadow-route", Severity: analysis.Critical, Title: "t", Message: "::stop-commands::tok " + evil, Target: ref,
			Path: []analysis.Hop{
				{Node: analysis.HopNode{Kind: "internet", Label: "internet"}},
				{Node: analysis.HopNode{Kind: "workload", Label: evil, Port: 5432},
					Edge: &analysis.HopEdge{Kind: "network", Auth: "plaintext", AuthReason: evil}},
			},
			Evidence:    []graph.Evidence{{Kind: "Deployment", Namespace: evil, Name: "a`b``c", File: "f|<x>.yaml", Line: 3}},
			Assumptions: []string{evil},
		}},
		Targets: []analysis.Target{{Ref: ref, Reason: evil}},
		NotSeen: []string{"input warning: " + evil},
		BlastRadius: []blastradius.Entry{{
			Route:   blastradius.RouteRef{Label: "::add-mask::route " + evil},
			Reaches: []blastradius.Reach{{Workload: evil, How: blastradius.Routed}},
		}, {
			Route:   blastradius.RouteRef{Label: "l", Path: "/`p`|" + evil, Host: evil, Owner: graph.Evidence{Kind: "Ingress", Name: evil}},
			Reaches: []blastradius.Reach{{Workload: evil, How: blastradius.Routed}},
		}},
	}
}

func TestTextHasOnlyItsOwnLines(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, hostileResult()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r)) {
			t.Fatalf("raw %U in the text report:\n%s", r, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("line starts a workflow command: %q", line)
		}
	}
	if strings.Contains(out, "##[") {
		t.Error("legacy log command in the text report")
	}
	// 1 summary, blank, Targets:, 1 target, blank, finding header, message,
	// path, evidence:, 1 evidence, 1 assumption, blank, blast radius
	// heading, 2 routes, blank, Not seen heading, 1 entry.
	if got := strings.Count(out, "\n"); got != 18 {
		t.Errorf("the report has %d lines, want 18 (one per value):\n%s", got, out)
	}
}

func TestMarkdownHasNoMarkupFromInput(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, hostileResult(), nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	stripped := strings.NewReplacer("<details>", "", "</details>", "", "<summary>", "", "</summary>", "", "<code>", "", "</code>", "", "<br>", "").Replace(out)
	if strings.Contains(stripped, "<") {
		t.Errorf("raw < from the input:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "|") && strings.HasPrefix(line, "| **") {
			if n := unescapedPipes(line); n != 6 {
				t.Errorf("finding row has %d cell separators, want 6: %q", n, line)
			}
		}
		if strings.Contains(line, "\r") {
			t.Errorf("carriage return in %q", line)
		}
	}
	if !strings.Contains(out, "- <code>Deployment ") {
		t.Errorf("evidence with a pipe is not written as <code>:\n%s", out)
	}
}

func unescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		} else if s[i] == '|' {
			n++
		}
	}
	return n
}

func TestJSONKeepsTrueValues(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, hostileResult()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "##[") || strings.Contains(b.String(), "\u202e") {
		t.Error("raw log command or bidi override in the JSON")
	}
	var back analysis.Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Findings[0].Target.Namespace != evil || back.Findings[0].Message != "::stop-commands::tok "+evil {
		t.Errorf("JSON changed the values: %q", back.Findings[0].Target.Namespace)
	}
}

// TestMarkdownFitsAComment: a report too long for a GitHub comment keeps
// the summary first, the most severe findings, and a note counting what
// was left out; one that fits is not truncated.
func TestMarkdownFitsAComment(t *testing.T) {
	build := func(n int) *analysis.Result {
		r := &analysis.Result{PathSearch: true, Summary: analysis.Summary{Findings: n, Mesh: true, BySeverity: map[string]int{"critical": n}}}
		for i := 0; i < n; i++ {
			sev := analysis.Critical
			if i >= n/2 {
				sev = analysis.Low
			}
			r.Findings = append(r.Findings, analysis.Finding{Rule: "shadow-route", Code: "SR0101", Severity: sev,
				Message: strings.Repeat("a long message ", 10), Target: analysis.Ref{Kind: "StatefulSet", Namespace: "data", Name: "db-" + strings.Repeat("x", i%7)},
				Evidence: []graph.Evidence{{Kind: "StatefulSet", Namespace: "data", Name: "db", File: "f.yaml", Line: i + 1}}})
			r.NotSeen = append(r.NotSeen, "something not seen")
		}
		return r
	}
	for _, tc := range []struct {
		n         int
		truncated bool
	}{{3, false}, {2000, true}} {
		var out bytes.Buffer
		if err := Markdown(&out, build(tc.n), nil); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if got := utf8.RuneCountInString(text); got > MarkdownLimit {
			t.Errorf("%d findings: %d characters, over %d", tc.n, got, MarkdownLimit)
		}
		if strings.Contains(text, "**Truncated**") != tc.truncated {
			t.Errorf("%d findings: truncated = %v, want %v", tc.n, !tc.truncated, tc.truncated)
		}
		if !strings.HasPrefix(text, "## shadowroute\n\n| targets") {
			t.Errorf("%d findings: the summary is not first", tc.n)
		}
		if tc.truncated && (!strings.Contains(text, "of 2000 findings") || !strings.Contains(text, "--format json")) {
			t.Errorf("the truncation note does not count the findings left out or point at the JSON:\n%s", text[len(text)-400:])
		}
	}
}
