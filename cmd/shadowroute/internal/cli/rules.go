package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis/rules"
)

type rulesOptions struct {
	format string
	output string
}

func newRulesCommand(streams IO) *cobra.Command {
	o := &rulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules: slug, default severity, what each finds, its docs page",
		Long: `List every rule analyze runs. Choose rules with analyze's --enable and
--disable (comma-separated slugs) and change a rule's severity with
--severity RULE=LEVEL. Each rule's page under docs/rules/ says what it
finds, why it matters, how to fix it, with an example.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(streams) },
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	return cmd
}

// ruleInfo is the JSON shape of one rule.
type ruleInfo struct {
	Slug     string `json:"slug"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Doc      string `json:"doc"`
}

func (o *rulesOptions) run(streams IO) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	var list []ruleInfo
	for _, r := range rules.All() {
		list = append(list, ruleInfo{Slug: r.Slug, Severity: string(r.Severity), Title: r.Title, Summary: r.Summary, Doc: r.Doc})
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	if o.format == "json" {
		enc := json.NewEncoder(out.w)
		enc.SetIndent("", "  ")
		err = enc.Encode(list)
	} else {
		tw := tabwriter.NewWriter(out.w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tSEVERITY\tFINDS")
		for _, r := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Slug, r.Severity, r.Summary)
		}
		err = tw.Flush()
	}
	err = out.finish(err)
	return err
}
