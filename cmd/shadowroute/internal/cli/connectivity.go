package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/render/safetext"

	conn "github.com/shadowroute/shadowroute/analysis/connectivity"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	render "github.com/shadowroute/shadowroute/render/connectivity"
)

type connectivityOptions struct {
	global   *globalOptions
	format   string
	output   string
	focus    string
	exposure bool
	mesh     bool
	analysis options.Flags
	paths    []string
}

func newConnectivityCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &connectivityOptions{global: g, analysis: options.Flags{NetpolAnalyzerDefaults: true}}
	cmd := &cobra.Command{
		Use:   "connectivity PATH...",
		Short: "List who can talk to whom (netpol-analyzer compatible), optionally after mesh policy",
		Long: `Print the connectivity the manifests allow between workloads, external
addresses and the Ingress controller, one line per connected pair:

  SRC => DST : CONNS

in the format of np-guard's netpol-analyzer 'list' (and 'roxctl netpol
connectivity map'), so the two can be diffed. A workload is
namespace/name[Kind] (the top owner present in the input); CONNS is
"All Connections" or e.g. "TCP 80,443,UDP 53"; external IPv4 ranges appear as
a.b.c.d-e.f.g.h[External], cut where ipBlocks cut the address space; Ingress
backends appear behind {ingress-controller}, an unknown controller pod that
policies must admit from any namespace.

--mesh applies Istio on top of NetworkPolicy: each connection is split and
tagged [mtls|plaintext, restricted|unrestricted], and what
AuthorizationPolicy or STRICT mTLS refuses is dropped.

--exposure adds what each workload is exposed to beyond the input: any pod
of any namespace (entire-cluster) and external ranges, per direction.

The view is built from the same graph and evaluators as 'analyze'. See
docs/connectivity.md for where it differs from netpol-analyzer.

` + exitCodeHelp,
		Example: `  shadowroute connectivity testdata/demo
  shadowroute connectivity ./manifests --format md -o connectivity.md
  shadowroute connectivity ./manifests --mesh --focus-workload data/postgres
  shadowroute connectivity ./manifests --exposure --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "txt", "output format: txt, json, csv, md or dot")
	f.StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	f.StringVar(&o.focus, "focus-workload", "", "only connections from or to this workload (NAMESPACE/NAME or NAME)")
	f.BoolVar(&o.exposure, "exposure", false, "also report what each workload is exposed to (entire cluster, external ranges)")
	f.BoolVar(&o.mesh, "mesh", false, "apply Istio mesh authentication and authorization, tagging each connection")
	o.analysis.Register(f)
	return cmd
}

func (o *connectivityOptions) run(streams IO) error {
	if err := checkFormat(o.format, render.Formats...); err != nil {
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
	g, err := build.Connectivity(model.New(inv, opts.Model), build.ConnectivityOptions{Mesh: o.mesh, Exposure: o.exposure})
	if err != nil {
		return err
	}
	if !o.global.quiet {
		// The table keeps netpol-analyzer's format, so what the
		// connections do not account for goes to stderr.
		for _, ns := range g.NotSeen {
			fmt.Fprintln(streams.Err, "warning: not seen:", safetext.Text(ns))
		}
	}
	table := conn.Read(g, o.mesh, o.exposure, o.focus)
	if o.focus != "" && len(table.Rows) == 0 && len(table.Egress) == 0 && len(table.Ingress) == 0 {
		return inputError("--focus-workload %q: no workload of that name has any connection in the input", o.focus)
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	err = render.Write(out.w, table, o.format)
	err = out.finish(err)
	if err != nil {
		return err
	}
	return strictCheck(o.global, inv)
}
