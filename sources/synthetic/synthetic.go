// Package synthetic writes realistic manifests of any size, for benchmarks
// and scale tests: an ingress-nginx controller in front of many teams, each
// with injected namespaces, PERMISSIVE mTLS, NetworkPolicies, web apps
// behind Ingresses and a PostgreSQL database. Every team database is
// reachable through its PERMISSIVE web tier, so the analysis has real work.
package synthetic

import (
	"fmt"
	"strings"
)

// Cluster writes a cluster of namespaces × apps: each namespace is
// injected, has a STRICT PeerAuthentication, a default-deny NetworkPolicy
// plus an allow-from-ingress one, apps with Services behind one Ingress, and
// a PostgreSQL StatefulSet that only its namespace may reach.
func Cluster(namespaces, appsPerNamespace int) []byte {
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
	return []byte(b.String())
}
