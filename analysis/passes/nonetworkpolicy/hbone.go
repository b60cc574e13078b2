package nonetworkpolicy

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/graph"
)

// hboneMessage is the ambient check's code.
var hboneMessage = analysis.Message{Code: "SR1405", Level: analysis.Medium,
	Summary: "an ingress NetworkPolicy selecting ambient pods admits application ports but not the HBONE port 15008: every mesh connection to them is dropped"}

// hbonePort is where ambient mesh traffic arrives at a pod.
const hbonePort = 15008

// hboneBlocked reports ingress NetworkPolicies that select ambient pods
// and admit traffic only on listed ports that leave out 15008: mesh
// traffic to an ambient pod is an HBONE tunnel to port 15008 of the pod,
// so every mesh client the policy means to admit is dropped, while
// plaintext from outside the mesh still passes on the application port
// ("you will have to add an exception to that NetworkPolicy for port
// 15008", https://istio.io/latest/docs/ambient/usage/networkpolicy/).
// A policy with no ingress rules (deny-all) or a rule without ports is not
// reported.
func hboneBlocked(p *analysis.Pass) []analysis.Finding {
	var out []analysis.Finding
	env := p.Mesh()
	for _, np := range p.Model.NetworkPolicies() {
		if !isIngressPolicy(np.Obj) || len(np.Obj.Spec.Ingress) == 0 {
			continue
		}
		admits15008 := false
		var ports []string
		for _, r := range np.Obj.Spec.Ingress {
			if len(r.Ports) == 0 {
				admits15008 = true
			}
			for _, pp := range r.Ports {
				switch {
				case pp.Port == nil:
					admits15008 = true
				case pp.Port.Type == intstr.Int && (pp.Port.IntVal == hbonePort || (pp.EndPort != nil && pp.Port.IntVal <= hbonePort && *pp.EndPort >= hbonePort)):
					admits15008 = true
				default:
					ports = append(ports, pp.Port.String())
				}
			}
		}
		if admits15008 {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Obj.Spec.PodSelector)
		if err != nil {
			continue
		}
		var ambient []string
		for _, w := range p.Model.SelectWorkloads(sel, np.Obj.Namespace) {
			if env.InjectionStatus(w).Ambient {
				ambient = append(ambient, w.Namespace+"/"+w.Name)
			}
		}
		if len(ambient) == 0 {
			continue
		}
		out = append(out, p.Finding(hboneMessage.Code, passutil.Ref(np.Entry), fmt.Sprintf(
			"NetworkPolicy %s/%s selects ambient pods %s and admits only ports %s, not the HBONE port %d: mesh traffic to an ambient pod is tunnelled to port %d, so every mesh client it means to admit is dropped, while plaintext from outside the mesh still reaches the listed ports; add port %d to the rules (https://istio.io/latest/docs/ambient/usage/networkpolicy/)",
			np.Obj.Namespace, np.Obj.Name, strings.Join(ambient, ", "), strings.Join(ports, ", "), hbonePort, hbonePort, hbonePort), graph.EvidenceOf(np.Entry)))
	}
	return out
}
