package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/render/rulesdoc"
)

type rulesOptions struct {
	format string
	output string
	codes  bool
}

func newRulesCommand(streams IO) *cobra.Command {
	o := &rulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules and their finding codes: slug, severity, what each finds, its docs page",
		Long: `List every rule analyze runs, with the range of finding codes each can emit
(--codes lists every code: SR + two digits for the rule + two for the
finding). Choose rules with --enable and --disable (comma-separated slugs)
and re-rate with --severity RULE=LEVEL or --severity CODE=LEVEL (a code wins
over its rule). Each rule's page under docs/rules/ says what it finds, why
it matters, how to fix it, with an example; docs/codes.md lists every code.`,
		Example: `  shadowroute rules
  shadowroute rules --codes
  shadowroute rules --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(streams) },
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text, json, or markdown (the docs/codes.md page)")
	cmd.Flags().BoolVar(&o.codes, "codes", false, "one line per finding code instead of one per rule")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	return cmd
}

func (o *rulesOptions) run(streams IO) error {
	if err := checkFormat(o.format, "text", "json", "markdown"); err != nil {
		return err
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	catalogue := rules.All()
	switch o.format {
	case "json":
		err = rulesdoc.JSON(out.w, catalogue)
	case "markdown":
		_, err = fmt.Fprint(out.w, rulesdoc.MarkdownCodes(catalogue))
	default:
		err = rulesdoc.Text(out.w, catalogue, o.codes)
	}
	return out.finish(err)
}
