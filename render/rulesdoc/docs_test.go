package rulesdoc_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/render/rulesdoc"
)

var update = flag.Bool("update", false, "rewrite the generated parts of the docs")

const (
	index     = "../../docs/README.md"
	codesPage = "../../docs/codes.md"
	readme    = "../../README.md"
	begin     = "<!-- generated from the catalogue: begin -->\n"
	end       = "<!-- generated from the catalogue: end -->\n"
)

// TestDocsMatchTheCatalogue: the docs index's rules table, docs/codes.md
// and the README's counts are what the catalogue says (go test -update
// rewrites the first two).
func TestDocsMatchTheCatalogue(t *testing.T) {
	catalogue := rules.All()
	data, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no generated block between %q and %q", index, begin, end)
	}
	want := doc[:i+len(begin)] + rulesdoc.MarkdownIndex(catalogue) + doc[j:]
	check(t, index, doc, want)

	data, err = os.ReadFile(codesPage)
	if err != nil && !*update {
		t.Fatal(err)
	}
	check(t, codesPage, string(data), rulesdoc.MarkdownCodes(catalogue))

	data, err = os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if counts := rulesdoc.Counts(catalogue); !strings.Contains(string(data), counts) {
		t.Errorf("%s does not say %q", readme, counts)
	}
}

func check(t *testing.T, path, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from the catalogue (go test ./render/rulesdoc -update)", path)
}
