package mesh

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Request is a connection as the destination's proxy sees it.
type Request struct {
	// MTLS is set when the hop is mesh-authenticated; only then do
	// principals, namespaces and service accounts exist.
	MTLS      bool
	Principal string
	Namespace string
	// ServiceAccount is "namespace/name" of the source.
	ServiceAccount string
	// SourceClass is the source address class: public for the internet,
	// private for the private network and for pods.
	SourceClass ipspace.Class
	// Port is the destination container port.
	Port int32
	// HTTP is set when the port carries HTTP, so HTTP-only rule fields apply.
	HTTP bool
	// Requests, when set on HTTP, narrows the connection to the requests
	// one route sends: rules are matched against that set of requests
	// instead of leaving paths and JWT fields as conditions.
	Requests *Requests
	// Ztunnel: the destination is an ambient pod and ztunnel decides (L4
	// only: ZtunnelDrops); HTTP is then false.
	Ztunnel bool
}

// Requests is a set of HTTP requests as far as a route determines it.
type Requests struct {
	// Path and Exact: every request's path is Path (Exact), or starts
	// with Path.
	Path  string
	Exact bool
	// Segments: a prefix set matches whole path elements (a Kubernetes
	// Ingress pathType Prefix: /admin matches /admin and /admin/x, not
	// /adminx); otherwise a prefix is a character prefix (VirtualService
	// uri.prefix, ingress-nginx ImplementationSpecific).
	Segments bool
	// Anonymous: no request carries a validated JWT, so requestPrincipals
	// and request.auth.* conditions with values never match and
	// notRequestPrincipals always does.
	Anonymous bool
}

// MayMatchPath reports whether an AuthorizationPolicy path pattern (exact,
// "prefix*", "*suffix", "*"; istio/istio
// pilot/pkg/security/authz/matcher PathMatcher) matches some request of the
// set.
func (r Requests) MayMatchPath(pattern string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "*"):
		x := strings.TrimSuffix(pattern, "*")
		return strings.HasPrefix(r.Path, x) || (!r.Exact && strings.HasPrefix(x, r.Path))
	case strings.HasPrefix(pattern, "*"):
		return !r.Exact || strings.HasSuffix(r.Path, strings.TrimPrefix(pattern, "*"))
	case r.Exact:
		return pattern == r.Path
	default:
		return strings.HasPrefix(pattern, r.Path)
	}
}

// PathsCover reports whether the patterns together match every request of
// the set, as Istio matches paths (exact patterns exactly, "x*" as a
// prefix, "*x" as a suffix, "*" everything): a prefix pattern the set's
// path starts with; for an exact set its path itself or a suffix pattern
// it ends with; for a set of whole path elements both the path and
// "path/*". A character-prefix set (/admin also holds /adminx) is covered
// only by a prefix pattern. It never claims coverage it cannot show: a
// DENY is taken to refuse the whole set only then.
func (r Requests) PathsCover(patterns []string) bool {
	base := strings.TrimSuffix(r.Path, "/")
	exact, sub := false, false
	for _, pat := range patterns {
		switch {
		case pat == "*":
			return true
		case strings.HasSuffix(pat, "*") && !strings.HasPrefix(pat, "*"):
			x := strings.TrimSuffix(pat, "*")
			if strings.HasPrefix(r.Path, x) {
				return true
			}
			sub = sub || x == base+"/"
		case strings.HasPrefix(pat, "*"):
			if r.Exact && strings.HasSuffix(r.Path, strings.TrimPrefix(pat, "*")) {
				return true
			}
		case r.Exact:
			if pat == r.Path {
				return true
			}
		case pat == base:
			exact = true
		}
	}
	return r.Segments && !r.Exact && exact && sub
}

// anonymous: the request set is known to carry no JWT.
func (req Request) anonymous() bool { return req.HTTP && req.Requests != nil && req.Requests.Anonymous }

// Decision is the authorization outcome for a connection.
type Decision struct {
	Allowed bool
	// Restricted: an ALLOW policy limits the sources to specific
	// identities, namespaces or addresses.
	Restricted bool
	// Applied is false when no policy applies to the workload at all.
	Applied bool
	// Custom: a CUSTOM policy (external authorizer) may still deny.
	Custom bool
	// Policies names the deciding policies (ns/name).
	Policies []string
	// Narrowing lists request conditions the outcome depends on.
	Narrowing []string
	// Reason explains a denial.
	Reason string
}

type authzPolicy = inventory.TypedObject[*istiosecv1.AuthorizationPolicy]

// policiesFor returns the AuthorizationPolicies that apply to the workload:
// root-namespace policies mesh-wide, namespace policies without selector,
// and selector policies matching the pod labels
// (https://istio.io/latest/docs/reference/config/security/authorization-policy/).
// targetRef(s) bind policies to Gateway API gateways and services; they apply
// to a workload carrying the gateway-name label of the referenced Gateway;
// targetRefs of other kinds (Service, ServiceEntry: waypoint/ambient
// attachment) are not modelled and never apply in sidecar mode.
// With a PolicyIndex the answer is computed once per equivalence class of
// pods (inventory.PodClassKey: selectors and targetRefs read only the
// namespace and pod labels).
func (e Env) policiesFor(w *inventory.Workload) []authzPolicy {
	ix := e.Policies
	var key applyingKey
	if ix != nil {
		key = applyingKey{e.RootNamespace, ix.Class(w)}
		if out, ok := ix.applying[key]; ok {
			return out
		}
	}
	var out []authzPolicy
	for _, ap := range e.authorizationPolicies(w.Namespace) {
		if e.PolicyApplies(ap.Obj, w) {
			out = append(out, ap)
		}
	}
	if ix != nil {
		ix.applying[key] = out
	}
	return out
}

// PolicyApplies reports whether an AuthorizationPolicy applies to a
// workload (see policiesFor).
func (e Env) PolicyApplies(ap *istiosecv1.AuthorizationPolicy, w *inventory.Workload) bool {
	if ns, meshWide := e.PolicyScope(ap); !meshWide && ns != w.Namespace {
		return false
	}
	spec := &ap.Spec
	refs := spec.GetTargetRefs()
	if r := spec.GetTargetRef(); r != nil {
		refs = append(refs, r)
	}
	if len(refs) > 0 {
		for _, r := range refs {
			if r.GetKind() == "Gateway" && w.Labels()["gateway.networking.k8s.io/gateway-name"] == r.GetName() &&
				(r.GetNamespace() == "" || r.GetNamespace() == w.Namespace) {
				return true
			}
		}
		return false
	}
	if sel := spec.GetSelector(); sel != nil {
		return labels.SelectorFromSet(sel.GetMatchLabels()).Matches(labels.Set(w.Labels()))
	}
	return true
}

// PolicyScope is the namespace whose workloads an AuthorizationPolicy can
// apply to, or meshWide for a policy of the root namespace (policiesFor):
// PolicyApplies is false for every workload outside it.
func (e Env) PolicyScope(ap *istiosecv1.AuthorizationPolicy) (namespace string, meshWide bool) {
	return ap.Namespace, ap.Namespace == e.RootNamespace
}

// dryRunAnnotation marks an ALLOW or DENY policy as dry-run: istiod builds it
// as shadow rules that log their would-be decision and enforce nothing
// (istio/istio pilot/pkg/security/authz/builder/builder.go build: policies
// with istio.io/dry-run "true" go to the shadow rules; CUSTOM does not
// support dry-run and stays enforced).
const dryRunAnnotation = "istio.io/dry-run"

// isDryRun reports a dry-run ALLOW or DENY policy (the value is parsed as a
// bool, as istiod's strconv.ParseBool does).
func isDryRun(ap *istiosecv1.AuthorizationPolicy) bool {
	if ap.Spec.GetAction() == securityapi.AuthorizationPolicy_CUSTOM {
		return false
	}
	v, ok := ap.Annotations[dryRunAnnotation]
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// Authorize evaluates the policies that apply to w for the request in
// Istio's order: CUSTOM, then DENY (any match denies), then ALLOW (if any
// ALLOW policy applies, one must match). AUDIT never decides, nor does a
// dry-run policy.
// (https://istio.io/latest/docs/concepts/security/#implicit-enablement)
func (e Env) Authorize(w *inventory.Workload, req Request) Decision {
	return decide(e.policiesFor(w), req)
}

// AuthorizeAtWaypoint evaluates, with full HTTP semantics, the policies a
// waypoint enforces for traffic to a Service through it (WaypointPolicies).
func (e Env) AuthorizeAtWaypoint(waypointNS, waypointName, serviceNS, serviceName string, req Request) Decision {
	return decide(e.WaypointPolicies(waypointNS, waypointName, serviceNS, serviceName), req)
}

// WaypointPolicies are the AuthorizationPolicies a waypoint enforces for a
// Service it serves: those bound by targetRefs to the waypoint Gateway
// (same namespace), to the Service (group "", the policy in the Service's
// namespace), or, from the root namespace, to the GatewayClass
// istio-waypoint; a waypoint never applies selector policies (istio/istio
// pilot/pkg/model/policyattachment.go ShouldAttachPolicy).
func (e Env) WaypointPolicies(waypointNS, waypointName, serviceNS, serviceName string) []authzPolicy {
	var out []authzPolicy
	for _, ap := range inventory.Typed[*istiosecv1.AuthorizationPolicy](e.Inv, inventory.AuthorizationPolicy) {
		spec := &ap.Obj.Spec
		refs := spec.GetTargetRefs()
		if r := spec.GetTargetRef(); r != nil {
			refs = append(refs, r)
		}
		for _, r := range refs {
			ns := r.GetNamespace()
			if ns == "" {
				ns = ap.Obj.Namespace
			}
			switch {
			case r.GetKind() == "Gateway" && r.GetName() == waypointName && ns == waypointNS && ap.Obj.Namespace == waypointNS,
				r.GetKind() == "Service" && r.GetGroup() == "" && r.GetName() == serviceName && ns == serviceNS && ap.Obj.Namespace == serviceNS,
				r.GetKind() == "GatewayClass" && r.GetName() == "istio-waypoint" && ap.Obj.Namespace == e.RootNamespace:
				out = append(out, ap)
			default:
				continue
			}
			break
		}
	}
	return out
}

func decide(policies []authzPolicy, req Request) Decision {
	d := Decision{Allowed: true}
	if len(policies) == 0 {
		return d
	}
	var allows []authzPolicy
	for _, ap := range policies {
		if isDryRun(ap.Obj) {
			continue
		}
		name := ap.Obj.Namespace + "/" + ap.Obj.Name
		spec := &ap.Obj.Spec
		switch spec.GetAction() {
		case securityapi.AuthorizationPolicy_CUSTOM:
			if req.Ztunnel {
				continue // not sent to ztunnel (ZtunnelDrops)
			}
			for _, r := range spec.GetRules() {
				if m := matchRule(r, req, false, ap.Obj.Namespace); m.matches {
					d.Custom, d.Applied = true, true
					d.Policies = append(d.Policies, name+" (CUSTOM)")
					break
				}
			}
		case securityapi.AuthorizationPolicy_DENY:
			d.Applied = true
			for i, r := range spec.GetRules() {
				if req.Ztunnel && ztunnelDenyNeverFires(r) {
					continue
				}
				m := matchRule(r, req, true, ap.Obj.Namespace)
				if !m.matches {
					continue
				}
				if len(m.conditions) == 0 {
					return Decision{Applied: true, Policies: []string{name}, Reason: fmt.Sprintf("denied by DENY policy %s rule %d", name, i)}
				}
				d.Narrowing = append(d.Narrowing, fmt.Sprintf("DENY %s rule %d denies requests with %s", name, i, strings.Join(m.conditions, ", ")))
			}
		case securityapi.AuthorizationPolicy_ALLOW:
			allows = append(allows, ap)
		}
	}
	if len(allows) == 0 {
		return d
	}
	d.Applied = true
	var matched bool
	restrictedAll := true
	for _, ap := range allows {
		name := ap.Obj.Namespace + "/" + ap.Obj.Name
		for i, r := range ap.Obj.Spec.GetRules() {
			m := matchRule(r, req, false, ap.Obj.Namespace)
			if !m.matches {
				continue
			}
			matched = true
			d.Policies = append(d.Policies, name)
			if len(m.conditions) > 0 {
				d.Narrowing = append(d.Narrowing, fmt.Sprintf("ALLOW %s rule %d only for requests with %s", name, i, strings.Join(m.conditions, ", ")))
			}
			if !m.restrictsSource {
				restrictedAll = false
			}
		}
	}
	if !matched {
		var names []string
		for _, ap := range allows {
			names = append(names, ap.Obj.Namespace+"/"+ap.Obj.Name)
		}
		reason := "no ALLOW rule matches"
		if !req.MTLS {
			reason += " (plaintext: the source has no mesh identity)"
		}
		return Decision{Applied: true, Policies: names, Reason: fmt.Sprintf("%s in %s", reason, strings.Join(names, ", "))}
	}
	d.Restricted = restrictedAll
	return d
}

// ruleMatch is the result of matching one rule against a connection.
type ruleMatch struct {
	matches bool
	// conditions are request-level conditions (paths, methods, JWT, when)
	// that cannot be decided for a whole connection: the rule matches some
	// requests only.
	conditions []string
	// restrictsSource: every `from` entry names specific identities,
	// namespaces or addresses.
	restrictsSource bool
}

// anyOf collects the matching entries of an ORed list.
type anyOf struct {
	found, unconditional bool
	conds                []string
}

func (a *anyOf) add(conds []string) {
	a.found = true
	if len(conds) == 0 {
		a.unconditional = true
	}
	a.conds = append(a.conds, conds...)
}

// conditions: none when some entry matched unconditionally.
func (a *anyOf) conditions() []string {
	if a.unconditional {
		return nil
	}
	return a.conds
}

// matchRule matches a rule of a policy in namespace policyNS. On non-HTTP
// ports HTTP-only fields are ignored in DENY rules (the rule becomes
// broader), and in an ALLOW rule any one of them, in any from, to or when
// entry, makes the whole rule match nothing: istio/istio
// pilot/pkg/security/authz/model/model.go (checkError returns the error for
// ALLOW) and builder.go (a rule whose generation fails is skipped whole).
func matchRule(r *securityapi.Rule, req Request, deny bool, policyNS string) ruleMatch {
	m := ruleMatch{matches: true}
	if r == nil {
		return m
	}
	if !deny && !req.HTTP && usesHTTPOnlyFields(r) {
		return ruleMatch{}
	}
	if !deny && req.Ztunnel && len(ZtunnelL7Fields(r)) > 0 {
		return ruleMatch{} // ztunnel drops ALLOW rules with L7 fields
	}
	// The entries of from (and of to) are ORed: one that matches without
	// conditions makes its part unconditional; otherwise the part holds
	// under any matching entry's conditions.
	froms := r.GetFrom()
	if len(froms) > 0 {
		var any anyOf
		restricts := true
		for _, f := range froms {
			ok, conds, specific := matchSource(f.GetSource(), req, policyNS)
			if ok {
				any.add(conds)
			}
			if !specific {
				restricts = false
			}
		}
		if !any.found {
			return ruleMatch{}
		}
		m.conditions = append(m.conditions, any.conditions()...)
		m.restrictsSource = restricts
	}
	tos := r.GetTo()
	if len(tos) > 0 {
		var any anyOf
		for _, t := range tos {
			if ok, conds := matchOperation(t.GetOperation(), req); ok {
				any.add(conds)
			}
		}
		if !any.found {
			return ruleMatch{}
		}
		m.conditions = append(m.conditions, any.conditions()...)
	}
	for _, c := range r.GetWhen() {
		key := c.GetKey()
		if !req.HTTP && HTTPOnlyWhenKey(key) {
			continue // only a DENY rule gets here: it ignores the key on TCP
		}
		decided, ok, specific, conds := matchWhen(c, req, policyNS)
		if !decided {
			m.conditions = append(m.conditions, "when "+key)
			continue
		}
		if !ok {
			return ruleMatch{}
		}
		m.conditions = append(m.conditions, conds...)
		m.restrictsSource = m.restrictsSource || specific
	}
	return m
}

// matchWhen decides a when condition that a connection determines, with the
// semantics of the equivalent source field (istio/istio
// pilot/pkg/security/authz/model/model.go: source.principal,
// source.namespace, source.trustDomain, source.ip and remote.ip use the principal, namespace and
// IP generators of from.source, so a plaintext connection has no principal
// or namespace; destination.port is the workload port). decided is false for
// keys a connection does not determine (request.*, destination.ip,
// connection.sni, experimental.*): they narrow the rule to some requests.
func matchWhen(c *securityapi.Condition, req Request, policyNS string) (decided, ok, specific bool, conds []string) {
	values, notValues := c.GetValues(), c.GetNotValues()
	var src *securityapi.Source
	switch c.GetKey() {
	case "source.principal":
		src = &securityapi.Source{Principals: values, NotPrincipals: notValues}
	case "source.namespace":
		src = &securityapi.Source{Namespaces: values, NotNamespaces: notValues}
	case "source.trustDomain":
		src = &securityapi.Source{TrustDomains: values, NotTrustDomains: notValues}
	case "source.ip":
		src = &securityapi.Source{IpBlocks: values, NotIpBlocks: notValues}
	case "remote.ip":
		src = &securityapi.Source{RemoteIpBlocks: values, NotRemoteIpBlocks: notValues}
	case "request.auth.principal", "request.auth.audiences", "request.auth.presenter":
		if !req.anonymous() {
			return false, false, false, nil
		}
		return true, len(values) == 0, false, nil // the attribute is absent
	case "destination.port":
		port := strconv.Itoa(int(req.Port))
		if len(values) > 0 && !slices.Contains(values, port) {
			return true, false, false, nil
		}
		return true, !slices.Contains(notValues, port), false, nil
	default:
		if strings.HasPrefix(c.GetKey(), "request.auth.claims[") && req.anonymous() {
			return true, len(values) == 0, false, nil // no token, no claim
		}
		return false, false, false, nil
	}
	ok, conds, specific = matchSource(src, req, policyNS)
	return true, ok, specific, conds
}

// HTTPOnlyWhenKey reports whether a when condition key exists only for
// HTTP requests: the request.* attributes (request.headers[…],
// request.auth.principal, .audiences, .presenter, .claims[…]), whose
// generators in istio/istio pilot/pkg/security/authz/model/generator.go
// fail with "is HTTP only" for TCP. experimental.envoy.filters.* is matched
// on filter metadata for TCP as well (envoyFilterGenerator ignores forTCP;
// https://istio.io/latest/docs/reference/config/security/conditions/ lists
// it as "HTTP and TCP").
func HTTPOnlyWhenKey(key string) bool {
	return strings.HasPrefix(key, "request.")
}

// usesHTTPOnlyFields reports whether any entry of a rule uses a field that
// only exists for HTTP: requestPrincipals, hosts, methods, paths (and their
// not-forms), or a request.* when key.
func usesHTTPOnlyFields(r *securityapi.Rule) bool {
	for _, f := range r.GetFrom() {
		if s := f.GetSource(); s != nil && (len(s.GetRequestPrincipals()) > 0 || len(s.GetNotRequestPrincipals()) > 0) {
			return true
		}
	}
	for _, t := range r.GetTo() {
		if op := t.GetOperation(); op != nil {
			for _, f := range HTTPOperationFields(op) {
				if len(f.Values) > 0 {
					return true
				}
			}
		}
	}
	for _, c := range r.GetWhen() {
		if HTTPOnlyWhenKey(c.GetKey()) {
			return true
		}
	}
	return false
}

// qualifyServiceAccount turns a serviceAccounts value into "namespace/name":
// a bare name means the policy's own namespace (istio/api
// security/v1beta1/authorization_policy.proto Source.service_accounts;
// istio/istio pilot/pkg/security/authz/model/generator.go
// serviceAccountRegex).
func qualifyServiceAccount(value, policyNS string) string {
	if strings.Contains(value, "/") {
		return value
	}
	return policyNS + "/" + value
}

func qualifyServiceAccounts(values []string, policyNS string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = qualifyServiceAccount(v, policyNS)
	}
	return out
}

// matchSource matches a `from.source` of a policy in namespace policyNS. It
// returns whether it can match, the conditions it matches under (partial
// ipBlocks; JWT principals on HTTP: on other ports a DENY ignores them, so
// it denies more, and an ALLOW using them never gets here), and whether it
// names specific sources.
func matchSource(s *securityapi.Source, req Request, policyNS string) (ok bool, conds []string, specific bool) {
	if s == nil {
		return true, nil, false
	}
	identity := func(values []string, actual string) bool {
		if !req.MTLS {
			return false
		}
		for _, v := range values {
			if MatchValue(v, actual) {
				return true
			}
		}
		return false
	}
	if v := s.GetPrincipals(); len(v) > 0 {
		specific = true
		if !identity(v, req.Principal) {
			return false, nil, specific
		}
	}
	if v := s.GetNotPrincipals(); len(v) > 0 && identity(v, req.Principal) {
		return false, nil, specific
	}
	if v := s.GetNamespaces(); len(v) > 0 {
		specific = true
		if !identity(v, req.Namespace) {
			return false, nil, specific
		}
	}
	if v := s.GetNotNamespaces(); len(v) > 0 && identity(v, req.Namespace) {
		return false, nil, specific
	}
	if v := s.GetServiceAccounts(); len(v) > 0 {
		specific = true
		if !identity(qualifyServiceAccounts(v, policyNS), req.ServiceAccount) {
			return false, nil, specific
		}
	}
	if v := s.GetNotServiceAccounts(); len(v) > 0 && identity(qualifyServiceAccounts(v, policyNS), req.ServiceAccount) {
		return false, nil, specific
	}
	// trustDomains: the trust domain of the peer certificate's SPIFFE ID
	// (istio/api security/v1beta1 Source.trust_domains; source.trustDomain).
	trustDomain, _, _ := strings.Cut(req.Principal, "/ns/")
	if v := s.GetTrustDomains(); len(v) > 0 {
		specific = true
		if !identity(v, trustDomain) {
			return false, nil, specific
		}
	}
	if v := s.GetNotTrustDomains(); len(v) > 0 && identity(v, trustDomain) {
		return false, nil, specific
	}
	// ipBlocks are decided per address, and a source is an address class:
	// blocks that hold all of the class match, blocks that hold none do
	// not, and blocks holding part of it match the sources at those
	// addresses only, a condition on the connection (a DENY there denies
	// some sources, not the class).
	for _, f := range []struct {
		what      string
		blocks    []string
		notBlocks []string
	}{{"source address", s.GetIpBlocks(), s.GetNotIpBlocks()}, {"remote address", s.GetRemoteIpBlocks(), s.GetNotRemoteIpBlocks()}} {
		if req.Ztunnel && f.what == "remote address" {
			continue // L7 (the X-Forwarded-For address): stripped by ztunnel
		}
		if len(f.blocks) > 0 {
			specific = true
			if !anyBlockContains(f.blocks, req.SourceClass) {
				return false, nil, specific
			}
			if !anyBlockCoversAll(f.blocks, req.SourceClass) {
				conds = append(conds, f.what+" in "+strings.Join(f.blocks, ","))
			}
		}
		if len(f.notBlocks) > 0 {
			if anyBlockCoversAll(f.notBlocks, req.SourceClass) {
				return false, nil, specific
			}
			if anyBlockContains(f.notBlocks, req.SourceClass) {
				conds = append(conds, f.what+" not in "+strings.Join(f.notBlocks, ","))
			}
		}
	}
	if v := s.GetRequestPrincipals(); len(v) > 0 {
		specific = true
		if req.anonymous() {
			return false, nil, specific // no request principal to match
		}
		if req.HTTP {
			conds = append(conds, "a JWT (requestPrincipals "+strings.Join(v, ",")+")")
		}
	}
	if v := s.GetNotRequestPrincipals(); len(v) > 0 && req.HTTP && !req.anonymous() {
		conds = append(conds, "no JWT principal in "+strings.Join(v, ","))
	}
	return true, conds, specific
}

func anyBlockContains(blocks []string, c ipspace.Class) bool {
	for _, b := range blocks {
		if ok, err := (ipspace.Block{CIDR: b}).Contains(c); err == nil && ok {
			return true
		}
	}
	return false
}

// anyBlockCoversAll: the blocks together hold every address of the class.
func anyBlockCoversAll(blocks []string, c ipspace.Class) bool {
	ok, err := ipspace.UnionCoversAll(blocks, c)
	return err == nil && ok
}

// matchOperation matches a `to.operation`: ports decide, HTTP fields narrow
// on HTTP and are ignored on TCP (an ALLOW rule with HTTP fields never gets
// here on TCP: matchRule drops it whole).
func matchOperation(op *securityapi.Operation, req Request) (bool, []string) {
	if op == nil {
		return true, nil
	}
	if ports := op.GetPorts(); len(ports) > 0 && !containsPort(ports, req.Port) {
		return false, nil
	}
	if ports := op.GetNotPorts(); len(ports) > 0 && containsPort(ports, req.Port) {
		return false, nil
	}
	var conds []string
	for _, f := range HTTPOperationFields(op) {
		if len(f.Values) == 0 || !req.HTTP {
			continue
		}
		if rs := req.Requests; rs != nil && (f.Name == "paths" || f.Name == "notPaths") {
			may := slices.ContainsFunc(f.Values, rs.MayMatchPath)
			switch covers := rs.PathsCover(f.Values); {
			case f.Name == "paths" && !may, f.Name == "notPaths" && covers:
				return false, nil
			case f.Name == "paths" && covers, f.Name == "notPaths" && !may:
				continue // every request of the set is decided alike
			}
		}
		conds = append(conds, f.Name+" "+strings.Join(f.Values, ","))
	}
	return true, conds
}

func containsPort(ports []string, port int32) bool {
	for _, p := range ports {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && int32(n) == port {
			return true
		}
	}
	return false
}

// MatchValue is AuthorizationPolicy string matching (istio/istio
// pilot/pkg/security/authz/matcher StringMatcher): "*" is any non-empty
// value, a trailing "*" a prefix, a leading "*" a suffix, else exact.
func MatchValue(pattern, value string) bool {
	switch {
	case pattern == "*":
		return value != ""
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(value, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(value, strings.TrimPrefix(pattern, "*"))
	}
	return pattern == value
}

// OperationField is one HTTP-only field of a `to.operation` and its values.
type OperationField struct {
	Name   string
	Values []string
}

// HTTPOperationFields lists the HTTP-only fields of an operation (hosts,
// methods, paths and their not-forms), set or not, in a fixed order.
func HTTPOperationFields(op *securityapi.Operation) []OperationField {
	return []OperationField{
		{"hosts", op.GetHosts()}, {"notHosts", op.GetNotHosts()},
		{"methods", op.GetMethods()}, {"notMethods", op.GetNotMethods()},
		{"paths", op.GetPaths()}, {"notPaths", op.GetNotPaths()},
	}
}
