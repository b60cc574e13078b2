package cli

import (
	"time"

	"fmt"

	"github.com/shadowroute/shadowroute/analysis/baseline"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/junit"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/render/sarif"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

type analyzeOptions struct {
	global *globalOptions
	format string
	// baselineFile and writeBaseline are --baseline and --write-baseline.
	baselineFile, writeBaseline string
	output                      string
	failOn                      string
	analysis                    options.Flags
	paths                       []string

	opts   options.Options
	failAt analysis.Severity
}

func newAnalyzeCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &analyzeOptions{global: g}
	cmd := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Find internet paths to databases that bypass mesh authentication",
		Long: `Build the reachability graph from the manifests and search, for every
database or sensitive workload, the paths from the internet (and from the
private network) that reach it, then run the rule catalogue. Path findings:

  shadow-route       critical: the hop into the database is plaintext
                     high: the database hop is mTLS, an earlier workload hop is not
  direct-exposure    critical (internet) / medium (private network only):
                     an entrypoint or a route leads straight to the database
  mesh-unrestricted  medium: reached over mTLS, but no ALLOW policy names who may connect
  broken-route       medium: a route that can never deliver (STRICT refuses a
                     non-mesh controller, no backend pods, missing port)

Ingress and mesh hygiene rules (wildcard hosts, plaintext HTTP, weak TLS,
risky annotations, sensitive paths, dangling references, route conflicts,
ineffective policies, secrets in config, missing NetworkPolicies, the
exposed admission webhook, DB admin credentials on public routes) are listed
by 'shadowroute rules'; choose with --enable/--disable, re-rate with
--severity RULE=LEVEL or --severity CODE=LEVEL: every finding carries a
stable code (SR0101...; 'shadowroute rules --codes', docs/codes.md).

The analysis flags are the same on analyze, report, graph, connectivity and
inventory, so every command builds the same model and graph
(--trust-domain sets the SPIFFE trust domain of principals).

Each finding shows its shortest witness path hop by hop and the objects
(file:line) that make each hop exist. What the input lacks that the answer
depends on is listed under "Not seen": no finding is never "safe" when data
was missing.

` + exitCodeHelp,
		Example: `  shadowroute analyze testdata/demo
  shadowroute analyze ./manifests --format json -o findings.json
  shadowroute analyze ./manifests --format sarif -o shadowroute.sarif   # GitHub code scanning
  shadowroute analyze ./manifests --fail-on high        # CI gate
  shadowroute analyze ./manifests --enable shadow-route,direct-exposure
  shadowroute analyze ./manifests --disable plaintext-http --severity no-network-policy=low
  shadowroute analyze ./manifests --severity SR0704=info     # one finding kind
  shadowroute analyze ./manifests --sensitive 'payments/app=ledger'
  shadowroute analyze ./manifests --ingress-controller 'public=edge/app=envoy'
  shadowroute analyze ./manifests --gateway-controller 'edge=infra/app=edge-proxy'  # Gateway API class
  shadowroute analyze --cluster --context prod --fail-on high     # the live cluster, read-only (docs/live.md)
  shadowroute analyze --cluster pr-manifests/                     # the cluster with a change overlaid`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if err := o.complete(); err != nil {
				return err
			}
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.baselineFile, "baseline", "", "a baseline file (--write-baseline): findings it lists are marked suppressed and do not count; entries past their expires date count again and are reported")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "write the findings that count to this baseline file (add reason and expires by hand; entries of --baseline keep theirs)")
	f.StringVar(&o.format, "format", "text", "output format: text, json, markdown (a PR comment with a Mermaid diagram of the paths) sarif (SARIF 2.1.0 for GitHub code scanning: file:line locations, witness paths as code flows, stable fingerprints) or junit (JUnit XML: a test case per target and rule, failed by its findings)")
	f.StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	o.addAnalysisFlags(f)
	return cmd
}

// addAnalysisFlags adds --fail-on and the analysis flags every command
// shares (analysis/options).
func (o *analyzeOptions) addAnalysisFlags(f *pflag.FlagSet) {
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none")
	o.analysis.Register(f)
}

func (o *analyzeOptions) complete() error {
	if err := checkFormat(o.format, "text", "json", "markdown", "sarif", "junit"); err != nil {
		return err
	}
	if o.writeBaseline == "-" {
		return inputError("--write-baseline: name a file (stdout carries the report)")
	}
	return o.completeAnalysis()
}

// completeAnalysis validates the analysis flags.
func (o *analyzeOptions) completeAnalysis() error {
	if o.failOn != "none" {
		sev, err := analysis.ParseSeverity(o.failOn)
		if err != nil {
			return inputError("--fail-on: %v", err)
		}
		o.failAt = sev
	}
	opts, err := o.analysis.Complete(rules.All())
	if err != nil {
		return inputError("%v", err)
	}
	o.opts = opts
	return nil
}

// analyze loads the input, resolves the model, builds the graph and runs
// the selected rules: analysis.Run's result is printed as is.
func (o *analyzeOptions) analyze(streams IO) (*inventory.Inventory, *graph.Graph, *analysis.Result, error) {
	inv, err := load(o.global, streams, o.paths)
	if err != nil {
		return nil, nil, nil, err
	}
	m := model.New(inv, o.opts.Model)
	g, err := build.Build(m)
	if err != nil {
		return nil, nil, nil, err
	}
	return inv, g, analysis.Run(analysis.Input{Graph: g, Model: m, Config: o.opts.Analysis}, o.opts.Rules), nil
}

// applyBaseline writes --write-baseline (keeping the reason and end date
// of entries --baseline already has) and applies --baseline.
func (o *analyzeOptions) applyBaseline(res *analysis.Result) error {
	var old baseline.File
	if o.baselineFile != "" {
		b, err := baseline.Load(o.baselineFile)
		if err != nil {
			return inputError("--baseline: %v", err)
		}
		old = b
	}
	if o.writeBaseline != "" {
		nb := baseline.From(res)
		kept := map[string]baseline.Entry{}
		for _, e := range old.Entries {
			kept[e.Fingerprint] = e
		}
		for i, e := range nb.Entries {
			if k, ok := kept[e.Fingerprint]; ok {
				nb.Entries[i].Reason, nb.Entries[i].Expires = k.Reason, k.Expires
			}
		}
		out, err := openOutput(o.writeBaseline, nil)
		if err != nil {
			return err
		}
		if err := out.finish(baseline.Write(out.w, nb)); err != nil {
			return err
		}
	}
	if o.baselineFile != "" {
		now := o.opts.Analysis.Now
		if now.IsZero() {
			now = time.Now()
		}
		baseline.Apply(res, old, now)
	}
	return nil
}

// verdict turns --strict and --fail-on into the exit status, once the
// output is written.
func (o *analyzeOptions) verdict(inv *inventory.Inventory, res *analysis.Result) error {
	if err := strictCheck(o.global, inv); err != nil {
		return err
	}
	if o.failAt != "" && res.MaxSeverity().Rank() >= o.failAt.Rank() {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("findings at or above %s", o.failAt)}
	}
	return nil
}

func (o *analyzeOptions) run(streams IO) error {
	inv, g, res, err := o.analyze(streams)
	if err != nil {
		return err
	}
	if err := o.applyBaseline(res); err != nil {
		return err
	}
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		err = report.JSON(out.w, res)
	case "sarif":
		err = sarif.Write(out.w, res, rules.All(), o.global.version)
	case "junit":
		err = junit.Write(out.w, res, o.opts.Rules)
	case "markdown":
		var mermaid []byte
		if len(res.Findings) > 0 {
			d, derr := diagram.Select(g, diagram.Options{View: diagram.ViewPaths, Findings: res.Findings})
			if derr != nil {
				return out.finish(derr)
			}
			mermaid = diagram.Mermaid(d)
		}
		err = report.Markdown(out.w, res, mermaid)
	default:
		err = report.Text(out.w, res)
	}
	err = out.finish(err)
	if err != nil {
		return err
	}
	return o.verdict(inv, res)
}
