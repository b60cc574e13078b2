package options

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/rules"
)

func TestParse(t *testing.T) {
	catalogue := rules.PathRules()
	for _, tc := range []struct {
		args    []string
		err     string
		rules   int
		check   func(Options) bool
		explain string
	}{
		{args: nil, rules: len(catalogue), check: func(o Options) bool {
			return o.Model.RootNamespace == "istio-system" && o.Model.TrustDomain == "cluster.local" && !o.Model.GatewayScopeNamespace
		}, explain: "Istio's defaults"},
		{args: []string{"--trust-domain", "corp.example", "--mesh-root-namespace", "mesh-root", "--gateway-scope-namespace"}, rules: len(catalogue),
			check: func(o Options) bool {
				return o.Model.TrustDomain == "corp.example" && o.Model.RootNamespace == "mesh-root" && o.Model.GatewayScopeNamespace
			}, explain: "model flags reach the model"},
		{args: []string{"--enable", "shadow-route"}, rules: 1},
		{args: []string{"--ingress-controller", "public=edge/app=envoy"}, rules: len(catalogue), check: func(o Options) bool {
			c, ok := o.Model.IngressControllers["public"]
			return ok && c.Namespace == "edge" && c.Selector.String() == "app=envoy"
		}},
		{args: []string{"--trust-domain", ""}, err: "--trust-domain"},
		{args: []string{"--trust-domain", "a/b"}, err: "--trust-domain"},
		{args: []string{"--mesh-root-namespace", ""}, err: "--mesh-root-namespace"},
		{args: []string{"--ingress-controller", "nginx"}, err: "CLASS=NAMESPACE/LABELSELECTOR"},
		{args: []string{"--enable", "nope"}, err: "unknown rule"},
		{args: []string{"--severity", "shadow-route"}, err: "RULE=LEVEL"},
		{args: []string{"--sensitive", "x"}, err: "--sensitive"},
		{args: []string{"stray"}, err: "unexpected arguments"},
		{args: []string{"--no-such-flag"}, err: "unknown flag"},
	} {
		o, err := Parse(tc.args, catalogue)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.err)
			}
		case err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case len(o.Rules) != tc.rules:
			t.Errorf("%v: %d rules, want %d", tc.args, len(o.Rules), tc.rules)
		case tc.check != nil && !tc.check(o):
			t.Errorf("%v: %+v (%s)", tc.args, o.Model, tc.explain)
		}
	}
}
