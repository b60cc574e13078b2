package sensitivepath

import (
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// spRoutePath is the part of a route a sensitive path was matched on: the
// literal path (regex paths reduced to their literal prefix) and whether the
// route matches that path only (Exact) or everything under it (Prefix).
type spRoutePath struct {
	Path  string
	Exact bool
}

// spPoliciesFor returns the AuthorizationPolicies that apply to a workload's
// sidecar or gateway proxy: root-namespace policies mesh-wide, namespace
// policies without a selector, selector policies matching the pod labels, and
// targetRef(s) naming a Gateway API gateway the pod implements
// (https://istio.io/latest/docs/reference/config/security/authorization-policy/).
func spPoliciesFor(m *model.Model, ns string, podLabels map[string]string) []inventory.TypedObject[*istiosecv1.AuthorizationPolicy] {
	w := &inventory.Workload{Namespace: ns, Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels}}}
	var out []inventory.TypedObject[*istiosecv1.AuthorizationPolicy]
	for _, ap := range m.AuthorizationPolicies() {
		if m.Mesh.PolicyApplies(ap.Obj, w) {
			out = append(out, ap)
		}
	}
	return out
}

// spAuthenticates decides whether the policies of one proxy keep requests
// without an end-user identity (no validated JWT) away from a route path:
//
//   - a CUSTOM policy (external authorizer) with a rule that may match the
//     path delegates the decision to ext-authz;
//   - DENY rules that deny every request without a request principal
//     (a source with only notRequestPrincipals: ["*"], or no source) cover
//     the whole path;
//   - ALLOW policies apply and none of their rules may admit such a request
//     to the path (every source that may match names requestPrincipals).
//
// edge is set for the proxy that takes traffic from the internet: requests
// reach it in plaintext, so sources naming peer principals, namespaces or
// service accounts never match there. It returns the deciding policy.
func spAuthenticates(policies []inventory.TypedObject[*istiosecv1.AuthorizationPolicy], rp spRoutePath, edge bool) (bool, string) {
	var allows []inventory.TypedObject[*istiosecv1.AuthorizationPolicy]
	var denyPatterns []string
	var denyPolicies []string
	denyAll := ""
	for _, ap := range policies {
		name := ap.Obj.Namespace + "/" + ap.Obj.Name
		switch ap.Obj.Spec.GetAction() {
		case securityapi.AuthorizationPolicy_CUSTOM:
			for _, r := range ap.Obj.Spec.GetRules() {
				if spRuleMayMatchPath(r, rp) {
					return true, name + " (CUSTOM)"
				}
			}
		case securityapi.AuthorizationPolicy_DENY:
			for _, r := range ap.Obj.Spec.GetRules() {
				if len(r.GetWhen()) > 0 || !spDeniesAnonymous(r.GetFrom()) {
					continue
				}
				if len(r.GetTo()) == 0 {
					denyAll = name
					continue
				}
				for _, t := range r.GetTo() {
					op := t.GetOperation()
					if op == nil || len(op.GetNotPaths())+len(op.GetMethods())+len(op.GetNotMethods())+len(op.GetHosts())+
						len(op.GetNotHosts())+len(op.GetPorts())+len(op.GetNotPorts()) > 0 {
						continue
					}
					if len(op.GetPaths()) == 0 {
						denyAll = name
						continue
					}
					denyPatterns = append(denyPatterns, op.GetPaths()...)
					denyPolicies = append(denyPolicies, name)
				}
			}
		case securityapi.AuthorizationPolicy_ALLOW:
			allows = append(allows, ap)
		}
	}
	if denyAll != "" {
		return true, denyAll + " (DENY)"
	}
	if spPatternsCover(denyPatterns, rp) {
		return true, denyPolicies[0] + " (DENY)"
	}
	if len(allows) == 0 {
		return false, ""
	}
	for _, ap := range allows {
		for _, r := range ap.Obj.Spec.GetRules() {
			if spAllowAdmitsAnonymous(r, rp, edge) {
				return false, ""
			}
		}
	}
	return true, allows[0].Obj.Namespace + "/" + allows[0].Obj.Name + " (ALLOW)"
}

// spDeniesAnonymous: the rule's sources match every request without a
// request principal: no from, an empty source, or a source with only
// notRequestPrincipals (notRequestPrincipals: ["*"] is the usual form).
func spDeniesAnonymous(from []*securityapi.Rule_From) bool {
	if len(from) == 0 {
		return true
	}
	for _, f := range from {
		s := f.GetSource()
		if s == nil {
			return true
		}
		others := len(s.GetPrincipals()) + len(s.GetNotPrincipals()) + len(s.GetRequestPrincipals()) + len(s.GetNamespaces()) +
			len(s.GetNotNamespaces()) + len(s.GetServiceAccounts()) + len(s.GetNotServiceAccounts()) + len(s.GetIpBlocks()) +
			len(s.GetNotIpBlocks()) + len(s.GetRemoteIpBlocks()) + len(s.GetNotRemoteIpBlocks()) + len(s.GetTrustDomains()) +
			len(s.GetNotTrustDomains())
		// notRequestPrincipals (any value) matches requests without one.
		if others == 0 {
			return true
		}
	}
	return false
}

// spAllowAdmitsAnonymous: an ALLOW rule may allow a request without a
// request principal to the path.
func spAllowAdmitsAnonymous(r *securityapi.Rule, rp spRoutePath, edge bool) bool {
	if r == nil {
		return true
	}
	for _, c := range r.GetWhen() {
		if strings.HasPrefix(c.GetKey(), "request.auth.") {
			return false // a JWT claim or principal condition needs a token
		}
	}
	sourceMay := len(r.GetFrom()) == 0
	for _, f := range r.GetFrom() {
		s := f.GetSource()
		if s == nil {
			sourceMay = true
			break
		}
		if len(s.GetRequestPrincipals()) > 0 {
			continue
		}
		if edge && len(s.GetPrincipals())+len(s.GetNamespaces())+len(s.GetServiceAccounts())+len(s.GetTrustDomains()) > 0 {
			continue // peer identities never match plaintext from the internet
		}
		sourceMay = true
		break
	}
	return sourceMay && spRuleMayMatchPath(r, rp)
}

// spRuleMayMatchPath: the rule's operations may match some request to the
// route path (no operation, no paths, or a path pattern that may match).
func spRuleMayMatchPath(r *securityapi.Rule, rp spRoutePath) bool {
	if r == nil || len(r.GetTo()) == 0 {
		return true
	}
	for _, t := range r.GetTo() {
		op := t.GetOperation()
		if op == nil || len(op.GetPaths()) == 0 {
			if !spPatternsCover(op.GetNotPaths(), rp) {
				return true
			}
			continue
		}
		for _, pat := range op.GetPaths() {
			if spPatternMayMatch(pat, rp) {
				return true
			}
		}
	}
	return false
}

// spPatternMayMatch: an Istio path pattern (exact, "prefix*", "*suffix",
// "*") may match some request the route sends to the backend.
func spPatternMayMatch(pat string, rp spRoutePath) bool {
	switch {
	case pat == "*":
		return true
	case strings.HasSuffix(pat, "*"):
		x := strings.TrimSuffix(pat, "*")
		return strings.HasPrefix(rp.Path, x) || (!rp.Exact && strings.HasPrefix(x, rp.Path))
	case strings.HasPrefix(pat, "*"):
		return !rp.Exact || strings.HasSuffix(rp.Path, strings.TrimPrefix(pat, "*"))
	case rp.Exact:
		return pat == rp.Path
	default:
		return strings.HasPrefix(pat, rp.Path)
	}
}

// spPatternsCover: the patterns together match every request the route
// sends: "*", a prefix pattern the route path starts with, the exact path for
// an Exact route, or for a Prefix route both the path itself and "path/*".
func spPatternsCover(patterns []string, rp spRoutePath) bool {
	exact, sub := false, false
	base := strings.TrimSuffix(rp.Path, "/")
	for _, pat := range patterns {
		switch {
		case pat == "*":
			return true
		case strings.HasSuffix(pat, "*") && !strings.HasPrefix(pat, "*"):
			x := strings.TrimSuffix(pat, "*")
			if strings.HasPrefix(rp.Path, x) {
				return true
			}
			if x == base+"/" {
				sub = true
			}
		case pat == rp.Path || pat == base || pat == base+"/":
			exact = true
		}
	}
	if rp.Exact {
		return exact
	}
	return exact && sub
}
