package riskyannotation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports ingress-nginx annotations that let an Ingress
// author write nginx configuration (snippets, directive injection through
// unsanitised values: CVE-2021-25742, CVE-2023-5043, CVE-2023-5044,
// CVE-2025-24514, CVE-2025-1097, CVE-2025-1098, CVE-2025-15566), and
// annotations that widen what a route exposes or take it out of the mesh's
// routing: catch-all regex rewrites, allowlists that admit the whole internet,
// upstream settings and backend protocols that disagree with the mesh.
var Rule = &analysis.Rule{
	Slug:     "risky-annotation",
	Severity: analysis.High,
	Title:    "Risky ingress-nginx annotation",
	Summary:  "ingress-nginx snippets or directive injection in annotation values (high); catch-all rewrites, open allowlists, mesh-bypassing upstream or protocol settings (medium)",
	Doc:      "docs/rules/risky-annotation.md",
	Messages: []analysis.Message{
		{Code: "SR0801", Level: analysis.High, Summary: "an Ingress sets a configuration-snippet style annotation: raw nginx configuration from whoever can edit the Ingress"},
		{Code: "SR0802", Level: analysis.High, Summary: "an annotation value contains characters that end or escape the nginx directive it is written into (configuration injection)"},
		{Code: "SR0803", Level: analysis.Medium, Summary: "rewrite-target on a catch-all regex path: any client path is forwarded to the backend"},
		{Code: "SR0804", Level: analysis.Medium, Summary: "an allowlist-source-range whose ranges admit every public address"},
		{Code: "SR0805", Level: analysis.Medium, Summary: "service-upstream set for a mesh backend although the controller has no sidecar"},
		{Code: "SR0806", Level: analysis.Medium, Summary: "upstream-vhost set for a mesh backend although the controller has no sidecar to route by it"},
		{Code: "SR0807", Level: analysis.Medium, Summary: "a controller with a sidecar without service-upstream: nginx reaches pod IPs outside the Service's mesh route"},
		{Code: "SR0808", Level: analysis.Medium, Summary: "a controller with a sidecar without upstream-vhost: requests keep the public Host and leave as passthrough"},
		{Code: "SR0809", Level: analysis.Medium, Summary: "upstream-vhost names a host other than the backend Service"},
		{Code: "SR0810", Level: analysis.Medium, Summary: "backend-protocol disagrees with the protocol Istio applies to the backend port"},
	},
	Run: runRiskyAnnotation,
}

// raSnippets are the annotations whose value is raw nginx configuration.
var raSnippets = []string{"auth-snippet", "configuration-snippet", "modsecurity-snippet", "server-snippet", "stream-snippet"}

// raInjectable are annotations whose value the controller writes into an
// nginx directive, with the CVE that showed the injection and whether an
// nginx variable ($…) is out of place in the value.
var raInjectable = []struct {
	key        string
	cve        string
	withDollar bool
}{
	{"auth-proxy-set-headers", "CVE-2025-15566", true},
	{"auth-tls-match-cn", "CVE-2025-1097", false},
	{"auth-url", "CVE-2025-24514", false},
	{"mirror-host", "CVE-2025-1098", true},
	{"mirror-target", "CVE-2025-1098", false},
	{"permanent-redirect", "CVE-2023-5044", false},
}

func runRiskyAnnotation(p *analysis.Pass) []analysis.Finding {
	routes := map[string][]*graph.Node{}
	for _, n := range p.Graph.SortedNodes() {
		if n.Kind == graph.KindRoute && n.Route != nil && n.Route.Type == "Ingress" {
			key := n.Namespace + "/" + n.Name
			routes[key] = append(routes[key], n)
		}
	}
	var out []analysis.Finding
	for _, ing := range p.Model.IngressObjects() {
		mi := p.Model.IngressFor(ing.Obj)
		served, assumed := mi.ServedByNginx()
		if !served {
			continue
		}
		c := &raCheck{p: p, ing: ing, routes: routes[ing.Obj.Namespace+"/"+ing.Obj.Name], seen: map[string]bool{}}
		if assumed {
			c.assumptions = []string{fmt.Sprintf("class %s of Ingress %s has no IngressClass in the input and no recognised controller: it is assumed to be served by ingress-nginx, whose annotations it carries", mi.Class.Name, c.name())}
		}
		c.snippets()
		c.injection()
		c.rewrite()
		c.allowlist()
		c.mesh()
		out = append(out, c.out...)
	}
	return out
}

// raCheck collects the findings of one Ingress, one per annotation.
type raCheck struct {
	p      *analysis.Pass
	ing    inventory.TypedObject[*networkingv1.Ingress]
	routes []*graph.Node
	seen   map[string]bool
	out    []analysis.Finding
	// assumptions are added to every finding of the Ingress.
	assumptions []string
}

func (c *raCheck) name() string { return c.ing.Obj.Namespace + "/" + c.ing.Obj.Name }

func (c *raCheck) get(key string) (string, bool) {
	v, ok := c.ing.Obj.Annotations[passutil.NginxAnnotationPrefix+key]
	return v, ok
}

func (c *raCheck) add(key, code string, msg string, extra ...graph.Evidence) {
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	ev := append([]graph.Evidence{graph.EvidenceOf(c.ing.Entry)}, extra...)
	f := c.p.Finding(code, passutil.Ref(c.ing.Entry), msg, ev...)
	f.Assumptions = append(f.Assumptions, c.assumptions...)
	c.out = append(c.out, f)
}

func (c *raCheck) snippets() {
	for _, key := range raSnippets {
		v, ok := c.get(key)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		cves := "CVE-2021-25742"
		if key == "configuration-snippet" {
			cves += ", CVE-2023-5043"
		}
		c.add(key, "SR0801", fmt.Sprintf("Ingress %s sets %s%s: raw nginx configuration from the Ingress goes into the controller's nginx.conf, so whoever can edit this Ingress can run code in the controller and read the Secrets it can access, by default all Secrets of the cluster (%s)",
			c.name(), passutil.NginxAnnotationPrefix, key, cves))
	}
}

func (c *raCheck) injection() {
	for _, a := range raInjectable {
		v, ok := c.get(a.key)
		if !ok {
			continue
		}
		bad := raBreakout(v, a.withDollar)
		if len(bad) == 0 {
			continue
		}
		c.add(a.key, "SR0802", fmt.Sprintf("Ingress %s: the value of %s%s contains %s, characters that end or escape the nginx directive the controller writes it into: this is how nginx configuration is injected to run code in the controller and read the Secrets it can access (%s)",
			c.name(), passutil.NginxAnnotationPrefix, a.key, raJoin(bad), a.cve))
	}
}

func (c *raCheck) rewrite() {
	v, ok := c.get("rewrite-target")
	if !ok || !raCaptureRef.MatchString(v) {
		return
	}
	for _, rule := range c.ing.Obj.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, path := range rule.HTTP.Paths {
			if raCatchAllCapture(path.Path) {
				c.add("rewrite-target", "SR0803", fmt.Sprintf("Ingress %s sets %srewrite-target %q on the catch-all regex path %q (rewrite-target turns on regex paths): whatever path a client sends is captured and forwarded into the backend's URI, so every backend endpoint, internal ones included, is reachable through this Ingress",
					c.name(), passutil.NginxAnnotationPrefix, v, path.Path))
				return
			}
		}
	}
}

func (c *raCheck) allowlist() {
	for _, key := range []string{"allowlist-source-range", "whitelist-source-range"} {
		v, ok := c.get(key)
		if !ok {
			continue
		}
		if fams := raAllowsAllPublic(v); len(fams) > 0 {
			var covers []string
			for _, f := range fams {
				covers = append(covers, map[string]string{"IPv4": "0.0.0.0/0", "IPv6": "::/0"}[f])
			}
			c.add(key, "SR0804", fmt.Sprintf("Ingress %s sets %s%s, but its ranges together admit every public %s address, as %s does: the allowlist looks like a restriction and restricts nothing",
				c.name(), passutil.NginxAnnotationPrefix, key, raJoin(fams), raJoin(covers)))
		}
	}
}

// raMeshBackend is a backend workload in the mesh behind one of the
// Ingress's routes.
type raMeshBackend struct {
	svc  *graph.Node
	port graph.ServicePort
	has  bool
	w    *graph.Node
}

// mesh checks the annotations that decide how nginx addresses a backend in
// the mesh: service-upstream, upstream-vhost and backend-protocol.
func (c *raCheck) mesh() {
	var fronts []*graph.Node
	var backends []raMeshBackend
	seenFront := map[*graph.Node]bool{}
	var ingressHosts []string
	for _, r := range c.routes {
		ingressHosts = append(ingressHosts, r.Route.Host)
		for _, f := range passutil.RouteFronts(c.p.Graph, r) {
			if !seenFront[f] {
				seenFront[f] = true
				fronts = append(fronts, f)
			}
		}
		for _, b := range passutil.RouteBackends(c.p.Graph, r) {
			for _, w := range b.Workloads {
				if w.Workload.Mesh.Member && !w.Workload.Mesh.Gateway && !w.Workload.Mesh.Ambient {
					backends = append(backends, raMeshBackend{svc: b.Service, port: b.Port, has: b.HasPort, w: w})
				}
			}
		}
	}
	if len(fronts) == 0 || len(backends) == 0 {
		return
	}
	c.backendProtocol(backends)

	var meshed *graph.Node
	for _, f := range fronts {
		if f.Workload != nil && f.Workload.Mesh.Member && !f.Workload.Mesh.Ambient {
			meshed = f
			break
		}
	}
	suValue, _ := c.get("service-upstream")
	su, _ := strconv.ParseBool(strings.TrimSpace(suValue))
	vhost, vhSet := c.get("upstream-vhost")
	vhost = strings.TrimSpace(vhost)
	vhSet = vhSet && vhost != ""
	first := backends[0]
	bev := append(passutil.NodeEvidence(first.svc), passutil.NodeEvidence(first.w)...)

	if meshed == nil {
		front := fronts[0]
		fev := append(passutil.NodeEvidence(front), bev...)
		if su {
			c.add("service-upstream", "SR0805", fmt.Sprintf("Ingress %s sets %sservice-upstream \"true\" for backend %s in the mesh, but its controller %s has no sidecar: nginx reaches the ClusterIP through kube-proxy and the backend still receives plaintext from outside the mesh, so the setting brings no mesh routing or mTLS to the route",
				c.name(), passutil.NginxAnnotationPrefix, first.w.Label, front.Label), fev...)
		}
		if vhSet {
			c.add("upstream-vhost", "SR0806", fmt.Sprintf("Ingress %s sets %supstream-vhost %q for backend %s in the mesh, but its controller %s has no sidecar to route by that Host: the backend still receives plaintext from outside the mesh, and only the Host header changes",
				c.name(), passutil.NginxAnnotationPrefix, vhost, first.w.Label, front.Label), fev...)
		}
		return
	}
	fev := append(passutil.NodeEvidence(meshed), bev...)
	// A Host naming the backend Service lets the controller's sidecar route
	// by Service even to a pod IP, when the pod port is the Service port and
	// the port is HTTP (or detected): the HTTP listener matches by port and
	// picks the route by Host.
	hostRouted := vhSet
	for _, b := range backends {
		if !vhSet || !raNamesService(vhost, b.svc, meshed.Namespace) {
			hostRouted = false
			break
		}
		tp, ok := passutil.TargetPort(b.svc, b.port, b.w.Workload)
		_, _, class := raIstioPortProtocol(b.port)
		if !b.has || !ok || tp != b.port.Port || (class != raWireHTTP && class != "") {
			hostRouted = false
			break
		}
	}
	if !su && !hostRouted {
		c.add("service-upstream", "SR0807", fmt.Sprintf("Ingress %s does not set %sservice-upstream \"true\" although its controller %s runs a sidecar and backend %s is in the mesh: nginx connects to pod IPs, which the controller's sidecar does not map to Service %s, so the hop leaves as passthrough traffic without the Service's mesh routing (VirtualService, DestinationRule) and without mTLS",
			c.name(), passutil.NginxAnnotationPrefix, meshed.Label, first.w.Label, first.svc.Label), fev...)
	}
	switch {
	case !vhSet:
		if raMeshHostsCover(c.p.Model, ingressHosts) {
			return
		}
		c.add("upstream-vhost", "SR0808", fmt.Sprintf("Ingress %s does not set %supstream-vhost although its controller %s runs a sidecar and backend %s is in the mesh: the Host header stays the public host, which the sidecar does not know as a Service host, so requests leave as passthrough traffic instead of taking Service %s's mesh route with mTLS",
			c.name(), passutil.NginxAnnotationPrefix, meshed.Label, first.w.Label, first.svc.Label), fev...)
	default:
		for _, b := range backends {
			if !raNamesService(vhost, b.svc, meshed.Namespace) {
				c.add("upstream-vhost", "SR0809", fmt.Sprintf("Ingress %s sets %supstream-vhost %q, which does not name its backend Service %s: the controller's sidecar %s routes by Host header, so requests go wherever that host leads in the mesh, not to the Ingress's backend",
					c.name(), passutil.NginxAnnotationPrefix, vhost, b.svc.Label, meshed.Label), append(passutil.NodeEvidence(meshed), passutil.NodeEvidence(b.svc)...)...)
				return
			}
		}
	}
}

// backendProtocol compares backend-protocol with the protocol Istio applies
// to the Service port of each backend in the mesh (port captured by the
// sidecar).
func (c *raCheck) backendProtocol(backends []raMeshBackend) {
	v, ok := c.get("backend-protocol")
	sent := raBackendWire(v)
	if !ok || sent == "" {
		return
	}
	for _, b := range backends {
		if !b.has {
			continue
		}
		tp, ok := passutil.TargetPort(b.svc, b.port, b.w.Workload)
		if !ok || b.w.Workload.Source == nil {
			continue
		}
		if captured, _ := mesh.Capture(b.w.Workload.Source, tp); !captured {
			continue
		}
		proto, how, class := raIstioPortProtocol(b.port)
		why := raProtocolConflict(sent, class)
		if why == "" {
			continue
		}
		portName := b.port.Name
		if portName == "" {
			portName = fmt.Sprint(b.port.Port)
		}
		c.add("backend-protocol", "SR0810", fmt.Sprintf("Ingress %s sets %sbackend-protocol %q (nginx sends %s), but Service %s port %s is %s to Istio (%s) on backend %s in the mesh: %s",
			c.name(), passutil.NginxAnnotationPrefix, strings.TrimSpace(v), sent, b.svc.Label, portName, proto, how, b.w.Label, why),
			append(passutil.NodeEvidence(b.svc), passutil.NodeEvidence(b.w)...)...)
		return
	}
}

// raNamesService reports whether a Host value names the Service the way the
// controller's sidecar resolves it: name.namespace, name.namespace.svc, the
// FQDN, or the short name when the controller runs in the Service's
// namespace; an optional :port is ignored.
func raNamesService(host string, svc *graph.Node, clientNS string) bool {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if i := strings.LastIndex(h, ":"); i >= 0 {
		if _, err := strconv.Atoi(h[i+1:]); err == nil {
			h = h[:i]
		}
	}
	name, ns := strings.ToLower(svc.Name), strings.ToLower(svc.Namespace)
	switch h {
	case name + "." + ns, name + "." + ns + ".svc", hosts.ServiceFQDN(name, ns):
		return true
	case name:
		return clientNS == svc.Namespace
	}
	return false
}

// raMeshHostsCover reports whether VirtualServices bound to the mesh (no
// gateways, or "mesh") cover every host of the Ingress, so that the
// controller's sidecar routes the public Host header itself.
func raMeshHostsCover(m *model.Model, ingressHosts []string) bool {
	if len(ingressHosts) == 0 {
		return false
	}
	vss := m.VirtualServices()
	for _, h := range ingressHosts {
		covered := false
		for _, vs := range vss {
			gws := vs.Obj.Spec.GetGateways()
			bound := len(gws) == 0
			for _, g := range gws {
				if g == "mesh" {
					bound = true
				}
			}
			if !bound {
				continue
			}
			for _, vh := range vs.Obj.Spec.GetHosts() {
				if hosts.Covers(vh, h) {
					covered = true
				}
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// raJoin joins words as "a", "a and b", "a, b and c".
func raJoin(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
