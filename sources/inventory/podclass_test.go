package inventory

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPodClassKey: pods differing in anything a selector question reads
// (namespace, a label, the service account, hostNetwork) are in different
// classes; label order and the name are not part of the class.
func TestPodClassKey(t *testing.T) {
	w := func(ns, name, sa string, host bool, labels map[string]string) *Workload {
		return &Workload{Namespace: ns, Name: name, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{ServiceAccountName: sa, HostNetwork: host}}}
	}
	base := w("shop", "api", "api", false, map[string]string{"app": "api", "tier": "web"})
	same := w("shop", "api-canary", "api", false, map[string]string{"tier": "web", "app": "api"})
	if PodClassKey(base) != PodClassKey(same) {
		t.Errorf("same namespace, labels and service account: %q != %q", PodClassKey(base), PodClassKey(same))
	}
	for name, other := range map[string]*Workload{
		"namespace":       w("data", "api", "api", false, map[string]string{"app": "api", "tier": "web"}),
		"label value":     w("shop", "api", "api", false, map[string]string{"app": "api", "tier": "db"}),
		"extra label":     w("shop", "api", "api", false, map[string]string{"app": "api", "tier": "web", "v": "2"}),
		"service account": w("shop", "api", "default", false, map[string]string{"app": "api", "tier": "web"}),
		"hostNetwork":     w("shop", "api", "api", true, map[string]string{"app": "api", "tier": "web"}),
		"label split":     w("shop", "api", "api", false, map[string]string{"app": "api,tier=web"}),
	} {
		if PodClassKey(other) == PodClassKey(base) {
			t.Errorf("%s differs but the class is the same: %q", name, PodClassKey(base))
		}
	}
}
