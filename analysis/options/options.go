// Package options is the one set of analysis flags every shadowroute
// command takes (analyze, report, graph, connectivity, inventory): flags are
// registered and turned into the model's Options and the rules'
// Config here, once, so every command builds the same model and graph. Case
// folders under testdata/ use the same flags (a "flags" file) through
// Parse.
package options

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/netpol"
)

// Flags holds the raw flag values.
type Flags struct {
	rootNamespace                          string
	trustDomain                            string
	ingressControllers, gatewayControllers []string
	gatewayScopeNamespace                  bool
	defaultIngressClass                    string
	sensitive                              []string
	noDefaultDatabases                     bool
	enable                                 []string
	disable                                []string
	severities                             []string
	certExpiryWarn                         time.Duration
	sensitivePaths                         []string
	blastRadius                            bool
	lateral                                string
	hostNetwork                            string
	podCIDRs                               []string
	ipBlocksMatchPods                      bool
	// fs is the flag set Register filled, to tell explicit values from
	// defaults.
	fs *pflag.FlagSet

	// NetpolAnalyzerDefaults, set before Register, gives the address flags
	// netpol-analyzer's conventions as defaults (the connectivity command):
	// hostNetwork pods are pods, ipBlocks never match pods.
	NetpolAnalyzerDefaults bool
}

// Options is what the flags select.
type Options struct {
	// Model configures the resolved model (and so the graph).
	Model model.Options
	// Analysis selects and tunes the rules.
	Analysis analysis.Config
	// Rules are the catalogue rules Analysis enables, in catalogue order.
	Rules []*analysis.Rule
}

// Register adds the analysis flags to a flag set.
func (f *Flags) Register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.rootNamespace, "mesh-root-namespace", mesh.DefaultRootNamespace, "Istio's mesh root namespace (mesh-wide PeerAuthentication and AuthorizationPolicy; istiod meshConfig.rootNamespace)")
	fs.StringVar(&f.trustDomain, "trust-domain", mesh.DefaultTrustDomain, "Istio's trust domain: SPIFFE principals are TRUST-DOMAIN/ns/NAMESPACE/sa/ACCOUNT (istiod meshConfig.trustDomain)")
	fs.StringArrayVar(&f.ingressControllers, "ingress-controller", nil, "CLASS=NAMESPACE/LABELSELECTOR: the workloads implementing an IngressClass (repeatable; NAMESPACE * for any)")
	fs.StringArrayVar(&f.gatewayControllers, "gateway-controller", nil, "CLASS=NAMESPACE/LABELSELECTOR: the proxy workloads implementing a Gateway API GatewayClass, for implementations whose proxies are not recognised (repeatable; NAMESPACE * for any)")
	fs.StringVar(&f.defaultIngressClass, "default-ingress-class", "", "the cluster's default IngressClass when the input holds none marked default: Ingresses without a class are served by it")
	fs.BoolVar(&f.gatewayScopeNamespace, "gateway-scope-namespace", false, "Gateways select workloads in their own namespace only (istiod PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true)")
	fs.StringArrayVar(&f.sensitive, "sensitive", nil, "NAMESPACE/LABELSELECTOR: also treat these workloads as databases (repeatable; NAMESPACE * for any)")
	fs.BoolVar(&f.noDefaultDatabases, "no-default-databases", false, "only --sensitive workloads are targets (no image, port or label detection)")
	fs.StringSliceVar(&f.enable, "enable", nil, "run only these rules (comma-separated slugs; see shadowroute rules)")
	fs.StringSliceVar(&f.disable, "disable", nil, "skip these rules (comma-separated slugs)")
	fs.StringArrayVar(&f.severities, "severity", nil, "RULE=LEVEL: report a rule's findings at this severity (repeatable)")
	fs.DurationVar(&f.certExpiryWarn, "cert-expiry-warn", 30*24*time.Hour, "weak-tls: report certificates expiring within this long")
	fs.StringVar(&f.lateral, "lateral", "any", "lateral hops a path may take (a reached workload connecting onward on its own, which needs it compromised): off (configured routing only), 1, or any")
	fs.BoolVar(&f.blastRadius, "blast-radius", false, "add the credential blast radius: per public route, the workloads it reaches and the database credentials they hold")
	hostDefault, matchDefault := netpol.HostNetworkNode, true
	if f.NetpolAnalyzerDefaults {
		hostDefault, matchDefault = netpol.HostNetworkPod, false
	}
	fs.StringVar(&f.hostNetwork, "host-network", hostDefault.String(), "how hostNetwork pods meet NetworkPolicies: node (policies neither select nor protect them; their traffic is the node's address, matched by ipBlocks) or pod (ordinary pods, netpol-analyzer's convention)")
	fs.StringSliceVar(&f.podCIDRs, "pod-cidr", nil, "the cluster's pod address ranges (comma-separated or repeated): an ipBlock matches the pods whose addresses it holds (implies --ipblocks-match-pods); without it, an ipBlock holding private addresses is assumed to admit pods")
	fs.BoolVar(&f.ipBlocksMatchPods, "ipblocks-match-pods", matchDefault, "NetworkPolicy ipBlocks match pod addresses, as most network plugins do (false: ipBlocks match only addresses outside the cluster, as netpol-analyzer and Cilium do)")
	fs.StringSliceVar(&f.sensitivePaths, "sensitive-paths", nil, "sensitive-path: the path prefixes to report (default: the built-in list, see docs/rules/sensitive-path.md)")
}

// Complete validates the flags against a rule catalogue. Errors name the
// flag and show the expected form.
func (f *Flags) Complete(catalogue []*analysis.Rule) (Options, error) {
	var o Options
	o.Model = model.Options{RootNamespace: f.rootNamespace, TrustDomain: f.trustDomain,
		GatewayScopeNamespace: f.gatewayScopeNamespace, DefaultIngressClass: f.defaultIngressClass, IngressControllers: map[string]model.ControllerSelector{},
		GatewayControllers: map[string]model.ControllerSelector{}}
	if f.rootNamespace == "" {
		return o, fmt.Errorf("--mesh-root-namespace: must not be empty (Istio's default is %s)", mesh.DefaultRootNamespace)
	}
	if f.trustDomain == "" || strings.Contains(f.trustDomain, "/") {
		return o, fmt.Errorf("--trust-domain %q: want a DNS-like name without '/', e.g. %s", f.trustDomain, mesh.DefaultTrustDomain)
	}
	for _, flag := range []struct {
		name    string
		specs   []string
		into    map[string]model.ControllerSelector
		example string
	}{
		{"--ingress-controller", f.ingressControllers, o.Model.IngressControllers, "nginx=ingress-nginx/app.kubernetes.io/name=ingress-nginx"},
		{"--gateway-controller", f.gatewayControllers, o.Model.GatewayControllers, "eg=envoy-gateway-system/app.kubernetes.io/name=envoy"},
	} {
		for _, spec := range flag.specs {
			class, rest, ok := strings.Cut(spec, "=")
			ns, sel, ok2 := strings.Cut(rest, "/")
			if !ok || !ok2 || class == "" || ns == "" || sel == "" {
				return o, fmt.Errorf("%s %q: want CLASS=NAMESPACE/LABELSELECTOR, e.g. %s", flag.name, spec, flag.example)
			}
			parsed, err := labels.Parse(sel)
			if err != nil {
				return o, fmt.Errorf("%s %q: %v", flag.name, spec, err)
			}
			flag.into[class] = model.ControllerSelector{Namespace: ns, Selector: parsed}
		}
	}
	mode, err := netpol.ParseHostNetworkMode(f.hostNetwork)
	if err != nil {
		return o, fmt.Errorf("--host-network: %v", err)
	}
	matchPods := f.ipBlocksMatchPods
	explicit := f.fs != nil && f.fs.Changed("ipblocks-match-pods")
	if len(f.podCIDRs) > 0 {
		if explicit && !matchPods {
			return o, fmt.Errorf("--pod-cidr: given with --ipblocks-match-pods=false, where ipBlocks never match pods; drop one")
		}
		// Knowing the pod addresses is asking to match them.
		matchPods = true
	}
	o.Model.Addressing = netpol.Addressing{HostNetwork: mode, IPBlocksIgnorePods: !matchPods}
	for _, c := range f.podCIDRs {
		prefix, err := netip.ParsePrefix(c)
		if err != nil {
			return o, fmt.Errorf("--pod-cidr %q: want a CIDR such as 10.244.0.0/16", c)
		}
		o.Model.Addressing.PodCIDRs = append(o.Model.Addressing.PodCIDRs, prefix.Masked())
	}
	o.Model.Classify.NoDefaults = f.noDefaultDatabases
	for _, s := range f.sensitive {
		r, err := classify.ParseSensitive(s)
		if err != nil {
			return o, err
		}
		o.Model.Classify.Sensitive = append(o.Model.Classify.Sensitive, r)
	}
	lateral, err := analysis.ParseLateral(f.lateral)
	if err != nil {
		return o, fmt.Errorf("--lateral: %v", err)
	}
	o.Analysis = analysis.Config{Enable: f.enable, Disable: f.disable, Severity: map[string]analysis.Severity{},
		CertExpiryWarn: f.certExpiryWarn, SensitivePaths: f.sensitivePaths, BlastRadius: f.blastRadius, Lateral: lateral}
	for _, s := range f.severities {
		slug, sev, err := analysis.ParseSeverityOverride(s)
		if err != nil {
			return o, err
		}
		o.Analysis.Severity[slug] = sev
	}
	selected, err := analysis.Selected(catalogue, o.Analysis)
	if err != nil {
		return o, err
	}
	o.Rules = selected
	return o, nil
}

// Parse reads analysis flags from args (as a case folder's "flags" file
// holds them) with the defaults every command has.
func Parse(args []string, catalogue []*analysis.Rule) (Options, error) {
	return parse(Flags{}, args, catalogue)
}

// ParseConnectivity is Parse with the connectivity command's defaults
// (NetpolAnalyzerDefaults).
func ParseConnectivity(args []string, catalogue []*analysis.Rule) (Options, error) {
	return parse(Flags{NetpolAnalyzerDefaults: true}, args, catalogue)
}

func parse(f Flags, args []string, catalogue []*analysis.Rule) (Options, error) {
	fs := pflag.NewFlagSet("flags", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("unexpected arguments %q: only analysis flags", fs.Args())
	}
	return f.Complete(catalogue)
}
