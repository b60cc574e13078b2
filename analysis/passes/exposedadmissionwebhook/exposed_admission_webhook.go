package exposedadmissionwebhook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports the ingress-nginx admission webhook
// reachable from pods other than the API server. The webhook accepts
// unauthenticated AdmissionReview requests; CVE-2025-1974 ("IngressNightmare",
// CVSS 9.8) turned one such request into NGINX configuration injection and
// code execution in the controller, whose service account reads every
// Secret in the cluster
// (https://kubernetes.io/blog/2025/03/24/ingress-nginx-cve-2025-1974/,
// https://nvd.nist.gov/vuln/detail/CVE-2025-1974). Only the API server needs
// to reach it.
var Rule = &analysis.Rule{
	Slug:     "exposed-admission-webhook",
	Severity: analysis.Critical,
	Title:    "ingress-nginx admission webhook reachable from pods",
	Summary:  "the ingress-nginx admission webhook port is open to workloads other than the API server (CVE-2025-1974, IngressNightmare)",
	Doc:      "docs/rules/exposed-admission-webhook.md",
	Messages: []analysis.Message{
		{Code: "SR1501", Level: analysis.Critical, Summary: "the ingress-nginx admission webhook of a controller vulnerable to IngressNightmare (CVE-2025-1974; or of unknown version) is reachable by pods other than the API server"},
		{Code: "SR1502", Level: analysis.Low, Summary: "the admission webhook of a patched ingress-nginx controller is reachable by pods other than the API server (hygiene)"},
	},
	Run: runExposedAdmissionWebhook,
}

// webhookController is an ingress-nginx controller a webhook Service
// selects: a workload of the input, or (pods not in the input) a stand-in
// carrying the Service selector's labels.
type webhookController struct {
	w       *inventory.Workload // nil for the stand-in
	ns      string
	name    string // "" for the stand-in
	labels  map[string]string
	hostNet bool
}

func runExposedAdmissionWebhook(p *analysis.Pass) []analysis.Finding {
	ev, _ := p.Model.NetworkPolicy()
	workloads := p.Model.Workloads()
	var out []analysis.Finding
	for _, s := range p.Model.Services() {
		svc := s.Obj
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		var controllers []webhookController
		selected := map[*inventory.Workload]bool{}
		for _, w := range s.Selected {
			selected[w] = true
			if webhookIsNginxController(w) {
				controllers = append(controllers, webhookController{w: w, ns: w.Namespace, name: w.Name, labels: w.Labels(), hostNet: w.Template.Spec.HostNetwork})
			}
		}
		var assumptions []string
		if len(selected) == 0 && svc.Spec.Selector["app.kubernetes.io/name"] == "ingress-nginx" &&
			(svc.Spec.Selector["app.kubernetes.io/component"] == "" || svc.Spec.Selector["app.kubernetes.io/component"] == "controller") {
			controllers = []webhookController{{ns: svc.Namespace, labels: svc.Spec.Selector}}
			assumptions = append(assumptions, fmt.Sprintf("the ingress-nginx controller pods selected by Service %s/%s are not in the input: their labels are taken from the Service selector, and a targetPort named webhook is the chart's port 8443", svc.Namespace, svc.Name))
		}
		if len(controllers) == 0 {
			continue
		}
		if f, ok := webhookFinding(p, ev, workloads, s.Entry, svc, controllers, selected, assumptions); ok {
			out = append(out, f)
		}
	}
	return out
}

// webhookFinding evaluates every webhook port of the Service against every
// controller it selects and reports the first one some other pod reaches.
func webhookFinding(p *analysis.Pass, ev *netpol.Evaluator, workloads []*inventory.Workload, entry *inventory.Object, svc *corev1.Service,
	controllers []webhookController, selected map[*inventory.Workload]bool, assumptions []string) (analysis.Finding, bool) {
	m := p.Model
	for _, sp := range svc.Spec.Ports {
		for _, c := range controllers {
			target, ok := webhookTargetPort(sp, c)
			if !ok {
				continue
			}
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			nsLabels, _ := m.NamespaceLabels(c.ns)
			dst := netpol.Peer{Namespace: c.ns, PodLabels: c.labels, NSLabels: nsLabels, HostNetwork: c.hostNet, Workload: c.w}
			allowed := func(src netpol.Peer) (bool, netpol.Verdict) {
				in := ev.Ingress(src, dst, target, proto)
				return in.Allowed && ev.Egress(src, dst, target, proto).Allowed, in
			}
			anyPod, anyVerdict := allowed(netpol.Peer{Namespace: "", NSLabels: map[string]string{}, PodLabels: map[string]string{}})
			peerOf := func(w *inventory.Workload) netpol.Peer {
				srcNS, _ := m.NamespaceLabels(w.Namespace)
				return netpol.Peer{Namespace: w.Namespace, PodLabels: w.Labels(), NSLabels: srcNS, HostNetwork: w.Template.Spec.HostNetwork, Workload: w}
			}
			var reached []*inventory.Workload
			for _, w := range workloads {
				if selected[w] || webhookIsAPIServer(w) {
					continue
				}
				if ok, _ := allowed(peerOf(w)); ok {
					reached = append(reached, w)
				}
			}
			if !anyPod && len(reached) == 0 {
				continue
			}
			// Name a workload of another namespace first: it shows the exposure
			// crosses the namespace boundary.
			sort.SliceStable(reached, func(i, j int) bool {
				return (reached[i].Namespace != c.ns) && (reached[j].Namespace == c.ns)
			})
			who, verdict := "", anyVerdict
			switch {
			case anyPod && len(reached) > 0:
				who = "any pod of the cluster, for example " + webhookName(reached[0])
			case anyPod:
				who = "any pod of the cluster"
			default:
				_, verdict = allowed(peerOf(reached[0]))
				who = webhookName(reached[0])
				if len(reached) > 1 {
					who += fmt.Sprintf(" and %d other workload(s)", len(reached)-1)
				}
			}
			ctrl := fmt.Sprintf("%s/%s:%d", c.ns, c.name, target)
			if c.w == nil {
				ctrl = fmt.Sprintf("port %d of the controller pods", target)
			}
			reason := verdict.Describe("controller pods")
			if c.hostNet && p.Model.Options.Addressing.HostNetwork == netpol.HostNetworkNode {
				reason = "the controller runs with hostNetwork, so pod NetworkPolicies do not apply"
			}
			external := ""
			if how := webhookExternallyExposed(svc); how != "" {
				if in := ev.Ingress(netpol.Peer{External: true, Class: ipspace.Public}, dst, target, proto); in.Allowed {
					external = fmt.Sprintf(", and the Service is %s, so the webhook is published outside the cluster too", how)
				}
			}
			msg := fmt.Sprintf("Service %s/%s exposes the ingress-nginx admission webhook (port %d → %s) to %s (%s)%s; an unauthenticated AdmissionReview sent there reaches the controller's NGINX configuration test, which CVE-2025-1974 (IngressNightmare, fixed in v1.11.5/v1.12.1) turned into code execution in the controller, whose service account can read every Secret of the cluster; only the API server should reach this port",
				svc.Namespace, svc.Name, sp.Port, ctrl, who, reason, external)
			evidence := []graph.Evidence{graph.EvidenceOf(entry)}
			if c.w != nil {
				evidence = append(evidence, graph.EvidenceOf(c.w.Object))
			}
			for _, name := range verdict.Policies {
				ns, n, _ := strings.Cut(name, "/")
				if o := m.Object(inventory.NetworkPolicy, ns, n); o != nil {
					evidence = append(evidence, graph.EvidenceOf(o))
				}
			}
			if len(reached) > 0 {
				evidence = append(evidence, graph.EvidenceOf(reached[0].Object))
			}
			code, versionNote := "SR1501", ""
			switch v, known := webhookControllerVersion(c.w); {
			case !known:
				assumptions = append(assumptions, "the controller's version cannot be read from its image ("+v+"): taken as vulnerable to CVE-2025-1974")
			case webhookPatched(v):
				code = "SR1502"
				versionNote = fmt.Sprintf(" The controller runs %s, which has the CVE-2025-1974 fix (v1.11.5, v1.12.1 and later), so this is hygiene: still only the API server should reach the webhook.", v)
				msg = fmt.Sprintf("Service %s/%s exposes the ingress-nginx admission webhook (port %d → %s) to %s (%s)%s.%s",
					svc.Namespace, svc.Name, sp.Port, ctrl, who, reason, external, versionNote)
			}
			f := p.Finding(code, passutil.Ref(entry), msg, evidence...)
			f.Assumptions = append([]string(nil), assumptions...)
			if verdict.Assumption != "" {
				f.Assumptions = append(f.Assumptions, verdict.Assumption)
			}
			return f, true
		}
	}
	return analysis.Finding{}, false
}

func webhookName(w *inventory.Workload) string {
	return fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name)
}

// webhookTargetPort says whether the Service port is the admission webhook
// of the controller (port named https-webhook, targetPort webhook, or a
// target that is the container port named webhook) and resolves it.
func webhookTargetPort(sp corev1.ServicePort, c webhookController) (int32, bool) {
	named := sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != ""
	var target int32
	switch {
	case named && c.w != nil:
		port, ok := c.w.NamedPort(sp.TargetPort.StrVal)
		if !ok {
			return 0, false // the Service has no endpoint on this port
		}
		target = port
	case named:
		if sp.TargetPort.StrVal != "webhook" {
			return 0, false
		}
		target = 8443 // the chart's webhook port; the pods are not in the input
	case sp.TargetPort.IntVal != 0:
		target = sp.TargetPort.IntVal
	default:
		target = sp.Port
	}
	if sp.Name == "https-webhook" || (named && sp.TargetPort.StrVal == "webhook") {
		return target, true
	}
	if c.w != nil {
		if port, ok := c.w.NamedPort("webhook"); ok && port == target {
			return target, true
		}
	}
	return 0, false
}

// webhookIsNginxController recognises the kubernetes/ingress-nginx
// controller (not NGINX Inc's nginx/nginx-ingress, which has no such
// webhook) by image, entrypoint or the chart's labels.
func webhookIsNginxController(w *inventory.Workload) bool {
	for _, img := range w.Images() {
		if strings.Contains(img, "ingress-nginx/controller") || strings.Contains(img, "nginx-ingress-controller") {
			return true
		}
	}
	for _, c := range w.Template.Spec.Containers {
		for _, a := range append(append([]string{}, c.Command...), c.Args...) {
			if a == "/nginx-ingress-controller" {
				return true
			}
		}
	}
	l := w.Labels()
	return l["app.kubernetes.io/name"] == "ingress-nginx" && (l["app.kubernetes.io/component"] == "" || l["app.kubernetes.io/component"] == "controller")
}

// webhookControllerVersion reads the controller version from its image
// tag (registry.k8s.io/ingress-nginx/controller:v1.12.1@sha256:...); known
// is false for a stand-in controller, a digest-only or non-semver tag.
func webhookControllerVersion(w *inventory.Workload) (version string, known bool) {
	if w == nil {
		return "controller pods not in the input", false
	}
	for _, img := range w.Images() {
		if !strings.Contains(img, "ingress-nginx/controller") && !strings.Contains(img, "nginx-ingress-controller") {
			continue
		}
		ref, _, _ := strings.Cut(img, "@")
		slash := strings.LastIndex(ref, "/")
		colon := strings.LastIndex(ref, ":")
		if colon < slash+1 || colon < 0 {
			return img + ", no tag", false
		}
		tag := ref[colon+1:]
		if _, _, _, ok := webhookSemver(tag); !ok {
			return img, false
		}
		return tag, true
	}
	return "no ingress-nginx controller image", false
}

// webhookPatched: CVE-2025-1974 is fixed in v1.11.5 and v1.12.1 and every
// later release (https://kubernetes.io/blog/2025/03/24/ingress-nginx-cve-2025-1974/);
// v1.12.0 and everything before v1.11.5 is vulnerable.
func webhookPatched(tag string) bool {
	major, minor, patch, _ := webhookSemver(tag)
	switch {
	case major != 1:
		return major > 1
	case minor > 12:
		return true
	case minor == 12:
		return patch >= 1
	case minor == 11:
		return patch >= 5
	}
	return false
}

func webhookSemver(tag string) (major, minor, patch int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(tag, "v"), ".", 3)
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	nums := make([]int, 3)
	for i, part := range parts {
		if i == 2 {
			part, _, _ = strings.Cut(part, "-")
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return 0, 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], nums[2], true
}

// webhookIsAPIServer: a kube-apiserver pod in the input (static pods in
// kube-system) is the one legitimate client.
func webhookIsAPIServer(w *inventory.Workload) bool {
	return strings.HasPrefix(w.Name, "kube-apiserver") || w.Labels()["component"] == "kube-apiserver"
}

// webhookExternallyExposed names how the Service publishes its ports
// outside the cluster, or "".
func webhookExternallyExposed(svc *corev1.Service) string {
	switch {
	case svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort:
		return "of type " + string(svc.Spec.Type)
	case len(svc.Spec.ExternalIPs) > 0:
		return "given externalIPs"
	}
	return ""
}
