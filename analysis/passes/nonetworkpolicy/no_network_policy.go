package nonetworkpolicy

import (
	"fmt"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/graph/netpol"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports databases no NetworkPolicy isolates for ingress,
// and namespaces holding databases without a default-deny ingress policy.
// Without ingress isolation every pod of the cluster may connect
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation).
var Rule = &analysis.Rule{
	Slug:     "no-network-policy",
	Severity: analysis.Medium,
	Title:    "Database not isolated by a NetworkPolicy",
	Summary:  "a database no Ingress NetworkPolicy selects, or a namespace with databases and no default-deny; a NetworkPolicy that drops ambient HBONE traffic",
	Doc:      "docs/rules/no-network-policy.md",
	Messages: []analysis.Message{
		{Code: "SR1401", Level: analysis.Medium, Summary: "a database selected by no ingress NetworkPolicy: every pod in the cluster may connect to it"},
		{Code: "SR1402", Level: analysis.Medium, Summary: "a namespace holding databases without a default-deny ingress NetworkPolicy"},
		{Code: "SR1403", Level: analysis.Medium, Summary: "a namespace holding databases with no ingress NetworkPolicy at all: one finding naming them"},
		{Code: "SR1404", Level: analysis.Medium, Summary: "a database selected only by ingress NetworkPolicies that admit every pod (no from, from: [{}], 0.0.0.0/0): not protection"},
		hboneMessage,
	},
	Run: runNoNetworkPolicy,
}

func runNoNetworkPolicy(p *analysis.Pass) []analysis.Finding {
	policies := p.Model.NetworkPolicies()
	ev, _ := p.Model.NetworkPolicy()
	type namespaceDBs struct {
		all, unselected []*graph.Node
		openPolicy      []analysis.Finding
		ingressPolicies bool
		defaultDeny     bool
	}
	byNS := map[string]*namespaceDBs{}
	var nsOrder []string
	for _, db := range passutil.Databases(p.Graph) {
		w := db.Workload.Source
		if w.Template.Spec.HostNetwork && p.Model.Options.Addressing.HostNetwork == netpol.HostNetworkNode {
			continue // --host-network=node: pod policies do not apply to host-network pods
		}
		n := byNS[w.Namespace]
		if n == nil {
			n = &namespaceDBs{}
			for _, np := range policies {
				if np.Obj.Namespace != w.Namespace || !isIngressPolicy(np.Obj) {
					continue
				}
				n.ingressPolicies = true
				sel := np.Obj.Spec.PodSelector
				if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 && len(np.Obj.Spec.Ingress) == 0 {
					n.defaultDeny = true
				}
			}
			byNS[w.Namespace] = n
			nsOrder = append(nsOrder, w.Namespace)
		}
		n.all = append(n.all, db)
		// What the NetworkPolicy evaluator lets a label-less pod of a
		// label-less namespace send: isolated means some ingress policy
		// selects the database.
		nsLabels, _ := p.Model.NamespaceLabels(w.Namespace)
		dst := netpol.Peer{Namespace: w.Namespace, PodLabels: w.Labels(), NSLabels: nsLabels, HostNetwork: w.Template.Spec.HostNetwork, Workload: w}
		anyPod := netpol.Peer{Namespace: "", PodLabels: map[string]string{}, NSLabels: map[string]string{}}
		a := ev.IngressConns(anyPod, dst)
		if !a.Isolated {
			n.unselected = append(n.unselected, db)
		} else if f, ok := admitsEveryPod(p, db, a); ok {
			n.openPolicy = append(n.openPolicy, f)
		}
	}
	var out []analysis.Finding
	for _, ns := range nsOrder {
		n := byNS[ns]
		target := analysis.Ref{Kind: "Namespace", Name: ns}
		var ev []graph.Evidence
		if o := p.Model.Object(inventory.Namespace, "", ns); o != nil {
			ev = append(ev, graph.EvidenceOf(o))
		}
		if !n.ingressPolicies {
			// One root cause, one finding: nothing isolates any pod there.
			var names []string
			for _, db := range n.all {
				w := db.Workload.Source
				names = append(names, fmt.Sprintf("%s %s (%s)", w.Kind, w.Name, db.Workload.Database.Reason))
				ev = append(ev, graph.EvidenceOf(w.Object))
			}
			out = append(out, p.Finding("SR1403", target, fmt.Sprintf("namespace %s has no NetworkPolicy with policyType Ingress, so every pod in the cluster may connect to its databases: %s", ns, strings.Join(names, ", ")), ev...))
			continue
		}
		out = append(out, n.openPolicy...)
		for _, db := range n.unselected {
			w := db.Workload.Source
			out = append(out, p.Finding("SR1401", passutil.WorkloadRef(w),
				fmt.Sprintf("%s/%s (%s) is selected by no NetworkPolicy with policyType Ingress: every pod in the cluster may connect to it", w.Namespace, w.Name, db.Workload.Database.Reason),
				graph.EvidenceOf(w.Object)))
		}
		if n.defaultDeny {
			continue
		}
		ev = append(ev, graph.EvidenceOf(n.all[0].Workload.Source.Object))
		out = append(out, p.Finding("SR1402", target, fmt.Sprintf("namespace %s holds databases but has no default-deny ingress NetworkPolicy (podSelector: {}, no ingress rules): a new pod there is open to the whole cluster", ns), ev...))
	}
	return append(out, hboneBlocked(p)...)
}

// admitsEveryPod reports a database that ingress policies select but that
// admit every pod of every namespace on all its ports (a rule without
// from, from: [{}], a namespaceSelector {}, an ipBlock taken to hold pod
// addresses such as 0.0.0.0/0): selected, yet not protected. a is what the
// NetworkPolicy evaluator lets a pod that carries no label, in a namespace
// that carries none, send to it: only such peers admit that pod.
func admitsEveryPod(p *analysis.Pass, db *graph.Node, a netpol.Allowance) (analysis.Finding, bool) {
	w := db.Workload.Source
	ports := w.Ports()
	if len(ports) == 0 {
		return analysis.Finding{}, false
	}
	var portNames []string
	for _, cp := range ports {
		if !a.Conns.Contains(cp.Protocol, cp.Port) {
			return analysis.Finding{}, false
		}
		portNames = append(portNames, fmt.Sprintf("%s %d", cp.Protocol, cp.Port))
	}
	evidence := []graph.Evidence{graph.EvidenceOf(w.Object)}
	var names []string
	for _, pc := range a.By {
		if pc.Conns.Empty() {
			continue
		}
		names = append(names, pc.Policy)
		ns, name, _ := strings.Cut(pc.Policy, "/")
		if o := p.Model.Object(inventory.NetworkPolicy, ns, name); o != nil {
			evidence = append(evidence, graph.EvidenceOf(o))
		}
	}
	return p.Finding("SR1404", passutil.WorkloadRef(w), fmt.Sprintf("%s/%s (%s) is selected by NetworkPolicy %s, which admits every pod of every namespace on %s (a rule without from, from: [{}], namespaceSelector: {} or an ipBlock holding pod addresses): it is not protection",
		w.Namespace, w.Name, db.Workload.Database.Reason, strings.Join(names, ", "), strings.Join(portNames, ", ")), evidence...), true
}

// isIngressPolicy: the policy isolates ingress (netpol.Directions).
func isIngressPolicy(np *networkingv1.NetworkPolicy) bool {
	ingress, _ := netpol.Directions(&np.Spec)
	return ingress
}
