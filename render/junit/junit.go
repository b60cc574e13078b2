// Package junit writes analysis results as JUnit XML, the report format
// CI systems (GitLab, Jenkins, Azure Pipelines, GitHub test reporters)
// show as test results: one test suite per rule that ran, one test case
// per target and rule, failed when the rule found something on the target.
// The element set is the one the common JUnit schema
// (https://github.com/windyroad/JUnit-Schema) defines.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
)

type testSuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Suites   []testSuite `xml:"testsuite"`
}

type testSuite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Properties *props     `xml:"properties,omitempty"`
	Cases      []testCase `xml:"testcase"`
}

type props struct {
	Property []property `xml:"property"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testCase struct {
	Name      string    `xml:"name,attr"`
	ClassName string    `xml:"classname,attr"`
	Failures  []failure `xml:"failure"`
}

type failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// Write writes the JUnit XML of a result for the rules that ran: the
// targets are the database and sensitive workloads the path search looked
// at plus every object a finding is about; a rule's test case on a target
// fails with one failure per finding (code, severity, message, witness
// path, evidence). Not seen entries are a property of every suite, so a
// green run never hides what was not analysed.
func Write(w io.Writer, res *analysis.Result, ran []*analysis.Rule) error {
	targets := map[string]bool{}
	for _, t := range res.Targets {
		targets[t.Ref.String()] = true
	}
	byRuleTarget := map[string][]analysis.Finding{}
	for _, f := range res.Findings {
		targets[f.Target.String()] = true
		k := f.Rule + "\x00" + f.Target.String()
		byRuleTarget[k] = append(byRuleTarget[k], f)
	}
	names := make([]string, 0, len(targets))
	for t := range targets {
		names = append(names, t)
	}
	sort.Strings(names)
	out := testSuites{Name: "shadowroute"}
	for _, r := range ran {
		s := testSuite{Name: r.Slug}
		if len(res.NotSeen) > 0 {
			s.Properties = &props{}
			for i, n := range res.NotSeen {
				s.Properties.Property = append(s.Properties.Property, property{Name: fmt.Sprintf("not-seen-%d", i+1), Value: n})
			}
		}
		for _, t := range names {
			c := testCase{Name: t, ClassName: "shadowroute." + r.Slug}
			for _, f := range byRuleTarget[r.Slug+"\x00"+t] {
				c.Failures = append(c.Failures, failure{Message: fmt.Sprintf("%s %s: %s", f.Code, f.Severity, f.Message), Type: f.Code, Text: details(f)})
			}
			if len(c.Failures) > 0 {
				s.Failures++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// details is a failure's body: the witness path and the evidence.
func details(f analysis.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s)\n", f.Message, f.Rule, f.Code)
	if len(f.Path) > 0 {
		var hops []string
		for _, h := range f.Path {
			label := h.Node.Label
			if h.Node.Kind == graph.KindService {
				label = "Service " + label
			}
			hops = append(hops, label)
		}
		fmt.Fprintf(&b, "path: %s\n", strings.Join(hops, " -> "))
	}
	for _, e := range f.Evidence {
		if e.File != "" {
			fmt.Fprintf(&b, "evidence: %s %s (%s)\n", e.Kind, e.Name, e.Where())
		}
	}
	for _, a := range f.Assumptions {
		fmt.Fprintf(&b, "assumption: %s\n", a)
	}
	return b.String()
}
