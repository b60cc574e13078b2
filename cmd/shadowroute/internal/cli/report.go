package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/htmlreport"
)

type reportOptions struct {
	analyzeOptions
	maxNodes int
	timeout  time.Duration
}

func newReportCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &reportOptions{analyzeOptions: analyzeOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "report PATH... -o report.html",
		Short: "Write one self-contained HTML report: findings, paths, evidence and the exposure diagram",
		Long: `Analyze the manifests and write a single HTML file that needs no network:
summary, findings table with filters by severity, rule and namespace (also
from the URL: #severity=critical&rule=shadow-route&namespace=data), each
finding's witness path and file:line evidence, what was not seen, and the
exposure diagram (drag to pan, wheel or buttons to zoom, click a node for its
attributes and the findings passing it).

` + exitCodeHelp,
		Example: `  shadowroute report testdata/demo -o report.html
  shadowroute report ./manifests -o report.html --fail-on critical`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "the HTML file to write (default stdout)")
	f.StringVar(&o.format, "format", "html", "output format: html")
	f.IntVar(&o.maxNodes, "max-nodes", 1500, "skip the diagram (with a note) when the exposure view has more nodes than this")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "skip the diagram (with a note) when its layout takes longer")
	o.addAnalysisFlags(f)
	return cmd
}

func (o *reportOptions) run(streams IO) error {
	if err := checkFormat(o.format, "html"); err != nil {
		return err
	}
	if err := o.completeAnalysis(); err != nil {
		return err
	}
	o.opts.Analysis.BlastRadius = true
	inv, g, res, err := o.analyze(streams)
	if err != nil {
		return err
	}
	in := htmlreport.Input{Title: "shadowroute report", Sources: inv.Sources, Result: res}
	d, err := diagram.Select(g, diagram.Options{View: diagram.ViewExposure, Findings: res.Findings, MaxNodes: o.maxNodes})
	if err != nil {
		return err
	}
	in.Diagram = d
	if len(d.Collapsed) > 0 {
		in.Note = "Collapsed in the diagram: " + strings.Join(d.Collapsed, "; ") + "."
	}
	switch {
	case len(d.Nodes) > o.maxNodes:
		in.Note = fmt.Sprintf("The exposure view has %d nodes even with one node per namespace (more than --max-nodes %d); draw parts of it with `shadowroute graph --view paths` or `--focus`.", len(d.Nodes), o.maxNodes)
	default:
		svg, err := diagram.Layout(context.Background(), diagram.DOT(d, "exposure"), diagram.FormatSVG, o.timeout)
		switch {
		case errors.Is(err, diagram.ErrTimeout):
			in.Note = fmt.Sprintf("The diagram layout took longer than %s and was skipped; draw parts of it with `shadowroute graph --view paths` or `--focus`.", o.timeout)
		case err != nil:
			return fmt.Errorf("laying out the diagram: %w", err)
		default:
			in.SVG = svg
		}
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	err = htmlreport.Write(out.w, in)
	err = out.finish(err)
	if err != nil {
		return err
	}
	return o.verdict(inv, res)
}
