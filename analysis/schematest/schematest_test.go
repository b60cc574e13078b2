package schematest_test

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/analysis/schematest"
)

const valid = `{"schemaVersion": "2", "findings": [%s], "targets": [], "notSeen": [],
 "summary": {"targets": 0, "findings": 0, "notSeen": 0, "bySeverity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}}}`

const finding = `{"rule": "%s", "code": "%s", "severity": "%s", "title": "t", "message": "m", "target": {"kind": "Namespace", "name": "n"}, "path": [], "evidence": [], "assumptions": []}`

func doc(rule, severity string) []byte { return docCode(rule, "SR0101", severity) }

func docCode(rule, code, severity string) []byte {
	f := strings.Replace(strings.Replace(strings.Replace(finding, "%s", rule, 1), "%s", code, 1), "%s", severity, 1)
	return []byte(strings.Replace(valid, "%s", f, 1))
}

// TestSchemaAcceptsAndRejects: the validator is live (a wrong document
// fails) and the schema admits what the rules emit: an empty path for a
// rule without one, every severity, every rule of the catalogue.
func TestSchemaAcceptsAndRejects(t *testing.T) {
	tests := []struct {
		name string
		js   []byte
		ok   bool
	}{
		{"non-path finding with empty path", doc("no-network-policy", "medium"), true},
		{"low severity", doc("ineffective-policy", "low"), true},
		{"unknown rule", doc("nope", "high"), false},
		{"unknown code", docCode("shadow-route", "SR9999", "high"), false},
		{"malformed code", docCode("shadow-route", "sr0101", "high"), false},
		{"unknown severity", doc("shadow-route", "severe"), false},
		{"version 1", []byte(strings.Replace(string(doc("shadow-route", "high")), `"2"`, `"1"`, 1)), false},
		{"not JSON", []byte("{"), false},
	}
	for _, tt := range tests {
		err := schematest.Check(tt.js)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestSchemaListsEveryRule: the schema's rule list is the catalogue.
func TestSchemaListsEveryRule(t *testing.T) {
	var missing []string
	for _, r := range rules.All() {
		if err := schematest.Check(doc(r.Slug, "info")); err != nil {
			missing = append(missing, r.Slug)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("rules the schema does not list: %v", missing)
	}
}

// TestSchemaListsEveryCode: the schema's code list is the catalogue's
// messages, and every code the schema lists is in the catalogue.
func TestSchemaListsEveryCode(t *testing.T) {
	var missing []string
	known := map[string]bool{}
	for _, r := range rules.All() {
		for _, m := range r.Messages {
			known[m.Code] = true
			if err := schematest.Check(docCode(r.Slug, m.Code, "info")); err != nil {
				missing = append(missing, m.Code)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("codes the schema does not list: %v", missing)
	}
	for _, c := range schematest.Codes(t) {
		if !known[c] {
			t.Errorf("the schema lists code %s, which no rule declares", c)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the schema's rule and code lists from the catalogue")

// TestSchemaListsAreTheCatalogue: the schema's rule and code enums are
// exactly the catalogue, in catalogue order; go test -update rewrites them,
// so adding a rule never means editing the schema by hand.
func TestSchemaListsAreTheCatalogue(t *testing.T) {
	var slugs, codes []string
	for _, r := range rules.All() {
		slugs = append(slugs, r.Slug)
		for _, m := range r.Messages {
			codes = append(codes, m.Code)
		}
	}
	path := "../../" + schematest.SchemaFile
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	want := replaceEnum(t, got, `"rule": {`, slugs)
	want = replaceEnum(t, want, `"code": {`, codes)
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the rule or code list differs from the catalogue (go test ./analysis/schematest -update)", path)
}

var enumRe = regexp.MustCompile(`(?s)"enum": \[[^\]]*\]`)

// replaceEnum rewrites the first "enum" array after the property opening
// `after`, keeping the file's two-space indentation.
func replaceEnum(t *testing.T, doc, after string, values []string) string {
	t.Helper()
	i := strings.Index(doc, after)
	if i < 0 {
		t.Fatalf("schema has no %s", after)
	}
	loc := enumRe.FindStringIndex(doc[i:])
	if loc == nil {
		t.Fatalf("schema %s has no enum", after)
	}
	start, end := i+loc[0], i+loc[1]
	lineStart := strings.LastIndex(doc[:start], "\n") + 1
	indent := doc[lineStart:start]
	var b strings.Builder
	b.WriteString(`"enum": [`)
	for k, v := range values {
		if k > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + indent + "  " + strconv.Quote(v))
	}
	b.WriteString("\n" + indent + "]")
	return doc[:start] + b.String() + doc[end:]
}
