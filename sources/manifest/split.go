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

// splitDocuments cuts a YAML stream at `---` separator lines, keeping track
// of line numbers so every document and every parse error can be traced to
// its file line. CRLF line endings are normalised to LF.
func splitDocuments(data []byte) []document {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	lines := strings.Split(string(data), "\n")
	var docs []document
	var cur []string
	start := 1
	content := 0
	flush := func() {
		docs = append(docs, document{text: []byte(strings.Join(cur, "\n")), startLine: start, firstContentLine: content})
		cur, content = nil, 0
	}
	for i, line := range lines {
		n := i + 1
		if isSeparator(line) {
			flush()
			start = n + 1
			// "--- {a: b}" carries content on the separator line itself.
			if rest := strings.TrimSpace(strings.TrimPrefix(line, "---")); rest != "" && !strings.HasPrefix(rest, "#") {
				cur = append(cur, rest)
				start, content = n, n
			}
			continue
		}
		if line == "..." {
			continue
		}
		if content == 0 {
			t := strings.TrimSpace(line)
			if t != "" && !strings.HasPrefix(t, "#") {
				content = n
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

func isSeparator(line string) bool {
	if !strings.HasPrefix(line, "---") {
		return false
	}
	rest := line[3:]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t'
}
