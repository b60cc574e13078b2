package cli

import (
	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/model"

	"github.com/shadowroute/shadowroute/render/inventoryreport"
)

type inventoryOptions struct {
	global   *globalOptions
	format   string
	output   string
	analysis options.Flags
	paths    []string
}

func newInventoryCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &inventoryOptions{global: g}
	cmd := &cobra.Command{
		Use:   "inventory PATH...",
		Short: "List what was loaded from manifests: counts by kind, workloads, skipped kinds",
		Long: `Load manifest files and directories (recursively: .yaml, .yml, .json; - reads
stdin) and print what was understood: objects by kind, the workloads derived
from them (one per controller, pods of a present owner are not counted twice),
and the kinds that were skipped because shadowroute does not model them.
Problems with the input are printed on stderr as file:line warnings; the rest
of the input still loads.

` + exitCodeHelp,
		Example: `  shadowroute inventory testdata/demo
  kubectl get all,ingress,networkpolicy -A -o yaml | shadowroute inventory -
  shadowroute inventory ./manifests --format json -o inventory.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return o.run(streams)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	o.analysis.Register(cmd.Flags())
	return cmd
}

func (o *inventoryOptions) run(streams IO) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	opts, err := o.analysis.Complete(rules.All())
	if err != nil {
		return inputError("%v", err)
	}
	inv, err := loadInput(o.global, streams, o.paths, false)
	if err != nil {
		return err
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	report := inventoryreport.Build(model.New(inv, opts.Model))
	if o.format == "json" {
		err = inventoryreport.JSON(out.w, report)
	} else {
		err = inventoryreport.Text(out.w, report)
	}
	err = out.finish(err)
	if err != nil {
		return err
	}
	return strictCheck(o.global, inv)
}
