package ineffectivepolicy

import (
	"fmt"
	"strings"

	typeapi "istio.io/api/type/v1beta1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// ambientMessages are the ambient-mode checks' codes.
var ambientMessages = []analysis.Message{
	{Code: "SR1210", Level: analysis.Medium, Summary: "L7 fields in a policy ztunnel enforces (ambient workloads, no waypoint): an ALLOW rule using them is dropped, a DENY rule keeping L4 fields denies on those alone, so more is denied than written"},
	{Code: "SR1211", Level: analysis.High, Summary: "a DENY (or CUSTOM) policy on ambient workloads that ztunnel does not enforce: its rules are L7 only, or ztunnel ignores the action, so what it denies is allowed"},
	{Code: "SR1212", Level: analysis.High, Summary: "a policy a waypoint enforces for a Service that an Istio gateway routes to straight (no istio.io/ingress-use-waypoint): requests on that route skip it"},
	{Code: "SR1213", Level: analysis.High, Summary: "a policy bound by targetRefs to a Service no waypoint serves (none named, or the named waypoint absent): nothing enforces it"},
}

// ztunnelFields reports a selector or namespace policy that applies to
// ambient workloads, where ztunnel enforces it at L4 only
// (mesh.ZtunnelDrops: istio/istio
// pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go
// convertAuthorizationPolicy; https://istio.io/latest/docs/ambient/usage/l4-policy/).
func (c *polCtx) ztunnelFields(ap polAuthz) []analysis.Finding {
	var ambient []string
	for _, w := range c.selected(ap) {
		if c.status[w].Ambient {
			ambient = append(ambient, w.Namespace+"/"+w.Name)
		}
	}
	if len(ambient) == 0 {
		return nil
	}
	what, failOpen := mesh.ZtunnelDrops(ap.Obj)
	if what == "" {
		return nil
	}
	code, effect := "SR1210", "more is denied than the policy says"
	if failOpen {
		code, effect = "SR1211", "what it is meant to deny is allowed"
	}
	msg := fmt.Sprintf("%s policy %s applies to ambient workloads %s, where ztunnel enforces it at L4 only and no waypoint sees it: %s; %s. Bind L7 rules to a waypoint with targetRefs (https://istio.io/latest/docs/ambient/usage/l7-features/) and keep ztunnel policies to principals, namespaces, ipBlocks and ports",
		ap.Obj.Spec.GetAction(), polName(ap), polSummarise(ambient), what, effect)
	return []analysis.Finding{c.p.Finding(code, passutil.Ref(ap.Entry), msg, graph.EvidenceOf(ap.Entry))}
}

// polTargetRefs are a policy's targetRef and targetRefs.
func polTargetRefs(ap polAuthz) []*typeapi.PolicyTargetReference {
	refs := ap.Obj.Spec.GetTargetRefs()
	if r := ap.Obj.Spec.GetTargetRef(); r != nil {
		refs = append(refs, r)
	}
	return refs
}

// waypointBound reports policies bound by targetRefs to a Service of the
// input that no waypoint serves (none named, opted out, or the named one
// absent): sidecars and ztunnel ignore targetRefs other than a Gateway's (istio/istio
// pilot/pkg/model/policyattachment.go ShouldAttachPolicy), and istiod
// reports such a policy TargetNotFound or "not bound to a waypoint"
// (ambient/policies.go WaypointPolicyStatusCollection), so nothing
// enforces it.
func (c *polCtx) waypointBound(ap polAuthz) []analysis.Finding {
	m := c.p.Model
	var problems []string
	var related []*inventory.Object
	for _, r := range polTargetRefs(ap) {
		ns := r.GetNamespace()
		if ns == "" {
			ns = ap.Obj.Namespace
		}
		switch {
		case r.GetKind() == "Service" && r.GetGroup() == "":
			s := m.Service(ns, r.GetName())
			if s == nil {
				continue // dangling: another rule's concern
			}
			if wc := m.ServiceWaypoint(s); wc.Gateway == nil {
				why := "it uses no waypoint"
				if wc.Reason != "" {
					why = wc.Reason
				}
				problems = append(problems, fmt.Sprintf("targetRefs Service %s, but %s", s.Key, why))
				related = append(related, s.Entry)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s policy %s: %s; sidecars and ztunnel ignore such targetRefs, so no proxy enforces the policy and what it restricts is allowed",
		ap.Obj.Spec.GetAction(), polName(ap), strings.Join(problems, "; "))
	ev := []graph.Evidence{graph.EvidenceOf(ap.Entry)}
	for _, o := range related {
		ev = append(ev, graph.EvidenceOf(o))
	}
	return []analysis.Finding{c.p.Finding("SR1213", passutil.Ref(ap.Entry), msg, ev...)}
}

// ingressSkipsWaypoint reports the policies a waypoint enforces for a
// Service that an Istio gateway's route sends to: the gateway sends
// straight to the pods unless istio.io/ingress-use-waypoint is true on the
// Service or its namespace (istio/istio pilot/pkg/xds/endpoints/endpoint_builder.go
// findServiceWaypoint; istio/istio#51214), so requests on the route are
// never checked by them.
func (c *polCtx) ingressSkipsWaypoint() []analysis.Finding {
	m := c.p.Model
	type skip struct {
		svc    *model.Service
		wp     *model.APIGateway
		routes []string
		objs   []*inventory.Object
	}
	var order []*model.Service
	skips := map[*model.Service]*skip{}
	for _, r := range m.Routes() {
		viaIstio := false
		for _, p := range r.Proxies {
			viaIstio = viaIstio || c.env.InjectionStatus(p).Gateway
		}
		if !viaIstio {
			continue
		}
		for _, d := range r.Destinations {
			var s *model.Service
			switch {
			case d.Backend != nil && d.Backend.Service != nil:
				s = m.Service(d.Namespace, d.Backend.Service.Name)
			case d.Host != "":
				s = m.Destination(d.Host, d.Port, d.Namespace, nil).Service
			}
			if s == nil || m.IngressUsesWaypoint(s) {
				continue
			}
			wc := m.ServiceWaypoint(s)
			if wc.Gateway == nil {
				continue
			}
			k := skips[s]
			if k == nil {
				k = &skip{svc: s, wp: wc.Gateway}
				skips[s] = k
				order = append(order, s)
			}
			name := fmt.Sprintf("%s %s/%s %s", r.Entry.Key.Kind, r.Entry.Key.Namespace, r.Entry.Key.Name, r.Section)
			if !containsString(k.routes, name) {
				k.routes = append(k.routes, strings.TrimSpace(name))
				k.objs = append(k.objs, r.Entry)
			}
		}
	}
	var out []analysis.Finding
	for _, s := range order {
		k := skips[s]
		for _, ap := range c.env.WaypointPolicies(k.wp.Obj.Namespace, k.wp.Obj.Name, s.Obj.Namespace, s.Obj.Name) {
			msg := fmt.Sprintf("%s policy %s is enforced by waypoint %s for Service %s, but %s deliver to its pods straight from an Istio gateway, which skips the waypoint unless istio.io/ingress-use-waypoint is \"true\" on the Service or its namespace: requests on those routes are not checked by it",
				ap.Obj.Spec.GetAction(), polName(ap), k.wp.Key, s.Key, strings.Join(k.routes, ", "))
			ev := []graph.Evidence{graph.EvidenceOf(ap.Entry), graph.EvidenceOf(s.Entry), graph.EvidenceOf(k.wp.Entry)}
			for _, o := range k.objs {
				ev = append(ev, graph.EvidenceOf(o))
			}
			out = append(out, c.p.Finding("SR1212", passutil.Ref(ap.Entry), msg, ev...))
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == strings.TrimSpace(s) {
			return true
		}
	}
	return false
}
