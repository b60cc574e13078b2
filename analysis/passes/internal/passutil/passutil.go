// Package passutil holds what several rule packages share: finding
// targets named from inventory objects, and questions over the graph that
// more than one rule asks.
package passutil

import (
	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Ref names an inventory object as a finding target.
func Ref(o *inventory.Object) analysis.Ref {
	return analysis.Ref{Kind: o.Key.Kind, Namespace: o.Key.Namespace, Name: o.Key.Name}
}

// WorkloadRef names a workload as a finding target.
func WorkloadRef(w *inventory.Workload) analysis.Ref {
	return analysis.Ref{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
}

// Databases returns the graph's database and sensitive workload nodes.
func Databases(g *graph.Graph) []*graph.Node {
	var out []*graph.Node
	for _, n := range g.SortedNodes() {
		if n.Kind == graph.KindWorkload && n.Workload != nil && n.Workload.Database != nil && n.Workload.Source != nil {
			out = append(out, n)
		}
	}
	return out
}

// NginxAnnotationPrefix is the prefix of ingress-nginx annotations
// (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/).
const NginxAnnotationPrefix = "nginx.ingress.kubernetes.io/"
