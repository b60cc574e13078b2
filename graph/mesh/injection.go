// Package mesh implements Istio sidecar-mode semantics over the inventory:
// sidecar injection, inbound capture, PeerAuthentication precedence,
// AuthorizationPolicy evaluation and DestinationRule TLS. Each function cites
// the Istio source or document it follows.
package mesh

import (
	"fmt"
	"strconv"
	"strings"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Injection labels and annotations.
const (
	labelInjection      = "istio-injection"
	labelRevision       = "istio.io/rev"
	labelSidecar        = "sidecar.istio.io/inject"
	annExcludeIn        = "traffic.sidecar.istio.io/excludeInboundPorts"
	annIncludeIn        = "traffic.sidecar.istio.io/includeInboundPorts"
	annTemplates        = "inject.istio.io/templates"
	annInterceptionMode = "sidecar.istio.io/interceptionMode"
	proxyContainer      = "istio-proxy"
	statusPort          = 15021
	prometheusPort      = 15090
	gatewayTemplate     = "gateway"
	ingressGatewayLb    = "ingressgateway"
)

// ignoredNamespaces are never injected (istio/istio pkg/kube/inject
// injectRequired's ignored list: the Kubernetes system namespaces).
var ignoredNamespaces = map[string]bool{"kube-system": true, "kube-public": true}

// Status is a workload's mesh membership: a sidecar (or gateway proxy) in
// its pods, or, with Ambient, capture by the node's ztunnel.
type Status struct {
	Member  bool
	Gateway bool
	// Ambient: the pods run no proxy; ztunnel captures their traffic
	// (HBONE mTLS on port 15008, L4 authorization only).
	Ambient bool
	Reason  string
	// Unknown: the workload's namespace was not in the input, so its
	// injection labels are unknown; the workload is treated as outside the
	// mesh (the unsafe answer is never assumed).
	Unknown bool
}

// Istio's defaults for the mesh settings Env carries: meshConfig.rootNamespace
// and meshConfig.trustDomain (istio/api mesh/v1alpha1/config.proto).
const (
	DefaultRootNamespace = "istio-system"
	DefaultTrustDomain   = "cluster.local"
)

// Env is what the mesh functions read: the inventory and mesh settings.
type Env struct {
	Inv *inventory.Inventory
	// RootNamespace is the mesh config root namespace (istio-system).
	RootNamespace string
	// TrustDomain builds SPIFFE principals (cluster.local).
	TrustDomain string
	// DestinationRules, when set, are the input's DestinationRules already
	// typed and in istiod's order (creation time, name, namespace), so that
	// per-hop lookups do not re-type and re-sort them; nil: read from Inv.
	DestinationRules []inventory.TypedObject[*istionetv1.DestinationRule]
	// Sidecars, when set, are the Sidecar resources typed and ordered the
	// same way; nil: read from Inv.
	Sidecars []inventory.TypedObject[*istionetv1.Sidecar]
	// Policies, when set, indexes the AuthorizationPolicies and
	// PeerAuthentications by namespace (NewPolicyIndex); nil: read from Inv
	// on every question.
	Policies *PolicyIndex
}

// PolicyIndex holds the input's AuthorizationPolicies and
// PeerAuthentications typed once and grouped by namespace: a workload's
// policies are those of its namespace and of the root namespace, so a
// per-hop question reads two short lists instead of every policy.
type PolicyIndex struct {
	authz    map[string][]authzPolicy
	peerAuth map[string][]peerAuth
	// applying caches, per equivalence class of pods
	// (inventory.PodClassKey) and root namespace, the AuthorizationPolicies
	// that apply; classOf caches each workload's class.
	applying map[applyingKey][]authzPolicy
	classOf  map[*inventory.Workload]string
}

type applyingKey struct{ root, class string }

// Class returns a workload's equivalence class of pods
// (inventory.PodClassKey), computed once per workload; the model's
// PodClass reads it, so there is one cache.
func (ix *PolicyIndex) Class(w *inventory.Workload) string {
	c, ok := ix.classOf[w]
	if !ok {
		c = inventory.PodClassKey(w)
		ix.classOf[w] = c
	}
	return c
}

// NewPolicyIndex indexes an inventory's policies.
func NewPolicyIndex(inv *inventory.Inventory) *PolicyIndex {
	ix := &PolicyIndex{authz: map[string][]authzPolicy{}, peerAuth: map[string][]peerAuth{},
		applying: map[applyingKey][]authzPolicy{}, classOf: map[*inventory.Workload]string{}}
	for _, ap := range inventory.Typed[*istiosecv1.AuthorizationPolicy](inv, inventory.AuthorizationPolicy) {
		ix.authz[ap.Obj.Namespace] = append(ix.authz[ap.Obj.Namespace], ap)
	}
	for _, pa := range inventory.Typed[*istiosecv1.PeerAuthentication](inv, inventory.PeerAuthentication) {
		ix.peerAuth[pa.Obj.Namespace] = append(ix.peerAuth[pa.Obj.Namespace], pa)
	}
	return ix
}

// inNamespaces returns the entries of two namespaces (each list in
// inventory order: name), namespaces in sorted order, so the result is the
// inventory order restricted to them.
func inNamespaces[T any](byNS map[string][]T, a, b string) []T {
	if a == b {
		return byNS[a]
	}
	if b < a {
		a, b = b, a
	}
	return append(append([]T(nil), byNS[a]...), byNS[b]...)
}

func (e Env) authorizationPolicies(namespace string) []authzPolicy {
	if e.Policies == nil {
		return inventory.Typed[*istiosecv1.AuthorizationPolicy](e.Inv, inventory.AuthorizationPolicy)
	}
	return inNamespaces(e.Policies.authz, namespace, e.RootNamespace)
}

func (e Env) peerAuthentications(namespace string) []peerAuth {
	if e.Policies == nil {
		return inventory.Typed[*istiosecv1.PeerAuthentication](e.Inv, inventory.PeerAuthentication)
	}
	return inNamespaces(e.Policies.peerAuth, namespace, e.RootNamespace)
}

// NamespaceLabels returns the labels of a namespace and whether the
// Namespace object was in the input. Kubernetes sets
// kubernetes.io/metadata.name on every namespace, so it is always present.
func NamespaceLabels(inv *inventory.Inventory, ns string) (map[string]string, bool) {
	labels := map[string]string{"kubernetes.io/metadata.name": ns}
	o := inv.Get(inventory.Namespace, "", ns)
	if o == nil {
		return labels, false
	}
	for k, v := range o.Obj.GetLabels() {
		labels[k] = v
	}
	return labels, true
}

// IsGatewayProxy reports whether the workload is an Istio gateway, by what
// runs in it: the gateway injection template (inject.istio.io/templates:
// gateway, the gateway Helm chart), or an Istio proxy container (proxyv2 /
// istio/proxy image, or istio-proxy) started as a router (pilot-agent
// "proxy router": the proxy type istiod configures Gateways on), or a proxy
// image without the sidecar argument in a pod carrying the gateway charts'
// istio label. A name containing "gateway" says nothing.
func IsGatewayProxy(w *inventory.Workload) bool {
	if w.Annotations()[annTemplates] == gatewayTemplate {
		return true
	}
	for _, c := range w.Template.Spec.Containers {
		proxyImage := strings.Contains(c.Image, "proxyv2") || strings.Contains(c.Image, "istio/proxy")
		if !proxyImage && c.Name != proxyContainer {
			continue
		}
		args := append(append([]string{}, c.Command...), c.Args...)
		for _, a := range args {
			switch a {
			case "router":
				return true
			case "sidecar":
				return false
			}
		}
		if proxyImage && w.Labels()["istio"] != "" {
			return true
		}
	}
	return false
}

// Ambient enablement labels (https://istio.io/latest/docs/ambient/usage/add-workloads/).
const (
	labelDataplaneMode   = "istio.io/dataplane-mode"
	dataplaneModeAmbient = "ambient"
	dataplaneModeNone    = "none"
)

// ambientExcludedNamespaces are never captured: the istio-cni chart's
// default excludeNamespaces (manifests/charts/istio-cni/values.yaml).
var ambientExcludedNamespaces = map[string]bool{"kube-system": true}

// InjectionStatus decides a workload's mesh membership: a sidecar when the
// injector adds one (sidecarStatus), else ambient capture when the
// istio-cni enablement selectors match (istio/istio
// cni/pkg/util/enablement_selector.go CompiledEnablementSelectors.Matches
// with the chart's default selectors, manifests/charts/istio-cni/values.yaml
// ambient.enablementSelectors): the pod labelled
// istio.io/dataplane-mode=ambient, or its namespace so labelled and the pod
// not labelled none. A sidecar wins (Matches refuses pods with a sidecar:
// "Ztunnel and sidecar for a single pod is currently not supported"), and
// hostNetwork pods and the excluded namespaces are never captured.
func (e Env) InjectionStatus(w *inventory.Workload) Status {
	st := e.sidecarStatus(w)
	if st.Member || w.Template.Spec.HostNetwork || ambientExcludedNamespaces[w.Namespace] {
		return st
	}
	podMode, podLabelled := w.Labels()[labelDataplaneMode]
	if podMode == dataplaneModeAmbient {
		return Status{Member: true, Ambient: true, Reason: fmt.Sprintf("ambient: pod label %s=%s (ztunnel)", labelDataplaneMode, podMode)}
	}
	nsLabels, _ := NamespaceLabels(e.Inv, w.Namespace)
	if nsLabels[labelDataplaneMode] == dataplaneModeAmbient {
		if podLabelled && podMode == dataplaneModeNone {
			return Status{Reason: fmt.Sprintf("pod label %s=none opts out of ambient namespace %s", labelDataplaneMode, w.Namespace)}
		}
		return Status{Member: true, Ambient: true, Reason: fmt.Sprintf("ambient: namespace %s has %s=ambient (ztunnel)", w.Namespace, labelDataplaneMode)}
	}
	return st
}

// sidecarStatus decides whether the workload's pods run a sidecar, following
// istio/istio pkg/kube/inject/inject.go injectRequired and the istiod chart's
// mutating webhook selectors
// (https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/).
func (e Env) sidecarStatus(w *inventory.Workload) Status {
	spec := w.Template.Spec
	if IsGatewayProxy(w) {
		return Status{Member: true, Gateway: true, Reason: "Istio gateway proxy"}
	}
	for _, c := range spec.Containers {
		if c.Name == proxyContainer {
			return Status{Member: true, Reason: "pod spec already has an istio-proxy container"}
		}
	}
	if spec.HostNetwork {
		return Status{Reason: "hostNetwork pods are never injected"}
	}
	if ignoredNamespaces[w.Namespace] {
		return Status{Reason: fmt.Sprintf("namespace %s is never injected (istiod skips kube-system and kube-public)", w.Namespace)}
	}
	nsLabels, seen := NamespaceLabels(e.Inv, w.Namespace)
	// injectRequired reads the pod label, else the deprecated annotation;
	// lower-cased, "" (or no value) and y/yes/true/on inject, any other
	// value (false, no, off, a typo) does not.
	podValue, hasPodValue := w.Labels()[labelSidecar]
	from := ""
	if !hasPodValue {
		podValue, hasPodValue = w.Annotations()[labelSidecar]
		from = " (annotation)"
	}
	refused := func(context string) (Status, bool) {
		switch strings.ToLower(podValue) {
		case "", "y", "yes", "true", "on":
			return Status{}, false
		}
		return Status{Reason: fmt.Sprintf("%s=%s on the pod%s%s", labelSidecar, podValue, from, context)}, true
	}
	nsInjection, hasNSInjection := nsLabels[labelInjection]
	switch {
	case hasNSInjection && nsInjection == "enabled":
		if st, no := refused(fmt.Sprintf(" (namespace %s has istio-injection=enabled)", w.Namespace)); no && hasPodValue {
			return st
		}
		return Status{Member: true, Reason: fmt.Sprintf("namespace %s has istio-injection=enabled", w.Namespace)}
	case hasNSInjection:
		return Status{Reason: fmt.Sprintf("namespace %s has istio-injection=%s", w.Namespace, nsInjection)}
	case nsLabels[labelRevision] != "":
		if st, no := refused(""); no && hasPodValue {
			return st
		}
		return Status{Member: true, Reason: fmt.Sprintf("namespace %s has istio.io/rev=%s", w.Namespace, nsLabels[labelRevision])}
	case w.Labels()[labelSidecar] == "true" && w.Labels()[labelRevision] == "":
		// The object webhook selects sidecar.istio.io/inject In [true]
		// (exact label value) on pods without istio.io/rev.
		return Status{Member: true, Reason: fmt.Sprintf("pod label %s=true", labelSidecar)}
	case w.Labels()[labelRevision] != "":
		if st, no := refused(""); no && hasPodValue {
			return st
		}
		return Status{Member: true, Reason: fmt.Sprintf("pod label istio.io/rev=%s", w.Labels()[labelRevision])}
	}
	if !seen {
		return Status{Unknown: true, Reason: fmt.Sprintf("namespace %s not in the input: injection unknown, assumed not injected", w.Namespace)}
	}
	return Status{Reason: fmt.Sprintf("namespace %s has no injection label", w.Namespace)}
}

// proxyPorts are the ports an Istio proxy (Envoy and pilot-agent) serves
// itself in every injected pod and gateway, never forwarding them to the
// application (https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio).
var proxyPorts = map[int32]string{
	15000: "Envoy admin port (localhost only)",
	15004: "debug port",
	15020: "merged Prometheus telemetry port",
	15021: "health check port",
	15053: "DNS proxy port",
	15090: "Envoy Prometheus telemetry port",
}

// ProxyPort reports whether a port of a mesh workload is served by its Istio
// proxy itself, and what it is.
func ProxyPort(port int32) (string, bool) {
	what, ok := proxyPorts[port]
	return what, ok
}

// Capture says whether the sidecar intercepts inbound traffic on a port
// (istio-iptables: includeInboundPorts default "*", excludeInboundPorts; the
// status and Prometheus ports are always excluded; interceptionMode NONE
// installs no redirection at all).
func Capture(w *inventory.Workload, port int32) (bool, string) {
	if strings.EqualFold(w.Annotations()[annInterceptionMode], "NONE") {
		return false, annInterceptionMode + "=NONE: the sidecar redirects no traffic"
	}
	if port == statusPort || port == prometheusPort {
		return false, fmt.Sprintf("port %d is never captured by the sidecar", port)
	}
	ann := w.Annotations()
	if portList(ann[annExcludeIn])[port] {
		return false, fmt.Sprintf("port %d excluded by %s", port, annExcludeIn)
	}
	include, set := ann[annIncludeIn]
	if !set || strings.TrimSpace(include) == "*" {
		return true, ""
	}
	if portList(include)[port] {
		return true, ""
	}
	return false, fmt.Sprintf("port %d not in %s=%q", port, annIncludeIn, include)
}

func portList(s string) map[int32]bool {
	out := map[int32]bool{}
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out[int32(n)] = true
		}
	}
	return out
}

// Principal is the SPIFFE identity of a workload's service account.
func (e Env) Principal(namespace, serviceAccount string) string {
	return fmt.Sprintf("%s/ns/%s/sa/%s", e.TrustDomain, namespace, serviceAccount)
}
