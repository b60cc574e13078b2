package junit_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/render/junit"
)

// TestOneCasePerTargetAndRule: on the demo, every rule that ran is a suite
// with one case per target (databases and finding targets), a case fails
// exactly when the rule found something on its target, and the counts add
// up; Not seen entries are suite properties.
func TestOneCasePerTargetAndRule(t *testing.T) {
	res := analysistest.RunInputs(t, "../../testdata/demo", rules.All())
	var buf bytes.Buffer
	if err := junit.Write(&buf, res, rules.All()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type string `xml:"type,attr"`
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if len(doc.Suites) != len(rules.All()) {
		t.Fatalf("%d suites for %d rules", len(doc.Suites), len(rules.All()))
	}
	want := map[string]int{}
	for _, f := range res.Findings {
		want[f.Rule+" "+f.Target.String()]++
	}
	failures, tests := 0, 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if got := len(c.Failures); got != want[s.Name+" "+c.Name] {
				t.Errorf("%s %s: %d failures, %d findings", s.Name, c.Name, got, want[s.Name+" "+c.Name])
			}
			for _, f := range c.Failures {
				if !strings.HasPrefix(f.Type, "SR") || !strings.Contains(f.Text, "evidence: ") {
					t.Errorf("%s %s: failure %q lacks its code or evidence", s.Name, c.Name, f.Type)
				}
			}
			if len(c.Failures) > 0 {
				failures++
			}
		}
		tests += s.Tests
	}
	if doc.Failures != failures || doc.Tests != tests || failures == 0 {
		t.Errorf("totals tests=%d failures=%d, counted %d / %d", doc.Tests, doc.Failures, tests, failures)
	}
	if len(res.NotSeen) > 0 && !strings.Contains(buf.String(), `name="not-seen-1"`) {
		t.Error("Not seen entries are missing")
	}
}
