package manifest

import (
	"regexp"
	"strings"
)

// quotedValue matches the ways parser and decoder errors quote input: go-yaml
// puts scalars in backticks ("cannot decode !!str `hunter2` as a !!int"),
// encoding/json and strconv use double or single quotes ("invalid character
// 'h'", `parsing "hunter2"`), and json-iterator style errors show context
// between pipes ("...|{"password":...|...").
var quotedValue = regexp.MustCompile("`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|\\|[^|]*\\|")

// redactValues removes every quoted input value from a parser or decoder
// error, so a warning about a Secret (or any document: a ConfigMap or an
// annotation may hold a credential too) never repeats a value. What remains
// names the problem and, with the file:line, is enough to find it. Line
// breaks (go-yaml lists several errors on separate lines) become "; ".
func redactValues(msg string) string {
	msg = quotedValue.ReplaceAllString(msg, "(value hidden)")
	fields := strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}
