package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

type analyzeOptions struct {
	global                *globalOptions
	format                string
	output                string
	failOn                string
	rootNamespace         string
	ingressControllers    []string
	gatewayScopeNamespace bool
	sensitive             []string
	noDefaultDatabases    bool
	enable                []string
	disable               []string
	severities            []string
	certExpiryWarn        time.Duration
	sensitivePaths        []string
	blastRadius           bool
	paths                 []string

	ruleConfig analysis.Config
	rules      []*analysis.Rule

	buildOpts build.Options
	failAt    analysis.Severity
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
--severity RULE=LEVEL.

Each finding shows its shortest witness path hop by hop and the objects
(file:line) that make each hop exist. What the input lacks that the answer
depends on is listed under "Not seen": no finding is never "safe" when data
was missing.

` + exitCodeHelp,
		Example: `  shadowroute analyze testdata/demo
  shadowroute analyze ./manifests --format json -o findings.json
  shadowroute analyze ./manifests --fail-on high        # CI gate
  shadowroute analyze ./manifests --enable shadow-route,direct-exposure
  shadowroute analyze ./manifests --disable plaintext-http --severity no-network-policy=low
  shadowroute analyze ./manifests --sensitive 'payments/app=ledger'
  shadowroute analyze ./manifests --ingress-controller 'public=edge/app=envoy'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			if err := o.complete(); err != nil {
				return err
			}
			return o.run(streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output format: text, json or markdown (a PR comment with a Mermaid diagram of the paths)")
	f.StringVarP(&o.output, "output", "o", "", "write the output to this file instead of stdout")
	o.addAnalysisFlags(f)
	return cmd
}

// addAnalysisFlags adds the flags that shape the analysis (shared by
// analyze and report).
func (o *analyzeOptions) addAnalysisFlags(f *pflag.FlagSet) {
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none")
	f.StringVar(&o.rootNamespace, "mesh-root-namespace", mesh.DefaultRootNamespace, "Istio's mesh root namespace (mesh-wide PeerAuthentication and AuthorizationPolicy)")
	f.StringArrayVar(&o.ingressControllers, "ingress-controller", nil, "CLASS=NAMESPACE/LABELSELECTOR: the workloads implementing an IngressClass (repeatable; NAMESPACE * for any)")
	f.BoolVar(&o.gatewayScopeNamespace, "gateway-scope-namespace", false, "Gateways select workloads in their own namespace only (istiod PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true)")
	f.StringArrayVar(&o.sensitive, "sensitive", nil, "NAMESPACE/LABELSELECTOR: also treat these workloads as databases (repeatable; NAMESPACE * for any)")
	f.BoolVar(&o.noDefaultDatabases, "no-default-databases", false, "only --sensitive workloads are targets (no image, port or label detection)")
	f.StringSliceVar(&o.enable, "enable", nil, "run only these rules (comma-separated slugs; see shadowroute rules)")
	f.StringSliceVar(&o.disable, "disable", nil, "skip these rules (comma-separated slugs)")
	f.StringArrayVar(&o.severities, "severity", nil, "RULE=LEVEL: report a rule's findings at this severity (repeatable)")
	f.DurationVar(&o.certExpiryWarn, "cert-expiry-warn", 30*24*time.Hour, "weak-tls: report certificates expiring within this long")
	f.BoolVar(&o.blastRadius, "blast-radius", false, "add the credential blast radius: per public route, the workloads it reaches and the database credentials they hold")
	f.StringSliceVar(&o.sensitivePaths, "sensitive-paths", nil, "sensitive-path: the path prefixes to report (default: the built-in list, see docs/rules/sensitive-path.md)")
}

func (o *analyzeOptions) complete() error {
	if err := checkFormat(o.format, "text", "json", "markdown"); err != nil {
		return err
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
	o.buildOpts = build.Options{RootNamespace: o.rootNamespace, GatewayScopeNamespace: o.gatewayScopeNamespace,
		IngressControllers: map[string]build.ControllerSelector{}}
	for _, spec := range o.ingressControllers {
		class, rest, ok := strings.Cut(spec, "=")
		ns, sel, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || class == "" || ns == "" || sel == "" {
			return inputError("--ingress-controller %q: want CLASS=NAMESPACE/LABELSELECTOR, e.g. nginx=ingress-nginx/app.kubernetes.io/name=ingress-nginx", spec)
		}
		parsed, err := labels.Parse(sel)
		if err != nil {
			return inputError("--ingress-controller %q: %v", spec, err)
		}
		o.buildOpts.IngressControllers[class] = build.ControllerSelector{Namespace: ns, Selector: parsed}
	}
	o.ruleConfig = analysis.Config{Enable: o.enable, Disable: o.disable, Severity: map[string]analysis.Severity{},
		CertExpiryWarn: o.certExpiryWarn, SensitivePaths: o.sensitivePaths, RootNamespace: o.rootNamespace}
	for _, s := range o.severities {
		slug, sev, err := analysis.ParseSeverityOverride(s)
		if err != nil {
			return inputError("%v", err)
		}
		o.ruleConfig.Severity[slug] = sev
	}
	selected, err := analysis.Selected(rules.All(), o.ruleConfig)
	if err != nil {
		return inputError("%v", err)
	}
	o.rules = selected
	o.buildOpts.Classify.NoDefaults = o.noDefaultDatabases
	for _, s := range o.sensitive {
		r, err := classify.ParseSensitive(s)
		if err != nil {
			return inputError("%v", err)
		}
		o.buildOpts.Classify.Sensitive = append(o.buildOpts.Classify.Sensitive, r)
	}
	return nil
}

// analyze loads the input, builds the graph and runs the selected rules;
// input warnings become part of what was not seen.
func (o *analyzeOptions) analyze(streams IO) (*inventory.Inventory, *graph.Graph, *analysis.Result, error) {
	inv, err := load(o.global, streams, o.paths)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := build.Build(inv, o.buildOpts)
	if err != nil {
		return nil, nil, nil, err
	}
	res := analysis.Run(analysis.Input{Graph: g, Inventory: inv, Config: o.ruleConfig}, o.rules)
	if o.blastRadius {
		res.BlastRadius = blastradius.Compute(g, inv)
	}
	for _, w := range inv.Warnings {
		res.NotSeen = append(res.NotSeen, "input warning: "+w.String())
	}
	sort.Strings(res.NotSeen)
	res.Summary.NotSeen = len(res.NotSeen)
	return inv, g, res, nil
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
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		err = report.JSON(out.w, res)
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
