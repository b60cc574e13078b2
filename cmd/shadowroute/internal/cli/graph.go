package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// graphFormats maps output file extensions to formats.
var graphFormats = map[string]string{".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mermaid", ".mermaid": "mermaid", ".json": "json"}

type graphOptions struct {
	global            *globalOptions
	format            string
	output            string
	view              string
	focus             string
	inNamespace       string
	collapseThreshold int
	maxNodes          int
	timeout           time.Duration
	scale             float64
	analysis          options.Flags
	paths             []string
}

func newGraphCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &graphOptions{global: g}
	cmd := &cobra.Command{
		Use:   "graph PATH...",
		Short: "Draw the reachability graph (DOT, SVG, PNG, Mermaid or JSON)",
		Long: `Draw the reachability graph left to right: internet and private network →
entrypoints → ingress controllers and gateways → routes → services →
workloads → databases (cylinders), one box per namespace, mesh members with
a double outline, edges coloured by hop state (green: mTLS restricted by an
ALLOW policy; orange: mTLS, any identity; red: plaintext; grey: exposure and
routing; dashed: never delivers), finding paths drawn thick, and a legend.

Views:
  exposure  (default) what the internet or private network reaches through
            routing, plus every finding's witness path
  full      everything, pivots (workload-to-workload connections) included
  paths     only the findings' witness paths
--focus NAMESPACE/NAME keeps the paths through one workload: what reaches
it and what it reaches on its own (a workload it reaches laterally is drawn,
not followed); --in-namespace keeps one namespace. More than --collapse-threshold nodes of
one kind in one namespace that are on no path are drawn as one summary node.

The format comes from -o's extension (.dot .svg .png .mmd .json) or
--format. SVG and PNG are laid out by Graphviz (built in, no install needed);
a view above --max-nodes is drawn one node per namespace (databases kept,
pivots on no witness path left out) and stderr says what was collapsed; a
view still above it, or a layout slower than --timeout, stops with a message
suggesting --view paths or --focus.

` + exitCodeHelp,
		Example: `  shadowroute graph testdata/demo -o exposure.svg
  shadowroute graph testdata/demo -o exposure.png
  shadowroute graph ./manifests --view paths --format mermaid
  shadowroute graph ./manifests --focus data/postgres -o postgres.svg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "dot, svg, png, mermaid or json (default: from -o's extension, else dot)")
	f.StringVarP(&o.output, "output", "o", "", "file to write (default stdout)")
	f.StringVar(&o.view, "view", diagram.ViewExposure, "exposure, full or paths")
	f.StringVar(&o.focus, "focus", "", "NAMESPACE/NAME: only what reaches this workload and what it reaches")
	f.StringVar(&o.inNamespace, "in-namespace", "", "only nodes of this namespace (and the sources)")
	f.IntVar(&o.collapseThreshold, "collapse-threshold", diagram.DefaultCollapseThreshold, "collapse more than this many same-kind nodes of a namespace (not on a path) into one; -1 never")
	f.IntVar(&o.maxNodes, "max-nodes", 1500, "refuse to lay out SVG/PNG views with more nodes than this")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "give up on an SVG/PNG layout after this long")
	f.Float64Var(&o.scale, "png-scale", 1.5, "PNG pixels per Graphviz point")
	o.analysis.Register(f)
	return cmd
}

func (o *graphOptions) run(streams IO) error {
	format := o.format
	if format == "" {
		format = graphFormats[strings.ToLower(filepath.Ext(o.output))]
		if format == "" {
			format = "dot"
		}
	}
	if err := checkFormat(format, "dot", "svg", "png", "mermaid", "json"); err != nil {
		return err
	}
	opts, err := o.analysis.Complete(rules.All())
	if err != nil {
		return inputError("%v", err)
	}
	inv, err := load(o.global, streams, o.paths)
	if err != nil {
		return err
	}
	m := model.New(inv, opts.Model)
	g, err := build.Build(m)
	if err != nil {
		return err
	}
	res := analysis.Run(analysis.Input{Graph: g, Model: m, Config: opts.Analysis}, opts.Rules)
	out, collapsed, err := drawGraph(g, res, diagram.Options{View: o.view, Focus: o.focus, Namespace: o.inNamespace, CollapseThreshold: o.collapseThreshold},
		format, o.maxNodes, o.timeout, o.scale, "shadowroute: "+strings.Join(sortedCopy(o.paths), " "))
	if err != nil {
		return err
	}
	if !o.global.quiet {
		for _, c := range collapsed {
			fmt.Fprintln(streams.Err, "collapsed:", safetext.Text(c))
		}
	}
	dst, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	_, err = dst.w.Write(out)
	err = dst.finish(err)
	if err != nil {
		return err
	}
	return strictCheck(o.global, inv)
}

// drawGraph renders one view of the graph in a format, and says what it
// drew as summary nodes. A view laid out (SVG, PNG) with more nodes than
// maxNodes is drawn one node per namespace first.
func drawGraph(g *graph.Graph, res *analysis.Result, opts diagram.Options, format string, maxNodes int, timeout time.Duration, scale float64, title string) ([]byte, []string, error) {
	opts.Findings = res.Findings
	if format == "svg" || format == "png" {
		opts.MaxNodes = maxNodes
	}
	d, err := diagram.Select(g, opts)
	if err != nil {
		return nil, nil, inputError("%v", err)
	}
	out, err := drawDiagram(d, opts, format, maxNodes, timeout, scale, title)
	return out, d.Collapsed, err
}

func drawDiagram(d diagram.Diagram, opts diagram.Options, format string, maxNodes int, timeout time.Duration, scale float64, title string) ([]byte, error) {
	switch format {
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err := enc.Encode(d)
		return buf.Bytes(), err
	case "mermaid":
		return diagram.Mermaid(d), nil
	case "dot":
		return diagram.DOT(d, title), nil
	}
	if len(d.Nodes) > maxNodes {
		return nil, inputError("the %s view has %d nodes even with one node per namespace, more than --max-nodes %d can lay out quickly: use --view paths, --focus NAMESPACE/NAME or --in-namespace, or raise --max-nodes", opts.View, len(d.Nodes), maxNodes)
	}
	layoutFormat := diagram.FormatSVG
	if format == "png" {
		layoutFormat = diagram.FormatJSON
	}
	laid, err := diagram.Layout(context.Background(), diagram.DOT(d, title), layoutFormat, timeout)
	if errors.Is(err, diagram.ErrTimeout) {
		return nil, inputError("%v: use --view paths, --focus or --in-namespace for a smaller picture, or raise --timeout", err)
	}
	if err != nil {
		return nil, fmt.Errorf("laying out the graph: %w", err)
	}
	if format == "svg" {
		return laid, nil
	}
	var buf bytes.Buffer
	if err := diagram.PNG(laid, &buf, scale); err != nil {
		return nil, fmt.Errorf("painting PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// sortedCopy returns the paths sorted, so the same input named in another
// order draws the same diagram.
func sortedCopy(paths []string) []string {
	out := append([]string{}, paths...)
	sort.Strings(out)
	return out
}
