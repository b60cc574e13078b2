package manifest

import (
	"bytes"
	"strings"
)

// document is one YAML document of a file: its text (with \n line endings)
// and the file line its text starts on.
type document struct {
	text []byte
	// startLine is the file line of the document's first text line.
	startLine int
	// firstContentLine is the first line that is neither blank nor a comment;
	// it is the line an object's origin points at. 0 for an empty document.
	firstContentLine int
}

// splitDocuments cuts a YAML stream into its documents the way YAML 1.2
// (spec chapter 9, "Document Stream Productions") does, keeping track of line
// numbers so every document and every parse error can be traced to its file
// line. The YAML parser that converts a document reads only the first
// document of its input and drops the rest without a word, so every boundary
// the spec defines must be found here:
//
//   - line breaks are CR LF, LF or a lone CR (b-break); all become LF;
//   - a directives end marker "---" at the start of a line, followed by
//     white space, a line end or content on the same line, starts a document;
//   - a document end marker "..." at the start of a line, followed only by
//     white space or a comment, ends one: whatever follows is a new (bare)
//     document even without "---";
//   - directive lines ("%YAML 1.2", "%TAG ...") stand between documents and
//     belong to none.
func splitDocuments(data []byte) []document {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	lines := strings.Split(string(data), "\n")
	var docs []document
	var cur []string
	start := 1
	content := 0
	// betweenDocuments is true at the start of the stream and after a
	// document end marker, where directive lines may appear.
	betweenDocuments := true
	flush := func() {
		docs = append(docs, document{text: []byte(strings.Join(cur, "\n")), startLine: start, firstContentLine: content})
		cur, content = nil, 0
	}
	for i, line := range lines {
		n := i + 1
		if isMarker(line, "---") {
			flush()
			betweenDocuments = false
			start = n + 1
			// "--- {a: b}" carries content on the separator line itself.
			if rest := strings.TrimSpace(line[3:]); rest != "" && !strings.HasPrefix(rest, "#") {
				cur = append(cur, rest)
				start, content = n, n
			}
			continue
		}
		if isDocumentEnd(line) {
			flush()
			betweenDocuments = true
			start = n + 1
			continue
		}
		if betweenDocuments && content == 0 && strings.HasPrefix(line, "%") {
			// A directive; the document it prefixes starts at the next "---".
			cur = append(cur, "")
			continue
		}
		if content == 0 {
			t := strings.TrimSpace(line)
			if t != "" && !strings.HasPrefix(t, "#") {
				content = n
				betweenDocuments = false
			}
		}
		cur = append(cur, line)
	}
	flush()
	out := docs[:0]
	for _, d := range docs {
		if d.firstContentLine != 0 {
			out = append(out, d)
		}
	}
	return out
}

// isMarker reports whether line starts with the three-character marker
// followed by nothing, white space or (for "---") content.
func isMarker(line, marker string) bool {
	if !strings.HasPrefix(line, marker) {
		return false
	}
	rest := line[len(marker):]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t'
}

// isDocumentEnd reports a document end marker line: "..." followed only by
// white space and an optional comment (l-document-suffix).
func isDocumentEnd(line string) bool {
	if !isMarker(line, "...") {
		return false
	}
	rest := strings.TrimLeft(line[3:], " \t")
	return rest == "" || rest[0] == '#'
}
