package diagram

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/fogleman/gg"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// PNG painting: go-graphviz lays the graph out (its "json" format carries
// the xdot drawing operations of every object, in points) and this file
// paints those operations with gg, because go-graphviz's own PNG renderer
// drops outlines and edges.

// DefaultPNGScale is the number of PNG pixels per Graphviz point used when
// PNG is given a scale of 0. 1.5 keeps 9-10 pt labels legible.
const DefaultPNGScale = 1.5

const (
	// maxCanvasSide and maxCanvasPixels bound the memory of one PNG: the
	// canvas is 4 bytes a pixel, so 64 Mpx is already 256 MiB.
	maxCanvasSide   = 16000
	maxCanvasPixels = 64_000_000

	// canvasPad is the white margin around the layout, in points; Graphviz
	// draws cluster borders exactly on the bounding box, so without it half
	// of their stroke would be cut off. 4 points is Graphviz's own bitmap pad.
	canvasPad = 4.0
)

// ErrCanvasTooLarge is returned when a layout would need a bigger PNG than
// this package is willing to allocate.
var ErrCanvasTooLarge = errors.New("PNG canvas too large")

// PNG paints a Graphviz JSON layout (Layout with FormatJSON) as a PNG at
// scale pixels per point (0 means DefaultPNGScale). Operations are painted
// in document order: the graph, then clusters and nodes, then edges.
func PNG(layoutJSON []byte, w io.Writer, scale float64) error {
	if scale == 0 {
		scale = DefaultPNGScale
	}
	if scale < 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return fmt.Errorf("invalid PNG scale %v: want a positive number of pixels per point", scale)
	}
	var doc layoutDoc
	if err := json.Unmarshal(layoutJSON, &doc); err != nil {
		return fmt.Errorf("reading layout JSON: %w", err)
	}
	bb, err := parseBB(doc.BB)
	if err != nil {
		return fmt.Errorf("reading layout bounding box: %w", err)
	}
	p, err := newPainter(bb, scale)
	if err != nil {
		return err
	}
	for _, l := range doc.drawLists() {
		if err := p.paintList(l.ops, l.where); err != nil {
			return fmt.Errorf("painting %w", err)
		}
	}
	if err := p.dc.EncodePNG(w); err != nil {
		return fmt.Errorf("encoding PNG: %w", err)
	}
	return nil
}

// --- layout JSON -----------------------------------------------------------

// layoutDoc is the part of Graphviz's JSON output that PNG needs. Objects
// hold subgraphs (clusters, outermost first) and then nodes.
type layoutDoc struct {
	BB string `json:"bb"`
	layoutObj
	Objects []layoutObj `json:"objects"`
	Edges   []layoutObj `json:"edges"`
}

// layoutObj is a graph, cluster, node or edge: its name and its xdot
// operation lists. Edges have no name.
type layoutObj struct {
	Name   string   `json:"name"`
	Draw   []xdotOp `json:"_draw_"`
	LDraw  []xdotOp `json:"_ldraw_"`
	HDraw  []xdotOp `json:"_hdraw_"`  // arrowhead
	TDraw  []xdotOp `json:"_tdraw_"`  // arrowtail
	HLDraw []xdotOp `json:"_hldraw_"` // head label
	TLDraw []xdotOp `json:"_tldraw_"` // tail label
}

// xdotOp is one drawing operation. Which fields are set depends on Op.
type xdotOp struct {
	Op     string      `json:"op"`
	Grad   string      `json:"grad"`   // c, C: "none", "linear" or "radial"
	Color  string      `json:"color"`  // c, C with grad "none"
	Stops  []gradStop  `json:"stops"`  // c, C gradients
	Points [][]float64 `json:"points"` // P p B b L
	Rect   []float64   `json:"rect"`   // E e: centre x, y, radii x, y
	Pt     []float64   `json:"pt"`     // T: baseline anchor
	Align  string      `json:"align"`  // T: l, c or r
	Width  float64     `json:"width"`  // T: width Graphviz laid out for
	Text   string      `json:"text"`   // T
	Size   float64     `json:"size"`   // F
	Face   string      `json:"face"`   // F
	Style  string      `json:"style"`  // S
}

type gradStop struct {
	Frac  float64 `json:"frac"`
	Color string  `json:"color"`
}

// drawList is one operation list and where it came from, for errors.
type drawList struct {
	where string
	ops   []xdotOp
}

// drawLists returns every operation list in painting order.
func (d *layoutDoc) drawLists() []drawList {
	lists := []drawList{{"graph._draw_", d.Draw}, {"graph._ldraw_", d.LDraw}}
	for i, o := range d.Objects {
		where := fmt.Sprintf("objects[%d] %q.", i, o.Name)
		lists = append(lists, drawList{where + "_draw_", o.Draw}, drawList{where + "_ldraw_", o.LDraw})
	}
	for i, e := range d.Edges {
		where := fmt.Sprintf("edges[%d].", i)
		lists = append(lists,
			drawList{where + "_draw_", e.Draw},
			drawList{where + "_hdraw_", e.HDraw},
			drawList{where + "_tdraw_", e.TDraw},
			drawList{where + "_ldraw_", e.LDraw},
			drawList{where + "_hldraw_", e.HLDraw},
			drawList{where + "_tldraw_", e.TLDraw})
	}
	return lists
}

// box is a rectangle in layout points, y up.
type box struct{ x0, y0, x1, y1 float64 }

// parseBB reads Graphviz's "llx,lly,urx,ury" bounding box.
func parseBB(s string) (box, error) {
	if s == "" {
		return box{}, errors.New(`no "bb" attribute: is this Graphviz JSON output?`)
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return box{}, fmt.Errorf("bb %q: want 4 comma-separated numbers", s)
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return box{}, fmt.Errorf("bb %q: %q is not a number", s, part)
		}
		v[i] = f
	}
	b := box{v[0], v[1], v[2], v[3]}
	if b.x1 < b.x0 || b.y1 < b.y0 {
		return box{}, fmt.Errorf("bb %q: upper corner below lower corner", s)
	}
	return b, nil
}

// --- painter ---------------------------------------------------------------

// painter maps layout points to pixels and paints operations on a canvas.
type painter struct {
	dc    *gg.Context
	scale float64
	bb    box
	// reach bounds coordinates and sizes: Graphviz stays within bb, and
	// wild values make the rasteriser crawl for minutes over far-off cells.
	reach float64
	faces map[faceKey]font.Face // per painter: truetype faces are not goroutine-safe
}

type faceKey struct {
	bold bool
	px   float64 // pixel size, rounded to 0.1 px to bound the cache
}

func newPainter(bb box, scale float64) (*painter, error) {
	wf := math.Ceil((bb.x1 - bb.x0 + 2*canvasPad) * scale)
	hf := math.Ceil((bb.y1 - bb.y0 + 2*canvasPad) * scale)
	if wf > maxCanvasSide || hf > maxCanvasSide || wf*hf > maxCanvasPixels {
		return nil, fmt.Errorf("%w: the layout needs %.0fx%.0f px (at most %dx%d and %d Mpx): draw a smaller view (paths, one focus or one namespace) or use a smaller scale",
			ErrCanvasTooLarge, wf, hf, maxCanvasSide, maxCanvasSide, maxCanvasPixels/1_000_000)
	}
	dc := gg.NewContext(int(wf), int(hf))
	dc.SetColor(color.White)
	dc.Clear()
	// Graphviz's renderers use butt caps: round caps would close the 2 pt
	// gaps of dashed pen-width-3 edges. Round joins keep corners smooth.
	dc.SetLineCapButt()
	dc.SetLineJoinRound()
	reach := math.Max(bb.x1-bb.x0, bb.y1-bb.y0) + 100
	return &painter{dc: dc, scale: scale, bb: bb, reach: reach, faces: map[faceKey]font.Face{}}, nil
}

// checkPoints rejects points far outside the bounding box.
func (p *painter) checkPoints(pts ...point) error {
	for _, pt := range pts {
		if pt.x < p.bb.x0-p.reach || pt.x > p.bb.x1+p.reach || pt.y < p.bb.y0-p.reach || pt.y > p.bb.y1+p.reach {
			return fmt.Errorf("point (%g, %g) lies far outside the bounding box", pt.x, pt.y)
		}
	}
	return nil
}

// xy converts a layout point (y up, points) to canvas pixels (y down).
func (p *painter) xy(pt point) (float64, float64) {
	return (pt.x - p.bb.x0 + canvasPad) * p.scale, (p.bb.y1 - pt.y + canvasPad) * p.scale
}

// penState is the drawing state within one operation list. Every list
// starts from the xdot defaults, as in Graphviz's own xdot readers: the
// lists are written independently and only say what differs.
type penState struct {
	pen, fill color.NRGBA
	lineWidth float64   // points
	dash      []float64 // points; nil is solid
	invisible bool
	fontSize  float64 // points
	bold      bool
}

func defaultPenState() penState {
	black := color.NRGBA{A: 0xff}
	return penState{pen: black, fill: black, lineWidth: 1, fontSize: 14}
}

// paintList paints one operation list, naming the failing operation.
func (p *painter) paintList(ops []xdotOp, where string) error {
	st := defaultPenState()
	for i, op := range ops {
		if err := p.paintOp(&st, op); err != nil {
			return fmt.Errorf("%s[%d] (op %q): %w", where, i, op.Op, err)
		}
	}
	return nil
}

// paintOp applies one operation: state changes update st, shapes paint.
//
// Filled and unfilled beziers: xdot text writes "b" for filled and "B" for
// unfilled, but Graphviz's JSON writer (plugin/core/gvrender_core_json.c,
// write_xdot) emits the opposite case, so here "B" is filled (rounded or
// cylinder nodes with style=filled) and "b" is not (edges, cluster borders).
func (p *painter) paintOp(st *penState, op xdotOp) error {
	switch op.Op {
	case "c", "C":
		c, err := opColor(op)
		if err != nil {
			return err
		}
		if op.Op == "c" {
			st.pen = c
		} else {
			st.fill = c
		}
	case "S":
		if err := st.applyStyle(op.Style); err != nil {
			return err
		}
		if st.lineWidth > p.reach {
			return fmt.Errorf("line width %g is wider than the whole layout", st.lineWidth)
		}
	case "F":
		if op.Size <= 0 || math.IsInf(op.Size, 0) {
			return fmt.Errorf("font size %v", op.Size)
		}
		st.fontSize, st.bold = op.Size, strings.Contains(strings.ToLower(op.Face), "bold")
	case "t":
		// Font characteristics (bold, italic...): the face name says bold
		// already and the Go fonts used here have no other variants.
	case "P", "p":
		pts, err := p.points(op.Points, 2)
		if err != nil {
			return err
		}
		p.polygon(st, pts, op.Op == "P")
	case "E", "e":
		if len(op.Rect) != 4 {
			return fmt.Errorf("ellipse needs [x, y, rx, ry], got %d numbers", len(op.Rect))
		}
		c, rx, ry := point{op.Rect[0], op.Rect[1]}, math.Abs(op.Rect[2]), math.Abs(op.Rect[3])
		if err := p.checkPoints(c); err != nil {
			return err
		}
		if rx > p.reach || ry > p.reach {
			return fmt.Errorf("ellipse radii %g, %g are larger than the whole layout", rx, ry)
		}
		p.ellipse(st, c, rx, ry, op.Op == "E")
	case "B", "b":
		pts, err := p.points(op.Points, 4)
		if err != nil {
			return err
		}
		if (len(pts)-1)%3 != 0 {
			return fmt.Errorf("bezier needs 3n+1 points, got %d", len(pts))
		}
		p.bezier(st, pts, op.Op == "B")
	case "L":
		pts, err := p.points(op.Points, 2)
		if err != nil {
			return err
		}
		p.polyline(st, pts)
	case "T":
		if len(op.Pt) < 2 {
			return fmt.Errorf("text needs an anchor point, got %d numbers", len(op.Pt))
		}
		if err := p.checkPoints(point{op.Pt[0], op.Pt[1]}); err != nil {
			return err
		}
		return p.text(st, op)
	default:
		// Images (written as empty objects by Graphviz) and operations from
		// newer xdot versions: skipping them loses decoration, not structure.
	}
	return nil
}

// applyStyle handles an "S" operation.
func (st *penState) applyStyle(style string) error {
	switch s := strings.TrimSpace(style); {
	case s == "solid":
		st.dash = nil
	case s == "dashed":
		st.dash = []float64{5, 2} // Graphviz's SVG dash pattern, in points
	case s == "dotted":
		st.dash = []float64{1, 5}
	case s == "bold":
		st.lineWidth = 2
	case s == "invis" || s == "invisible":
		st.invisible = true
	case strings.HasPrefix(s, "setlinewidth(") && strings.HasSuffix(s, ")"):
		arg := strings.TrimSuffix(strings.TrimPrefix(s, "setlinewidth("), ")")
		w, err := strconv.ParseFloat(strings.TrimSpace(arg), 64)
		if err != nil || w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
			return fmt.Errorf("bad line width in style %q", style)
		}
		st.lineWidth = w
	default:
		// filled, rounded, diagonals, tapered...: they shape the operations
		// Graphviz wrote and need nothing more from the painter.
	}
	return nil
}

// point is a layout coordinate in points, y up.
type point struct{ x, y float64 }

// points converts and range-checks the points of a shape.
func (p *painter) points(raw [][]float64, min int) ([]point, error) {
	pts, err := toPoints(raw, min)
	if err != nil {
		return nil, err
	}
	return pts, p.checkPoints(pts...)
}

// toPoints converts JSON [x, y] (or [x, y, z]) pairs, requiring at least min.
func toPoints(raw [][]float64, min int) ([]point, error) {
	if len(raw) < min {
		return nil, fmt.Errorf("need at least %d points, got %d", min, len(raw))
	}
	pts := make([]point, len(raw))
	for i, r := range raw {
		if len(r) < 2 {
			return nil, fmt.Errorf("point %d has %d coordinates, want 2", i, len(r))
		}
		pts[i] = point{r[0], r[1]}
	}
	return pts, nil
}

// --- shapes ----------------------------------------------------------------

func (p *painter) polygon(st *penState, pts []point, filled bool) {
	for i, pt := range pts {
		x, y := p.xy(pt)
		if i == 0 {
			p.dc.MoveTo(x, y)
		} else {
			p.dc.LineTo(x, y)
		}
	}
	p.dc.ClosePath()
	p.finish(st, filled)
}

func (p *painter) ellipse(st *penState, c point, rx, ry float64, filled bool) {
	x, y := p.xy(c)
	p.dc.NewSubPath()
	p.dc.DrawEllipse(x, y, rx*p.scale, ry*p.scale)
	p.dc.ClosePath()
	p.finish(st, filled)
}

// bezier paints a piecewise cubic: a start point, then 3 points a segment.
func (p *painter) bezier(st *penState, pts []point, filled bool) {
	p.dc.MoveTo(p.xy(pts[0]))
	for i := 1; i+2 < len(pts); i += 3 {
		x1, y1 := p.xy(pts[i])
		x2, y2 := p.xy(pts[i+1])
		x3, y3 := p.xy(pts[i+2])
		p.dc.CubicTo(x1, y1, x2, y2, x3, y3)
	}
	if filled {
		p.dc.ClosePath()
	}
	p.finish(st, filled)
}

func (p *painter) polyline(st *penState, pts []point) {
	for i, pt := range pts {
		x, y := p.xy(pt)
		if i == 0 {
			p.dc.MoveTo(x, y)
		} else {
			p.dc.LineTo(x, y)
		}
	}
	p.finish(st, false)
}

// finish fills the current path (if asked) with the fill colour, then
// strokes its outline with the pen, as Graphviz does, and clears it.
func (p *painter) finish(st *penState, filled bool) {
	defer p.dc.ClearPath()
	if st.invisible {
		return
	}
	if filled && st.fill.A > 0 {
		p.dc.SetColor(st.fill)
		p.dc.FillPreserve()
	}
	if st.pen.A == 0 || st.lineWidth == 0 {
		return
	}
	p.dc.SetColor(st.pen)
	// Keep hairlines at least a pixel wide so they survive anti-aliasing.
	p.dc.SetLineWidth(math.Max(st.lineWidth*p.scale, 1))
	dash := make([]float64, len(st.dash))
	for i, d := range st.dash {
		dash[i] = d * p.scale
	}
	p.dc.SetDash(dash...)
	p.dc.StrokePreserve()
}

// --- text ------------------------------------------------------------------

var (
	goFontsOnce       sync.Once
	goRegular, goBold *truetype.Font
	errGoFonts        error
)

// goFonts parses the embedded Go fonts once; parsed fonts are read-only
// and safe to share.
func goFonts() (regular, bold *truetype.Font, err error) {
	goFontsOnce.Do(func() {
		if goRegular, errGoFonts = truetype.Parse(goregular.TTF); errGoFonts != nil {
			return
		}
		goBold, errGoFonts = truetype.Parse(gobold.TTF)
	})
	if errGoFonts != nil {
		return nil, nil, fmt.Errorf("parsing the Go fonts: %w", errGoFonts)
	}
	return goRegular, goBold, nil
}

// face returns a Go font face of px pixels.
func (p *painter) face(bold bool, px float64) (font.Face, error) {
	key := faceKey{bold, math.Round(px*10) / 10}
	if f, ok := p.faces[key]; ok {
		return f, nil
	}
	regular, boldFont, err := goFonts()
	if err != nil {
		return nil, err
	}
	ttf := regular
	if bold {
		ttf = boldFont
	}
	f := truetype.NewFace(ttf, &truetype.Options{Size: key.px, DPI: 72, Hinting: font.HintingNone})
	p.faces[key] = f
	return f, nil
}

// text paints a "T" operation: pt is the baseline anchor, align says
// whether it is the left end, centre or right end of the text.
func (p *painter) text(st *penState, op xdotOp) error {
	if op.Text == "" || st.invisible || st.pen.A == 0 {
		return nil
	}
	// Text taller than the canvas cannot be seen; capping it keeps glyph
	// rasterising bounded.
	px := math.Min(st.fontSize*p.scale, float64(p.dc.Height()))
	f, err := p.face(st.bold, px)
	if err != nil {
		return err
	}
	// Graphviz sized the shapes for its own Helvetica/Times metrics; the Go
	// fonts run wider, so shrink any text that would overflow its slot.
	if slot := op.Width * p.scale; slot > 0 {
		if w := float64(font.MeasureString(f, op.Text)) / 64; w > slot*1.02 {
			if f, err = p.face(st.bold, px*slot/w); err != nil {
				return err
			}
		}
	}
	ax := 0.5
	switch op.Align {
	case "l":
		ax = 0
	case "r":
		ax = 1
	}
	x, y := p.xy(point{op.Pt[0], op.Pt[1]})
	p.dc.SetFontFace(f)
	p.dc.SetColor(st.pen)
	p.dc.DrawStringAnchored(op.Text, x, y, ax, 0)
	return nil
}

// --- colours ---------------------------------------------------------------

// opColor returns the colour of a "c" or "C" operation. Gradients are
// painted plain in their first stop colour.
func opColor(op xdotOp) (color.NRGBA, error) {
	switch op.Grad {
	case "", "none":
		return parseColor(op.Color)
	case "linear", "radial":
		if len(op.Stops) == 0 {
			return color.NRGBA{}, fmt.Errorf("%s gradient without stops", op.Grad)
		}
		return parseColor(op.Stops[0].Color)
	default:
		return color.NRGBA{}, fmt.Errorf("unknown gradient %q", op.Grad)
	}
}

// x11Colors holds the X11 colour names DOT files commonly use, with
// Graphviz's values (its "gray" is X11's #c0c0c0, not SVG's #808080).
// Graphviz normally writes colours as hex, so this is a fallback.
var x11Colors = map[string]color.NRGBA{
	"black": rgb(0x000000), "white": rgb(0xffffff),
	"red": rgb(0xff0000), "green": rgb(0x00ff00), "blue": rgb(0x0000ff),
	"yellow": rgb(0xffff00), "cyan": rgb(0x00ffff), "magenta": rgb(0xff00ff),
	"gray": rgb(0xc0c0c0), "grey": rgb(0xc0c0c0),
	"lightgray": rgb(0xd3d3d3), "lightgrey": rgb(0xd3d3d3),
	"darkgray": rgb(0xa9a9a9), "darkgrey": rgb(0xa9a9a9),
	"dimgray": rgb(0x696969), "dimgrey": rgb(0x696969),
	"whitesmoke": rgb(0xf5f5f5), "orange": rgb(0xffa500),
	"darkorange": rgb(0xff8c00), "orangered": rgb(0xff4500),
	"gold": rgb(0xffd700), "purple": rgb(0xa020f0), "pink": rgb(0xffc0cb),
	"brown": rgb(0xa52a2a), "crimson": rgb(0xdc143c), "firebrick": rgb(0xb22222),
	"darkred": rgb(0x8b0000), "navy": rgb(0x000080), "navyblue": rgb(0x000080),
	"lightblue": rgb(0xadd8e6), "steelblue": rgb(0x4682b4),
	"royalblue": rgb(0x4169e1), "darkblue": rgb(0x00008b),
	"darkgreen": rgb(0x006400), "forestgreen": rgb(0x228b22),
	"lightgreen": rgb(0x90ee90), "lightyellow": rgb(0xffffe0),
	"lightpink": rgb(0xffb6c1), "beige": rgb(0xf5f5dc), "ivory": rgb(0xfffff0),
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// parseColor reads "#rrggbb", "#rrggbbaa" or a colour name (optionally with
// a scheme, "/x11/red"). Unknown names paint black, which is what Graphviz
// does with them; malformed hex is an error.
func parseColor(s string) (color.NRGBA, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "#") {
		return parseHexColor(s)
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	switch s {
	case "":
		return color.NRGBA{}, errors.New("empty colour")
	case "none", "transparent", "invis":
		return color.NRGBA{}, nil
	}
	if c, ok := x11Colors[strings.ReplaceAll(s, " ", "")]; ok {
		return c, nil
	}
	return rgb(0x000000), nil
}

func parseHexColor(s string) (color.NRGBA, error) {
	hex := s[1:]
	if len(hex) != 6 && len(hex) != 8 {
		return color.NRGBA{}, fmt.Errorf("colour %q: want #rrggbb or #rrggbbaa", s)
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("colour %q: not hexadecimal", s)
	}
	if len(hex) == 6 {
		return rgb(uint32(v)), nil
	}
	return color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}
