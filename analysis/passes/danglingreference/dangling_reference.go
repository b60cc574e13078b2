package danglingreference

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports routing and policy objects that name something
// the input does not hold: a backend Service or port, a Gateway, a
// destination host, port or subset, a TLS Secret, a namespace, or a
// selector that selects no workload. Such a reference fails silently: the
// route answers 503 or 404, the certificate is not served, the policy
// protects nothing.
var Rule = &analysis.Rule{
	Slug:     "dangling-reference",
	Severity: analysis.Medium,
	Title:    "Reference to an object that does not exist",
	Summary:  "an Ingress, VirtualService, Gateway, Gateway API route or policy names a Service, port, Gateway, host, subset, Secret or namespace that is not there, or selects no workload",
	Doc:      "docs/rules/dangling-reference.md",
	Messages: []analysis.Message{
		{Code: "SR1001", Level: analysis.Medium, Summary: "an Ingress names a TLS Secret that does not exist although its namespace's Secrets were loaded"},
		{Code: "SR1002", Level: analysis.Medium, Summary: "an Ingress backend names a Service that does not exist"},
		{Code: "SR1003", Level: analysis.Medium, Summary: "an Ingress backend names a port its Service does not have"},
		{Code: "SR1004", Level: analysis.Medium, Summary: "a VirtualService binds to a Gateway that does not exist"},
		{Code: "SR1005", Level: analysis.Medium, Summary: "a VirtualService routes to a host that is neither a Service nor a visible ServiceEntry host, or to a Service not exported to its gateway proxies"},
		{Code: "SR1006", Level: analysis.Medium, Summary: "a VirtualService routes to a port its destination Service does not have"},
		{Code: "SR1007", Level: analysis.Medium, Summary: "a VirtualService routes to a subset no visible DestinationRule defines"},
		{Code: "SR1008", Level: analysis.Medium, Summary: "a Gateway selector matches no workload: no proxy serves its servers"},
		{Code: "SR1009", Level: analysis.Medium, Summary: "a Gateway server names a credentialName Secret missing from its proxies' namespace"},
		{Code: "SR1010", Level: analysis.Medium, Summary: "an AuthorizationPolicy names a namespace that does not exist in the input"},
		{Code: "SR1011", Level: analysis.Medium, Summary: "an AuthorizationPolicy, PeerAuthentication or RequestAuthentication selector matches no workload"},
		{Code: "SR1012", Level: analysis.Medium, Summary: "a PeerAuthentication with a selector in the root namespace, which Istio ignores"},
		{Code: "SR1013", Level: analysis.Medium, Summary: "a NetworkPolicy podSelector matches no workload: it isolates nothing"},
		{Code: "SR1014", Level: analysis.Medium, Summary: "a VirtualService route delegates to a VirtualService that is missing, not exported to it, or a root with hosts"},
		{Code: "SR1015", Level: analysis.Medium, Summary: "an AuthorizationPolicy without selector in a namespace with no mesh workload: it applies to nothing"},
		{Code: "SR1016", Level: analysis.Medium, Summary: "a Gateway API route names a parent Gateway that does not exist"},
		{Code: "SR1017", Level: analysis.Medium, Summary: "a Gateway API route backendRef names a Service that does not exist, or a port it does not have"},
		{Code: "SR1018", Level: analysis.Medium, Summary: "a Gateway API listener certificateRef names a Secret that does not exist although its namespace's Secrets were loaded, or one in another namespace no ReferenceGrant allows"},
		{Code: "SR1019", Level: analysis.Medium, Summary: "a Namespace, Service or workload names with istio.io/use-waypoint a waypoint that is not in the input: its traffic goes straight to the pods"},
		{Code: "SR1020", Level: analysis.Medium, Summary: "an AuthorizationPolicy bound by targetRefs to a Gateway that is not in the input and whose proxies are not either: nothing enforces it"},
	},
	Run: runDanglingReference,
}

type danglingPass struct {
	p   *analysis.Pass
	out []analysis.Finding
	// seen holds target+reference keys already reported: one finding per
	// dangling reference, however often the object repeats it.
	seen map[string]bool
}

func runDanglingReference(p *analysis.Pass) []analysis.Finding {
	d := &danglingPass{p: p, seen: map[string]bool{}}
	d.ingresses()
	d.virtualServices()
	d.gateways()
	d.apiGateways()
	d.apiRoutes()
	d.waypoints()
	d.policyGatewayRefs()
	d.authorizationPolicies()
	d.peerAuthentications()
	d.requestAuthentications()
	d.sidecars()
	d.networkPolicies()
	return d.out
}

func (d *danglingPass) report(code string, target *inventory.Object, key, message string, related ...*inventory.Object) {
	k := target.Key.String() + "\x00" + key
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	ev := []graph.Evidence{graph.EvidenceOf(target)}
	for _, o := range related {
		if o != nil {
			ev = append(ev, graph.EvidenceOf(o))
		}
	}
	d.out = append(d.out, d.p.Finding(code, passutil.Ref(target), message, ev...))
}

func danglingName(o *inventory.Object) string {
	if o.Key.Namespace == "" {
		return o.Key.Name
	}
	return o.Key.Namespace + "/" + o.Key.Name
}

// --- Ingress -------------------------------------------------------------

func (d *danglingPass) ingresses() {
	for _, ing := range d.p.Model.IngressObjects() {
		if be := ing.Obj.Spec.DefaultBackend; be != nil {
			d.ingressBackend(ing, "its default backend", *be)
		}
		for _, rule := range ing.Obj.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			host := rule.Host
			if host == "" {
				host = "*"
			}
			for _, path := range rule.HTTP.Paths {
				p := path.Path
				if p == "" {
					p = "/"
				}
				d.ingressBackend(ing, host+p, path.Backend)
			}
		}
		ns := ing.Obj.Namespace
		if !d.p.Model.Loaded(inventory.Secret, ns) {
			continue // the graph's NotSeen covers Secrets that were not exported
		}
		for _, t := range ing.Obj.Spec.TLS {
			if t.SecretName == "" || d.p.Model.Object(inventory.Secret, ns, t.SecretName) != nil {
				continue
			}
			d.report("SR1001", ing.Entry, "secret:"+t.SecretName, fmt.Sprintf(
				"Ingress %s names TLS Secret %s/%s (hosts %s), which does not exist although Secrets of namespace %s were loaded: the controller serves its default certificate instead",
				danglingName(ing.Entry), ns, t.SecretName, strings.Join(t.Hosts, ", "), ns))
		}
	}
}

// ingressBackend reports a backend the model cannot resolve
// (model.IngressBackend, as the graph builder routes it).
func (d *danglingPass) ingressBackend(ing inventory.TypedObject[*networkingv1.Ingress], where string, be networkingv1.IngressBackend) {
	svc, _, problem := d.p.Model.IngressBackend(ing.Obj.Namespace, be)
	ns := ing.Obj.Namespace
	switch problem {
	case model.DestinationHostMissing:
		d.report("SR1002", ing.Entry, "service:"+be.Service.Name, fmt.Sprintf(
			"Ingress %s sends %s to Service %s/%s, which does not exist: the controller answers 503 for that route",
			danglingName(ing.Entry), where, ns, be.Service.Name))
	case model.DestinationPortMissing:
		port := be.Service.Port.Name
		if port == "" {
			port = fmt.Sprint(be.Service.Port.Number)
		}
		d.report("SR1003", ing.Entry, "port:"+be.Service.Name+":"+port, fmt.Sprintf(
			"Ingress %s sends %s to port %s of Service %s/%s, which has no such port: the controller answers 503 for that route",
			danglingName(ing.Entry), where, port, ns, be.Service.Name), svc.Entry)
	}
}

// --- VirtualService ------------------------------------------------------

type danglingDest struct {
	host   string
	port   uint32
	subset string
}

// danglingDestinations lists every destination of a VirtualService: HTTP routes
// and mirrors, TCP and TLS routes, in spec order.
func danglingDestinations(vs *istionetv1.VirtualService) []danglingDest {
	var out []danglingDest
	add := func(dst *networkingapi.Destination) {
		if dst == nil || dst.GetHost() == "" {
			return
		}
		out = append(out, danglingDest{host: dst.GetHost(), port: dst.GetPort().GetNumber(), subset: dst.GetSubset()})
	}
	for _, r := range vs.Spec.GetHttp() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
		add(r.GetMirror())
		for _, m := range r.GetMirrors() {
			add(m.GetDestination())
		}
	}
	for _, r := range vs.Spec.GetTcp() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
	}
	for _, r := range vs.Spec.GetTls() {
		for _, rd := range r.GetRoute() {
			add(rd.GetDestination())
		}
	}
	return out
}

func (d *danglingPass) virtualServices() {
	for _, vs := range d.p.Model.VirtualServices() {
		for _, b := range d.p.Model.Bindings(vs.Obj) {
			if b.Gateway != nil {
				continue
			}
			d.report("SR1004", vs.Entry, "gateway:"+b.Key, fmt.Sprintf(
				"VirtualService %s binds to gateway %q (Gateway %s), which does not exist: its routes are not served there",
				danglingName(vs.Entry), b.Ref, b.Key))
		}
		for i, r := range vs.Obj.Spec.GetHttp() {
			d.vsDelegate(vs, i, r.GetDelegate())
		}
		viewers := d.vsViewers(vs)
		for _, dst := range danglingDestinations(vs.Obj) {
			d.vsDestination(vs, dst, viewers)
		}
	}
}

// vsDelegate reports an http route delegating to a VirtualService istiod
// cannot use: missing, not exported to the root's namespace, or itself a
// root with hosts (istio/istio pilot/pkg/model/virtualservice.go
// mergeVirtualServicesIfNeeded drops those routes).
func (d *danglingPass) vsDelegate(vs inventory.TypedObject[*istionetv1.VirtualService], i int, del *networkingapi.Delegate) {
	if del == nil {
		return
	}
	target, key, problem := d.p.Model.Delegate(vs.Obj, del)
	var why string
	var evidence *inventory.Object
	switch problem {
	case model.DelegateUsable:
		return
	case model.DelegateMissing:
		why = "does not exist"
	case model.DelegateHasHosts:
		why, evidence = "has hosts, so it is a root VirtualService and istiod does not merge it as a delegate", target.Entry
	case model.DelegateNotExported:
		why, evidence = "is not exported to namespace "+vs.Obj.Namespace, target.Entry
	}
	d.report("SR1014", vs.Entry, fmt.Sprintf("delegate:%d:%s", i, key), fmt.Sprintf(
		"VirtualService %s http[%d] delegates to VirtualService %s, which %s: the route serves nothing",
		danglingName(vs.Entry), i, key, why), evidence)
}

// vsViewers are the namespaces whose proxies serve a VirtualService's
// routes, one set per gateway it binds to with proxies in the input (the
// VirtualService exported there), or its own namespace for mesh routes.
func (d *danglingPass) vsViewers(vs inventory.TypedObject[*istionetv1.VirtualService]) []gatewayViewers {
	var out []gatewayViewers
	for _, b := range d.p.Model.Bindings(vs.Obj) {
		if b.Gateway == nil || !b.Visible || b.Assumed || len(b.Proxies) == 0 {
			continue
		}
		g := gatewayViewers{gateway: b.Key}
		for _, w := range b.Proxies {
			if !slices.Contains(g.namespaces, w.Namespace) {
				g.namespaces = append(g.namespaces, w.Namespace)
			}
		}
		sort.Strings(g.namespaces)
		out = append(out, g)
	}
	if len(out) == 0 {
		out = append(out, gatewayViewers{namespaces: []string{vs.Obj.Namespace}})
	}
	return out
}

type gatewayViewers struct {
	gateway    string // "" for the VirtualService's own namespace
	namespaces []string
}

// vsDestination reports a destination that leads nowhere for the proxies
// serving the route, as the model resolves it (model.Destination, the
// resolution the graph builder routes by): a host that is neither a
// Service nor a ServiceEntry host they see, a Service exported to none of
// them, a port the Service does not have.
func (d *danglingPass) vsDestination(vs inventory.TypedObject[*istionetv1.VirtualService], dst danglingDest, viewerSets []gatewayViewers) {
	vsNS := vs.Obj.Namespace
	var fqdn string
	for _, viewers := range viewerSets {
		res := d.p.Model.Destination(dst.host, dst.port, vsNS, viewers.namespaces)
		fqdn = res.FQDN
		switch res.Problem {
		case model.DestinationHostMissing:
			shown := dst.host
			if fqdn != dst.host {
				shown += " (" + fqdn + ")"
			}
			d.report("SR1005", vs.Entry, "host:"+fqdn, fmt.Sprintf(
				"VirtualService %s routes to host %s, which is neither a Service in the input nor a ServiceEntry host visible to namespace %s: requests to that route fail",
				danglingName(vs.Entry), shown, strings.Join(viewers.namespaces, ", ")))
			return
		case model.DestinationNotExported:
			d.report("SR1005", vs.Entry, "export:"+res.Service.Key, fmt.Sprintf(
				"VirtualService %s routes to Service %s through Gateway %s, but the Service is not exported to the namespace of the gateway proxies (%s; networking.istio.io/exportTo %q): those gateways have no route to it and requests fail",
				danglingName(vs.Entry), res.Service.Key, viewers.gateway, strings.Join(viewers.namespaces, ", "), res.Service.Obj.Annotations["networking.istio.io/exportTo"]), res.Service.Entry)
			continue
		case model.DestinationPortMissing:
			if dst.port == 0 {
				continue // istiod's validation, not a reference, decides an omitted port
			}
			d.report("SR1006", vs.Entry, fmt.Sprintf("port:%s:%d", fqdn, dst.port), fmt.Sprintf(
				"VirtualService %s routes to port %d of host %s, but %s has no port %d: requests to that route fail",
				danglingName(vs.Entry), dst.port, dst.host, danglingKindName(res), dst.port), danglingEntry(res))
		}
	}
	if dst.subset == "" || fqdn == "" {
		return
	}
	d.vsSubset(vs, dst, fqdn, viewerSets)
}

func danglingKindName(res model.Destination) string {
	if res.ServiceEntry != nil {
		return "ServiceEntry " + danglingName(res.ServiceEntry)
	}
	return "Service " + res.Service.Key
}

func danglingEntry(res model.Destination) *inventory.Object {
	if res.ServiceEntry != nil {
		return res.ServiceEntry
	}
	return res.Service.Entry
}

// vsSubset reports a destination subset the DestinationRule in force does
// not define, for each namespace whose proxies serve the route (the
// VirtualService's gateway proxies, or its own namespace for mesh
// routes): istiod builds subset clusters from the one DestinationRule a
// proxy uses for the host (mesh.DestinationRuleFor, after
// push_context.go destinationRule and mergeDestinationRule), so a subset
// defined only by a rule that proxy does not use has no cluster and
// requests to the route fail.
func (d *danglingPass) vsSubset(vs inventory.TypedObject[*istionetv1.VirtualService], dst danglingDest, fqdn string, viewerSets []gatewayViewers) {
	serviceNS := ""
	if _, ns, ok := hosts.ParseServiceFQDN(fqdn); ok {
		serviceNS = ns
	}
	var viewers []string
	for _, set := range viewerSets {
		for _, ns := range set.namespaces {
			if !slices.Contains(viewers, ns) {
				viewers = append(viewers, ns)
			}
		}
	}
	sort.Strings(viewers)
	var lacking []string
	var evidence []*inventory.Object
	for _, ns := range viewers {
		dec := d.p.Mesh().DestinationRuleFor(nil, ns, serviceNS, fqdn, int32(dst.port))
		if slices.Contains(dec.Subsets, dst.subset) {
			continue
		}
		if len(dec.Merged) == 0 {
			lacking = append(lacking, fmt.Sprintf("no DestinationRule for the host applies in namespace %s", ns))
			continue
		}
		var names []string
		for _, r := range dec.Merged {
			names = append(names, "DestinationRule "+danglingName(r))
			if !slices.Contains(evidence, r) {
				evidence = append(evidence, r)
			}
		}
		lacking = append(lacking, fmt.Sprintf("%s, which namespace %s uses, does not define it", strings.Join(names, " + "), ns))
	}
	if len(lacking) == 0 {
		return
	}
	// Name the rules that define the subset where those proxies do not look.
	hint := ""
	for _, dr := range d.p.Model.DestinationRules() {
		h := hosts.ResolveShortname(dr.Obj.Spec.GetHost(), dr.Obj.Namespace)
		if h == "" || !hosts.Match(h, fqdn) {
			continue
		}
		for _, sub := range dr.Obj.Spec.GetSubsets() {
			if sub.GetName() == dst.subset && !slices.Contains(evidence, dr.Entry) {
				hint += fmt.Sprintf(" (DestinationRule %s defines it, but is not the rule those proxies use: not exported to them, or another rule for the host takes precedence)", danglingName(dr.Entry))
				evidence = append(evidence, dr.Entry)
			}
		}
	}
	d.report("SR1007", vs.Entry, "subset:"+fqdn+"/"+dst.subset, fmt.Sprintf(
		"VirtualService %s routes to subset %q of host %s, but %s: requests to that route fail%s",
		danglingName(vs.Entry), dst.subset, dst.host, strings.Join(lacking, "; "), hint), evidence...)
}

// --- Gateway -------------------------------------------------------------

func (d *danglingPass) gateways() {
	for _, gw := range d.p.Model.GatewayObjects() {
		selMap := gw.Obj.Spec.GetSelector()
		resolved := d.p.Model.Gateway(danglingName(gw.Entry))
		if len(selMap) > 0 && len(resolved.Proxies) == 0 {
			where := "any namespace"
			if d.p.Model.Options.GatewayScopeNamespace {
				where = "its namespace " + gw.Obj.Namespace + " (Gateways select their own namespace only: --gateway-scope-namespace)"
			}
			d.report("SR1008", gw.Entry, "selector", fmt.Sprintf(
				"Gateway %s selects workloads with labels %s, but no workload in %s carries them: no proxy serves its servers",
				danglingName(gw.Entry), labels.SelectorFromSet(selMap).String(), where))
			continue
		}
		namespaces := resolved.ProxyNamespaces()
		for _, server := range gw.Obj.Spec.GetServers() {
			tls := server.GetTls()
			switch tls.GetMode() {
			case networkingapi.ServerTLSSettings_PASSTHROUGH, networkingapi.ServerTLSSettings_AUTO_PASSTHROUGH, networkingapi.ServerTLSSettings_ISTIO_MUTUAL:
				continue // these modes do not read credentialName
			}
			creds := append([]string{tls.GetCredentialName()}, tls.GetCredentialNames()...)
			for _, cred := range creds {
				if cred == "" || strings.Contains(cred, "://") {
					continue
				}
				for _, ns := range namespaces {
					if !d.p.Model.Loaded(inventory.Secret, ns) || d.p.Model.Object(inventory.Secret, ns, cred) != nil {
						continue
					}
					d.report("SR1009", gw.Entry, "credential:"+ns+"/"+cred, fmt.Sprintf(
						"Gateway %s server on port %d names credentialName %s, but Secret %s/%s does not exist in the namespace of its gateway workloads although Secrets of %s were loaded: the server has no certificate and TLS handshakes fail",
						danglingName(gw.Entry), server.GetPort().GetNumber(), cred, ns, cred, ns))
				}
			}
		}
	}
}

// --- Gateway API -----------------------------------------------------------

// apiGateways reports listener certificateRefs that do not resolve: a
// Secret missing from a namespace whose Secrets were loaded, or one in
// another namespace without a ReferenceGrant for Gateways of this one
// (gateway-api apis/v1 gateway_types.go GatewayTLSConfig.CertificateRefs:
// the listener's ResolvedRefs is then False, InvalidCertificateRef or
// RefNotPermitted, and it serves no certificate).
func (d *danglingPass) apiGateways() {
	for _, gw := range d.p.Model.APIGateways() {
		for _, l := range gw.Obj.Spec.Listeners {
			if l.TLS == nil {
				continue
			}
			for _, ref := range l.TLS.CertificateRefs {
				if (ref.Group != nil && *ref.Group != "") || (ref.Kind != nil && *ref.Kind != "Secret") {
					continue
				}
				ns := gw.Obj.Namespace
				if ref.Namespace != nil && *ref.Namespace != "" {
					ns = string(*ref.Namespace)
				}
				name := string(ref.Name)
				switch {
				case ns != gw.Obj.Namespace && !d.p.Model.ReferenceGranted("Gateway", gw.Obj.Namespace, "Secret", ns, name):
					d.report("SR1018", gw.Entry, "certificate:"+ns+"/"+name, fmt.Sprintf(
						"Gateway %s listener %s names certificateRef Secret %s/%s in another namespace, and no ReferenceGrant there allows Gateways of %s to use it (RefNotPermitted): the listener serves no certificate and TLS handshakes fail",
						gw.Key, l.Name, ns, name, gw.Obj.Namespace))
				case d.p.Model.Loaded(inventory.Secret, ns) && d.p.Model.Object(inventory.Secret, ns, name) == nil:
					d.report("SR1018", gw.Entry, "certificate:"+ns+"/"+name, fmt.Sprintf(
						"Gateway %s listener %s names certificateRef Secret %s/%s, which does not exist although Secrets of %s were loaded (InvalidCertificateRef): the listener serves no certificate and TLS handshakes fail",
						gw.Key, l.Name, ns, name, ns))
				}
			}
		}
	}
}

// apiRoutes reports Gateway API routes whose parent Gateway is not in the
// input (Accepted False, NoMatchingParent) and attached rules whose
// backendRef Service or port does not exist (ResolvedRefs False,
// BackendNotFound: the rule answers 500 for the share of traffic that
// backend was to get, gateway-api apis/v1 httproute_types.go
// HTTPBackendRef).
func (d *danglingPass) apiRoutes() {
	for _, r := range d.p.Model.APIRoutesParents() {
		for _, ref := range r.Parents {
			if (ref.Group != nil && *ref.Group != "gateway.networking.k8s.io") || (ref.Kind != nil && *ref.Kind != "Gateway") {
				continue
			}
			ns := r.Entry.Key.Namespace
			if ref.Namespace != nil && *ref.Namespace != "" {
				ns = string(*ref.Namespace)
			}
			if d.p.Model.Object(inventory.APIGateway, ns, string(ref.Name)) != nil {
				continue
			}
			d.report("SR1016", r.Entry, "parent:"+ns+"/"+string(ref.Name), fmt.Sprintf(
				"%s %s names parent Gateway %s/%s, which does not exist: no listener takes its routes (Accepted False, NoMatchingParent)",
				r.Entry.Key.Kind, danglingName(r.Entry), ns, ref.Name))
		}
	}
	for _, r := range d.p.Model.Routes() {
		if r.Kind != model.GatewayAPIRoute {
			continue
		}
		for _, dst := range r.Destinations {
			be := *dst.Backend
			svc, _, problem := d.p.Model.IngressBackend(dst.Namespace, be)
			switch problem {
			case model.DestinationHostMissing:
				d.report("SR1017", r.Entry, "service:"+dst.Namespace+"/"+be.Service.Name, fmt.Sprintf(
					"%s %s %s sends traffic to Service %s/%s, which does not exist (ResolvedRefs False, BackendNotFound): that share of its requests fails",
					r.Entry.Key.Kind, danglingName(r.Entry), r.Section, dst.Namespace, be.Service.Name))
			case model.DestinationPortMissing:
				d.report("SR1017", r.Entry, fmt.Sprintf("port:%s/%s:%d", dst.Namespace, be.Service.Name, be.Service.Port.Number), fmt.Sprintf(
					"%s %s %s sends traffic to port %d of Service %s/%s, which has no such port (ResolvedRefs False): that share of its requests fails",
					r.Entry.Key.Kind, danglingName(r.Entry), r.Section, be.Service.Port.Number, dst.Namespace, be.Service.Name), svc.Entry)
			}
		}
	}
}

// waypoints reports use-waypoint labels naming a waypoint (a Gateway of
// class istio-waypoint) the input does not hold: istiod then gives the
// object no waypoint and does not fall back to its namespace's label, so
// traffic goes straight to the pods and the waypoint's L7 policies apply to
// none of it (istio/istio pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go
// fetchWaypointForTarget; status "waypoint is not ready").
func (d *danglingPass) waypoints() {
	for _, r := range d.p.Model.WaypointReferences() {
		if r.Found {
			continue
		}
		d.report("SR1019", r.Object, "waypoint:"+r.Namespace+"/"+r.Name, fmt.Sprintf(
			"%s %s names waypoint %s/%s with istio.io/use-waypoint, but no Gateway of class istio-waypoint by that name is in the input: its traffic goes straight to the pods, and L7 policies bound to the waypoint apply to none of it",
			r.Object.Key.Kind, danglingName(r.Object), r.Namespace, r.Name))
	}
}

// policyGatewayRefs reports AuthorizationPolicies whose targetRefs name a
// Gateway the input holds neither as an object nor as proxy pods labelled
// gateway.networking.k8s.io/gateway-name with its name: istiod reports the
// binding TargetNotFound, and sidecars and ztunnel ignore targetRefs
// (istio/istio pilot/pkg/model/policyattachment.go ShouldAttachPolicy), so
// the policy is enforced nowhere.
func (d *danglingPass) policyGatewayRefs() {
	m := d.p.Model
	for _, ap := range m.AuthorizationPolicies() {
		refs := ap.Obj.Spec.GetTargetRefs()
		if r := ap.Obj.Spec.GetTargetRef(); r != nil {
			refs = append(refs, r)
		}
		for _, r := range refs {
			if r.GetKind() != "Gateway" || (r.GetGroup() != "" && r.GetGroup() != "gateway.networking.k8s.io") {
				continue
			}
			ns := r.GetNamespace()
			if ns == "" {
				ns = ap.Obj.Namespace
			}
			if m.Object(inventory.APIGateway, ns, r.GetName()) != nil {
				continue
			}
			if len(m.SelectWorkloads(labels.SelectorFromSet(map[string]string{model.GatewayNameLabel: r.GetName()}), ns)) > 0 {
				continue
			}
			d.report("SR1020", ap.Entry, "gateway:"+ns+"/"+r.GetName(), fmt.Sprintf(
				"AuthorizationPolicy %s is bound by targetRefs to Gateway %s/%s, which is not in the input, nor are proxies labelled %s=%s: nothing enforces the policy (TargetNotFound)",
				danglingName(ap.Entry), ns, r.GetName(), model.GatewayNameLabel, r.GetName()))
		}
	}
}

// --- Security policies -----------------------------------------------------

func danglingSelectorString(m map[string]string) string { return labels.SelectorFromSet(m).String() }

func (d *danglingPass) authorizationPolicies() {
	namespacesLoaded := len(d.p.Model.ObjectsOf(inventory.Namespace)) > 0
	var existing map[string]bool
	if namespacesLoaded {
		existing = d.p.Model.KnownNamespaces()
	}
	for _, ap := range d.p.Model.AuthorizationPolicies() {
		spec := &ap.Obj.Spec
		if spec.GetTargetRef() == nil && len(spec.GetTargetRefs()) == 0 {
			d.authorizationPolicyWorkloads(ap.Entry, spec.GetSelector().GetMatchLabels())
		}
		if !namespacesLoaded {
			continue
		}
		for _, r := range spec.GetRules() {
			for _, from := range r.GetFrom() {
				src := from.GetSource()
				for _, field := range []struct {
					name   string
					values []string
				}{{"namespaces", src.GetNamespaces()}, {"notNamespaces", src.GetNotNamespaces()}} {
					for _, ns := range field.values {
						if ns == "" || ns == "*" || existing[ns] {
							continue
						}
						if strings.Contains(ns, "*") {
							// A prefix or suffix pattern must match some
							// namespace (istioctl analyze IST0101 on
							// authorization policies, which matches patterns
							// as the policy does).
							if danglingAnyMatches(ns, existing) {
								continue
							}
							d.report("SR1010", ap.Entry, "namespace:"+ns, fmt.Sprintf(
								"AuthorizationPolicy %s names namespace pattern %s in from.source.%s, but no namespace in the input matches it: the condition never matches the sources it was meant for",
								danglingName(ap.Entry), ns, field.name))
							continue
						}
						d.report("SR1010", ap.Entry, "namespace:"+ns, fmt.Sprintf(
							"AuthorizationPolicy %s names namespace %s in from.source.%s, but no namespace %s exists in the input: the condition never matches the sources it was meant for",
							danglingName(ap.Entry), ns, field.name, ns))
					}
				}
			}
		}
	}
}

// authorizationPolicyWorkloads is istioctl analyze's IST0127 for
// AuthorizationPolicies (istio/istio
// pkg/config/analysis/analyzers/authz/authorizationpolicies.go
// analyzeNoMatchingWorkloads), which counts in-mesh pods only: in the root
// namespace a selector must match a mesh workload anywhere (no selector:
// mesh-wide, never reported); elsewhere a policy without selector needs a
// mesh workload in its namespace, and a selector one there that it matches.
// A workload outside the mesh has no proxy to enforce the policy.
func (d *danglingPass) authorizationPolicyWorkloads(o *inventory.Object, matchLabels map[string]string) {
	root := o.Key.Namespace == d.p.Mesh().RootNamespace
	if root && len(matchLabels) == 0 {
		return
	}
	scope, where := o.Key.Namespace, "namespace "+o.Key.Namespace
	if root {
		scope, where = "", "any namespace (a selector policy in root namespace "+d.p.Mesh().RootNamespace+" applies mesh-wide)"
	}
	selected := d.p.Model.SelectWorkloads(labels.SelectorFromSet(matchLabels), scope)
	var inMesh []*inventory.Workload
	for _, w := range selected {
		// A workload whose injection is unknown (its Namespace was not
		// loaded) may be in the mesh: it is not reported as outside.
		if st := d.p.Mesh().InjectionStatus(w); st.Member || st.Unknown {
			inMesh = append(inMesh, w)
		}
	}
	switch {
	case len(inMesh) > 0:
		return
	case len(matchLabels) == 0 && len(selected) == 0:
		d.report("SR1015", o, "selector", fmt.Sprintf("AuthorizationPolicy %s applies to the whole namespace %s, but no workload of the input runs there: the policy applies to nothing",
			danglingName(o), o.Key.Namespace))
	case len(matchLabels) == 0:
		d.report("SR1015", o, "selector", fmt.Sprintf("AuthorizationPolicy %s applies to the whole namespace %s, but none of its workloads is in the mesh (%s): no proxy enforces the policy",
			danglingName(o), o.Key.Namespace, danglingWorkloadList(selected)))
	case len(selected) > 0:
		d.report("SR1011", o, "selector", fmt.Sprintf("AuthorizationPolicy %s selects workloads with labels %s, but the ones in %s are not in the mesh (%s): no proxy enforces the policy",
			danglingName(o), danglingSelectorString(matchLabels), where, danglingWorkloadList(selected)))
	default:
		d.report("SR1011", o, "selector", fmt.Sprintf("AuthorizationPolicy %s selects workloads with labels %s, but no workload in %s carries them: the policy applies to nothing",
			danglingName(o), danglingSelectorString(matchLabels), where))
	}
}

// danglingWorkloadList names a few workloads.
func danglingWorkloadList(ws []*inventory.Workload) string {
	var parts []string
	for i, w := range ws {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ws)-3))
			break
		}
		parts = append(parts, w.Kind+" "+w.Namespace+"/"+w.Name)
	}
	return strings.Join(parts, ", ")
}

// danglingAnyMatches: some known namespace matches an AuthorizationPolicy
// namespace pattern.
func danglingAnyMatches(pattern string, namespaces map[string]bool) bool {
	for ns := range namespaces {
		if mesh.MatchValue(pattern, ns) {
			return true
		}
	}
	return false
}

// policySelector reports a policy selector that selects no workload: in the
// policy's namespace, or in every namespace when meshWide.
func (d *danglingPass) policySelector(o *inventory.Object, kind string, matchLabels map[string]string, meshWide bool) {
	if len(matchLabels) == 0 {
		return // no selector, or an empty one: the whole namespace (or mesh)
	}
	scope := o.Key.Namespace
	where := "namespace " + scope
	if meshWide {
		scope, where = "", "any namespace (a selector policy in root namespace "+d.p.Mesh().RootNamespace+" applies mesh-wide)"
	}
	if len(d.p.Model.SelectWorkloads(labels.SelectorFromSet(matchLabels), scope)) > 0 {
		return
	}
	d.report("SR1011", o, "selector", fmt.Sprintf("%s %s selects workloads with labels %s, but no workload in %s carries them: the policy applies to nothing",
		kind, danglingName(o), danglingSelectorString(matchLabels), where))
}

func (d *danglingPass) peerAuthentications() {
	for _, pa := range d.p.Model.PeerAuthentications() {
		matchLabels := pa.Obj.Spec.GetSelector().GetMatchLabels()
		if len(matchLabels) > 0 && pa.Obj.Namespace == d.p.Mesh().RootNamespace {
			d.report("SR1012", pa.Entry, "selector", fmt.Sprintf(
				"PeerAuthentication %s has a workload selector (%s) in the root namespace %s, where Istio ignores selector policies: it applies to no workload",
				danglingName(pa.Entry), danglingSelectorString(matchLabels), d.p.Mesh().RootNamespace))
			continue
		}
		d.policySelector(pa.Entry, "PeerAuthentication", matchLabels, false)
	}
}

func (d *danglingPass) requestAuthentications() {
	for _, ra := range d.p.Model.RequestAuthentications() {
		if ra.Obj.Spec.GetTargetRef() != nil || len(ra.Obj.Spec.GetTargetRefs()) > 0 {
			continue
		}
		d.policySelector(ra.Entry, "RequestAuthentication", ra.Obj.Spec.GetSelector().GetMatchLabels(), ra.Obj.Namespace == d.p.Mesh().RootNamespace)
	}
}

func (d *danglingPass) sidecars() {
	for _, sc := range d.p.Model.Sidecars() {
		d.policySelector(sc.Entry, "Sidecar", sc.Obj.Spec.GetWorkloadSelector().GetLabels(), false)
	}
}

func (d *danglingPass) networkPolicies() {
	for _, np := range d.p.Model.NetworkPolicies() {
		ps := np.Obj.Spec.PodSelector
		if len(ps.MatchLabels) == 0 && len(ps.MatchExpressions) == 0 {
			continue // {} selects every pod of the namespace, present or future
		}
		sel, err := metav1.LabelSelectorAsSelector(&ps)
		if err != nil {
			continue
		}
		if len(d.p.Model.SelectWorkloads(sel, np.Obj.Namespace)) > 0 {
			continue
		}
		d.report("SR1013", np.Entry, "selector", fmt.Sprintf(
			"NetworkPolicy %s selects pods with %s, but no workload in namespace %s matches: the policy isolates nothing",
			danglingName(np.Entry), sel.String(), np.Obj.Namespace))
	}
}
