package diagram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PNG tests lay out real DOT with go-graphviz, paint it, decode the
// PNG and compare pixels with the geometry in the layout JSON: shapes,
// borders, edges, arrowheads and text must all be inked where Graphviz put
// them, in their colours.

// lrDOT has what shadowroute draws: a labelled rounded cluster, box,
// cylinder and ellipse nodes, a red solid edge, a dashed edge, labels.
const lrDOT = `digraph t {
  graph [rankdir=LR, fontname="Helvetica", fontsize=12, label="shop exposure", labelloc=t];
  node [fontname="Helvetica", fontsize=10, style="filled", fillcolor="#ffffff"];
  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];
  internet [shape=ellipse, fillcolor="#fadbd8", label="internet"];
  subgraph "cluster_shop" {
    label="namespace shop"; style="rounded"; color="#566573"; fontcolor="#566573";
    web [shape=box, fillcolor="#eaf2f8", label="svc web"];
    db [shape=cylinder, fillcolor="#fdebd0", label="postgres"];
  }
  internet -> web [color="#ff0000", penwidth=2, label=":443"];
  web -> db [color="#1e8449", style=dashed, label=":5432"];
}`

// tbDOT covers the other branches: top to bottom, a square-cornered
// cluster (an unfilled polygon), named colours, a note shape, a thick
// dashed edge (butt caps must keep its gaps), a head label, a gradient
// fill (painted in its first colour) and a half-transparent edge (which
// must come out pale).
const tbDOT = `digraph t {
  subgraph cluster_data { label="namespace data"; color=blue;
    route [shape=note, style=filled, fillcolor=lightyellow, label="Ingress shop"];
    svc [shape=box, label="svc shop"];
  }
  lb [shape=ellipse, color=red, label="LoadBalancer"];
  lb -> route [color=red, label="forwards"];
  route -> svc [color=gray, style=dashed, penwidth=3, headlabel=":80"];
  ext [shape=box3d, style=filled, fillcolor="#fadbd8:#ffffff", label="external"];
  svc -> ext [color="#0000ff80", penwidth=2, label="egress"];
}`

func TestPNGPaintsLayout(t *testing.T) {
	tests := []struct {
		name  string
		dot   string
		scale float64
		// edges the case must contain, so the checks below cannot pass
		// vacuously
		wantRed, wantDashed, wantTranslucent int
	}{
		{"LR cluster, shapes and styled edges", lrDOT, 1.5, 1, 1, 0},
		{"TB square cluster, named colours, at scale 2", tbDOT, 2, 1, 1, 1},
		{"default scale", lrDOT, 0, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderDOT(t, []byte(tt.dot), tt.scale)
			r.checkAll(t)
			if r.red < tt.wantRed || r.dashed < tt.wantDashed || r.translucent < tt.wantTranslucent {
				t.Errorf("checked %d red, %d dashed and %d translucent edges, want at least %d, %d and %d",
					r.red, r.dashed, r.translucent, tt.wantRed, tt.wantDashed, tt.wantTranslucent)
			}
		})
	}
}

// TestPNGOfGoldenDiagrams paints the reviewed DOT goldens, which are what
// shadowroute really draws (legend, mesh peripheries, notes, cds...). With
// SHADOWROUTE_PNG_DIR set it also writes them there to be looked at.
func TestPNGOfGoldenDiagrams(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.dot"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no DOT goldens: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dot, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := renderDOT(t, dot, DefaultPNGScale)
			r.checkAll(t)
			if dir := os.Getenv("SHADOWROUTE_PNG_DIR"); dir != "" {
				out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".dot")+".png")
				if err := os.WriteFile(out, r.raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestPNGRejectsMalformedInput(t *testing.T) {
	const bb = `"bb": "0,0,100,50", `
	tests := []struct {
		name, json string
		scale      float64
		wantErr    string
	}{
		{"not JSON", `{"bb": `, 1, "reading layout JSON"},
		{"draw list of the wrong type", `{` + bb + `"objects": [{"_draw_": "E 1 2 3 4"}]}`, 1, "reading layout JSON"},
		{"no bounding box", `{"objects": []}`, 1, `no "bb"`},
		{"bounding box not numbers", `{"bb": "0,0,wide,50"}`, 1, "not a number"},
		{"bounding box upside down", `{"bb": "0,50,100,0"}`, 1, "upper corner"},
		{"bezier with 2 points", `{` + bb + `"edges": [{"_draw_": [{"op": "b", "points": [[0,0],[1,1]]}]}]}`, 1, "edges[0]._draw_[0]"},
		{"bezier not 3n+1 points", `{` + bb + `"_draw_": [{"op": "B", "points": [[0,0],[1,1],[2,2],[3,3],[4,4]]}]}`, 1, "3n+1"},
		{"point with one coordinate", `{` + bb + `"objects": [{"name": "n", "_draw_": [{"op": "P", "points": [[0,0],[1]]}]}]}`, 1, `objects[0] "n"._draw_[0]`},
		{"ellipse without radii", `{` + bb + `"_draw_": [{"op": "E", "rect": [1, 2]}]}`, 1, "ellipse"},
		{"text without anchor", `{` + bb + `"_ldraw_": [{"op": "T", "text": "x"}]}`, 1, "anchor"},
		{"bad hex colour", `{` + bb + `"_draw_": [{"op": "c", "grad": "none", "color": "#12345"}]}`, 1, "#12345"},
		{"gradient without stops", `{` + bb + `"_draw_": [{"op": "C", "grad": "linear"}]}`, 1, "without stops"},
		{"bad line width", `{` + bb + `"_draw_": [{"op": "S", "style": "setlinewidth(wide)"}]}`, 1, "line width"},
		{"zero font size", `{` + bb + `"_ldraw_": [{"op": "F", "size": 0, "face": "Helvetica"}]}`, 1, "font size"},
		// Far-off coordinates would keep the rasteriser busy for minutes.
		{"point far outside the layout", `{` + bb + `"_draw_": [{"op": "P", "points": [[1e300,0],[0,1],[1,1]]}]}`, 1, "far outside"},
		{"ellipse larger than the layout", `{` + bb + `"_draw_": [{"op": "e", "rect": [50, 25, 1e9, 1e9]}]}`, 1, "larger than"},
		{"line wider than the layout", `{` + bb + `"_draw_": [{"op": "S", "style": "setlinewidth(1e9)"}]}`, 1, "wider than"},
		{"negative scale", `{` + bb + `"_draw_": []}`, -1, "scale"},
		{"NaN scale", `{` + bb + `"_draw_": []}`, math.NaN(), "scale"},
		{"canvas too wide", `{"bb": "0,0,20000,50"}`, 1, "smaller view"},
		{"canvas too many pixels", `{"bb": "0,0,9000,9000"}`, 1.5, "smaller scale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := PNG([]byte(tt.json), &buf, tt.scale)
			if err == nil {
				t.Fatalf("accepted, wrote %d bytes", buf.Len())
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
	err := PNG([]byte(`{"bb": "0,0,20000,50"}`), &bytes.Buffer{}, 1)
	if !errors.Is(err, ErrCanvasTooLarge) {
		t.Errorf("oversized canvas: %v, want ErrCanvasTooLarge", err)
	}
}

func TestPNGReportsWriteErrors(t *testing.T) {
	err := PNG([]byte(`{"bb": "0,0,10,10"}`), failingWriter{}, 1)
	if err == nil || !strings.Contains(err.Error(), "encoding PNG") {
		t.Errorf("write failure: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestPNGSkipsUnknownOps(t *testing.T) {
	// Graphviz writes images as empty objects; newer xdot may add ops.
	js := `{"bb": "0,0,20,20", "_draw_": [{}, {"op": "I", "rect": [0,0,1,1]}, {"op": "t", "fontchar": 1}]}`
	if err := PNG([]byte(js), &bytes.Buffer{}, 1); err != nil {
		t.Fatal(err)
	}
}

func TestParseColor(t *testing.T) {
	tests := []struct {
		in      string
		want    color.NRGBA
		wantErr bool
	}{
		{"#c0392b", color.NRGBA{0xc0, 0x39, 0x2b, 0xff}, false},
		{"#FF000080", color.NRGBA{0xff, 0, 0, 0x80}, false},
		{"#fffffe00", color.NRGBA{0xff, 0xff, 0xfe, 0}, false},
		{"black", color.NRGBA{0, 0, 0, 0xff}, false},
		{"White", color.NRGBA{0xff, 0xff, 0xff, 0xff}, false},
		{"red", color.NRGBA{0xff, 0, 0, 0xff}, false},
		{"blue", color.NRGBA{0, 0, 0xff, 0xff}, false},
		{"gray", color.NRGBA{0xc0, 0xc0, 0xc0, 0xff}, false},
		{"/x11/lightgrey", color.NRGBA{0xd3, 0xd3, 0xd3, 0xff}, false},
		{"none", color.NRGBA{}, false},
		{"transparent", color.NRGBA{}, false},
		{"no-such-colour", color.NRGBA{0, 0, 0, 0xff}, false}, // Graphviz paints unknown names black
		{"#12345", color.NRGBA{}, true},
		{"#gggggg", color.NRGBA{}, true},
		{"", color.NRGBA{}, true},
	}
	for _, tt := range tests {
		got, err := parseColor(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseColor(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// --- rendering and geometry helpers ----------------------------------------

// rendered is a painted layout with what the checks need to find things.
type rendered struct {
	raw                      []byte
	img                      image.Image
	doc                      testDoc
	bb                       box
	scale                    float64
	red, dashed, translucent int // edges of each kind the checks looked at
}

// testDoc decodes the layout with the attributes the checks need besides
// the drawing operations.
type testDoc struct {
	BB string `json:"bb"`
	layoutObj
	Objects []testObj   `json:"objects"`
	Edges   []layoutObj `json:"edges"`
}

type testObj struct {
	layoutObj
	BB string `json:"bb"` // clusters only
}

func renderDOT(t *testing.T, dot []byte, scale float64) *rendered {
	t.Helper()
	js, err := Layout(context.Background(), dot, FormatJSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := PNG(js, &buf, scale); err != nil {
		t.Fatal(err)
	}
	r := &rendered{raw: buf.Bytes(), scale: scale}
	if r.scale == 0 {
		r.scale = DefaultPNGScale
	}
	if r.img, err = png.Decode(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	if err := json.Unmarshal(js, &r.doc); err != nil {
		t.Fatal(err)
	}
	if r.bb, err = parseBB(r.doc.BB); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rendered) checkAll(t *testing.T) {
	r.checkSize(t)
	r.checkClusters(t)
	r.checkNodes(t)
	r.checkEdges(t)
	r.checkText(t)
}

// px maps a layout point to the pixel grid; written out again here rather
// than calling the painter, so that a wrong mapping cannot hide itself.
func (r *rendered) px(p point) (float64, float64) {
	return (p.x - r.bb.x0 + canvasPad) * r.scale, (r.bb.y1 - p.y + canvasPad) * r.scale
}

func (r *rendered) at(x, y int) color.NRGBA {
	if !(image.Point{x, y}.In(r.img.Bounds())) {
		return color.NRGBA{0xff, 0xff, 0xff, 0xff}
	}
	return color.NRGBAModel.Convert(r.img.At(x, y)).(color.NRGBA)
}

// near reports whether a pixel within radius px of layout point p matches.
func (r *rendered) near(p point, radius int, match func(color.NRGBA) bool) bool {
	fx, fy := r.px(p)
	cx, cy := int(math.Floor(fx)), int(math.Floor(fy))
	for y := cy - radius; y <= cy+radius; y++ {
		for x := cx - radius; x <= cx+radius; x++ {
			if match(r.at(x, y)) {
				return true
			}
		}
	}
	return false
}

// fractionNear is the share of points with a matching pixel within radius.
func (r *rendered) fractionNear(pts []point, radius int, match func(color.NRGBA) bool) float64 {
	if len(pts) == 0 {
		return 0
	}
	n := 0
	for _, p := range pts {
		if r.near(p, radius, match) {
			n++
		}
	}
	return float64(n) / float64(len(pts))
}

func whiteish(c color.NRGBA) bool { return c.R > 240 && c.G > 240 && c.B > 240 }

func reddish(c color.NRGBA) bool {
	return c.R > 150 && int(c.R) > int(c.G)+80 && int(c.R) > int(c.B)+80
}

// closeTo matches pixels within tol, on every channel, of want painted
// over white (so translucent colours must come out pale).
func closeTo(want color.NRGBA, tol int) func(color.NRGBA) bool {
	a := float64(want.A) / 255
	over := func(v uint8) uint8 { return uint8(math.Round(float64(v)*a + 255*(1-a))) }
	want = color.NRGBA{over(want.R), over(want.G), over(want.B), 0xff}
	return func(c color.NRGBA) bool {
		d := func(a, b uint8) int { return int(math.Abs(float64(int(a) - int(b)))) }
		return d(c.R, want.R) <= tol && d(c.G, want.G) <= tol && d(c.B, want.B) <= tol
	}
}

// shape is a drawing operation with the state it is painted in.
type shape struct {
	op                xdotOp
	pen, fill         color.NRGBA
	dashed, invisible bool
	fontSize          float64
}

// shapes replays the state operations of a list, as the painter does.
func shapes(t *testing.T, ops []xdotOp) []shape {
	t.Helper()
	st := shape{pen: color.NRGBA{A: 0xff}, fill: color.NRGBA{A: 0xff}, fontSize: 14}
	var out []shape
	for _, op := range ops {
		switch op.Op {
		case "c", "C":
			c := testColor(t, op)
			if op.Op == "c" {
				st.pen = c
			} else {
				st.fill = c
			}
		case "S":
			switch op.Style {
			case "dashed", "dotted":
				st.dashed = true
			case "solid":
				st.dashed = false
			case "invis":
				st.invisible = true
			}
		case "F":
			st.fontSize = op.Size
		default:
			s := st
			s.op = op
			out = append(out, s)
		}
	}
	return out
}

// testColor reads the hex colours Graphviz writes without the painter's
// parser, so a parser that drops alpha or gradients cannot hide itself.
func testColor(t *testing.T, op xdotOp) color.NRGBA {
	t.Helper()
	s := op.Color
	if op.Grad == "linear" || op.Grad == "radial" {
		s = op.Stops[0].Color
	}
	var c color.NRGBA
	switch len(s) {
	case 7:
		c.A = 0xff
		_, err := fmt.Sscanf(s, "#%02x%02x%02x", &c.R, &c.G, &c.B)
		if err != nil {
			t.Fatalf("colour %q: %v", s, err)
		}
	case 9:
		_, err := fmt.Sscanf(s, "#%02x%02x%02x%02x", &c.R, &c.G, &c.B, &c.A)
		if err != nil {
			t.Fatalf("colour %q: %v", s, err)
		}
	default:
		t.Fatalf("layout colour %q is not hex", s)
	}
	return c
}

func pts(t *testing.T, op xdotOp) []point {
	t.Helper()
	p, err := toPoints(op.Points, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func lerp(a, b point, f float64) point { return point{a.x + (b.x-a.x)*f, a.y + (b.y-a.y)*f} }

func cubic(p0, p1, p2, p3 point, u float64) point {
	v := 1 - u
	return point{
		v*v*v*p0.x + 3*v*v*u*p1.x + 3*v*u*u*p2.x + u*u*u*p3.x,
		v*v*v*p0.y + 3*v*v*u*p1.y + 3*v*u*u*p2.y + u*u*u*p3.y,
	}
}

// bezierSamples evaluates every cubic segment at t = 0.1, 0.2 ... 0.9.
func bezierSamples(p []point) []point {
	var out []point
	for i := 0; i+3 < len(p); i += 3 {
		for k := 1; k <= 9; k++ {
			out = append(out, cubic(p[i], p[i+1], p[i+2], p[i+3], float64(k)/10))
		}
	}
	return out
}

// outline samples points on a shape's outline.
func outline(t *testing.T, s shape) []point {
	var out []point
	switch s.op.Op {
	case "P", "p", "L":
		p := pts(t, s.op)
		n := len(p)
		if s.op.Op == "L" {
			n-- // open
		}
		for i := 0; i < n; i++ {
			for k := 1; k <= 9; k += 2 {
				out = append(out, lerp(p[i], p[(i+1)%len(p)], float64(k)/10))
			}
		}
	case "E", "e":
		c := s.op.Rect
		for k := 0; k < 32; k++ {
			a := 2 * math.Pi * float64(k) / 32
			out = append(out, point{c[0] + c[2]*math.Cos(a), c[1] + c[3]*math.Sin(a)})
		}
	case "B", "b":
		out = bezierSamples(pts(t, s.op))
	}
	return out
}

func bounds(ps []point) box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range ps {
		b.x0, b.y0 = math.Min(b.x0, p.x), math.Min(b.y0, p.y)
		b.x1, b.y1 = math.Max(b.x1, p.x), math.Max(b.y1, p.y)
	}
	return b
}

// --- checks ----------------------------------------------------------------

func (r *rendered) checkSize(t *testing.T) {
	wantW := int(math.Ceil((r.bb.x1 - r.bb.x0 + 2*canvasPad) * r.scale))
	wantH := int(math.Ceil((r.bb.y1 - r.bb.y0 + 2*canvasPad) * r.scale))
	if got := r.img.Bounds().Size(); got.X != wantW || got.Y != wantH {
		t.Errorf("PNG is %dx%d, want %dx%d (bb %s + pad, × %v)", got.X, got.Y, wantW, wantH, r.doc.BB, r.scale)
	}
}

// checkClusters: the border is inked in the cluster colour along all four
// sides (corners skipped: they may be rounded), the label is handled by
// checkText, and an unfilled cluster stays mostly white inside.
func (r *rendered) checkClusters(t *testing.T) {
	n := 0
	for _, o := range r.doc.Objects {
		if !strings.HasPrefix(o.Name, "cluster") {
			continue
		}
		n++
		cb, err := parseBB(o.BB)
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		ss := shapes(t, o.Draw)
		if len(ss) == 0 {
			t.Errorf("%s has no border in the layout", o.Name)
			continue
		}
		corners := []point{{cb.x0, cb.y0}, {cb.x1, cb.y0}, {cb.x1, cb.y1}, {cb.x0, cb.y1}}
		var border []point
		for i := range corners {
			for k := 15; k <= 85; k += 5 {
				border = append(border, lerp(corners[i], corners[(i+1)%4], float64(k)/100))
			}
		}
		if f := r.fractionNear(border, 2, closeTo(ss[0].pen, 60)); f < 0.9 {
			t.Errorf("%s: %.0f%% of its border is inked in %v, want ≥ 90%%", o.Name, f*100, ss[0].pen)
		}
		if filled := ss[0].op.Op == "P" || ss[0].op.Op == "B"; !filled {
			if f := r.whiteShare(cb); f < 0.4 {
				t.Errorf("%s is unfilled but only %.0f%% of it is white", o.Name, f*100)
			}
		}
	}
	if n == 0 {
		t.Error("layout has no cluster to check")
	}
}

// whiteShare is the share of white pixels in a layout box.
func (r *rendered) whiteShare(b box) float64 {
	x0, y1 := r.px(point{b.x0, b.y0})
	x1, y0 := r.px(point{b.x1, b.y1})
	white, all := 0, 0
	for y := int(y0) + 3; y < int(y1)-3; y++ {
		for x := int(x0) + 3; x < int(x1)-3; x++ {
			all++
			if whiteish(r.at(x, y)) {
				white++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(white) / float64(all)
}

// checkNodes: every outline operation of every node (polygons, ellipses,
// the beziers of rounded boxes and cylinders, note folds) is inked in its
// pen colour, and filled shapes carry their fill colour inside.
func (r *rendered) checkNodes(t *testing.T) {
	for _, o := range r.doc.Objects {
		if strings.HasPrefix(o.Name, "cluster") {
			continue
		}
		for i, s := range shapes(t, o.Draw) {
			if s.invisible || s.pen.A == 0 || s.op.Op == "T" {
				continue
			}
			line := outline(t, s)
			if len(line) == 0 {
				continue
			}
			if f := r.fractionNear(line, 2, closeTo(s.pen, 60)); f < 0.9 {
				t.Errorf("node %s op %d %q: %.0f%% of its outline is inked in %v, want ≥ 90%%", o.Name, i, s.op.Op, f*100, s.pen)
			}
			if s.op.Op == "P" || s.op.Op == "E" || s.op.Op == "B" {
				r.checkFill(t, o.Name, s, bounds(line))
			}
		}
	}
}

// checkFill samples a row a sixth of the way up the shape, clear of the
// outline and of a centred one-line label.
func (r *rendered) checkFill(t *testing.T, name string, s shape, b box) {
	if b.y1-b.y0 < 20 || s.fill.A != 0xff {
		return // too small (points) or translucent: nothing reliable to sample
	}
	var row []point
	for k := 35; k <= 65; k += 5 {
		row = append(row, point{b.x0 + (b.x1-b.x0)*float64(k)/100, b.y0 + (b.y1-b.y0)/6})
	}
	if f := r.fractionNear(row, 0, closeTo(s.fill, 8)); f < 0.6 {
		t.Errorf("node %s: %.0f%% of its inside is its fill %v, want ≥ 60%%", name, f*100, s.fill)
	}
}

// checkEdges: the edge curve is inked in its colour along its length,
// red edges are red, dashed edges have gaps, arrowheads are solid.
func (r *rendered) checkEdges(t *testing.T) {
	if len(r.doc.Edges) == 0 {
		t.Error("layout has no edge to check")
	}
	for i, e := range r.doc.Edges {
		for _, s := range shapes(t, e.Draw) {
			if s.invisible || s.pen.A == 0 || (s.op.Op != "b" && s.op.Op != "B") {
				continue
			}
			p := pts(t, s.op)
			samples := bezierSamples(p)
			want := 0.9
			if s.dashed {
				want = 0.75
			}
			if f := r.fractionNear(samples, 2, closeTo(s.pen, 60)); f < want {
				t.Errorf("edge %d: %.0f%% of its curve is inked in %v, want ≥ %.0f%%", i, f*100, s.pen, want*100)
			}
			if s.pen.A < 0xff {
				r.translucent++
				opaque := s.pen
				opaque.A = 0xff
				// 20%: where it meets its (also translucent) arrowhead the
				// layers add up to nearly opaque, as in any renderer.
				if f := r.fractionNear(samples, 0, closeTo(opaque, 40)); f > 0.2 {
					t.Errorf("translucent edge %d: %.0f%% of its curve is painted opaque %v", i, f*100, opaque)
				}
			}
			if reddish(s.pen) {
				r.red++
				if f := r.fractionNear(samples, 1, reddish); f < 0.9 {
					t.Errorf("red edge %d: %.0f%% of its curve is reddish, want ≥ 90%%", i, f*100)
				}
			}
			if s.dashed {
				r.dashed++
				r.checkGaps(t, i, p)
			}
		}
		for _, list := range [][]xdotOp{e.HDraw, e.TDraw} {
			for _, s := range shapes(t, list) {
				if s.op.Op == "P" && s.fill.A == 0xff {
					r.checkSolid(t, i, pts(t, s.op), s.fill)
				}
			}
		}
	}
}

// checkGaps walks the centre line of a dashed curve: some of it must be
// white (the gaps) and most of it inked.
func (r *rendered) checkGaps(t *testing.T, edge int, p []point) {
	var light, all int
	for i := 0; i+3 < len(p); i += 3 {
		for k := 5; k <= 95; k++ {
			all++
			if r.near(cubic(p[i], p[i+1], p[i+2], p[i+3], float64(k)/100), 0, whiteish) {
				light++
			}
		}
	}
	if f := float64(light) / float64(all); f < 0.05 || f > 0.6 {
		t.Errorf("dashed edge %d: %.0f%% of its centre line is white, want gaps (5-60%%)", edge, f*100)
	}
}

// checkSolid: the pixels whose centres lie inside an arrowhead polygon are
// mostly its fill colour.
func (r *rendered) checkSolid(t *testing.T, edge int, poly []point, fill color.NRGBA) {
	b := bounds(poly)
	x0, y1 := r.px(point{b.x0, b.y0})
	x1, y0 := r.px(point{b.x1, b.y1})
	in, good := 0, 0
	for y := int(y0); y <= int(y1); y++ {
		for x := int(x0); x <= int(x1); x++ {
			// back to layout points to test inside-ness
			lp := point{(float64(x)+0.5)/r.scale + r.bb.x0 - canvasPad, r.bb.y1 + canvasPad - (float64(y)+0.5)/r.scale}
			if !insidePolygon(lp, poly) {
				continue
			}
			in++
			if closeTo(fill, 60)(r.at(x, y)) {
				good++
			}
		}
	}
	if in == 0 || float64(good)/float64(in) < 0.7 {
		t.Errorf("edge %d arrowhead: %d of %d pixels inside are %v, want ≥ 70%%", edge, good, in, fill)
	}
}

func insidePolygon(p point, poly []point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

// checkText: each text's box (from its anchor, alignment, laid-out width
// and font size) holds pixels of its colour, and the ink spans the box from
// end to end: misplaced, misaligned or wrongly sized text fails.
func (r *rendered) checkText(t *testing.T) {
	lists := []drawList{{"graph label", r.doc.LDraw}}
	for _, o := range r.doc.Objects {
		lists = append(lists, drawList{o.Name, o.LDraw})
	}
	for i, e := range r.doc.Edges {
		for _, l := range [][]xdotOp{e.LDraw, e.HLDraw, e.TLDraw} {
			lists = append(lists, drawList{fmt.Sprintf("edges[%d]", i), l})
		}
	}
	n := 0
	for _, l := range lists {
		for _, s := range shapes(t, l.ops) {
			if s.op.Op != "T" || strings.TrimSpace(s.op.Text) == "" {
				continue
			}
			n++
			x0 := s.op.Pt[0] - s.op.Width/2
			switch s.op.Align {
			case "l":
				x0 = s.op.Pt[0]
			case "r":
				x0 = s.op.Pt[0] - s.op.Width
			}
			b := box{x0, s.op.Pt[1], x0 + s.op.Width, s.op.Pt[1] + 0.7*s.fontSize}
			match := closeTo(s.pen, 35)
			inkedPx, all := r.countInBox(b, match)
			if inkedPx < 5 || float64(inkedPx) < 0.04*float64(all) {
				t.Errorf("%s: text %q has %d of %d pixels in %v, want ≥ 4%%", l.where, s.op.Text, inkedPx, all, s.pen)
				continue
			}
			// Look 3 points either side for where the ink really starts and ends.
			const margin = 3.0
			left, right, ok := r.inkExtent(box{b.x0 - margin, b.y0, b.x1 + margin, b.y1}, match)
			slack := math.Max(2, 0.15*s.op.Width)
			if !ok || left < b.x0-2 || left > b.x0+slack || right > b.x1+2 || right < b.x1-slack {
				t.Errorf("%s: text %q is inked from x=%.1f to %.1f, laid out from %.1f to %.1f", l.where, s.op.Text, left, right, b.x0, b.x1)
			}
		}
	}
	if n == 0 {
		t.Error("layout has no text to check")
	}
}

// inkExtent returns the layout x of the first and last pixel columns in b
// holding a matching pixel.
func (r *rendered) inkExtent(b box, match func(color.NRGBA) bool) (left, right float64, ok bool) {
	x0, y1 := r.px(point{b.x0, b.y0})
	x1, y0 := r.px(point{b.x1, b.y1})
	first, last := -1, -1
	for x := int(x0); x <= int(x1); x++ {
		for y := int(y0); y <= int(y1); y++ {
			if match(r.at(x, y)) {
				if first < 0 {
					first = x
				}
				last = x
				break
			}
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	toLayout := func(x int) float64 { return float64(x)/r.scale + r.bb.x0 - canvasPad }
	return toLayout(first), toLayout(last + 1), true
}

func (r *rendered) countInBox(b box, match func(color.NRGBA) bool) (n, all int) {
	x0, y1 := r.px(point{b.x0, b.y0})
	x1, y0 := r.px(point{b.x1, b.y1})
	for y := int(y0); y <= int(y1); y++ {
		for x := int(x0); x <= int(x1); x++ {
			all++
			if match(r.at(x, y)) {
				n++
			}
		}
	}
	return n, all
}
