package htmlreport

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// inlineSVG turns a Graphviz SVG document into markup that can sit inside
// the HTML page: the XML declaration, DOCTYPE and comments are dropped, and
// anything that could run code or fetch a resource is removed (script and
// foreignObject elements, event-handler attributes, links and image
// references that are not local "#fragment" references, style elements). The root <svg>
// loses its fixed width and height so that the page sizes it; its viewBox
// is kept (or made from width and height) because pan and zoom move it.
//
// Graphviz writes well-formed XML, so the document is re-serialised token
// by token rather than patched with string replacements.
func inlineSVG(svg []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var out strings.Builder
	depth := 0 // open elements written
	skip := 0  // depth inside a dropped element, 0 when not skipping
	sawRoot := false
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			local := strings.ToLower(t.Name.Local)
			if local == "script" || local == "style" || local == "foreignobject" || local == "iframe" || local == "object" || local == "embed" {
				skip = 1
				continue
			}
			root := !sawRoot
			if root {
				if local != "svg" {
					return "", fmt.Errorf("SVG root element is <%s>", t.Name.Local)
				}
				sawRoot = true
			}
			out.WriteByte('<')
			out.WriteString(qname(t.Name))
			var width, height string
			hasViewBox := false
			for _, a := range t.Attr {
				name := qname(a.Name)
				lname := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(lname, "on") {
					continue
				}
				if (lname == "href" || lname == "src") && !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
					continue
				}
				if strings.Contains(strings.ToLower(a.Value), "url(") && !localURLs(a.Value) {
					continue
				}
				if root {
					switch lname {
					case "width":
						width = a.Value
						continue
					case "height":
						height = a.Value
						continue
					case "viewbox":
						hasViewBox = true
					}
				}
				out.WriteByte(' ')
				out.WriteString(name)
				out.WriteString(`="`)
				out.WriteString(escapeAttr(a.Value))
				out.WriteByte('"')
			}
			if root && !hasViewBox {
				w, h := svgLength(width), svgLength(height)
				if w > 0 && h > 0 {
					fmt.Fprintf(&out, ` viewBox="0 0 %g %g"`, w, h)
				}
			}
			out.WriteByte('>')
			depth++
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if depth == 0 {
				continue
			}
			depth--
			out.WriteString("</")
			out.WriteString(qname(t.Name))
			out.WriteByte('>')
		case xml.CharData:
			if skip > 0 || depth == 0 {
				continue
			}
			out.WriteString(escapeText(string(t)))
		}
		// Comments, processing instructions and directives are dropped.
	}
	if !sawRoot {
		return "", errors.New("no <svg> element")
	}
	for ; depth > 0; depth-- {
		// Unclosed elements in a damaged file: the HTML parser would close
		// them anyway, but keep the markup balanced.
		out.WriteString("</g>")
	}
	return out.String(), nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// localURLs reports whether every url(...) in an attribute value points to
// a fragment of the same document (Graphviz gradients: url(#l_1)).
func localURLs(v string) bool {
	low := strings.ToLower(v)
	for {
		i := strings.Index(low, "url(")
		if i < 0 {
			return true
		}
		rest := strings.TrimLeft(low[i+4:], " \t'\"")
		if !strings.HasPrefix(rest, "#") {
			return false
		}
		low = low[i+4:]
	}
}

func svgLength(s string) float64 {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "pt")
	s = strings.TrimSuffix(s, "px")
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err != nil {
		return 0
	}
	return f
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")

func escapeText(s string) string { return textEscaper.Replace(s) }
func escapeAttr(s string) string { return attrEscaper.Replace(s) }
