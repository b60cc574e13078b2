package model

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/graph/netpol"
)

// maxNamed caps the workloads a Not seen entry names one by one.
const maxNamed = 5

// Rejections words what each object the API server would refuse
// (sources/admission; the loader's warning gives the reasons) would have
// done, for the Not seen list: a rejected NetworkPolicy protects nothing,
// so the workloads it would have selected are analysed without it; a
// rejected Service routes nothing; a rejected workload runs nothing. The
// cluster holds none of them, so the verdicts are computed without them.
func (m *Model) Rejections() []string {
	var out []string
	for _, r := range m.Inventory.Rejected {
		what := fmt.Sprintf("%s (%s) is rejected by the Kubernetes API server, so it is not analysed", r.Object.Key, r.Object.Origin)
		switch o := r.Object.Obj.(type) {
		case *networkingv1.NetworkPolicy:
			out = append(out, what+": "+m.wouldHaveSelected(o))
		case *corev1.Service:
			out = append(out, what+": nothing is routed through it (Ingress and route backends naming it lead nowhere)")
		default:
			out = append(out, what+": its pods never run")
		}
	}
	return out
}

// wouldHaveSelected names the workloads a rejected NetworkPolicy's
// podSelector matches, with the directions it would have isolated.
func (m *Model) wouldHaveSelected(np *networkingv1.NetworkPolicy) string {
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		return fmt.Sprintf("its podSelector is invalid, so the workloads of namespace %s it meant to protect cannot be told; all of them are analysed without it", np.Namespace)
	}
	selected := m.SelectWorkloads(sel, np.Namespace)
	if len(selected) == 0 {
		return "it would have selected no workload in the input"
	}
	names := make([]string, 0, maxNamed)
	for i, w := range selected {
		if i == maxNamed {
			names = append(names, fmt.Sprintf("and %d more", len(selected)-maxNamed))
			break
		}
		names = append(names, w.Kind+" "+w.Namespace+"/"+w.Name)
	}
	return fmt.Sprintf("it would have selected %s for %s; they are analysed without it", strings.Join(names, ", "), policyDirections(np))
}

// policyDirections words the directions a policy isolates.
func policyDirections(np *networkingv1.NetworkPolicy) string {
	switch ingress, egress := netpol.Directions(&np.Spec); {
	case ingress && egress:
		return "ingress and egress"
	case egress:
		return "egress"
	}
	return "ingress"
}
