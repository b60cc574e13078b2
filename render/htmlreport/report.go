// Package htmlreport writes the analysis result as one self-contained HTML
// page: summary, findings with filters and witness paths, what the input
// did not show, and the exposure diagram (inline SVG) with pan, zoom and
// node details.
//
// The page fetches nothing: CSS, JavaScript, the SVG and the data (the
// analysis result and the diagram, as inline JSON) are all in the file, and
// a Content-Security-Policy forbids any network access. Output is
// deterministic: the same Input gives the same bytes.
//
// Filters can be set from the URL fragment, e.g.
// report.html#severity=critical&rule=shadow-route&namespace=data; the
// script marks filtered-out findings with the hidden attribute.
//
// Input-derived text is escaped by html/template; on top of that, every
// string the page shows is passed through safetext.Text, so control
// characters, bidi overrides and CI log commands in names show as visible
// escapes (as in the text report) instead of reordering or hiding text.
// The inline JSON keeps the true values (safetext.JSON only chooses \u
// escapes for invisible characters), and the script shows them the same
// visible way.
package htmlreport

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// Input is what the report shows.
type Input struct {
	Title   string   // e.g. "shadowroute report"
	Sources []string // the input paths
	Result  *analysis.Result
	// SVG is the exposure diagram as Graphviz SVG. When nil the page says
	// the diagram was not rendered, with Note as the reason.
	SVG []byte
	// Diagram holds the drawn nodes (ID = the SVG node's <title> text) and
	// edges; clicking a node shows its NodeDetail.
	Diagram diagram.Diagram
	// Note explains a missing or reduced diagram (e.g. too large).
	Note string
}

//go:embed assets/report.html.tmpl assets/report.css assets/report.js
var assets embed.FS

var (
	pageTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"upper": strings.ToUpper,
	}).ParseFS(assets, "assets/report.html.tmpl"))
	css    = mustRead("assets/report.css")
	script = mustRead("assets/report.js")
	// scriptHash lets the Content-Security-Policy allow exactly the
	// embedded script and nothing else.
	scriptHash = func() string {
		sum := sha256.Sum256([]byte(script))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// severities in display order.
var severities = []analysis.Severity{analysis.Critical, analysis.High, analysis.Medium, analysis.Low, analysis.Info}

// Write renders the report.
func Write(w io.Writer, in Input) error {
	if in.Result == nil {
		return errors.New("htmlreport: no analysis result")
	}
	p, err := buildPage(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// page is the template's view of the report.
type page struct {
	Title        string
	Sources      []string
	CSP          string
	CSS          template.CSS
	JS           template.JS
	Data         reportData
	Severities   []sevCount
	SevParts     []sevCount // the severities with findings
	Total        int
	Targets      []targetView
	Findings     []findingView
	NotSeen      []string
	BlastRadius  []blastRow
	Rules        []string
	Namespaces   []string
	SVG          template.HTML
	HasSVG       bool
	Note         string
	DiagramNodes int
	DiagramEdges int
}

// reportData is the inline JSON: the result as in --format json, and the
// diagram's node and edge details.
type reportData struct {
	Title   string           `json:"title"`
	Sources []string         `json:"sources"`
	Result  *analysis.Result `json:"result"`
	Diagram diagram.Diagram  `json:"diagram"`
	// SVGTitles maps the IDs of nodes whose SVG <title> is not their ID
	// (see diagram.SVGTitle: IDs holding characters the DOT writer escapes)
	// to that title, so the script can find their drawing.
	SVGTitles map[string]string `json:"svgTitles,omitempty"`
}

// MarshalJSON is the plain encoding, rewritten by safetext.JSON so that the
// page holds no raw invisible character or CI log command even inside its
// data. html/template then embeds it with <, > and & escaped.
func (d reportData) MarshalJSON() ([]byte, error) {
	type plain reportData
	b, err := json.Marshal(plain(d))
	if err != nil {
		return nil, err
	}
	return safetext.JSON(b), nil
}

type sevCount struct {
	Severity string
	Count    int
}

type targetView struct {
	analysis.Target
	Reach      string
	ReachClass string
}

type findingView struct {
	Index     int // into Result.Findings, as NodeDetail.Findings
	Num       int // 1-based, as in the text report
	F         analysis.Finding
	Target    string
	Namespace string
	Hops      []hopView
	Evidence  []string
	PathText  string
	OnDiagram bool
}

type hopView struct {
	Label  string
	Kind   string
	NodeID string // the diagram node drawn for it, "" when not drawn
	// Via describes the edge into the hop: kind, port/protocol, match.
	Via string
	// Tags are the mesh verdicts, as the text report's [auth, authz].
	Tags   []tag
	Reason []string // why: auth reason, deciding policies, network policy
}

type tag struct {
	Text  string
	Class string
}

func buildPage(in Input) (*page, error) {
	res := in.Result
	title := in.Title
	if title == "" {
		title = "shadowroute report"
	}
	d := in.Diagram
	if d.Nodes == nil {
		d.Nodes = []diagram.NodeDetail{}
	}
	if d.Edges == nil {
		d.Edges = []diagram.EdgeDetail{}
	}
	sources := in.Sources
	if sources == nil {
		sources = []string{}
	}
	p := &page{
		Title:        safetext.Text(title),
		Sources:      texts(sources),
		CSP:          "default-src 'none'; script-src " + scriptHash + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
		CSS:          template.CSS(css),
		JS:           template.JS(script),
		Data:         reportData{Title: title, Sources: sources, Result: res, Diagram: d, SVGTitles: svgTitles(d)},
		Total:        len(res.Findings),
		NotSeen:      texts(res.NotSeen),
		BlastRadius:  blastRows(res),
		Note:         safetext.Text(in.Note),
		DiagramNodes: len(d.Nodes),
		DiagramEdges: len(d.Edges),
	}
	if len(in.SVG) > 0 {
		svg, err := inlineSVG(in.SVG)
		if err != nil {
			return nil, fmt.Errorf("htmlreport: diagram: %w", err)
		}
		p.SVG = template.HTML(svg)
		p.HasSVG = true
	}

	counts := map[string]int{}
	shownRules := map[string]bool{}
	for _, r := range rules.PathRules() {
		shownRules[r.Slug] = true
	}
	namespaces := map[string]bool{}
	nodeByLabel := map[string]string{}
	for _, n := range d.Nodes {
		nodeByLabel[string(n.Kind)+"\x00"+n.Label] = n.ID
	}
	for i, f := range res.Findings {
		counts[string(f.Severity)]++
		shown := displayFinding(f)
		shownRules[shown.Rule] = true
		if shown.Target.Namespace != "" {
			namespaces[shown.Target.Namespace] = true
		}
		fv := findingView{
			Index:     i,
			Num:       i + 1,
			F:         shown,
			Target:    safetext.Text(f.Target.String()),
			Namespace: shown.Target.Namespace,
			PathText:  safetext.Text(report.Path(f.Path)),
		}
		for _, h := range f.Path {
			hv := hopFor(h)
			if p.HasSVG {
				// The button names the node by its SVG title, which holds
				// no raw control character even for a hostile ID.
				if id := nodeByLabel[string(h.Node.Kind)+"\x00"+h.Node.Label]; id != "" {
					hv.NodeID = diagram.SVGTitle(id)
				}
				fv.OnDiagram = fv.OnDiagram || hv.NodeID != ""
			}
			fv.Hops = append(fv.Hops, hv)
		}
		for _, ev := range f.Evidence {
			fv.Evidence = append(fv.Evidence, safetext.Text(ev.String()))
		}
		p.Findings = append(p.Findings, fv)
	}
	for _, s := range severities {
		sc := sevCount{Severity: string(s), Count: counts[string(s)]}
		p.Severities = append(p.Severities, sc)
		if sc.Count > 0 {
			p.SevParts = append(p.SevParts, sc)
		}
	}
	p.Rules = sortedKeys(shownRules)
	p.Namespaces = sortedKeys(namespaces)
	for _, t := range res.Targets {
		t.Ref = displayRef(t.Ref)
		t.Reason = safetext.Text(t.Reason)
		tv := targetView{Target: t, Reach: "not reachable from outside", ReachClass: "reach-none"}
		switch {
		case t.ReachableFromNet && t.ReachableFromPrivate:
			tv.Reach, tv.ReachClass = "internet and private network", "reach-internet"
		case t.ReachableFromNet:
			tv.Reach, tv.ReachClass = "internet", "reach-internet"
		case t.ReachableFromPrivate:
			tv.Reach, tv.ReachClass = "private network", "reach-private"
		}
		p.Targets = append(p.Targets, tv)
	}
	return p, nil
}

// texts returns the strings as the page shows them (safetext.Text).
func texts(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = safetext.Text(s)
	}
	return out
}

func displayRef(r analysis.Ref) analysis.Ref {
	return analysis.Ref{Kind: safetext.Text(r.Kind), Namespace: safetext.Text(r.Namespace), Name: safetext.Text(r.Name)}
}

// displayFinding is a copy of f with the fields the page shows as text
// escaped with safetext.Text.
func displayFinding(f analysis.Finding) analysis.Finding {
	f.Rule = safetext.Text(f.Rule)
	f.Code = safetext.Text(f.Code)
	f.Severity = analysis.Severity(safetext.Text(string(f.Severity)))
	f.Title = safetext.Text(f.Title)
	f.Message = safetext.Text(f.Message)
	f.Source = safetext.Text(f.Source)
	f.Target = displayRef(f.Target)
	f.Assumptions = texts(f.Assumptions)
	return f
}

// svgTitles maps each node ID whose SVG title differs from it to the title.
func svgTitles(d diagram.Diagram) map[string]string {
	var m map[string]string
	for _, n := range d.Nodes {
		if t := diagram.SVGTitle(n.ID); t != n.ID {
			if m == nil {
				m = map[string]string{}
			}
			m[n.ID] = t
		}
	}
	return m
}

// hopFor describes one hop as the page shows it (text escaped with
// safetext.Text). Labels follow the text report's Path: Services are
// prefixed, workloads carry the port entered, and only connections between
// workloads (network edges) carry the mesh verdict tags.
func hopFor(h analysis.Hop) hopView {
	hv := hopFacts(h)
	hv.Label = safetext.Text(hv.Label)
	hv.Kind = safetext.Text(hv.Kind)
	hv.Via = safetext.Text(hv.Via)
	for i := range hv.Tags {
		hv.Tags[i].Text = safetext.Text(hv.Tags[i].Text)
	}
	hv.Reason = texts(hv.Reason)
	return hv
}

// hopFacts describes one hop with the input's raw strings.
func hopFacts(h analysis.Hop) hopView {
	hv := hopView{Label: h.Node.Label, Kind: string(h.Node.Kind)}
	if h.Node.Kind == graph.KindService {
		hv.Label = "Service " + hv.Label
	}
	if h.Node.Kind == graph.KindWorkload && h.Node.Port != 0 {
		hv.Label = fmt.Sprintf("%s:%d", hv.Label, h.Node.Port)
	}
	e := h.Edge
	if e == nil {
		return hv
	}
	via := []string{string(e.Kind)}
	switch {
	case e.Port != 0 && e.Protocol != "":
		via = append(via, fmt.Sprintf("%s/%d", e.Protocol, e.Port))
	case e.Port != 0:
		via = append(via, fmt.Sprintf("port %d", e.Port))
	}
	if e.Match != "" {
		via = append(via, "match "+e.Match)
	}
	if e.TLS != "" && e.TLS != "none" {
		via = append(via, "tls "+e.TLS)
	}
	hv.Via = strings.Join(via, " · ")
	if e.Kind == graph.EdgeNetwork && e.Auth != "" {
		cls := "tag-mtls"
		if e.Auth == graph.AuthPlaintext {
			cls = "tag-plaintext"
		}
		hv.Tags = append(hv.Tags, tag{Text: string(e.Auth), Class: cls})
		if e.Authz != "" {
			cls := "tag-restricted"
			if e.Authz != graph.AuthzRestricted {
				cls = "tag-unrestricted"
			}
			hv.Tags = append(hv.Tags, tag{Text: string(e.Authz), Class: cls})
		}
		if e.Auth == graph.AuthPlaintext && e.AuthReason != "" {
			hv.Reason = append(hv.Reason, "plaintext: "+e.AuthReason)
		} else if e.AuthReason != "" {
			hv.Reason = append(hv.Reason, string(e.Auth)+": "+e.AuthReason)
		}
	}
	if len(e.AuthzPolicies) > 0 {
		hv.Reason = append(hv.Reason, "AuthorizationPolicy: "+strings.Join(e.AuthzPolicies, ", "))
	}
	if len(e.Narrowing) > 0 {
		hv.Reason = append(hv.Reason, "only for requests matching: "+strings.Join(e.Narrowing, "; "))
	}
	if e.NetworkPolicy != "" && e.Kind == graph.EdgeNetwork {
		hv.Reason = append(hv.Reason, "NetworkPolicy: "+e.NetworkPolicy)
	}
	return hv
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// blastRow is one held credential of the blast-radius table.
type blastRow struct {
	Route, Workload, How, Held, UsedBy string
	Admin                              bool
}

// blastRows flattens the result's blast radius, one row per credential;
// rows where a reachable workload holds a database's admin credential are
// marked.
func blastRows(res *analysis.Result) []blastRow {
	var out []blastRow
	for _, e := range res.BlastRadius {
		for _, r := range e.Reaches {
			for _, c := range r.Credentials {
				row := blastRow{Route: safetext.Text(blastradius.RouteText(e.Route)), Workload: safetext.Text(r.Workload), How: safetext.Text(r.How),
					Held: safetext.Text(blastradius.HeldText(c)), UsedBy: safetext.Text(blastradius.UsedByText(r.Workload, c))}
				for _, u := range c.UsedByDatabases {
					if u.Admin && u.Database != r.Workload {
						row.Admin = true
					}
				}
				out = append(out, row)
			}
		}
	}
	return out
}
