package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"html"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// The hostile values of testdata/hostile/injection, as the loader reads them.
const (
	hostileNS       = "shop\x1b[2J\x1b[H\x1b[32mNo findings\x1b[0m\r\n::add-mask::secret"
	hostileDB       = "postgres\u2066`||`\u2069&bogus;&#1;\\"
	hostileWeb      = "web\x1b[0m\"];\n  n99[\"injected\"]\n%%{init: {\"theme\":\"dark\"}}%%"
	hostileSkipped  = "evil.example/v1/Widget\x1b[2J\r\n::add-mask::skipped"
	hostileOwner    = "::add-mask::Kind\x1b[2J"
	hostileLeadNS   = "  ::add-mask::lead"
	hostileIngress  = "web<!--"
	hostileIngPath  = "/`x`|<details><summary>##[add-mask]p\r\n::error::forged\u2066"
	hostileVSPrefix = "/api\r\n::add-mask::uri%%{init: {\"securityLevel\":\"loose\"}}%%<img src=x onerror=alert(1)>"
)

// hostileInput copies the case folder into a directory whose name, and the
// name of one of whose files, are hostile too (where the OS allows it).
func hostileInput(t *testing.T) string {
	t.Helper()
	src := filepath.Join(testdata, "hostile", "injection")
	dirName, policyName := "in", "policy.yaml"
	if runtime.GOOS != "windows" {
		dirName = "in\x1b[2J\x1b[31m\n::add-mask::dir"
		policyName = "policy\x1b]0;title\x07\r\n##[error]file\u202e.yaml"
	}
	dir := filepath.Join(t.TempDir(), dirName)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		if name == "policy.yaml" {
			name = policyName
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOutputInjection renders the hostile case in every command and format
// through the real CLI and checks that no value from the input acts as
// syntax: no terminal escapes or forged lines in text and on stderr, no
// workflow command, no markup in Markdown, DOT that parses into well-formed
// SVG, Mermaid made only of shadowroute's statements, and JSON that carries
// the input's values exactly.
func TestOutputInjection(t *testing.T) {
	dir := hostileInput(t)
	type check func(t *testing.T, out string)
	tests := []struct {
		name   string
		args   []string
		checks []check
	}{
		{"analyze text", []string{"analyze", dir, "--blast-radius"}, []check{visibleEscapes}},
		{"analyze json", []string{"analyze", dir, "--blast-radius", "--format", "json"}, []check{analyzeJSON}},
		{"analyze markdown", []string{"analyze", dir, "--blast-radius", "--format", "markdown"}, []check{markdownSafe}},
		{"report html", []string{"report", dir}, []check{reportSafe}},
		{"graph dot", []string{"graph", dir, "--view", "full"}, []check{dotToSVG}},
		{"graph dot exposure", []string{"graph", dir}, []check{dotToSVG}},
		{"graph mermaid", []string{"graph", dir, "--view", "full", "--format", "mermaid"}, []check{mermaidSafe}},
		{"graph json", []string{"graph", dir, "--view", "full", "--format", "json"}, []check{graphJSON}},
		{"graph svg", []string{"graph", dir, "--view", "full", "--format", "svg"}, []check{svgWellFormed}},
		{"connectivity txt", []string{"connectivity", dir, "--exposure"}, []check{visibleEscapes}},
		{"connectivity mesh", []string{"connectivity", dir, "--mesh"}, []check{visibleEscapes}},
		{"connectivity json", []string{"connectivity", dir, "--exposure", "--format", "json"}, []check{connectivityJSON}},
		{"connectivity csv", []string{"connectivity", dir, "--exposure", "--format", "csv"}, []check{csvSafe}},
		{"connectivity md", []string{"connectivity", dir, "--exposure", "--format", "md"}, []check{markdownSafe}},
		{"connectivity dot", []string{"connectivity", dir, "--format", "dot"}, []check{dotToSVG}},
		{"inventory text", []string{"inventory", dir}, []check{visibleEscapes}},
		{"inventory json", []string{"inventory", dir, "--format", "json"}, []check{inventoryJSON}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args, "")
			if code != ExitOK {
				t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
			}
			// The hostile namespace reached the output (so the checks below
			// are about something), and nothing of it acts.
			if !strings.Contains(stdout, "No findings") {
				t.Errorf("the hostile namespace is not in the output:\n%s", stdout)
			}
			lineSafe(t, "stdout", stdout)
			lineSafe(t, "stderr", stderr)
			if stderr == "" {
				t.Error("no warning on stderr: the duplicate Service should give one")
			}
			for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
				if !strings.HasPrefix(line, "warning: ") {
					t.Errorf("stderr line not prefixed by \"warning: \": %q", line)
				}
			}
			for _, c := range tt.checks {
				c(t, stdout)
			}
		})
	}
	t.Run("graph png", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "g.png")
		code, _, stderr := run([]string{"graph", dir, "--view", "full", "-o", out}, "")
		if code != ExitOK {
			t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("not a PNG: %v", err)
		}
		lineSafe(t, "stderr", stderr)
	})
}

// lineSafe holds for every output, whatever its format: valid UTF-8; no
// control character but newline and tab (the formats' own separators), no
// DEL, C1, bidi or other invisible character; no line that starts a GitHub
// Actions workflow command once leading white space is trimmed; no legacy
// "##[" or Azure "##vso[" command anywhere.
func lineSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s is not valid UTF-8", what)
	}
	for i, r := range out {
		if r == '\n' || r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r) {
			t.Errorf("%s holds raw %U at byte %d: %q", what, r, i, around(out, i))
			return
		}
	}
	for n, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::") {
			t.Errorf("%s line %d starts a workflow command: %q", what, n+1, line)
		}
	}
	low := strings.ToLower(out)
	for _, cmd := range []string{"##[", "##vso["} {
		if i := strings.Index(low, cmd); i >= 0 {
			t.Errorf("%s holds the log command %q: %q", what, cmd, around(out, i))
		}
	}
}

func around(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+40)
	return s[lo:hi]
}

// visibleEscapes: line output shows the hostile values as escapes.
func visibleEscapes(t *testing.T, out string) {
	t.Helper()
	if !strings.Contains(out, `shop\x1b[2J\x1b[H\x1b[32mNo findings\x1b[0m\r\n::add-mask::secret`) {
		t.Errorf("the hostile namespace is not shown escaped:\n%s", out)
	}
}

// analyzeJSON: valid JSON, carrying the input's strings exactly.
func analyzeJSON(t *testing.T, out string) {
	t.Helper()
	var res struct {
		Findings []struct {
			Target struct{ Namespace, Name string } `json:"target"`
			Path   []struct {
				Node struct{ Label string } `json:"node"`
			} `json:"path"`
		} `json:"findings"`
		NotSeen     []string `json:"notSeen"`
		BlastRadius []struct {
			Route struct{ Path string } `json:"route"`
		} `json:"blastRadius"`
	}
	decodeJSON(t, out, &res)
	var targets, labels, paths []string
	for _, f := range res.Findings {
		targets = append(targets, f.Target.Namespace, f.Target.Name)
		for _, h := range f.Path {
			labels = append(labels, h.Node.Label)
		}
	}
	for _, b := range res.BlastRadius {
		paths = append(paths, b.Route.Path)
	}
	wantIn(t, "finding targets", targets, hostileNS, hostileDB)
	wantIn(t, "path labels", labels, "Ingress "+hostileNS+"/"+hostileIngress+" shop.example.com\u202e%%{init: {\"theme\":\"dark\"}}%%"+hostileIngPath)
	wantIn(t, "blast radius routes", paths, hostileIngPath)
	if !containsPart(res.NotSeen, "duplicate Service "+hostileNS+"/web\"]; evil [label=\"x\\") {
		t.Errorf("notSeen lacks the duplicate warning with the raw name: %q", res.NotSeen)
	}
}

func graphJSON(t *testing.T, out string) {
	t.Helper()
	var d diagram.Diagram
	decodeJSON(t, out, &d)
	var names []string
	for _, n := range d.Nodes {
		names = append(names, n.Namespace, n.Name)
	}
	wantIn(t, "diagram nodes", names, hostileNS, hostileWeb, hostileDB, hostileLeadNS)
	var matches []string
	for _, e := range d.Edges {
		matches = append(matches, e.Attributes["match"])
	}
	if !containsPart(matches, hostileVSPrefix) {
		t.Errorf("no edge carries the VirtualService's raw URI prefix: %q", matches)
	}
}

func connectivityJSON(t *testing.T, out string) {
	t.Helper()
	var doc struct {
		Rows []struct{ Src, Dst string } `json:"connlist_results"`
	}
	decodeJSON(t, out, &doc)
	var peers []string
	for _, r := range doc.Rows {
		peers = append(peers, r.Src, r.Dst)
	}
	wantIn(t, "connectivity peers", peers, hostileNS+"/"+hostileWeb+"[Deployment]", "data/"+hostileDB+"[Deployment]",
		hostileNS+"/orphan\r\n::error::owner["+hostileOwner+"]", hostileLeadNS+"/lead[Deployment]")
}

func inventoryJSON(t *testing.T, out string) {
	t.Helper()
	var doc struct {
		Workloads []struct{ Kind, Namespace, Name string } `json:"workloads"`
		Skipped   []struct {
			APIVersionKind string `json:"apiVersionKind"`
		} `json:"skipped"`
		Warnings []struct {
			Message string `json:"message"`
		} `json:"warnings"`
	}
	decodeJSON(t, out, &doc)
	var got, skipped []string
	for _, w := range doc.Workloads {
		got = append(got, w.Kind, w.Namespace, w.Name)
	}
	for _, s := range doc.Skipped {
		skipped = append(skipped, s.APIVersionKind)
	}
	wantIn(t, "workloads", got, hostileNS, hostileWeb, hostileOwner, hostileLeadNS)
	wantIn(t, "skipped kinds", skipped, hostileSkipped)
	if len(doc.Warnings) == 0 || !strings.Contains(doc.Warnings[0].Message, hostileNS) {
		t.Errorf("warnings do not carry the raw name: %+v", doc.Warnings)
	}
}

func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if !json.Valid([]byte(out)) {
		t.Fatalf("not valid JSON:\n%s", out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatal(err)
	}
}

func wantIn(t *testing.T, what string, have []string, want ...string) {
	t.Helper()
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			t.Errorf("%s lack %q (the exact input value)", what, w)
		}
	}
}

func containsPart(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

// ourTags are the HTML tags shadowroute's Markdown writes itself.
var ourTags = regexp.MustCompile(`</?(details|summary|code)>|<br>`)

// markdownSafe: no "<" but shadowroute's own tags (so no HTML, comment or
// autolink from the input), code spans balanced, every table row with the
// header's number of cells, and the Mermaid block (if any) safe as Mermaid.
func markdownSafe(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	var mermaid []string
	inFence := false
	cells := -1
	for n, line := range lines {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			mermaid = append(mermaid, line)
			continue
		}
		if i := strings.IndexByte(ourTags.ReplaceAllString(line, ""), '<'); i >= 0 {
			t.Errorf("line %d: raw < from the input: %q", n+1, line)
		}
		if err := codeSpans(line); err != "" {
			t.Errorf("line %d: %s: %q", n+1, err, line)
		}
		if strings.HasPrefix(line, "|") {
			c := tableCells(line)
			if cells < 0 {
				cells = c
			} else if c != cells {
				t.Errorf("line %d: %d table cells, the header has %d: %q", n+1, c, cells, line)
			}
		} else {
			cells = -1
		}
	}
	if inFence {
		t.Error("unclosed code fence")
	}
	if len(mermaid) > 0 {
		mermaidSafe(t, strings.Join(mermaid, "\n"))
	}
}

// codeSpans checks that every backtick run outside a backslash escape opens
// a code span that a run of the same length closes on the same line.
func codeSpans(line string) string {
	for i := 0; i < len(line); {
		switch line[i] {
		case '\\':
			i += 2
			continue
		case '`':
			n := 0
			for i+n < len(line) && line[i+n] == '`' {
				n++
			}
			fence := line[i : i+n]
			j := i + n
			closed := false
			for j < len(line) {
				k := strings.Index(line[j:], fence)
				if k < 0 {
					break
				}
				k += j
				m := 0
				for k+m < len(line) && line[k+m] == '`' {
					m++
				}
				if m == n {
					closed = true
					i = k + m
					break
				}
				j = k + m
			}
			if !closed {
				return "unbalanced code span"
			}
			continue
		}
		i++
	}
	return ""
}

// tableCells counts the unescaped pipes of a GFM table row.
func tableCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == '|' {
			n++
		}
	}
	return n
}

// mermaidStatement is every line diagram.Mermaid writes: input text only
// inside quoted labels, which hold no quote.
var mermaidStatement = regexp.MustCompile(`^(flowchart LR|` +
	`  subgraph ns_\w+\["[^"]*"\]|  end|` +
	` {2,4}n\d+(\(\("[^"]*"\)\)|>"[^"]*"\]|\[/"[^"]*"/\]|\[\["[^"]*"\]\]|\[\("[^"]*"\)\]|\("[^"]*"\))|` +
	`  n\d+ (-->|==>|-\.->) n\d+|  linkStyle \d+ stroke:#[0-9a-f]{6}|  classDef \w+ [a-z0-9:#,-]+|  class n\d+ \w+|)$`)

func mermaidSafe(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "%%") {
		t.Error("Mermaid holds %% (a comment or directive)")
	}
	for n, line := range strings.Split(out, "\n") {
		if !mermaidStatement.MatchString(line) {
			t.Errorf("line %d is not a statement shadowroute writes: %q", n+1, line)
		}
		if i, j := strings.IndexByte(line, '"'), strings.LastIndexByte(line, '"'); i >= 0 {
			if label := line[i+1 : j]; strings.ContainsAny(label, "`<>&\\{}") {
				t.Errorf("line %d: label holds a character Mermaid or its HTML would read: %q", n+1, label)
			}
		}
	}
}

// dotToSVG: the DOT parses, and Graphviz makes well-formed SVG of it.
func dotToSVG(t *testing.T, out string) {
	t.Helper()
	svg, err := diagram.Layout(context.Background(), []byte(out), diagram.FormatSVG, time.Minute)
	if err != nil {
		t.Fatalf("Graphviz rejects the DOT: %v\n%s", err, out)
	}
	svgWellFormed(t, string(svg))
}

func svgWellFormed(t *testing.T, svg string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	dec.Strict = true
	nodes := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			for _, a := range se.Attr {
				if a.Name.Local == "class" && a.Value == "node" {
					nodes++
				}
			}
		}
	}
	if nodes == 0 {
		t.Error("SVG has no nodes")
	}
}

// csvSafe: the CSV reads back, and no cell starts a formula.
func csvSafe(t *testing.T, out string) {
	t.Helper()
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1 // the exposure table has four columns
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell == "=>" || cell == "<=" {
				continue // the direction column: shadowroute's own, not input
			}
			if c := strings.TrimLeft(cell, " "); c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
				t.Errorf("cell starts a formula: %q", cell)
			}
		}
	}
}

var (
	eventAttr   = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	quotedValue = regexp.MustCompile(`="[^"]*"`)
)

// svgText escapes text as the report's SVG inliner does.
var svgText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

var dataScript = regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`)

// reportSafe: the HTML report inlined the SVG (so the DOT made well-formed
// XML), holds only its own two scripts and no markup from the input, and
// its data JSON carries the input's values; buttons name diagram nodes by
// their SVG titles, and svgTitles maps those back to the IDs.
func reportSafe(t *testing.T, page string) {
	t.Helper()
	if strings.Count(page, "<svg") != 1 || strings.Contains(page, "Diagram not rendered") {
		t.Fatal("the diagram was not inlined")
	}
	if got := strings.Count(page, "<script"); got != 2 {
		t.Errorf("%d <script> elements, want 2", got)
	}
	for _, bad := range []string{"<!-- hidden", "<!--\u202e", "<img", "<b>", "<details><summary>#"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q from the input", bad)
		}
	}
	// Attribute values are quoted; text in them (escaped) is not markup.
	if m := eventAttr.FindString(quotedValue.ReplaceAllString(page, `=""`)); m != "" {
		t.Errorf("event handler attribute in the page: %q", m)
	}
	if !strings.Contains(page, html.EscapeString(safetext.Text(hostileNS))) {
		t.Error("the hostile namespace is not shown escaped")
	}
	m := dataScript.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline data")
	}
	var data struct {
		Result struct {
			Findings []struct {
				Target struct{ Namespace, Name string } `json:"target"`
			} `json:"findings"`
		} `json:"result"`
		Diagram   diagram.Diagram   `json:"diagram"`
		SVGTitles map[string]string `json:"svgTitles"`
	}
	decodeJSON(t, m[1], &data)
	var names []string
	for _, f := range data.Result.Findings {
		names = append(names, f.Target.Namespace, f.Target.Name)
	}
	wantIn(t, "inline data", names, hostileNS, hostileDB)
	titles := map[string]bool{}
	for _, n := range data.Diagram.Nodes {
		title := n.ID
		if s, ok := data.SVGTitles[n.ID]; ok {
			title = s
		}
		if title != diagram.SVGTitle(n.ID) {
			t.Errorf("svgTitles[%q] = %q, want %q", n.ID, title, diagram.SVGTitle(n.ID))
		}
		titles[title] = true
		if !strings.Contains(page, "<title>"+svgText.Replace(title)+"</title>") {
			t.Errorf("no SVG node titled %q", title)
		}
	}
	for _, dn := range regexp.MustCompile(`data-node="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !titles[html.UnescapeString(dn[1])] {
			t.Errorf("button names node %q, which has no drawing", html.UnescapeString(dn[1]))
		}
	}
}
