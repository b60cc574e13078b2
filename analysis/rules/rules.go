// Package rules is shadowroute's rule catalogue: every rule is a value
// (slug, default severity, title, docs page, Run over the graph and
// inventory) defined in a file of its own, with a test folder under
// testdata/rules/<slug>/ and a page under docs/rules/<slug>.md. Adding a
// rule is adding those three and one line to All.
package rules

import (
	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// All returns the catalogue in the order `shadowroute rules` lists it.
func All() []*analysis.Rule {
	return append(analysis.PathRules(),
		WildcardHost,
		PlaintextHTTP,
		WeakTLS,
		RiskyAnnotation,
		SensitivePath,
		DanglingReference,
		RouteConflict,
		IneffectivePolicy,
		SecretInConfig,
		NoNetworkPolicy,
		ExposedAdmissionWebhook,
		PrivilegedCredentialOnPublicRoute,
	)
}

// ref names an inventory object as a finding target.
func ref(o *inventory.Object) analysis.Ref {
	return analysis.Ref{Kind: o.Key.Kind, Namespace: o.Key.Namespace, Name: o.Key.Name}
}

// workloadRef names a workload as a finding target.
func workloadRef(w *inventory.Workload) analysis.Ref {
	return analysis.Ref{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
}

// databases returns the graph's database and sensitive workload nodes.
func databases(g *graph.Graph) []*graph.Node {
	var out []*graph.Node
	for _, n := range g.SortedNodes() {
		if n.Kind == graph.KindWorkload && n.Workload != nil && n.Workload.Database != nil && n.Workload.Source != nil {
			out = append(out, n)
		}
	}
	return out
}
