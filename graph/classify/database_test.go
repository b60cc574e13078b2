package classify

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

func wl(image string, port int32, labels map[string]string) *inventory.Workload {
	c := corev1.Container{Name: "c", Image: image}
	if port != 0 {
		c.Ports = []corev1.ContainerPort{{ContainerPort: port}}
	}
	return &inventory.Workload{Namespace: "data", Name: "x", Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}}
}

func TestDatabase(t *testing.T) {
	sensitive, err := ParseSensitive("payments/app=ledger")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		w    *inventory.Workload
		opts Options
		db   bool
	}{
		{"postgres image", wl("postgres:16.4", 0, nil), Options{}, true},
		{"registry and digest", wl("docker.io/library/postgres@sha256:abc", 0, nil), Options{}, true},
		{"bitnami redis", wl("docker.io/bitnami/redis:7.4", 0, nil), Options{}, true},
		{"cloudnative-pg", wl("ghcr.io/cloudnative-pg/postgresql:16", 0, nil), Options{}, true},
		{"mongo", wl("mongo:7", 0, nil), Options{}, true},
		{"exporter is not a database", wl("quay.io/prometheuscommunity/postgres-exporter:v0.15", 0, nil), Options{}, false},
		{"operator is not a database", wl("ghcr.io/zalando/postgres-operator:v1.12", 0, nil), Options{}, false},
		{"web app", wl("example/web:1", 8080, nil), Options{}, false},
		{"well-known port", wl("example/custom-db:1", 5432, nil), Options{}, true},
		{"gateway on 5432 is a proxy", wl("docker.io/istio/proxyv2:1.23.2", 5432, nil), Options{}, false},
		{"label component database", wl("example/x", 0, map[string]string{"app.kubernetes.io/component": "database"}), Options{}, true},
		{"label sensitive", wl("example/x", 0, map[string]string{"shadowroute.io/sensitive": "true"}), Options{}, true},
		{"no defaults", wl("postgres:16", 5432, nil), Options{NoDefaults: true}, false},
		{"sensitive flag wrong namespace", wl("example/x", 0, map[string]string{"app": "ledger"}), Options{Sensitive: []SensitiveRule{sensitive}}, false},
	}
	for _, tt := range tests {
		if got := Database(tt.w, tt.opts); (got != "") != tt.db {
			t.Errorf("%s: Database = %q, want database=%v", tt.name, got, tt.db)
		}
	}
	w := wl("example/x", 0, map[string]string{"app": "ledger"})
	w.Namespace = "payments"
	if got := Database(w, Options{NoDefaults: true, Sensitive: []SensitiveRule{sensitive}}); got != "matches --sensitive payments/app=ledger" {
		t.Errorf("sensitive rule: %q", got)
	}
	if _, err := ParseSensitive("no-slash"); err == nil {
		t.Error("ParseSensitive accepted a value without namespace")
	}
}
