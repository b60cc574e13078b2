package analysis_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// syntheticCluster writes a cluster of namespaces × apps: each namespace is
// injected, has a STRICT PeerAuthentication, a default-deny NetworkPolicy
// plus an allow-from-ingress one, apps with Services behind one Ingress, and
// a PostgreSQL StatefulSet that only its namespace may reach.
func syntheticCluster(namespaces, appsPerNamespace int) string {
	var b strings.Builder
	b.WriteString(`apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
    spec: {containers: [{name: c, image: registry.k8s.io/ingress-nginx/controller:v1.11.3, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: controller, namespace: ingress-nginx}
spec: {type: LoadBalancer, selector: {app.kubernetes.io/name: ingress-nginx}, ports: [{port: 80, targetPort: http}]}
`)
	for n := 0; n < namespaces; n++ {
		ns := fmt.Sprintf("team-%d", n)
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s, labels: {istio-injection: enabled}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: %[1]s}
spec: {mtls: {mode: PERMISSIVE}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: %[1]s}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-and-team, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {tier: web}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}, {podSelector: {}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-team, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: postgres}}
  ingress: [{from: [{podSelector: {matchLabels: {tier: web}}}], ports: [{port: 5432}]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: %[1]s}
spec:
  serviceName: postgres
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres}}
    spec: {containers: [{name: pg, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: %[1]s}
spec: {selector: {app: postgres}, ports: [{name: tcp-pg, port: 5432, targetPort: pg}]}
`, ns)
		for a := 0; a < appsPerNamespace; a++ {
			fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-%[2]d, namespace: %[1]s}
spec:
  replicas: 10
  selector: {matchLabels: {app: app-%[2]d}}
  template:
    metadata: {labels: {app: app-%[2]d, tier: web}}
    spec: {serviceAccountName: app-%[2]d, containers: [{name: app, image: example/app:1, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: app-%[2]d, namespace: %[1]s}
spec: {selector: {app: app-%[2]d}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app-%[2]d, namespace: %[1]s}
spec:
  rules:
  - host: app-%[2]d.%[1]s.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app-%[2]d, port: {number: 80}}}}]}
`, ns, a)
		}
	}
	return b.String()
}

func benchmarkCluster(b *testing.B, namespaces, apps int) {
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, "synthetic.yaml", []byte(syntheticCluster(namespaces, apps)))
	if len(inv.Warnings) > 0 {
		b.Fatal(inv.Warnings)
	}
	b.ResetTimer()
	var findings int
	for i := 0; i < b.N; i++ {
		g, err := build.Build(inv, build.Options{})
		if err != nil {
			b.Fatal(err)
		}
		findings = len(analysis.Analyze(g).Findings)
	}
	b.ReportMetric(float64(len(inv.Workloads())), "workloads")
	b.ReportMetric(float64(findings), "findings")
}

func BenchmarkBuildAndAnalyze100Workloads(b *testing.B)  { benchmarkCluster(b, 10, 9) }
func BenchmarkBuildAndAnalyze500Workloads(b *testing.B)  { benchmarkCluster(b, 25, 19) }
func BenchmarkBuildAndAnalyze2000Workloads(b *testing.B) { benchmarkCluster(b, 50, 39) }

// TestSyntheticClusterFindings keeps the benchmark's input honest: every
// team database is reached through its PERMISSIVE web tier from nginx.
func TestSyntheticClusterFindings(t *testing.T) {
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, "synthetic.yaml", []byte(syntheticCluster(3, 2)))
	g, err := build.Build(inv, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := analysis.Analyze(g)
	if len(res.Findings) != 3 {
		t.Fatalf("findings = %d, want 3 (one shadow-route per team database)", len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.Rule != "shadow-route" || f.Severity != analysis.High {
			t.Errorf("unexpected finding %s %s %s", f.Rule, f.Severity, f.Target)
		}
	}
}
