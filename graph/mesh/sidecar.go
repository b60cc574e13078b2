package mesh

import (
	"fmt"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// SidecarFor returns the Sidecar resource that configures a workload's
// proxy, or nil: one with a workloadSelector matching the pod in the pod's
// namespace, else the namespace's Sidecar without selector, else the root
// namespace's Sidecar without selector (istio/istio
// pilot/pkg/model/push_context.go getSidecarScope; the oldest wins on ties).
func (e Env) SidecarFor(w *inventory.Workload) *inventory.TypedObject[*istionetv1.Sidecar] {
	all := e.Sidecars
	if all == nil {
		all = SortedSidecars(e.Inv)
	}
	var nsDefault, rootDefault *inventory.TypedObject[*istionetv1.Sidecar]
	for i := range all {
		sc := &all[i]
		sel := sc.Obj.Spec.GetWorkloadSelector()
		switch {
		case sc.Obj.Namespace == w.Namespace && sel != nil:
			if labels.SelectorFromSet(sel.GetLabels()).Matches(labels.Set(w.Labels())) {
				return sc
			}
		case sc.Obj.Namespace == w.Namespace && sel == nil && nsDefault == nil:
			nsDefault = sc
		case sc.Obj.Namespace == e.RootNamespace && sel == nil && rootDefault == nil:
			rootDefault = sc
		}
	}
	if nsDefault != nil {
		return nsDefault
	}
	return rootDefault
}

// EgressDecision is what a client's Sidecar resource does to a connection
// to a Service host.
type EgressDecision struct {
	// Sidecar decided (nil: no Sidecar resource, every host is imported).
	Sidecar *inventory.Object
	// Imported: the host is in the Sidecar's egress hosts, so the client's
	// proxy has the mesh route and originates mTLS.
	Imported bool
	// Blocked: not imported and outboundTrafficPolicy REGISTRY_ONLY.
	Blocked bool
}

// String explains a decision that is not Imported.
func (d EgressDecision) String() string {
	if d.Sidecar == nil {
		return ""
	}
	name := d.Sidecar.Key.Namespace + "/" + d.Sidecar.Key.Name
	if d.Blocked {
		return fmt.Sprintf("Sidecar %s does not import the host and its outboundTrafficPolicy is REGISTRY_ONLY", name)
	}
	return fmt.Sprintf("Sidecar %s does not import the host: the connection leaves through the passthrough cluster in plaintext", name)
}

// Egress decides a client's connection to a Service (FQDN, namespace) under
// its Sidecar resource: with egress listeners, a host not listed in any
// egress `hosts` ("namespace/dnsName": "*", "." or "~" or a namespace, and
// "*" or a possibly wildcarded name) has no route in the client's proxy, so
// the connection leaves through the passthrough cluster as plaintext
// (outboundTrafficPolicy ALLOW_ANY, the default) or is refused
// (REGISTRY_ONLY) (https://istio.io/latest/docs/reference/config/networking/sidecar/).
func (e Env) Egress(client *inventory.Workload, fqdn, serviceNS string) EgressDecision {
	return EgressOf(e.SidecarFor(client), fqdn, serviceNS)
}

// EgressOf is Egress for a client whose Sidecar (nil: none) is known.
func EgressOf(sc *inventory.TypedObject[*istionetv1.Sidecar], fqdn, serviceNS string) EgressDecision {
	if sc == nil || len(sc.Obj.Spec.GetEgress()) == 0 {
		return EgressDecision{Imported: true}
	}
	d := EgressDecision{Sidecar: sc.Entry}
	for _, eg := range sc.Obj.Spec.GetEgress() {
		for _, h := range eg.GetHosts() {
			ns, dns, ok := strings.Cut(h, "/")
			if !ok {
				continue
			}
			switch ns {
			case "*":
			case ".":
				if serviceNS != sc.Obj.Namespace {
					continue
				}
			case "~":
				continue
			default:
				if ns != serviceNS {
					continue
				}
			}
			if dns == "*" || hosts.Covers(dns, fqdn) {
				d.Imported = true
				return d
			}
		}
	}
	// OutboundTrafficPolicy.Mode is a proto3 enum whose zero value is
	// REGISTRY_ONLY: only a policy that is present decides; without one the
	// mesh default ALLOW_ANY applies (meshConfig.outboundTrafficPolicy).
	if p := sc.Obj.Spec.GetOutboundTrafficPolicy(); p != nil {
		d.Blocked = p.GetMode() == networkingapi.OutboundTrafficPolicy_REGISTRY_ONLY
	}
	return d
}

// SortedSidecars types the input's Sidecar resources in istiod's order.
func SortedSidecars(inv *inventory.Inventory) []inventory.TypedObject[*istionetv1.Sidecar] {
	all := inventory.Typed[*istionetv1.Sidecar](inv, inventory.Sidecar)
	oldestFirst(all)
	return all
}
