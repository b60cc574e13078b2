package mesh

import (
	"testing"
)

func dr(name, ns, host, tls, extra string) string {
	s := "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  host: \"" + host + "\"\n" + extra
	if tls != "" {
		s += "  trafficPolicy: {tls: {mode: " + tls + "}}\n"
	}
	return s
}

const client = `
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
`

// TestDestinationRuleFor is the table of istiod's DestinationRule choice
// (pilot/pkg/model/push_context.go SetDestinationRules, destinationRule;
// pkg/config/model.go ResolveShortnameToFQDN) for a client in shop or in the
// root namespace addressing db.data.svc.cluster.local:5432.
func TestDestinationRuleFor(t *testing.T) {
	const fqdn = "db.data.svc.cluster.local"
	for _, tc := range []struct {
		name, rules, clientNS string
		want                  string // rule name or "" ; then mode
		notMTLS               bool
	}{
		{"none", "", "shop", "", false},
		{"no tls block is auto mTLS", dr("lb", "data", fqdn, "", "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"), "shop", "lb", false},
		{"explicit DISABLE", dr("disable", "data", fqdn, "DISABLE", ""), "shop", "disable", true},
		{"SIMPLE is not mesh mTLS", dr("tls", "data", fqdn, "SIMPLE", ""), "shop", "tls", true},
		{"MUTUAL is not mesh mTLS", dr("tls", "data", fqdn, "MUTUAL", ""), "shop", "tls", true},
		{"ISTIO_MUTUAL", dr("m", "data", fqdn, "ISTIO_MUTUAL", ""), "shop", "m", false},
		{"short name in the service namespace", dr("short", "data", "db", "DISABLE", ""), "shop", "short", true},
		{"short name in another namespace names another host", dr("short", "shop", "db", "DISABLE", ""), "shop", "", false},
		{"name.namespace stays literal", dr("dotted", "data", "db.data", "DISABLE", ""), "shop", "", false},
		{"client namespace before service namespace", dr("svc-ns", "data", fqdn, "ISTIO_MUTUAL", "") + dr("client-ns", "shop", fqdn, "DISABLE", ""), "shop", "client-ns", true},
		{"service namespace before root", dr("root", "istio-system", "*.svc.cluster.local", "DISABLE", "") + dr("svc-ns", "data", fqdn, "ISTIO_MUTUAL", ""), "shop", "svc-ns", false},
		{"root namespace last", dr("root", "istio-system", "*.svc.cluster.local", "DISABLE", ""), "shop", "root", true},
		{"exact host beats wildcard in one namespace", dr("a-wild", "data", "*.data.svc.cluster.local", "DISABLE", "") + dr("b-exact", "data", fqdn, "ISTIO_MUTUAL", ""), "shop", "b-exact", false},
		{"longer wildcard beats shorter", dr("a-short", "data", "*.svc.cluster.local", "ISTIO_MUTUAL", "") + dr("b-long", "data", "*.data.svc.cluster.local", "DISABLE", ""), "shop", "b-long", true},
		{"exportTo . hides the service namespace's rule", dr("private", "data", fqdn, "DISABLE", "  exportTo: [\".\"]\n"), "shop", "", false},
		{"exportTo naming the client", dr("to-shop", "data", fqdn, "DISABLE", "  exportTo: [shop]\n"), "shop", "to-shop", true},
		{"private root rule applies in the root namespace first", dr("root-private", "istio-system", fqdn, "DISABLE", "  exportTo: [\".\"]\n") + dr("svc-ns", "data", fqdn, "ISTIO_MUTUAL", ""), "istio-system", "root-private", true},
		{"public root rule in the root namespace comes after the service namespace", dr("root-public", "istio-system", fqdn, "DISABLE", "") + dr("svc-ns", "data", fqdn, "ISTIO_MUTUAL", ""), "istio-system", "svc-ns", false},
		{"workloadSelector rule for another workload", dr("sel", "shop", fqdn, "DISABLE", "  workloadSelector: {matchLabels: {app: other}}\n"), "shop", "", false},
		{"workloadSelector rule for the client", dr("sel", "shop", fqdn, "DISABLE", "  workloadSelector: {matchLabels: {app: api}}\n"), "shop", "sel", true},
		{"port-level DISABLE on another port", dr("pl", "data", fqdn, "", "  trafficPolicy: {portLevelSettings: [{port: {number: 9090}, tls: {mode: DISABLE}}]}\n"), "shop", "pl", false},
		{"port-level overrides top level", "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: pl, namespace: data}\nspec:\n  host: " + fqdn + "\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings: [{port: {number: 5432}, tls: {mode: DISABLE}}]\n", "shop", "pl", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := envFrom(t, client+tc.rules)
			var w = workload(t, e, "shop", "api")
			if tc.clientNS == "istio-system" {
				w = workload(t, e, "istio-system", "gw")
			}
			d := e.DestinationRuleFor(w, tc.clientNS, "data", fqdn, 5432)
			got := ""
			if d.Rule != nil {
				got = d.Rule.Key.Name
			}
			if got != tc.want || d.NotMeshMTLS() != tc.notMTLS {
				t.Errorf("rule %q notMTLS %v (%s), want %q notMTLS %v", got, d.NotMeshMTLS(), d, tc.want, tc.notMTLS)
			}
		})
	}
}
