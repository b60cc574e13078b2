package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/report"
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
	paths                 []string

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
private network) that reach it. Findings:

  shadow-route       critical: the hop into the database is plaintext
                     high: the database hop is mTLS, an earlier workload hop is not
  direct-exposure    critical (internet) / medium (private network only):
                     an entrypoint or a route leads straight to the database
  mesh-unrestricted  medium: reached over mTLS, but no ALLOW policy names who may connect
  broken-route       medium: a route that can never deliver (STRICT refuses a
                     non-mesh controller, no backend pods, missing port)

Each finding shows its shortest witness path hop by hop and the objects
(file:line) that make each hop exist. What the input lacks that the answer
depends on is listed under "Not seen": no finding is never "safe" when data
was missing.

` + exitCodeHelp,
		Example: `  shadowroute analyze testdata/demo
  shadowroute analyze ./manifests --format json -o findings.json
  shadowroute analyze ./manifests --fail-on high        # CI gate
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
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none")
	f.StringVar(&o.rootNamespace, "mesh-root-namespace", "istio-system", "Istio's mesh root namespace (mesh-wide PeerAuthentication and AuthorizationPolicy)")
	f.StringArrayVar(&o.ingressControllers, "ingress-controller", nil, "CLASS=NAMESPACE/LABELSELECTOR: the workloads implementing an IngressClass (repeatable; NAMESPACE * for any)")
	f.BoolVar(&o.gatewayScopeNamespace, "gateway-scope-namespace", false, "Gateways select workloads in their own namespace only (istiod PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true)")
	f.StringArrayVar(&o.sensitive, "sensitive", nil, "NAMESPACE/LABELSELECTOR: also treat these workloads as databases (repeatable; NAMESPACE * for any)")
	f.BoolVar(&o.noDefaultDatabases, "no-default-databases", false, "only --sensitive workloads are targets (no image, port or label detection)")
	return cmd
}

func (o *analyzeOptions) complete() error {
	if err := checkFormat(o.format, "text", "json", "markdown"); err != nil {
		return err
	}
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

func (o *analyzeOptions) run(streams IO) error {
	inv, err := load(o.global, streams, o.paths)
	if err != nil {
		return err
	}
	g, err := build.Build(inv, o.buildOpts)
	if err != nil {
		return err
	}
	res := analysis.Analyze(g)
	// Input warnings are part of what was not seen.
	for _, w := range inv.Warnings {
		res.NotSeen = append(res.NotSeen, "input warning: "+w.String())
	}
	sort.Strings(res.NotSeen)
	res.Summary.NotSeen = len(res.NotSeen)
	w, closeOut, err := outputTarget(o.output, streams.Out)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		err = report.JSON(w, res)
	case "markdown":
		var mermaid []byte
		if len(res.Findings) > 0 {
			d, derr := diagram.Select(g, diagram.Options{View: diagram.ViewPaths, Findings: res.Findings})
			if derr != nil {
				return derr
			}
			mermaid = diagram.Mermaid(d)
		}
		err = report.Markdown(w, res, mermaid)
	default:
		err = report.Text(w, res)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := strictCheck(o.global, inv); err != nil {
		return err
	}
	if o.failAt != "" && res.MaxSeverity().Rank() >= o.failAt.Rank() {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("findings at or above %s", o.failAt)}
	}
	return nil
}
