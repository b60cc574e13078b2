package mesh

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// DRDecision is the DestinationRule a client uses for a host and port and
// the client TLS it sets.
type DRDecision struct {
	// Rule is the DestinationRule that decided (nil: none applies, so
	// auto-mTLS decides).
	Rule *inventory.Object
	// Mode is the tls.mode in force, meaningful only when Explicit.
	Mode networkingapi.ClientTLSSettings_TLSmode
	// Explicit: the rule (or its port-level settings for the port) has a tls
	// block. ClientTLSSettings.mode is a proto3 enum whose zero value is
	// DISABLE, so an absent block must not be read as DISABLE.
	Explicit bool
	// Merged are the rules for the chosen host that istiod merges into one
	// (oldest first), and Subsets the subset names the merged rule defines
	// (mergeDestinationRule appends the subsets of later rules).
	Merged  []*inventory.Object
	Subsets []string
}

// NotMeshMTLS reports whether the client's sidecar sends something other
// than Istio mTLS: DISABLE (plaintext), or SIMPLE / MUTUAL (TLS the client
// originates with user certificates: the destination sidecar sees no peer
// identity, istio/istio pilot/pkg/networking/core/cluster_tls.go
// buildUpstreamTLSSettings). Without a tls block auto-mTLS applies.
func (d DRDecision) NotMeshMTLS() bool {
	return d.Explicit && d.Mode != networkingapi.ClientTLSSettings_ISTIO_MUTUAL
}

// String describes the decision for messages.
func (d DRDecision) String() string {
	if d.Rule == nil {
		return "no DestinationRule"
	}
	what := "sets tls.mode " + d.Mode.String()
	switch d.Mode {
	case networkingapi.ClientTLSSettings_SIMPLE, networkingapi.ClientTLSSettings_MUTUAL:
		what += " (TLS with user certificates, not Istio mTLS: the destination sees no peer identity)"
	}
	return fmt.Sprintf("DestinationRule %s/%s %s", d.Rule.Key.Namespace, d.Rule.Key.Name, what)
}

// DestinationRuleFor finds the DestinationRule a client workload in
// clientNS uses for a Service host (FQDN) and Service port, as istiod does
// (istio/istio pilot/pkg/model/push_context.go SetDestinationRules and
// destinationRule):
//
//   - DestinationRule hosts are resolved with ResolveShortnameToFQDN
//     (hosts.ResolveShortname);
//   - 1. the rules of the client's namespace that are visible there (for a
//     client in the root namespace, only the root namespace's private
//     rules), 2. the rules of the Service's namespace exported to the
//     client's namespace, 3. the root namespace's rules exported to it;
//   - within one namespace the most specific host wins (an exact host, then
//     the longest wildcard: MostSpecificHostMatch), and rules for the same
//     host merge with the oldest traffic policy winning (mergeDestinationRule);
//   - a rule with a workloadSelector applies only to the client workloads it
//     selects, in its own namespace;
//   - port-level settings for the Service port override the top-level tls.
//
// client may be nil (traffic from outside the mesh never reads one).
func (e Env) DestinationRuleFor(client *inventory.Workload, clientNS, serviceNS, fqdn string, port int32) DRDecision {
	rules := e.destinationRules()
	type candidate struct {
		rule inventory.TypedObject[*istionetv1.DestinationRule]
		host string
	}
	pick := func(ns string, admit func(r *istionetv1.DestinationRule) bool) (DRDecision, bool) {
		var matched []candidate
		for _, r := range rules {
			if r.Obj.Namespace != ns || !admit(r.Obj) {
				continue
			}
			if sel := r.Obj.Spec.GetWorkloadSelector(); sel != nil {
				if client == nil || client.Namespace != ns || !labels.SelectorFromSet(sel.GetMatchLabels()).Matches(labels.Set(client.Labels())) {
					continue
				}
			}
			h := hosts.ResolveShortname(r.Obj.Spec.GetHost(), ns)
			if hostMatches(h, fqdn) {
				matched = append(matched, candidate{r, h})
			}
		}
		if len(matched) == 0 {
			return DRDecision{}, false
		}
		best := matched[0].host
		for _, c := range matched[1:] {
			if moreSpecific(c.host, best, fqdn) {
				best = c.host
			}
		}
		var out DRDecision
		policySet := false
		for _, c := range matched {
			if c.host != best {
				continue
			}
			out.Merged = append(out.Merged, c.rule.Entry)
			for _, sub := range c.rule.Obj.Spec.GetSubsets() {
				if !slices.Contains(out.Subsets, sub.GetName()) {
					out.Subsets = append(out.Subsets, sub.GetName())
				}
			}
			if out.Rule == nil {
				out.Rule = c.rule.Entry
			}
			tp := c.rule.Obj.Spec.GetTrafficPolicy()
			if tp == nil || policySet {
				continue
			}
			// The oldest rule with a traffic policy provides it.
			out.Rule, policySet = c.rule.Entry, true
			if tls := tp.GetTls(); tls != nil {
				out.Mode, out.Explicit = tls.GetMode(), true
			}
			for _, pls := range tp.GetPortLevelSettings() {
				if pls.GetPort().GetNumber() == uint32(port) && pls.GetTls() != nil {
					out.Mode, out.Explicit = pls.GetTls().GetMode(), true
				}
			}
		}
		return out, true
	}
	privateTo := func(r *istionetv1.DestinationRule) bool { return privateOnly(r) }
	localTo := func(r *istionetv1.DestinationRule) bool { return visibleInOwnNamespace(r) }
	exportedTo := func(r *istionetv1.DestinationRule) bool {
		return !privateOnly(r) && hosts.Visible(r.Spec.GetExportTo(), r.Namespace, clientNS)
	}
	if clientNS != e.RootNamespace {
		if d, ok := pick(clientNS, localTo); ok {
			return d
		}
	} else if d, ok := pick(clientNS, privateTo); ok {
		return d
	}
	if serviceNS != "" {
		if d, ok := pick(serviceNS, exportedTo); ok {
			return d
		}
	}
	if d, ok := pick(e.RootNamespace, exportedTo); ok {
		return d
	}
	return DRDecision{}
}

// SortedDestinationRules types the input's DestinationRules and orders them
// as istiod merges them (oldestFirst).
func SortedDestinationRules(inv *inventory.Inventory) []inventory.TypedObject[*istionetv1.DestinationRule] {
	rules := inventory.Typed[*istionetv1.DestinationRule](inv, inventory.DestinationRule)
	oldestFirst(rules)
	return rules
}

// visibleInOwnNamespace: SetDestinationRules puts a rule in its namespace's
// local index when exportTo is empty, "*", "." or names the namespace (a
// workloadSelector rule is private).
func visibleInOwnNamespace(r *istionetv1.DestinationRule) bool {
	if r.Spec.GetWorkloadSelector() != nil || len(r.Spec.GetExportTo()) == 0 {
		return true
	}
	for _, e := range r.Spec.GetExportTo() {
		if e == "*" || e == "." || e == r.Namespace {
			return true
		}
	}
	return false
}

// privateOnly: exportTo is only "." or the rule's own namespace, or the rule
// has a workloadSelector (never exported).
func privateOnly(r *istionetv1.DestinationRule) bool {
	if r.Spec.GetWorkloadSelector() != nil {
		return true
	}
	ex := r.Spec.GetExportTo()
	return len(ex) == 1 && (ex[0] == "." || ex[0] == r.Namespace)
}

// hostMatches: a DestinationRule host (exact or wildcard) covers the
// Service FQDN (host.Name.Matches).
func hostMatches(ruleHost, fqdn string) bool {
	ruleHost, fqdn = strings.ToLower(ruleHost), strings.ToLower(fqdn)
	if ruleHost == fqdn || ruleHost == "*" {
		return true
	}
	return strings.HasPrefix(ruleHost, "*") && strings.HasSuffix(fqdn, ruleHost[1:])
}

// moreSpecific: an exact match beats a wildcard; between wildcards the
// longer one (MostSpecificHostMatch).
func moreSpecific(a, b, fqdn string) bool {
	ae, be := strings.EqualFold(a, fqdn), strings.EqualFold(b, fqdn)
	if ae != be {
		return ae
	}
	return len(a) > len(b)
}

// configObject is an Istio config object as istiod sorts it.
type configObject interface {
	runtime.Object
	GetCreationTimestamp() metav1.Time
	GetNamespace() string
	GetName() string
}

// oldestFirst orders config the way istiod does before merging or choosing
// (istio/istio pilot/pkg/model/push_context.go sortConfigByCreationTime):
// creation time, then name, then namespace.
func oldestFirst[T configObject](list []inventory.TypedObject[T]) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Obj, list[j].Obj
		ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
		if !ta.Equal(&tb) {
			return ta.Before(&tb)
		}
		if a.GetName() != b.GetName() {
			return a.GetName() < b.GetName()
		}
		return a.GetNamespace() < b.GetNamespace()
	})
}

// ClientSelectors lists the workloadSelector labels of the DestinationRules
// (a rule with one applies only to the client pods it selects, see
// DestinationRuleFor): what a rule choice reads of the client's labels.
func (e Env) ClientSelectors() []map[string]string {
	rules := e.destinationRules()
	var out []map[string]string
	for _, r := range rules {
		if sel := r.Obj.Spec.GetWorkloadSelector(); sel != nil {
			out = append(out, sel.GetMatchLabels())
		}
	}
	return out
}

// RuleNamespaces are the client namespaces whose DestinationRule choice
// for a Service of another namespace may differ from a client's of any
// other namespace (DestinationRuleFor): those holding rules (looked up
// first), the root namespace (its own private rules), and those an
// exportTo names. A client elsewhere sees the Service's and the root
// namespace's rules exported to every namespace, whichever it is in.
func (e Env) RuleNamespaces() map[string]bool {
	rules := e.destinationRules()
	out := map[string]bool{e.RootNamespace: true}
	for _, r := range rules {
		out[r.Obj.Namespace] = true
		for _, ns := range r.Obj.Spec.GetExportTo() {
			out[ns] = true
		}
	}
	return out
}

// destinationRules are the input's DestinationRules in istiod's order:
// the Env's sorted copy when it has one.
func (e Env) destinationRules() []inventory.TypedObject[*istionetv1.DestinationRule] {
	if e.DestinationRules != nil {
		return e.DestinationRules
	}
	return SortedDestinationRules(e.Inv)
}
