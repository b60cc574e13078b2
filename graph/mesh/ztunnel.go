package mesh

import (
	"fmt"
	"sort"
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
)

// ztunnelWhenKeys are the when keys ztunnel enforces; every other key is
// L7 (istio/istio pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go
// l4WhenAttributes).
var ztunnelWhenKeys = map[string]bool{
	"source.ip": true, "source.namespace": true, "source.principal": true,
	"destination.ip": true, "destination.port": true,
}

// ZtunnelL7Fields lists the fields of a rule ztunnel cannot enforce
// (authorization.go convertAuthorizationPolicy, handleRule): to.operation
// hosts, methods, paths (and not-forms); from.source requestPrincipals and
// remoteIpBlocks (and not-forms); any when key other than source.ip,
// source.namespace, source.principal, destination.ip, destination.port.
func ZtunnelL7Fields(r *securityapi.Rule) []string {
	seen := map[string]bool{}
	add := func(f string) { seen[f] = true }
	for _, f := range r.GetFrom() {
		s := f.GetSource()
		for _, x := range sourceL7(s) {
			add("from.source." + x)
		}
	}
	for _, t := range r.GetTo() {
		for _, x := range operationL7(t.GetOperation()) {
			add("to.operation." + x)
		}
	}
	for _, c := range r.GetWhen() {
		if !ztunnelWhenKeys[c.GetKey()] {
			add("when " + c.GetKey())
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func sourceL7(s *securityapi.Source) []string {
	var out []string
	if s == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"requestPrincipals", len(s.GetRequestPrincipals())}, {"notRequestPrincipals", len(s.GetNotRequestPrincipals())},
		{"remoteIpBlocks", len(s.GetRemoteIpBlocks())}, {"notRemoteIpBlocks", len(s.GetNotRemoteIpBlocks())}} {
		if f.n > 0 {
			out = append(out, f.name)
		}
	}
	return out
}

func sourceHasL4(s *securityapi.Source) bool {
	return len(s.GetPrincipals())+len(s.GetNotPrincipals())+len(s.GetNamespaces())+len(s.GetNotNamespaces())+
		len(s.GetServiceAccounts())+len(s.GetNotServiceAccounts())+len(s.GetIpBlocks())+len(s.GetNotIpBlocks())+
		len(s.GetTrustDomains())+len(s.GetNotTrustDomains()) > 0
}

func operationL7(op *securityapi.Operation) []string {
	var out []string
	for _, f := range HTTPOperationFields(op) {
		if len(f.Values) > 0 {
			out = append(out, f.Name)
		}
	}
	return out
}

func operationHasL4(op *securityapi.Operation) bool {
	return len(op.GetPorts())+len(op.GetNotPorts()) > 0
}

// ztunnelDenyNeverFires reports whether ztunnel's conversion of a DENY rule
// leaves a clause that cannot match: L7 fields are stripped, a from or to
// entry left with nothing becomes an empty match, a when condition on an
// L7 key becomes one, and ztunnel skips empty matches (ztunnel
// src/rbac.rs Authorization::matches), so a clause whose entries all became
// empty never matches and the rule never fires (istio/istio#61126). A rule
// that keeps L4 fields is enforced on them alone, which denies more.
func ztunnelDenyNeverFires(r *securityapi.Rule) bool {
	if froms := r.GetFrom(); len(froms) > 0 {
		kept := false
		for _, f := range froms {
			s := f.GetSource()
			kept = kept || sourceHasL4(s) || (s == nil || len(sourceL7(s)) == 0)
		}
		if !kept {
			return true
		}
	}
	if tos := r.GetTo(); len(tos) > 0 {
		kept := false
		for _, t := range tos {
			op := t.GetOperation()
			kept = kept || operationHasL4(op) || len(operationL7(op)) == 0
		}
		if !kept {
			return true
		}
	}
	for _, c := range r.GetWhen() {
		if !ztunnelWhenKeys[c.GetKey()] {
			return true
		}
	}
	return false
}

// ZtunnelDrops describes what ztunnel does with a policy's L7 fields, ""
// when it enforces the policy as written: an ALLOW rule using any is
// dropped whole (the policy denies more than written, every connection
// when all rules go); a DENY rule loses them (it never fires when a whole
// from/to/when clause was L7, else it denies on its L4 part alone); CUSTOM
// and AUDIT policies are not sent to ztunnel at all (authorization.go
// convertAuthorizationPolicy: "ztunnel does not support the %s action").
func ZtunnelDrops(ap *istiosecv1.AuthorizationPolicy) (string, bool) {
	spec := &ap.Spec
	switch spec.GetAction() {
	case securityapi.AuthorizationPolicy_CUSTOM, securityapi.AuthorizationPolicy_AUDIT:
		return fmt.Sprintf("ztunnel does not enforce %s policies: nothing applies it without a waypoint", spec.GetAction()), true
	}
	var parts []string
	failOpen := false
	for i, r := range spec.GetRules() {
		fields := ZtunnelL7Fields(r)
		if len(fields) == 0 {
			continue
		}
		switch {
		case spec.GetAction() == securityapi.AuthorizationPolicy_ALLOW:
			parts = append(parts, fmt.Sprintf("rule %d (%s) is dropped, so what it allows is refused", i, strings.Join(fields, ", ")))
		case ztunnelDenyNeverFires(r):
			failOpen = true
			parts = append(parts, fmt.Sprintf("rule %d loses %s and never fires, so what it denies is allowed", i, strings.Join(fields, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("rule %d loses %s and denies on its L4 fields alone", i, strings.Join(fields, ", ")))
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, "; "), failOpen
}
