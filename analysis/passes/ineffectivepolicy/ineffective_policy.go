package ineffectivepolicy

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/protocol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports Istio security policies that do not do what they
// say:
//
//   - (high) a DENY keyed on principals, namespaces or serviceAccounts (or an
//     ALLOW keyed on their negative forms) on a workload port that accepts
//     plaintext: plaintext carries no identity, so the identity condition
//     never matches and the policy is bypassed (ISTIO-SECURITY-2021-004,
//     https://istio.io/latest/news/security/istio-security-2021-004/);
//   - (medium) an ALLOW keyed on identities on a PERMISSIVE or DISABLE port
//     that a client outside the mesh is configured to reach (an Ingress
//     controller without sidecar, a LoadBalancer): those requests are
//     rejected;
//   - (medium) HTTP-only fields (hosts, methods, paths, requestPrincipals,
//     request.* conditions) on ports the Services declare as TCP: an ALLOW
//     rule matches nothing there, a DENY ignores them and denies more
//     (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/);
//   - (medium) PeerAuthentication portLevelMtls without a selector (ignored)
//     or naming a port the selected workloads do not have;
//   - (low) an ALLOW made redundant by a `rules: [{}]` ALLOW on the same
//     workloads, a DENY duplicating another, or covered by a deny-all.
//
// Istio's advice is ALLOW with positive matching and DENY with negative
// matching
// (https://istio.io/latest/docs/ops/best-practices/security/#use-allow-with-positive-matching-and-deny-with-negative-match-patterns).
var Rule = &analysis.Rule{
	Slug:     "ineffective-policy",
	Severity: analysis.High,
	Title:    "Mesh security policy that does not do what it says",
	Summary:  "an AuthorizationPolicy bypassed by plaintext, rejecting non-mesh clients, or using HTTP fields on TCP ports; L7 fields ztunnel cannot enforce, waypoint policies skipped or bound to nothing (ambient); a PeerAuthentication portLevelMtls Istio ignores; a shadowed policy",
	Doc:      "docs/rules/ineffective-policy.md",
	Messages: []analysis.Message{
		{Code: "SR1201", Level: analysis.High, Summary: "a DENY keyed on identities (principals, namespaces, serviceAccounts) on a port that accepts plaintext: plaintext carries no identity, so the DENY is bypassed"},
		{Code: "SR1202", Level: analysis.High, Summary: "an ALLOW keyed on negated identities on a port that accepts plaintext: the exclusion never applies"},
		{Code: "SR1203", Level: analysis.Medium, Summary: "an ALLOW keyed on identities on a port a client outside the mesh is configured to reach: those requests are rejected"},
		{Code: "SR1204", Level: analysis.Medium, Summary: "HTTP-only fields on a port the Services declare TCP: an ALLOW rule matches nothing, a DENY denies more"},
		{Code: "SR1205", Level: analysis.Medium, Summary: "a PeerAuthentication portLevelMtls without a selector, which Istio ignores"},
		{Code: "SR1206", Level: analysis.Medium, Summary: "a PeerAuthentication portLevelMtls for a port the selected workloads do not have"},
		{Code: "SR1207", Level: analysis.Low, Summary: "an ALLOW made redundant by a rules: [{}] ALLOW on the same workloads"},
		{Code: "SR1208", Level: analysis.Low, Summary: "a DENY covered by a rules: [{}] DENY on the same workloads"},
		{Code: "SR1209", Level: analysis.Low, Summary: "a DENY duplicating another DENY on the same workloads"},
		ambientMessages[0], ambientMessages[1], ambientMessages[2], ambientMessages[3],
	},
	Run: runIneffectivePolicy,
}

type polAuthz = inventory.TypedObject[*istiosecv1.AuthorizationPolicy]

// polCtx holds what every check reads.
type polCtx struct {
	p         *analysis.Pass
	env       mesh.Env
	workloads []*inventory.Workload
	// inNamespace lists the workloads of each namespace in c.workloads'
	// order, selections the workloads each policy applies to: every check
	// of a policy asks, and asking every workload of the cluster for every
	// policy grew with policies × workloads (issue #16).
	inNamespace map[string][]*inventory.Workload
	selections  map[*istiosecv1.AuthorizationPolicy][]*inventory.Workload
	status      map[*inventory.Workload]mesh.Status
	// entrypoints indexes Service entrypoint nodes by namespace/name.
	entrypoints map[string][]*graph.Node
}

func runIneffectivePolicy(p *analysis.Pass) []analysis.Finding {
	c := &polCtx{
		p:           p,
		env:         p.Mesh(),
		workloads:   p.Model.Workloads(),
		status:      map[*inventory.Workload]mesh.Status{},
		entrypoints: map[string][]*graph.Node{},
		inNamespace: map[string][]*inventory.Workload{},
		selections:  map[*istiosecv1.AuthorizationPolicy][]*inventory.Workload{},
	}
	for _, w := range c.workloads {
		c.status[w] = c.env.InjectionStatus(w)
		c.inNamespace[w.Namespace] = append(c.inNamespace[w.Namespace], w)
	}
	if p.Graph != nil {
		for _, n := range p.Graph.SortedNodes() {
			if n.Kind == graph.KindEntrypoint && n.Entrypoint != nil {
				switch n.Entrypoint.Type {
				case "LoadBalancer", "NodePort", "ExternalIP":
					key := n.Namespace + "/" + n.Name
					c.entrypoints[key] = append(c.entrypoints[key], n)
				}
			}
		}
	}
	policies := p.Model.AuthorizationPolicies()
	var out []analysis.Finding
	for _, ap := range policies {
		out = append(out, c.plaintextBypass(ap)...)
		out = append(out, c.nonMeshClientsRejected(ap)...)
		out = append(out, c.httpFieldsOnTCP(ap)...)
		out = append(out, c.ztunnelFields(ap)...)
		out = append(out, c.waypointBound(ap)...)
	}
	out = append(out, c.ingressSkipsWaypoint()...)
	out = append(out, c.shadowed(policies)...)
	for _, pa := range p.Model.PeerAuthentications() {
		out = append(out, c.portLevelMtls(pa)...)
	}
	return out
}

// ---------------------------------------------------------------------------
// Which workloads and ports a policy concerns.

// applies mirrors mesh's policy selection: root-namespace policies mesh-wide,
// namespace policies without selector, selector policies by pod labels;
// targetRefs bind to Gateway API gateways only (sidecar mode).
func (c *polCtx) applies(ap polAuthz, w *inventory.Workload) bool {
	return c.env.PolicyApplies(ap.Obj, w)
}

// selected lists the workloads a policy applies to, in c.workloads' order:
// only those of its scope (mesh.Env.PolicyScope) are asked.
func (c *polCtx) selected(ap polAuthz) []*inventory.Workload {
	if out, ok := c.selections[ap.Obj]; ok {
		return out
	}
	candidates := c.workloads
	if ns, meshWide := c.env.PolicyScope(ap.Obj); !meshWide {
		candidates = c.inNamespace[ns]
	}
	var out []*inventory.Workload
	for _, w := range candidates {
		if c.applies(ap, w) {
			out = append(out, w)
		}
	}
	out = slices.Clip(out)
	c.selections[ap.Obj] = out
	return out
}

// workloadPorts are the ports a workload can be reached on: declared
// container ports and the numeric targetPorts of Services selecting it.
func (c *polCtx) workloadPorts(w *inventory.Workload) []int32 {
	seen := map[int32]bool{}
	for _, p := range w.Ports() {
		if p.Protocol == corev1.ProtocolTCP {
			seen[p.Port] = true
		}
	}
	for _, s := range c.servicesOf(w) {
		for _, sp := range s.Spec.Ports {
			if t, ok := model.TargetPort(sp, w); ok && (sp.Protocol == "" || sp.Protocol == corev1.ProtocolTCP) {
				seen[t] = true
			}
		}
	}
	return polSortedPorts(seen)
}

// portsConcerned are the ports a rule concerns on a workload: its
// to.operation.ports that the workload has (all of them when the workload's
// ports are unknown), else every port of the workload.
func (c *polCtx) portsConcerned(r *securityapi.Rule, w *inventory.Workload) []int32 {
	has := c.workloadPorts(w)
	rule := polRulePorts(r)
	if rule == nil {
		return has
	}
	if len(has) == 0 {
		return rule
	}
	var out []int32
	for _, p := range rule {
		for _, h := range has {
			if p == h {
				out = append(out, p)
			}
		}
	}
	return out
}

func polSortedPorts(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// servicesOf returns the Services selecting a workload (model.ServicesOf).
func (c *polCtx) servicesOf(w *inventory.Workload) []*corev1.Service {
	var out []*corev1.Service
	for _, s := range c.p.Model.ServicesOf(w) {
		out = append(out, s.Obj)
	}
	return out
}

// Port protocol classes from Istio protocol selection.
const (
	polProtoHTTP    = "http"
	polProtoTCP     = "tcp"
	polProtoUnknown = ""
)

// polPortClass is Istio's protocol selection for a Service port
// (graph/protocol): HTTP filter chain, TCP, or sniffed/UDP (unknown).
func polPortClass(sp corev1.ServicePort) string {
	switch p := protocol.Of(sp).Protocol; {
	case p.IsHTTP():
		return polProtoHTTP
	case p.IsTCP():
		return polProtoTCP
	}
	return polProtoUnknown
}

// portDecl is how the Services selecting a workload declare one of its
// ports.
type portDecl struct {
	http, tcp bool
	// tcpBy names a Service port declaring it TCP ("Service ns/name port
	// tcp-pg").
	tcpBy string
}

func (c *polCtx) portDecl(w *inventory.Workload, port int32) portDecl {
	var d portDecl
	if c.status[w].Gateway {
		// A gateway port carries what its Gateway servers say, whatever
		// the gateway Service's port names (model.GatewayListenerOn).
		if l, found := c.p.Model.GatewayListenerOn(w, port); found {
			d.http, d.tcp = l.HTTP, !l.HTTP
			if d.tcp {
				d.tcpBy = strings.Join(l.Servers, ", ")
			}
		}
		return d
	}
	for _, s := range c.servicesOf(w) {
		for _, sp := range s.Spec.Ports {
			t, ok := model.TargetPort(sp, w)
			if !ok || t != port {
				continue
			}
			switch polPortClass(sp) {
			case polProtoHTTP:
				d.http = true
			case polProtoTCP:
				d.tcp = true
				if d.tcpBy == "" {
					d.tcpBy = fmt.Sprintf("Service %s/%s port %s", s.Namespace, s.Name, polPortName(sp))
				}
			}
		}
	}
	return d
}

func polPortName(sp corev1.ServicePort) string {
	if sp.AppProtocol != nil && *sp.AppProtocol != "" {
		return fmt.Sprintf("%d (appProtocol %s)", sp.Port, *sp.AppProtocol)
	}
	if sp.Name == "" {
		return fmt.Sprint(sp.Port)
	}
	return fmt.Sprintf("%s (%d)", sp.Name, sp.Port)
}

// onlyTCPServices: the workload is selected by Services and every port of
// them is declared non-HTTP.
func (c *polCtx) onlyTCPServices(w *inventory.Workload) (bool, string) {
	if c.status[w].Gateway {
		return c.onlyTCPServers(w)
	}
	svcs := c.servicesOf(w)
	if len(svcs) == 0 {
		return false, ""
	}
	var names []string
	for _, s := range svcs {
		for _, sp := range s.Spec.Ports {
			if polPortClass(sp) != polProtoTCP {
				return false, ""
			}
		}
		names = append(names, s.Namespace+"/"+s.Name)
	}
	return true, "ports declared TCP by Service " + strings.Join(names, ", ")
}

// onlyTCPServers: a gateway proxy whose Gateways have servers, none of them
// HTTP (model.GatewayListenerOn per server port).
func (c *polCtx) onlyTCPServers(w *inventory.Workload) (bool, string) {
	gws := c.p.Model.GatewaysOf(w)
	var names []string
	for _, gw := range gws {
		for _, server := range gw.Obj.Spec.GetServers() {
			if l, found := c.p.Model.GatewayListenerOn(w, int32(server.GetPort().GetNumber())); !found || l.HTTP {
				return false, ""
			}
		}
		names = append(names, "Gateway "+gw.Key)
	}
	if len(names) == 0 {
		return false, ""
	}
	return true, "only TCP servers in " + strings.Join(names, ", ")
}

// ---------------------------------------------------------------------------
// Rule anatomy.

// polRulePorts returns the numeric ports of a rule's to.operation entries
// (nil: the rule is not limited to ports).
func polRulePorts(r *securityapi.Rule) []int32 {
	seen := map[int32]bool{}
	for _, t := range r.GetTo() {
		for _, p := range t.GetOperation().GetPorts() {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
				seen[int32(n)] = true
			}
		}
	}
	if len(seen) == 0 {
		return nil
	}
	return polSortedPorts(seen)
}

// polNotPorts returns ports a rule excludes (notPorts on every operation).
func polNotPorts(r *securityapi.Rule) map[int32]bool {
	out := map[int32]bool{}
	for _, t := range r.GetTo() {
		for _, p := range t.GetOperation().GetNotPorts() {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
				out[int32(n)] = true
			}
		}
	}
	return out
}

// polPositiveIdentity describes the positive identity conditions of a rule
// (from.source principals/namespaces/serviceAccounts, when source.principal
// / source.namespace values): they only ever match mTLS connections.
func polPositiveIdentity(r *securityapi.Rule) []string {
	var out []string
	for _, f := range r.GetFrom() {
		s := f.GetSource()
		out = append(out, polFieldList("principals", s.GetPrincipals())...)
		out = append(out, polFieldList("namespaces", s.GetNamespaces())...)
		out = append(out, polFieldList("serviceAccounts", s.GetServiceAccounts())...)
		out = append(out, polFieldList("trustDomains", s.GetTrustDomains())...)
	}
	for _, w := range r.GetWhen() {
		if polIdentityKey(w.GetKey()) {
			out = append(out, polFieldList("when "+w.GetKey(), w.GetValues())...)
		}
	}
	return out
}

// polNegativeOnlyIdentity describes `from` sources that exclude identities
// (notPrincipals/notNamespaces/notServiceAccounts) without requiring one,
// and when notValues on identity keys: plaintext, having no identity, is
// never excluded.
func polNegativeOnlyIdentity(r *securityapi.Rule) []string {
	var out []string
	for _, f := range r.GetFrom() {
		s := f.GetSource()
		if len(s.GetPrincipals())+len(s.GetNamespaces())+len(s.GetServiceAccounts())+len(s.GetTrustDomains()) > 0 {
			continue
		}
		out = append(out, polFieldList("notPrincipals", s.GetNotPrincipals())...)
		out = append(out, polFieldList("notNamespaces", s.GetNotNamespaces())...)
		out = append(out, polFieldList("notServiceAccounts", s.GetNotServiceAccounts())...)
		out = append(out, polFieldList("notTrustDomains", s.GetNotTrustDomains())...)
	}
	for _, w := range r.GetWhen() {
		if polIdentityKey(w.GetKey()) && len(w.GetValues()) == 0 {
			out = append(out, polFieldList("when "+w.GetKey()+" notValues", w.GetNotValues())...)
		}
	}
	return out
}

func polIdentityKey(k string) bool {
	return k == "source.principal" || k == "source.namespace" || k == "source.trustDomain"
}

// polNeedsIdentity: the rule can only match mTLS connections (every `from`
// source names identities, or a when condition requires one).
func polNeedsIdentity(r *securityapi.Rule) bool {
	for _, w := range r.GetWhen() {
		if polIdentityKey(w.GetKey()) && len(w.GetValues()) > 0 {
			return true
		}
	}
	froms := r.GetFrom()
	if len(froms) == 0 {
		return false
	}
	for _, f := range froms {
		s := f.GetSource()
		if len(s.GetPrincipals())+len(s.GetNamespaces())+len(s.GetServiceAccounts())+len(s.GetTrustDomains()) == 0 {
			return false
		}
	}
	return true
}

func polFieldList(name string, values []string) []string {
	if len(values) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s %q", name, values)}
}

// polHTTPField is an HTTP-only field of a rule with the ports it is limited
// to (nil: all the rule's ports).
type polHTTPField struct {
	names []string
	ports []int32
}

// polHTTPFields lists a rule's HTTP-only fields: to.operation hosts,
// methods, paths (and not*) with that operation's ports; from.source
// requestPrincipals (and not*) and HTTP-only when keys (mesh.HTTPOnlyWhenKey)
// with the rule's ports.
func polHTTPFields(r *securityapi.Rule) []polHTTPField {
	var out []polHTTPField
	rulePorts := polRulePorts(r)
	var ruleLevel []string
	for _, f := range r.GetFrom() {
		s := f.GetSource()
		if len(s.GetRequestPrincipals()) > 0 {
			ruleLevel = append(ruleLevel, "requestPrincipals")
		}
		if len(s.GetNotRequestPrincipals()) > 0 {
			ruleLevel = append(ruleLevel, "notRequestPrincipals")
		}
	}
	for _, w := range r.GetWhen() {
		if mesh.HTTPOnlyWhenKey(w.GetKey()) {
			ruleLevel = append(ruleLevel, "when "+w.GetKey())
		}
	}
	if len(ruleLevel) > 0 {
		out = append(out, polHTTPField{names: polUnique(ruleLevel), ports: rulePorts})
	}
	for _, t := range r.GetTo() {
		op := t.GetOperation()
		var names []string
		for _, f := range mesh.HTTPOperationFields(op) {
			if len(f.Values) > 0 {
				names = append(names, f.Name)
			}
		}
		if len(names) == 0 {
			continue
		}
		var ports []int32
		for _, p := range op.GetPorts() {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
				ports = append(ports, int32(n))
			}
		}
		out = append(out, polHTTPField{names: names, ports: ports})
	}
	return out
}

func polUnique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// polEmptyRule: a rule with no from, to or when matches every request.
func polEmptyRule(r *securityapi.Rule) bool {
	return r == nil || (len(r.GetFrom()) == 0 && len(r.GetTo()) == 0 && len(r.GetWhen()) == 0)
}

func polName(ap polAuthz) string { return ap.Obj.Namespace + "/" + ap.Obj.Name }

// ---------------------------------------------------------------------------
// Plaintext acceptance.

// plaintextAccepted says how a workload port takes connections without
// mesh identity, as a clause following "<workload> port <n>" ("" when it
// does not): no sidecar, port not captured, or a PERMISSIVE/DISABLE
// PeerAuthentication. enforced is false when no policy is evaluated at all
// on the port.
func (c *polCtx) plaintextAccepted(w *inventory.Workload, port int32) (why string, enforced bool, pa mesh.PeerAuthDecision) {
	st := c.status[w]
	if !st.Member {
		return c.noSidecar(w), false, pa
	}
	if captured, reason := mesh.Capture(w, port); !captured && !st.Ambient {
		return "is not captured by the sidecar (" + reason + "), so neither mTLS nor authorization applies to it", false, pa
	}
	pa = c.env.PeerAuthMode(w, port)
	switch {
	case pa.Mode == mesh.ModePermissive, pa.Mode == mesh.ModeDisable && st.Ambient:
		// ztunnel accepts plaintext unless STRICT; DISABLE acts as
		// PERMISSIVE for ambient pods (https://istio.io/latest/docs/ambient/usage/l4-policy/).
		return "accepts plaintext under " + pa.String(), true, pa
	case pa.Mode == mesh.ModeDisable:
		return "takes only plaintext under " + pa.String() + ", even from mesh clients", true, pa
	}
	return "", true, pa
}

// plaintextAllowed evaluates the workload's policies for a plaintext
// connection on the port.
func (c *polCtx) plaintextAllowed(w *inventory.Workload, port int32, class ipspace.Class, http bool) mesh.Decision {
	if c.status[w].Ambient {
		return c.env.Authorize(w, mesh.Request{Port: port, Ztunnel: true, SourceClass: class})
	}
	return c.env.Authorize(w, mesh.Request{Port: port, HTTP: http, SourceClass: class})
}

func (c *polCtx) isHTTP(w *inventory.Workload, port int32) bool {
	return c.portDecl(w, port).http
}

// ---------------------------------------------------------------------------
// Check 1 (high): identity conditions bypassed by plaintext.

func (c *polCtx) plaintextBypass(ap polAuthz) []analysis.Finding {
	action := ap.Obj.Spec.GetAction()
	if action != securityapi.AuthorizationPolicy_DENY && action != securityapi.AuthorizationPolicy_ALLOW {
		return nil
	}
	for i, r := range ap.Obj.Spec.GetRules() {
		var fields []string
		if action == securityapi.AuthorizationPolicy_DENY {
			fields = polPositiveIdentity(r)
		} else {
			fields = polNegativeOnlyIdentity(r)
		}
		if len(fields) == 0 {
			continue
		}
		notPorts := polNotPorts(r)
		var hits []string
		var first *inventory.Workload
		var firstPA mesh.PeerAuthDecision
		firstEnforced := false
		for _, w := range c.selected(ap) {
			if c.status[w].Gateway {
				continue // gateway listeners take outside traffic by design
			}
			ports := c.portsConcerned(r, w)
			if len(ports) == 0 && !c.status[w].Member {
				hits = append(hits, fmt.Sprintf("%s/%s %s", w.Namespace, w.Name, c.noSidecar(w)))
				if first == nil {
					first = w
				}
				continue
			}
			for _, port := range ports {
				if notPorts[port] {
					continue
				}
				why, enforced, pa := c.plaintextAccepted(w, port)
				if why == "" {
					continue
				}
				if enforced && !c.plaintextAllowed(w, port, ipspace.Private, c.isHTTP(w, port)).Allowed {
					continue // plaintext is refused anyway (an ALLOW naming identities, a DENY on notPrincipals "*")
				}
				hits = append(hits, fmt.Sprintf("%s/%s port %d %s", w.Namespace, w.Name, port, why))
				if first == nil {
					first, firstPA, firstEnforced = w, pa, enforced
				}
			}
		}
		if len(hits) == 0 {
			continue
		}
		var msg, fix string
		code := "SR1202"
		if action == securityapi.AuthorizationPolicy_DENY {
			code = "SR1201"
			fix = "require STRICT mTLS on the workload, or add a DENY rule with notPrincipals [\"*\"] to refuse plaintext (Istio best practice: DENY with negative matching)"
			if !firstEnforced {
				fix = "inject the sidecar and let it capture the port, then require STRICT mTLS"
			}
			msg = fmt.Sprintf("DENY policy %s rule %d matches %s, which exist only on mTLS connections, but %s; a plaintext connection from those very sources carries no identity and is not denied (ISTIO-SECURITY-2021-004): %s",
				polName(ap), i, strings.Join(fields, ", "), polSummarise(hits), fix)
		} else {
			fix = "require STRICT mTLS on the workload, or add namespaces [\"*\"] / principals [\"*\"] to the source (Istio best practice: ALLOW with positive matching)"
			if !firstEnforced {
				fix = "inject the sidecar and let it capture the port, then require STRICT mTLS"
			}
			msg = fmt.Sprintf("ALLOW policy %s rule %d allows every source except %s, but %s; a plaintext connection has no identity, so the exclusion never applies and the excluded sources get in over plaintext (ISTIO-SECURITY-2021-004): %s",
				polName(ap), i, strings.Join(fields, ", "), polSummarise(hits), fix)
		}
		ev := []graph.Evidence{graph.EvidenceOf(ap.Entry), graph.EvidenceOf(first.Object)}
		if firstPA.Policy != nil {
			ev = append(ev, graph.EvidenceOf(firstPA.Policy))
		}
		return []analysis.Finding{c.p.Finding(code, passutil.Ref(ap.Entry), msg, ev...)}
	}
	return nil
}

func (c *polCtx) noSidecar(w *inventory.Workload) string {
	return "has no sidecar (" + c.status[w].Reason + "), so no AuthorizationPolicy is enforced there at all"
}

// polSummarise names the first hit and counts the others.
func polSummarise(hits []string) string {
	if len(hits) == 1 {
		return hits[0]
	}
	return fmt.Sprintf("%s (and %d more workload port(s))", hits[0], len(hits)-1)
}

// ---------------------------------------------------------------------------
// Check 2 (medium): identity ALLOW rejects configured non-mesh clients.

// polClient is a configured source of plaintext connections into a
// workload port.
type polClient struct {
	desc  string
	class ipspace.Class
	http  bool
	ev    []graph.Evidence
}

// plaintextClients lists the configured clients that connect to the
// workload port in plaintext: Ingress/VirtualService routes whose proxy is
// outside the mesh (any proxy when mTLS is disabled on the port),
// LoadBalancer/NodePort/externalIPs Services and hostPorts.
func (c *polCtx) plaintextClients(w *inventory.Workload, port int32, disabled bool) []polClient {
	var out []polClient
	g := c.p.Graph
	if g != nil {
		if node := g.Lookup(string(graph.KindWorkload) + ":" + w.ID()); node != nil {
			for _, sel := range g.EdgesTo(node) {
				svc := sel.FromNode()
				if sel.Kind != graph.EdgeSelects || sel.Port != port || svc.Kind != graph.KindService {
					continue
				}
				for _, fwd := range g.EdgesTo(svc) {
					route := fwd.FromNode()
					if route.Kind != graph.KindRoute || route.Route == nil || !polServicePortTargets(svc, fwd.Port, node, port) {
						continue
					}
					for _, in := range g.EdgesTo(route) {
						proxy := in.FromNode()
						if proxy.Kind != graph.KindWorkload || proxy.Workload == nil {
							continue
						}
						if proxy.Workload.Mesh.Member && !disabled {
							continue
						}
						what := "outside the mesh"
						if proxy.Workload.Mesh.Member {
							what = "in the mesh, but mTLS is disabled on the port"
						}
						// HTTP as the listener decides (model.Listener.ServesHTTP:
						// protocol.IsHTTP, or HTTPS terminating TLS).
						http := route.Route.Type == "Ingress" || protocol.Parse(route.Route.Protocol).IsHTTP() ||
							(route.Route.Protocol == "HTTPS" && route.Route.TLS == "terminated")
						out = append(out, polClient{
							desc:  fmt.Sprintf("%s routes to it through %s (%s)", route.Label, proxy.Label, what),
							class: ipspace.Private, http: http,
							ev: append([]graph.Evidence{route.Route.Owner}, proxy.Evidence...),
						})
					}
				}
				for _, ep := range c.entrypoints[svc.Namespace+"/"+svc.Name] {
					class := ipspace.Public
					if ep.Entrypoint.Internal {
						class = ipspace.Private
					}
					out = append(out, polClient{desc: ep.Label + " exposes it", class: class, http: c.isHTTP(w, port), ev: ep.Evidence})
				}
			}
		}
	}
	for _, cp := range w.Ports() {
		if cp.HostPort != 0 && cp.Port == port {
			out = append(out, polClient{desc: fmt.Sprintf("hostPort %d exposes it", cp.HostPort), class: ipspace.Public, http: c.isHTTP(w, port),
				ev: []graph.Evidence{graph.EvidenceOf(w.Object)}})
		}
	}
	return out
}

// polServicePortTargets: the Service port svcPort resolves to the
// workload's container port.
func polServicePortTargets(svc *graph.Node, svcPort int32, w *graph.Node, port int32) bool {
	if svc.Service == nil {
		return false
	}
	for _, sp := range svc.Service.Ports {
		if sp.Port != svcPort {
			continue
		}
		if n, err := strconv.Atoi(sp.TargetPort); err == nil {
			return int32(n) == port
		}
		return w.Workload != nil && w.Workload.Ports[sp.TargetPort] == port
	}
	return false
}

func (c *polCtx) nonMeshClientsRejected(ap polAuthz) []analysis.Finding {
	if ap.Obj.Spec.GetAction() != securityapi.AuthorizationPolicy_ALLOW {
		return nil
	}
	for i, r := range ap.Obj.Spec.GetRules() {
		if !polNeedsIdentity(r) {
			continue
		}
		notPorts := polNotPorts(r)
		for _, w := range c.selected(ap) {
			st := c.status[w]
			if !st.Member || st.Gateway {
				continue // nothing is enforced without a sidecar; gateways take outside traffic on listeners
			}
			for _, port := range c.portsConcerned(r, w) {
				if notPorts[port] {
					continue
				}
				why, enforced, pa := c.plaintextAccepted(w, port)
				if why == "" || !enforced {
					continue
				}
				for _, cl := range c.plaintextClients(w, port, pa.Mode == mesh.ModeDisable) {
					d := c.plaintextAllowed(w, port, cl.class, cl.http)
					if d.Allowed || !strings.HasPrefix(d.Reason, "no ALLOW rule matches") {
						continue
					}
					msg := fmt.Sprintf("ALLOW policy %s rule %d admits only %s, which exist only on mTLS connections, but %s/%s port %d %s and %s; those plaintext requests carry no identity and are rejected by the ALLOW (ISTIO-SECURITY-2021-004): put the client in the mesh (or route through the Istio gateway) and set STRICT mTLS, or, if that client is meant to connect unauthenticated, add an ALLOW rule for it (ipBlocks of its addresses)",
						polName(ap), i, strings.Join(polPositiveIdentity(r), ", "), w.Namespace, w.Name, port, why, cl.desc)
					ev := []graph.Evidence{graph.EvidenceOf(ap.Entry), graph.EvidenceOf(w.Object)}
					if pa.Policy != nil {
						ev = append(ev, graph.EvidenceOf(pa.Policy))
					}
					ev = append(ev, cl.ev...)
					return []analysis.Finding{c.p.Finding("SR1203", passutil.Ref(ap.Entry), msg, ev...)}
				}
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Check 3 (medium): HTTP-only fields on TCP ports.

func (c *polCtx) httpFieldsOnTCP(ap polAuthz) []analysis.Finding {
	action := ap.Obj.Spec.GetAction()
	if action != securityapi.AuthorizationPolicy_DENY && action != securityapi.AuthorizationPolicy_ALLOW {
		return nil
	}
	var workloads []*inventory.Workload
	for _, w := range c.selected(ap) {
		if !c.status[w].Ambient { // ztunnel's own handling: ztunnelFields
			workloads = append(workloads, w)
		}
	}
	if len(workloads) == 0 {
		return nil
	}
	var problems []string
	for i, r := range ap.Obj.Spec.GetRules() {
		for _, hf := range polHTTPFields(r) {
			where := ""
			if len(hf.ports) > 0 {
				var tcp []string
				for _, port := range hf.ports {
					for _, w := range workloads {
						if d := c.portDecl(w, port); d.tcp && !d.http {
							tcp = append(tcp, fmt.Sprintf("port %d, declared TCP by %s", port, d.tcpBy))
							break
						}
					}
				}
				if len(tcp) > 0 {
					where = "on " + strings.Join(tcp, "; ")
				}
			} else {
				all := true
				var by []string
				for _, w := range workloads {
					ok, svc := c.onlyTCPServices(w)
					if !ok {
						all = false
						break
					}
					by = append(by, svc)
				}
				if all {
					where = "on every port, and its workloads serve only TCP (" + strings.Join(polUnique(by), "; ") + ")"
				}
			}
			if where != "" {
				problems = append(problems, fmt.Sprintf("rule %d uses %s %s", i, strings.Join(hf.names, ", "), where))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	effect := "an ALLOW rule using them matches nothing there and the connections it was meant to allow are denied"
	if action == securityapi.AuthorizationPolicy_DENY {
		effect = "a DENY rule ignores them there and denies every connection matching its other conditions, far more than written"
	}
	msg := fmt.Sprintf("%s policy %s %s; HTTP-only fields cannot be evaluated on TCP, so %s (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/): limit the rule to HTTP ports or drop the HTTP-only fields",
		action, polName(ap), strings.Join(problems, "; "), effect)
	ev := []graph.Evidence{graph.EvidenceOf(ap.Entry)}
	for _, s := range c.servicesOf(workloads[0]) {
		if o := c.p.Model.Object(inventory.Service, s.Namespace, s.Name); o != nil {
			ev = append(ev, graph.EvidenceOf(o))
		}
	}
	return []analysis.Finding{c.p.Finding("SR1204", passutil.Ref(ap.Entry), msg, ev...)}
}

// ---------------------------------------------------------------------------
// Check 4 (medium): PeerAuthentication portLevelMtls Istio cannot apply.

func (c *polCtx) portLevelMtls(pa inventory.TypedObject[*istiosecv1.PeerAuthentication]) []analysis.Finding {
	plm := pa.Obj.Spec.GetPortLevelMtls()
	if len(plm) == 0 {
		return nil
	}
	var keys []int
	for k := range plm {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	name := pa.Obj.Namespace + "/" + pa.Obj.Name
	ev := []graph.Evidence{graph.EvidenceOf(pa.Entry)}
	matchLabels := pa.Obj.Spec.GetSelector().GetMatchLabels()
	if len(matchLabels) == 0 {
		f := c.p.Finding("SR1205", passutil.Ref(pa.Entry), fmt.Sprintf("PeerAuthentication %s sets portLevelMtls for port(s) %s without a selector: Istio applies port-level mTLS only to policies with a workload selector, so these port settings are ignored and the ports get the policy's (or the inherited) mode (https://istio.io/latest/docs/reference/config/security/peer_authentication/); move them into a PeerAuthentication that selects the workload",
			name, polInts(keys)), ev...)
		return []analysis.Finding{f}
	}
	if pa.Obj.Namespace == c.env.RootNamespace {
		return nil // a selector policy in the root namespace is ignored as a whole
	}
	sel := labels.SelectorFromSet(matchLabels)
	var selected []*inventory.Workload
	for _, w := range c.workloads {
		if w.Namespace == pa.Obj.Namespace && sel.Matches(labels.Set(w.Labels())) {
			selected = append(selected, w)
		}
	}
	if len(selected) == 0 {
		return nil
	}
	var missing []string
	for _, k := range keys {
		port := int32(k)
		found := false
		var hint string
		for _, w := range selected {
			for _, p := range c.workloadPorts(w) {
				if p == port {
					found = true
				}
			}
			for _, s := range c.servicesOf(w) {
				for _, sp := range s.Spec.Ports {
					if t, ok := model.TargetPort(sp, w); ok && sp.Port == port && t != port && hint == "" {
						hint = fmt.Sprintf(" (%d is the port of Service %s/%s, whose targetPort is container port %d)", port, s.Namespace, s.Name, t)
					}
				}
			}
		}
		if !found {
			missing = append(missing, fmt.Sprintf("%d%s", port, hint))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var names []string
	for _, w := range selected {
		names = append(names, w.Namespace+"/"+w.Name)
	}
	f := c.p.Finding("SR1206", passutil.Ref(pa.Entry), fmt.Sprintf("PeerAuthentication %s sets portLevelMtls for port %s, which the workloads it selects (%s) do not have: port-level mTLS is keyed by the workload (container) port, not the Service port, so the setting never applies (https://istio.io/latest/docs/reference/config/security/peer_authentication/)",
		name, strings.Join(missing, ", "), strings.Join(names, ", ")), append(ev, graph.EvidenceOf(selected[0].Object))...)
	return []analysis.Finding{f}
}

func polInts(list []int) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------------------------
// Check 5 (low): shadowed policies.

func (c *polCtx) shadowed(policies []polAuthz) []analysis.Finding {
	type scoped struct {
		ap        polAuthz
		action    securityapi.AuthorizationPolicy_Action
		set       map[*inventory.Workload]bool
		allRules  bool // has an empty rule: matches every request
		signature string
	}
	var list []scoped
	for _, ap := range policies {
		action := ap.Obj.Spec.GetAction()
		if action != securityapi.AuthorizationPolicy_ALLOW && action != securityapi.AuthorizationPolicy_DENY {
			continue
		}
		rules := ap.Obj.Spec.GetRules()
		if len(rules) == 0 {
			continue // ALLOW with no rules allows nothing; DENY with no rules denies nothing
		}
		s := scoped{ap: ap, action: action, set: map[*inventory.Workload]bool{}}
		for _, w := range c.selected(ap) {
			s.set[w] = true
		}
		if len(s.set) == 0 {
			continue
		}
		var sigs []string
		for _, r := range rules {
			if polEmptyRule(r) {
				s.allRules = true
			}
			sigs = append(sigs, r.String())
		}
		sort.Strings(sigs)
		s.signature = strings.Join(sigs, "\n")
		list = append(list, s)
	}
	subset := func(a, b map[*inventory.Workload]bool) bool {
		for w := range a {
			if !b[w] {
				return false
			}
		}
		return true
	}
	var out []analysis.Finding
outer:
	for i, a := range list {
		for j, b := range list {
			if i == j || a.action != b.action || !b.allRules || !subset(a.set, b.set) {
				continue
			}
			same := len(a.set) == len(b.set)
			if a.allRules && same && j > i {
				continue // two match-all policies on the same workloads: report the later one only
			}
			var msg string
			code := "SR1208"
			if a.action == securityapi.AuthorizationPolicy_ALLOW {
				code = "SR1207"
				msg = fmt.Sprintf("ALLOW policy %s restricts nothing: ALLOW policy %s has a rule that matches every request (rules: [{}]) and applies to the same workloads, and any matching ALLOW admits a request, so %s's conditions are never what decides", polName(a.ap), polName(b.ap), polName(a.ap))
			} else {
				msg = fmt.Sprintf("DENY policy %s is redundant: DENY policy %s has a rule that matches every request (rules: [{}]) on the same workloads, so it already denies everything %s would", polName(a.ap), polName(b.ap), polName(a.ap))
			}
			out = append(out, c.p.Finding(code, passutil.Ref(a.ap.Entry), msg, graph.EvidenceOf(a.ap.Entry), graph.EvidenceOf(b.ap.Entry)))
			continue outer
		}
		if a.action == securityapi.AuthorizationPolicy_DENY && !a.allRules {
			for j := 0; j < i; j++ {
				b := list[j]
				if b.action == a.action && b.signature == a.signature && len(a.set) == len(b.set) && subset(a.set, b.set) {
					f := c.p.Finding("SR1209", passutil.Ref(a.ap.Entry), fmt.Sprintf("DENY policy %s duplicates DENY policy %s: same rules on the same workloads, so one of them is dead weight that will drift when the other is edited", polName(a.ap), polName(b.ap)),
						graph.EvidenceOf(a.ap.Entry), graph.EvidenceOf(b.ap.Entry))
					out = append(out, f)
					break
				}
			}
		}
	}
	return out
}
