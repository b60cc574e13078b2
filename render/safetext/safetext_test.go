package safetext

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile are the values every property is checked on: terminal escapes,
// line forging, CI commands, Markdown/HTML, DOT and Mermaid syntax, invalid
// UTF-8 and invisible characters.
var hostile = []string{
	"",
	"plain-name",
	"payments/payments-api",
	"\x1b[2J\x1b[32mNo findings\x1b[0m",
	"\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
	"\x9b31m C1 CSI as a rune",
	"\xff\xfe invalid UTF-8 \xc3",
	"a\r\nb\rc\nd\te\x00f\x7fg",
	"\n::add-mask::secret",
	"::stop-commands::tok",
	"  ::error file=x::forged",
	"\u3000::warning::ideographic space",
	"\t::notice::tab",
	"x ##[add-mask]secret ###[error]y ##vso[task.setvariable variable=a]b",
	"##[",
	"#",
	"evil\u202egnp.exe \u2066iso\u2069 \u200bzw\u200d\ufeff \u2028ls\u2029ps \u061c \U000e0041tag",
	"noncharacters \ufffe \uffff \U0001fffe \ufdd0",
	"hangul \u3164 \u115f filler",
	"<!-- hide the rest",
	"<details><summary>x</summary>",
	"</script><script>alert(1)</script>",
	"`code` ``two`` ```fence```",
	"`",
	" spaced ",
	"a|b||c",
	"[link](javascript:alert(1)) ![img](x)",
	"# heading",
	"> quote",
	"- item",
	"+ item",
	"1. item",
	"12) item",
	"===",
	"    indented code",
	"*emph* _emph_ __strong__ ~~strike~~ $math$",
	"DATABASE_URL snake_case _leading trailing_",
	`back\slash \N \n \" trailing\`,
	`"quoted" "];`,
	`"]; evil [label="x`,
	"a&amp;b &lt;script&gt; &#27;[2J &#1; &bogus; &nbsp;",
	`%%{init: {"theme":"dark"}}%%`,
	"A-->B; click A callback",
	"#quot; #35; #60;",
	"{}[]()",
	"=HYPERLINK(\"http://evil.example\")",
	"+cmd", "-2+3", "@SUM(1)", " =1+1",
	"\r=cmd", "\t=cmd",
	"ünïcödé ✓ → 数据库",
	"emoji 🐘",
}

func TestTextExamples(t *testing.T) {
	tests := []struct{ in, want string }{
		{"payments/payments-api", "payments/payments-api"},
		{"", ""},
		{"\x1b[2J\x1b[32mNo findings", `\x1b[2J\x1b[32mNo findings`},
		{"a\r\nb\tc", `a\r\nb\tc`},
		{"\x00\x7f", `\x00\x7f`},
		{"\u0085\u009b", `\u0085\u009b`},
		{"\xff", `\xff`},
		{"abc\u202edef", `abc\u202edef`},
		{"\u2066\u2069\u200b\u200f\u2028\u2029\ufeff", `\u2066\u2069\u200b\u200f\u2028\u2029\ufeff`},
		{"\U000e0041", `\U000e0041`},
		{"\ufffe", `\ufffe`},
		{"ünïcödé → 数据库 🐘", "ünïcödé → 数据库 🐘"},
		{"##[add-mask]x", `#\x23[add-mask]x`},
		{"###[error]", `##\x23[error]`},
		{"##vso[task.complete]", `#\x23vso[task.complete]`},
		{"# ## #[ ##x", "# ## #[ ##x"},
		{"::add-mask::x", "::add-mask::x"}, // only LineStart cares
		{`C:\manifests\x.yaml`, `C:\manifests\x.yaml`},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// textSafe is what every Text-based escaper promises.
func textSafe(t *testing.T, name, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s(%q) = %q: not valid UTF-8", name, in, out)
	}
	for _, r := range out {
		if invisible(r) {
			t.Errorf("%s(%q) = %q: contains raw %U", name, in, out, r)
			break
		}
	}
	if strings.Contains(out, "##[") || strings.Contains(strings.ToLower(out), "##vso[") {
		t.Errorf("%s(%q) = %q: contains a legacy log command", name, in, out)
	}
}

func TestTextProperties(t *testing.T) {
	for _, in := range append(hostile, randomStrings(500)...) {
		out := Text(in)
		textSafe(t, "Text", in, out)
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Errorf("Text(%q) = %q: byte %#x", in, out, out[i])
			}
		}
		if again := Text(out); again != out {
			t.Errorf("Text is not idempotent on %q: %q then %q", in, out, again)
		}
		ls := LineStart(in)
		textSafe(t, "LineStart", in, ls)
		if strings.HasPrefix(strings.TrimLeftFunc(ls, unicode.IsSpace), "::") {
			t.Errorf("LineStart(%q) = %q starts a workflow command", in, ls)
		}
	}
}

func TestLineStart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"::add-mask::secret", `\x3a:add-mask::secret`},
		{"  ::error::x", `  \x3a:error::x`},
		{"\t::error::x", `\t::error::x`}, // the tab is escaped: the line starts with a backslash
		{"\u3000::x", "\u3000\\x3a:x"},
		{"\n::x", `\n::x`},
		{":one", ":one"},
		{"a::b", "a::b"},
		{"ns/name[Deployment]", "ns/name[Deployment]"},
	}
	for _, tt := range tests {
		if got := LineStart(tt.in); got != tt.want {
			t.Errorf("LineStart(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownExamples(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Deployment data/postgres", "Deployment data/postgres"},
		{"pay.example.com/ (namespace level), unrestricted", "pay.example.com/ (namespace level), unrestricted"},
		{"DATABASE_URL", "DATABASE_URL"},
		{"_x_ a_", `\_x\_ a\_`},
		{"shop/orders-api[Deployment]", `shop/orders-api\[Deployment\]`},
		{"<!--", "&lt;!--"},
		{"a|b", `a\|b`},
		{"`x`", "\\`x\\`"},
		{"[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"# h", `\# h`},
		{"###", `\###`},
		{"#tag", "#tag"},
		{"- i", `\- i`},
		{"-", `\-`},
		{"---", `\---`},
		{"-x", "-x"},
		{"+ i", `\+ i`},
		{"1. i", `1\. i`},
		{"12) i", `12\) i`},
		{"1.", `1\.`},
		{"12 items", "12 items"},
		{"0.0.0.0-255.255.255.255[External]", `0.0.0.0-255.255.255.255\[External\]`},
		{"===", "==="},
		{"> q", "&gt; q"},
		{"  x", "&#32;&#32;x"},
		{"a & b", "a &amp; b"},
		{"*x* ~y~ $z$", `\*x\* \~y\~ \$z\$`},
		{"\x1b[2J", `\\x1b\[2J`},
		{"line\nbreak", `line\\nbreak`},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := Markdown(tt.in); got != tt.want {
			t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownProperties(t *testing.T) {
	for _, in := range append(hostile, randomStrings(500)...) {
		out := Markdown(in)
		textSafe(t, "Markdown", in, out)
		if strings.ContainsAny(out, "<>\n\r") {
			t.Errorf("Markdown(%q) = %q: raw <, > or line break", in, out)
		}
		if unescaped(out, '|') || unescaped(out, '`') || unescaped(out, '[') || unescaped(out, '*') {
			t.Errorf("Markdown(%q) = %q: unescaped markup character", in, out)
		}
		if blockStart.MatchString(out) {
			t.Errorf("Markdown(%q) = %q starts a block", in, out)
		}
	}
}

// blockStart matches what would open a block at the start of a list item:
// an ATX heading, a list marker, a thematic break, indentation.
var blockStart = regexp.MustCompile(`^(#{1,6}( |$)|[-+*]( |$)|--|[0-9]{1,9}[.)]( |$)| |>|<|` + "```|~~~)")

// unescaped reports whether c occurs in s without a backslash escaping it.
func unescaped(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return true
		}
	}
	return false
}

func TestMarkdownCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Service data/postgres (data.yaml:12)", "`Service data/postgres (data.yaml:12)`"},
		{"a`b", "``a`b``"},
		{"a``b`c", "```a``b`c```"},
		{"`x", "`` `x ``"},
		{"x`", "`` x` ``"},
		{" x ", "`  x  `"},
		{"   ", "`   `"},
		{"", "<code></code>"},
		{"a|b", `<code>a\|b</code>`},
		{"<!--", "<code>&lt;!--</code>"},
		{"\x1b[2J", "`\\x1b[2J`"},
	}
	for _, tt := range tests {
		if got := MarkdownCode(tt.in); got != tt.want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range append(hostile, randomStrings(500)...) {
		out := MarkdownCode(in)
		textSafe(t, "MarkdownCode", in, out)
		if strings.ContainsAny(out, "\n\r") || unescaped(out, '|') {
			t.Errorf("MarkdownCode(%q) = %q: line break or unescaped pipe", in, out)
		}
		if strings.HasPrefix(out, "<code>") {
			inner := strings.TrimSuffix(strings.TrimPrefix(out, "<code>"), "</code>")
			if strings.ContainsAny(inner, "<>") {
				t.Errorf("MarkdownCode(%q) = %q: raw < or > inside <code>", in, out)
			}
			continue
		}
		// A code span: the opening fence is closed exactly at the end, and
		// the content is Text(in).
		n := len(out) - len(strings.TrimLeft(out, "`"))
		fence := out[:n]
		if !strings.HasSuffix(out, fence) || len(out) < 2*n {
			t.Fatalf("MarkdownCode(%q) = %q: unbalanced fence", in, out)
		}
		content := out[n : len(out)-n]
		if strings.Contains(content, fence) {
			t.Errorf("MarkdownCode(%q) = %q: the fence occurs inside", in, out)
		}
		want := Text(in)
		if len(content) >= 2 && content[0] == ' ' && content[len(content)-1] == ' ' && strings.Trim(content, " ") != "" {
			content = content[1 : len(content)-1]
		}
		if content != want {
			t.Errorf("MarkdownCode(%q) shows %q, want %q", in, content, want)
		}
	}
}

func TestHTML(t *testing.T) {
	if got, want := HTML(`<b a="1">&'`+"\x1b"), `&lt;b a=&#34;1&#34;&gt;&amp;&#39;\x1b`; got != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
	for _, in := range hostile {
		out := HTML(in)
		textSafe(t, "HTML", in, out)
		if strings.ContainsAny(out, `<>"'`) {
			t.Errorf("HTML(%q) = %q", in, out)
		}
	}
}

func TestDOTEscapers(t *testing.T) {
	tests := []struct{ in, label, id string }{
		{"workload:data/postgres[StatefulSet]", "workload:data/postgres[StatefulSet]", "workload:data/postgres[StatefulSet]"},
		{`a"b`, `a\"b`, `a\"b`},
		{`a\b`, `a\\b`, `a\x5cb`},
		{`trailing\`, `trailing\\`, `trailing\x5c`},
		{`\"`, `\\\"`, `\x5c\"`},
		{"a\nb", `a\\nb`, `a\nb`},
		{"\x1b", `\\x1b`, `\x1b`},
		{"&bogus;", "&amp;bogus;", "&amp;bogus;"},
		{"##[x]", `#\\x23[x]`, `#\x23[x]`},
	}
	for _, tt := range tests {
		if got := DOTLabel(tt.in); got != tt.label {
			t.Errorf("DOTLabel(%q) = %q, want %q", tt.in, got, tt.label)
		}
		if got := DOTID(tt.in); got != tt.id {
			t.Errorf("DOTID(%q) = %q, want %q", tt.in, got, tt.id)
		}
	}
	seen := map[string]string{}
	for _, in := range append(hostile, randomStrings(500)...) {
		for name, out := range map[string]string{"DOTLabel": DOTLabel(in), "DOTID": DOTID(in)} {
			textSafe(t, name, in, out)
			if badDOTString(out) {
				t.Errorf("%s(%q) = %q would not stay one DOT string", name, in, out)
			}
		}
		id := DOTID(in)
		if prev, dup := seen[id]; dup && prev != in {
			t.Errorf("DOTID(%q) = DOTID(%q) = %q", in, prev, id)
		}
		seen[id] = in
		if strings.Contains(DOTID(in), `\\`) {
			t.Errorf("DOTID(%q) = %q holds a double backslash", in, DOTID(in))
		}
	}
}

// badDOTString reports whether "s" would end early or not at all: an
// unescaped quote, or a backslash escaping the closing quote.
func badDOTString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i == len(s)-1 {
				return true
			}
			i++
		case '"', '\n', '\r':
			return true
		}
	}
	return false
}

func TestMermaid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"payments/payments-api", "payments/payments-api"},
		{"http[0] via Gateway shop/shop-gateway:443", "http[0] via Gateway shop/shop-gateway:443"},
		{`"]; evil`, `#quot;]; evil`},
		{`%%{init: {"theme":"dark"}}%%`, "#37;#37;#123;init: #123;#quot;theme#quot;:#quot;dark#quot;#125;#125;#37;#37;"},
		{"<script>", "#60;script#62;"},
		{"#quot;", "#35;quot;"},
		{"`md`", "#96;md#96;"},
		{"a\nb", "a#92;nb"},
		{`trailing\`, "trailing#92;"},
	}
	for _, tt := range tests {
		if got := Mermaid(tt.in); got != tt.want {
			t.Errorf("Mermaid(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range append(hostile, randomStrings(500)...) {
		out := Mermaid(in)
		textSafe(t, "Mermaid", in, out)
		if strings.ContainsAny(out, "\"%<>&`{}\\\n\r") {
			t.Errorf("Mermaid(%q) = %q", in, out)
		}
		// Every # starts one of our entity codes.
		for i := strings.IndexByte(out, '#'); i >= 0; {
			end := strings.IndexByte(out[i:], ';')
			if end < 0 || !mermaidEntity(out[i+1:i+end]) {
				t.Errorf("Mermaid(%q) = %q: stray # at %d", in, out, i)
				break
			}
			next := strings.IndexByte(out[i+end:], '#')
			if next < 0 {
				break
			}
			i += end + next
		}
	}
}

func mermaidEntity(s string) bool {
	switch s {
	case "quot", "35", "37", "38", "60", "62", "92", "96", "123", "125":
		return true
	}
	return false
}

func TestCSV(t *testing.T) {
	tests := []struct{ in, want string }{
		{"data/postgres[StatefulSet]", "data/postgres[StatefulSet]"},
		{"All Connections", "All Connections"},
		{"=HYPERLINK(1)", "'=HYPERLINK(1)"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{" =1", "' =1"},
		{"\t=1", `\t=1`},
		{"\r=1", `\r=1`},
		{"::add-mask::x", `\x3a:add-mask::x`},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := CSV(tt.in); got != tt.want {
			t.Errorf("CSV(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, in := range hostile {
		out := CSV(in)
		textSafe(t, "CSV", in, out)
		if rest := strings.TrimLeft(out, " "); rest != "" && strings.IndexByte("=+-@\t\r", rest[0]) >= 0 {
			t.Errorf("CSV(%q) = %q starts a formula", in, out)
		}
		if err := w.Write([]string{out, "x"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != len(hostile) {
		t.Fatalf("CSV does not read back: %d records, %v", len(recs), err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::") {
			t.Errorf("CSV line starts a workflow command: %q", line)
		}
	}
}

func TestJSONRoundTrips(t *testing.T) {
	values := append(append([]string{}, hostile...), randomStrings(500)...)
	for i, v := range values {
		values[i] = strings.ToValidUTF8(v, "\ufffd") // JSON carries only valid UTF-8
	}
	doc := map[string]any{"values": values, "nested": map[string]string{"##[key]": "##vso[x]", "k\u202e": "\u2066"}}
	for _, escapeHTML := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(escapeHTML)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		out := JSON(buf.Bytes())
		if !json.Valid(out) {
			t.Fatalf("JSON output is not valid JSON:\n%s", out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			textSafe(t, "JSON", "(a line of the document)", line)
		}
		var back struct {
			Values []string          `json:"values"`
			Nested map[string]string `json:"nested"`
		}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		for i := range values {
			if back.Values[i] != values[i] {
				t.Errorf("value %d changed: %q became %q", i, values[i], back.Values[i])
			}
		}
		if back.Nested["##[key]"] != "##vso[x]" || back.Nested["k\u202e"] != "\u2066" {
			t.Errorf("nested values changed: %q", back.Nested)
		}
		if again := JSON(out); !bytes.Equal(again, out) {
			t.Error("JSON is not idempotent")
		}
	}
	plain := []byte(`{"a": "payments/payments-api → data/redis"}` + "\n")
	if got := JSON(plain); !bytes.Equal(got, plain) {
		t.Errorf("ordinary JSON changed: %s", got)
	}
}

// randomStrings draws strings from an alphabet of the characters that
// matter to one context or another, plus random runes and bytes.
func randomStrings(n int) []string {
	alphabet := []string{"a", "Z", "0", "9", " ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\u0085", "\u009b",
		"\xff", "\xc3", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028", "\ufffe", "\U000e0041", "\u3000",
		"#", "#", "[", "]", ":", ":", "v", "s", "o", "%", "{", "}", "\"", "'", "\\", "\\", "`", "`", "|", "<", ">",
		"&", ";", "*", "_", "~", "$", "-", "+", "=", "@", ".", ")", "(", "!", "/", "é", "数", "🐘", "&amp;", "&#1;"}
	rng := rand.New(rand.NewSource(1))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for j := rng.Intn(24); j > 0; j-- {
			if rng.Intn(10) == 0 {
				b.WriteRune(rune(rng.Intn(0x30000)))
			} else {
				b.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
		}
		out[i] = b.String()
	}
	return out
}

func FuzzText(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		textSafe(t, "Text", s, out)
		if Text(out) != out {
			t.Errorf("not idempotent on %q", s)
		}
		if ls := LineStart(s); strings.HasPrefix(strings.TrimLeftFunc(ls, unicode.IsSpace), "::") {
			t.Errorf("LineStart(%q) = %q", s, ls)
		}
		md := Markdown(s)
		if strings.ContainsAny(md, "<>\n") || unescaped(md, '|') || unescaped(md, '`') {
			t.Errorf("Markdown(%q) = %q", s, md)
		}
		if badDOTString(DOTLabel(s)) || badDOTString(DOTID(s)) {
			t.Errorf("DOT escapes of %q break the string", s)
		}
		if strings.ContainsAny(Mermaid(s), "\"%<>`\n") {
			t.Errorf("Mermaid(%q) = %q", s, Mermaid(s))
		}
	})
}
