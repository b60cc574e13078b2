// Package safetext escapes input-derived strings for the contexts shadowroute
// writes them into: terminal and CI log lines, Markdown, HTML inside
// Markdown, Graphviz DOT, Mermaid, CSV and JSON.
//
// Everything a manifest says (object names, namespaces, labels,
// annotations, hosts, paths, file names, loader warnings) is attacker
// input: manifests come from pull requests, and shadowroute's output is read
// in terminals, CI logs and pull-request comments. Each function here makes
// one value inert in one context and says why; renderers call the function
// of the context a value lands in, once, on the value (or on a string
// composed only of values and fixed text that means nothing in that context).
//
// The escapes are visible, never silent: a control character shows as \x1b,
// a bidi override as \u202e, so a reviewer sees that the input was odd.
// Ordinary Kubernetes names (DNS labels, paths, hosts) pass every function
// unchanged, so reports of ordinary input look as they always did.
package safetext

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Text makes s safe inside one line of terminal or CI log output.
//
// Why: a terminal obeys escape sequences (ESC [ 2 J clears the screen, a
// colour sequence can paint a fake green "No findings"), and a CI runner
// reads every output line for workflow commands. So every C0 control
// (newline, CR and tab included), DEL, every C1 control, Unicode format
// characters (bidi embeddings, overrides and isolates U+202A-U+202E,
// U+2066-U+2069, marks U+200E/U+200F/U+061C, zero-width characters
// U+200B-U+200D, U+2060, U+FEFF), the line and paragraph separators
// U+2028/U+2029, noncharacters (U+FFFE, U+FFFF...) and the invisible Hangul
// fillers are written as visible escapes (\n, \r, \t, \x1b, \u202e,
// \U000e0041), and so is every byte that is not valid UTF-8 (\xff). The
// result holds no byte below 0x20, no DEL, and nothing that moves the cursor
// or reorders the line, so a value can never end a line or start a new one.
//
// GitHub's runner also accepts the legacy form ##[command]data anywhere in a
// line (add-mask, error, stop-commands...), and Azure Pipelines
// ##vso[command] anywhere too, so "##" before "[" or "vso[" is broken up as
// "#\x23". The "::command::" form counts only at the start of a line: see
// LineStart for values that may begin one.
//
// Backslashes are left alone (Windows paths stay readable); a literal "\x1b"
// in the input therefore looks like an escaped ESC, which is harmless. Text
// is idempotent: Text(Text(s)) == Text(s).
func Text(s string) string {
	return visible(s, false)
}

// LineStart is Text for a value that may be the first thing on an output
// line (after any indentation): the first column of a table, a message
// printed on its own line.
//
// Why: GitHub Actions runs "::add-mask::x", "::stop-commands::token",
// "::error::..." when a line starts with "::" after leading whitespace is
// trimmed, so indentation does not protect a line. When s, after leading
// white space, starts with "::", its first colon is written as \x3a.
// Kubernetes names cannot start with a colon; only hostile input changes.
func LineStart(s string) string {
	t := Text(s)
	rest := strings.TrimLeftFunc(t, unicode.IsSpace)
	if strings.HasPrefix(rest, "::") {
		i := len(t) - len(rest)
		return t[:i] + `\x3a` + t[i+1:]
	}
	return t
}

// Markdown makes s inline text in GitHub-flavoured Markdown: in a paragraph,
// a list item, a blockquote or a table cell, it renders as exactly the text
// of s and creates no markup.
//
// Why: rendered reports hide what raw HTML hides ("<!--" swallows the rest
// of a pull-request comment, "<details>" folds it), a backtick or "|" breaks
// the code span or table row it sits in, "[x](javascript:...)" makes a link,
// and "#", ">", "-", "1." at the start of a list item make headings, quotes
// and nested lists. So, after Text (one line, visible escapes):
//   - "<", ">", "&" become &lt; &gt; &amp; (no HTML, autolink or entity);
//   - \ ` * [ ] | ~ $ are backslash-escaped everywhere (code spans,
//     emphasis, links and images, table cells, strikethrough, math), and so
//     is "_" unless it sits between two letters or digits, where CommonMark
//     never reads it as emphasis (DATABASE_URL stays readable);
//   - at the start of the value, where a list item's content starts, the
//     markers of headings ("# "), list items ("- ", "+ ", "1. ", "2) ") and
//     thematic breaks ("--") are escaped, and leading spaces become &#32;
//     (no indented code block); "*", "_", backticks, "~" and ">" are escaped
//     everywhere already.
func Markdown(s string) string {
	t := Text(s)
	if !needsMarkdown(t) {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 8)
	i := 0
	for i < len(t) && t[i] == ' ' {
		b.WriteString("&#32;")
		i++
	}
	if i < len(t) {
		// Block syntax needs a space (or the end) after its marker: "# h",
		// "- i", "+ i", "1. i", "2) i"; "---" is a thematic break.
		ends := func(j int) bool { return j >= len(t) || t[j] == ' ' }
		switch c := t[i]; {
		case c == '#':
			j := i
			for j < len(t) && t[j] == '#' {
				j++
			}
			if ends(j) {
				b.WriteByte('\\')
			}
		case c == '-' || c == '+':
			if ends(i+1) || c == '-' && t[i+1] == '-' {
				b.WriteByte('\\')
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(t) && t[j] >= '0' && t[j] <= '9' {
				j++
			}
			if j < len(t) && (t[j] == '.' || t[j] == ')') && ends(j+1) {
				b.WriteString(t[i:j])
				b.WriteByte('\\')
				i = j
			}
		}
	}
	for j, r := range t[i:] {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '[', ']', '|', '~', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			at := i + j
			before, _ := utf8.DecodeLastRuneInString(t[:at])
			after, _ := utf8.DecodeRuneInString(t[at+1:])
			if !(isWordRune(before) && isWordRune(after)) {
				b.WriteByte('\\')
			}
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsMarkdown(t string) bool {
	if t == "" {
		return false
	}
	switch c := t[0]; {
	case c == ' ' || c == '#' || c == '-' || c == '+':
		return true
	case c >= '0' && c <= '9':
		return true // the slow path checks for "1. " and "1) "
	}
	return strings.ContainsAny(t, "<>&\\`*[]|~$_")
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// MarkdownCode writes s as inline code in GitHub-flavoured Markdown,
// delimiters included, showing exactly the text of s (after Text).
//
// Why: a backtick in the value would close the code span early and turn
// the rest of the value into live Markdown. The fence is one backtick longer
// than the longest run of backticks in the value, with a space inside each
// end when the value starts or ends with a backtick or with a space (which
// CommonMark would strip). A value holding "|", "<", ">" or "&" is written as
// <code>Markdown(s)</code> instead: a pipe splits a table row even inside a
// code span, and entities are the only way to show "<" that is not a raw
// "<" in the file. An empty value is an empty <code></code>.
func MarkdownCode(s string) string {
	t := Text(s)
	if t == "" {
		return "<code></code>"
	}
	if strings.ContainsAny(t, "|<>&") {
		return "<code>" + Markdown(t) + "</code>"
	}
	longest, run := 0, 0
	for i := 0; i < len(t); i++ {
		if t[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if t[0] == '`' || t[len(t)-1] == '`' || (t[0] == ' ' && t[len(t)-1] == ' ' && strings.Trim(t, " ") != "") {
		pad = " "
	}
	return fence + pad + t + pad + fence
}

// HTML makes s text in HTML: an element's content or a quoted attribute
// value. In Markdown output it is for the HTML blocks the report writes
// itself (<details><summary>...</summary>), where Markdown escapes would
// show as backslashes and only entities work.
//
// Why: "<", ">", "&", and quotes would open tags, entities or end the
// attribute; html.EscapeString escapes them, after Text has made control and
// bidi characters visible.
func HTML(s string) string {
	return html.EscapeString(Text(s))
}

// DOTLabel makes s the content of a double-quoted Graphviz string used as an
// escString attribute: label, xlabel, tooltip, a graph's label. The caller
// writes the quotes, and may join several escaped values with the two
// characters \n (a DOT line break).
//
// Why: a quote ends the string and what follows is DOT (new nodes, new
// attributes); a backslash starts an escape Graphviz interprets (\N is the
// node's name, \n \l \r break lines, a trailing \ swallows the closing
// quote); Graphviz decodes HTML entities in labels, so "&#27;" would put an
// ESC into the SVG; and a control character or U+FFFE in the label is
// written raw into the SVG, which is then not well-formed XML (browsers
// refuse it, the HTML report cannot inline it). So, after Text (which
// removes every character XML 1.0 forbids), "\" becomes \\, a quote \" and
// "&" &amp; (decoded back to "&" by Graphviz). Record-shape separators
// ({ } | < >) are not escaped: shadowroute draws no record shapes.
func DOTLabel(s string) string {
	t := Text(s)
	if !strings.ContainsAny(t, "\\\"&") {
		return t
	}
	return dotLabelReplacer.Replace(t)
}

var dotLabelReplacer = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;")

// DOTID makes s the content of a double-quoted Graphviz ID: a node or
// subgraph name. The caller writes the quotes.
//
// Why: as for DOTLabel, a quote or a trailing backslash would end (or fail
// to end) the string, and Graphviz writes a node's name into the SVG as its
// <title>, raw when it looks like an entity ("&bogus;" breaks the XML) and
// raw when it is a control character. IDs are not escStrings: Graphviz
// keeps "\\" as two backslashes. So a backslash in s is written as the
// visible escape \x5c (no backslash in the result is then followed by a
// quote or by another backslash), a quote as \", "&" as &amp;, and the rest
// as by Text. Distinct IDs stay distinct. The name Graphviz sees, and writes
// (XML-escaped) as the <title>, is the result with \" read as a quote and
// &amp; as "&"; for an ordinary ID it is the ID itself.
func DOTID(s string) string {
	t := visible(s, true)
	if !strings.ContainsAny(t, "\"&") {
		return t
	}
	return dotIDReplacer.Replace(t)
}

var dotIDReplacer = strings.NewReplacer(`"`, `\"`, "&", "&amp;")

// Mermaid makes s the text of a double-quoted Mermaid label, n0["..."].
// The caller writes the quotes and the brackets.
//
// Why: a quote ends the label and the rest of the line becomes Mermaid
// (new nodes, edges "-->", click handlers); "%%{init: ...}%%" is read as a
// configuration directive wherever it appears in the diagram (themes,
// securityLevel); a backtick inside the quotes switches to Markdown
// strings; "<" and "&" reach the HTML Mermaid renders labels into; "#...;"
// is Mermaid's own entity syntax; a newline ends the statement. So, after
// Text (one line), these characters are written as Mermaid entity codes:
// " #quot;, # #35;, % #37;, & #38;, < #60;, > #62;, \ #92;, ` #96;,
// { #123;, } #125; (the backslash so that no parser can read one as
// escaping the closing quote). Brackets, "-->" and ";" inside a quoted
// label are plain text once the quote cannot be closed.
func Mermaid(s string) string {
	t := Text(s)
	if !strings.ContainsAny(t, "\"#%&<>\\`{}") {
		return t
	}
	return mermaidReplacer.Replace(t)
}

var mermaidReplacer = strings.NewReplacer(`"`, "#quot;", "#", "#35;", "%", "#37;", "&", "#38;",
	"<", "#60;", ">", "#62;", `\`, "#92;", "`", "#96;", "{", "#123;", "}", "#125;")

// CSV makes s a CSV cell value for encoding/csv, which adds the quoting
// (commas, quotes) itself.
//
// Why: spreadsheets run a cell that starts with "=", "+", "-" or "@" as a
// formula (=HYPERLINK(...), DDE payloads), and OWASP's advice is to prefix
// such a cell with a single quote so it is read as text; tab and CR, the
// other two starters OWASP lists, are already visible escapes after Text.
// A CSV printed in a CI log is line output too, and the first cell starts
// the line, so the value is escaped as by LineStart.
func CSV(s string) string {
	t := LineStart(s)
	rest := strings.TrimLeft(t, " ")
	if rest != "" && strings.IndexByte("=+-@", rest[0]) >= 0 {
		return "'" + t
	}
	return t
}

// JSON rewrites encoded JSON (the output of encoding/json) so that it is
// safe to print to a terminal or CI log while decoding to exactly the same
// values.
//
// Why: encoding/json escapes C0 controls, U+2028 and U+2029, but writes
// DEL, C1 controls, bidi overrides and other format characters raw, and a
// value "##[add-mask]..." or "##vso[...]" is a CI command wherever it is on a
// line. JSON carries the true value, so nothing is replaced: those
// characters are written as \u escapes (surrogate pairs above U+FFFF), and
// the second "#" of "##[" or "##vso[" as \u0023. Outside strings encoded
// JSON is ASCII punctuation, digits, literals and white space, and no JSON
// escape sequence contains "#" or a non-ASCII byte, so the rewrite only
// touches string contents and the document stays valid.
func JSON(b []byte) []byte {
	if !needsJSON(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		c := b[i]
		if c == '#' && i > 0 && b[i-1] == '#' && logCommandAt(b[i+1:]) {
			out = append(out, `\u0023`...)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = append(out, `\u007f`...)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || !invisible(r) {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

func needsJSON(b []byte) bool {
	for i, c := range b {
		if c >= utf8.RuneSelf || c == 0x7f || c == '#' && i > 0 && b[i-1] == '#' {
			return true
		}
	}
	return false
}

// logCommandAt reports whether rest, which follows "##", makes a legacy
// GitHub ("##[") or Azure Pipelines ("##vso[") log command.
func logCommandAt[T string | []byte](rest T) bool {
	if len(rest) > 0 && rest[0] == '[' {
		return true
	}
	return len(rest) >= 4 && (rest[0] == 'v' || rest[0] == 'V') && (rest[1] == 's' || rest[1] == 'S') &&
		(rest[2] == 'o' || rest[2] == 'O') && rest[3] == '['
}

// invisible reports whether r must not be written raw: C0 and C1
// controls, DEL, format characters (bidi controls, zero-width characters,
// BOM, tags), line and paragraph separators, noncharacters, and the Hangul
// fillers, which render as nothing.
func invisible(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// visible is Text, and with backslash also writes "\" as \x5c (for DOT IDs).
func visible(s string, backslash bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '#' && i > 0 && s[i-1] == '#' || backslash && c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f || backslash && c == '\\':
				fmt.Fprintf(&b, `\x%02x`, c)
			case c == '#' && i > 0 && s[i-1] == '#' && logCommandAt(s[i+1:]):
				b.WriteString(`\x23`)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, c)
		case !invisible(r):
			b.WriteString(s[i : i+size])
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}
