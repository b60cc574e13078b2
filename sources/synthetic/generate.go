package synthetic

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Size is a generated cluster's shape. Workloads = Namespaces ×
// WorkloadsPerNamespace (plus two databases per namespace); pods =
// workloads × Replicas.
type Size struct {
	Name                  string
	Namespaces            int
	WorkloadsPerNamespace int
	Replicas              int
}

// Sizes are the benchmark sizes: small 1k pods, medium 10k, large 100k
// pods ≈ 10k workloads, 10k Services, 5.6k NetworkPolicies, 3k routes and
// 2k AuthorizationPolicies (per namespace: 25 workloads and Services, 14
// NetworkPolicies, 7-8 routes, 5 AuthorizationPolicies).
var Sizes = map[string]Size{
	"small":  {Name: "small", Namespaces: 4, WorkloadsPerNamespace: 23, Replicas: 10},
	"medium": {Name: "medium", Namespaces: 40, WorkloadsPerNamespace: 23, Replicas: 10},
	"large":  {Name: "large", Namespaces: 400, WorkloadsPerNamespace: 23, Replicas: 10},
}

// SizeNames lists the sizes, smallest first.
func SizeNames() []string { return []string{"small", "medium", "large"} }

// Generate writes a cluster of the given size as one file per namespace
// (plus the shared infrastructure), deterministic from seed. Each
// namespace has, drawn from the seed: a team of web, api and worker
// Deployments with Services; a PostgreSQL StatefulSet and a Redis
// Deployment; a default-deny NetworkPolicy and one allow policy per
// workload (pod selectors, namespace selectors, ipBlocks); a namespace
// PeerAuthentication (most STRICT, some PERMISSIVE) and a few workload-level
// ones; AuthorizationPolicies with principals, namespaces and paths; and
// routes: ingress-nginx Ingresses, Istio VirtualServices on the shared
// ingress gateway and Gateway API HTTPRoutes on a shared Gateway. Injected
// mistakes (a database without its sidecar, a PERMISSIVE namespace, an
// Ingress straight to a database, a public LoadBalancer on one) give the
// rules real findings.
func Generate(size Size, seed uint64) map[string][]byte {
	out := map[string][]byte{"00-infrastructure.yaml": []byte(infrastructure())}
	for n := 0; n < size.Namespaces; n++ {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		name := fmt.Sprintf("%03d-team-%d.yaml", n+1, n)
		out[name] = []byte(namespace(rng, n, size))
	}
	return out
}

// Write writes Generate's files into dir (created if missing) and returns
// how many bytes it wrote.
func Write(dir string, size Size, seed uint64) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	files := Generate(size, seed)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var total int64
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return total, err
		}
		total += int64(len(files[n]))
	}
	return total, nil
}

func infrastructure() string {
	return `apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  replicas: 3
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway, sidecar.istio.io/inject: "false"}}
    spec: {serviceAccountName: istio-ingressgateway, containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.28.0, ports: [{containerPort: 8080}, {containerPort: 8443}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {type: LoadBalancer, selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*/*.example.com"]
    tls: {mode: SIMPLE, credentialName: wildcard-tls}
---
apiVersion: v1
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
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  replicas: 3
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
    spec: {serviceAccountName: ingress-nginx, containers: [{name: controller, image: registry.k8s.io/ingress-nginx/controller:v1.12.1, ports: [{name: http, containerPort: 80}, {name: https, containerPort: 443}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec: {type: LoadBalancer, selector: {app.kubernetes.io/name: ingress-nginx}, ports: [{name: http, port: 80, targetPort: http}, {name: https, port: 443, targetPort: https}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: gateways, labels: {istio-injection: enabled}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: gateways}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.apps.example.com"
    tls: {certificateRefs: [{name: apps-tls}]}
    allowedRoutes: {namespaces: {from: All}}
`
}

// tiers of a team's workloads, in order; each workload's tier decides its
// routes and who may call it.
var tiers = []string{"web", "api", "worker"}

func namespace(rng *rand.Rand, n int, size Size) string {
	ns := fmt.Sprintf("team-%d", n)
	var b strings.Builder
	doc := func(format string, args ...any) {
		b.WriteString("---\n")
		fmt.Fprintf(&b, format, args...)
	}
	injected := rng.IntN(10) != 0 // one namespace in ten outside the mesh
	labels := fmt.Sprintf("team: %s, tier-group: g%d", ns, n%7)
	if injected {
		labels += ", istio-injection: enabled"
	}
	doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: {%s}}\n", ns, labels)
	mode := "STRICT"
	if rng.IntN(5) == 0 { // mistake: a PERMISSIVE namespace
		mode = "PERMISSIVE"
	}
	doc("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: %s}\nspec: {mtls: {mode: %s}}\n", ns, mode)
	doc("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: %s}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n", ns)

	// Databases.
	skipSidecar := ""
	if rng.IntN(8) == 0 { // mistake: the database's sidecar is skipped
		skipSidecar = `, annotations: {sidecar.istio.io/inject: "false"}`
	}
	doc(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: %[1]s}
spec:
  serviceName: postgres
  replicas: 3
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres, role: database}%[2]s}
    spec:
      serviceAccountName: postgres
      containers: [{name: pg, image: postgres:16.4, ports: [{name: pg, containerPort: 5432}], env: [{name: POSTGRES_PASSWORD, valueFrom: {secretKeyRef: {name: postgres, key: password}}}]}]
`, ns, skipSidecar)
	dbType := "ClusterIP"
	if rng.IntN(25) == 0 { // mistake: a public database
		dbType = "LoadBalancer"
	}
	doc("apiVersion: v1\nkind: Service\nmetadata: {name: postgres, namespace: %s}\nspec: {type: %s, selector: {app: postgres}, ports: [{name: tcp-pg, port: 5432, targetPort: pg}]}\n", ns, dbType)
	doc("apiVersion: v1\nkind: Secret\nmetadata: {name: postgres, namespace: %s}\ntype: Opaque\nstringData: {password: not-a-real-value}\n", ns)
	doc(`apiVersion: apps/v1
kind: Deployment
metadata: {name: redis, namespace: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis, role: cache}}
    spec: {containers: [{name: redis, image: redis:7.4, ports: [{name: redis, containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: %[1]s}
spec: {selector: {app: redis}, ports: [{name: tcp-redis, port: 6379, targetPort: redis}]}
`, ns)
	doc(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: databases-from-api, namespace: %[1]s}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [postgres, redis]}]}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {tier: api}}}, {podSelector: {matchLabels: {tier: worker}}}], ports: [{port: 5432}, {port: 6379}]}]
`, ns)
	if rng.IntN(4) == 0 { // a workload-level exception on the database
		doc("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: postgres, namespace: %s}\nspec:\n  selector: {matchLabels: {app: postgres}}\n  mtls: {mode: STRICT}\n  portLevelMtls: {9187: {mode: PERMISSIVE}}\n", ns)
	}
	doc(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: postgres, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: postgres}}
  action: ALLOW
  rules: [{from: [{source: {principals: ["cluster.local/ns/%[1]s/sa/api-1", "cluster.local/ns/%[1]s/sa/worker-2"]}}], to: [{operation: {ports: ["5432"]}}]}]
`, ns)

	routes := 0
	for w := 0; w < size.WorkloadsPerNamespace; w++ {
		tier := tiers[w%len(tiers)]
		name := fmt.Sprintf("%s-%d", tier, w)
		doc(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  replicas: %[4]d
  selector: {matchLabels: {app: %[2]s}}
  template:
    metadata: {labels: {app: %[2]s, tier: %[3]s, version: v%[5]d}}
    spec: {serviceAccountName: %[2]s, containers: [{name: app, image: registry.example.com/%[1]s/%[2]s:1.%[5]d, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: %[2]s, namespace: %[1]s}
spec: {selector: {app: %[2]s}, ports: [{name: http, port: 80, targetPort: http}]}
`, ns, name, tier, size.Replicas, rng.IntN(9))
		// An allow policy for every other workload (the rest rely on the
		// default deny): callers by tier, by namespace label, or from an
		// address range.
		switch {
		case w%2 == 1:
		case tier == "web":
			doc(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: %[2]s}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gateways}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.%[3]d.0.0/16]}
    ports: [{port: 8080}]
`, ns, name, rng.IntN(250))
		case tier == "api":
			doc(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: %[2]s}}
  ingress: [{from: [{podSelector: {matchLabels: {tier: web}}}, {namespaceSelector: {matchLabels: {tier-group: g%[3]d}}, podSelector: {matchLabels: {tier: api}}}]}]
`, ns, name, rng.IntN(7))
		default:
			doc(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: %[2]s}}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [api, worker]}]}}]}]
`, ns, name)
		}
		// Routes: web and api workloads are published, 7 or 8 per
		// namespace (Ingress, VirtualService, HTTPRoute in turn).
		if tier != "worker" && routes < 7+n%2 {
			switch routes % 3 {
			case 0:
				doc(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  ingressClassName: nginx
  rules: [{host: %[2]s.%[1]s.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: %[2]s, port: {number: 80}}}}]}}]
`, ns, name)
			case 1:
				doc(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  hosts: [%[2]s.%[1]s.example.com]
  gateways: [istio-system/public]
  http: [{match: [{uri: {prefix: /api}}], route: [{destination: {host: %[2]s.%[1]s.svc.cluster.local, port: {number: 80}}}]}]
`, ns, name)
			default:
				doc(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  parentRefs: [{name: web, namespace: gateways}]
  hostnames: [%[2]s-%[1]s.apps.example.com]
  rules: [{matches: [{path: {type: PathPrefix, value: /}}], backendRefs: [{name: %[2]s, port: 80}]}]
`, ns, name)
			}
			routes++
		}
		// AuthorizationPolicies: one workload in six.
		if w%6 == 1 {
			doc(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: %[2]s}}
  action: ALLOW
  rules:
  - from: [{source: {namespaces: [%[1]s, istio-system, gateways]}}]
    to: [{operation: {paths: ["/api/*", "/healthz"], methods: [GET, POST]}}]
  - from: [{source: {principals: ["cluster.local/ns/ingress-nginx/sa/ingress-nginx"]}}]
`, ns, name)
		}
	}
	if rng.IntN(30) == 0 { // mistake: an Ingress straight to the database
		doc(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: postgres-admin, namespace: %[1]s}
spec:
  ingressClassName: nginx
  rules: [{host: db.%[1]s.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: postgres, port: {number: 5432}}}}]}}]
`, ns)
	}
	return strings.TrimPrefix(b.String(), "---\n")
}

// PolicyOnly writes the NetworkPolicy-only shape the connectivity target
// is measured on (docs/performance.md): namespaces × workloads, each
// workload a Deployment with a Service and one allow policy (from the
// workload before it in its namespace, and from ingress-nginx), a
// default-deny policy per namespace and one Ingress per namespace; no mesh.
func PolicyOnly(namespaces, workloadsPerNamespace int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: ingress-nginx}\n")
	for n := 0; n < namespaces; n++ {
		ns := fmt.Sprintf("ns-%d", n)
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %[1]s}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: %[1]s}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n", ns)
		for w := 0; w < workloadsPerNamespace; w++ {
			fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: w-%[2]d, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: w-%[2]d}}
  template:
    metadata: {labels: {app: w-%[2]d}}
    spec: {containers: [{name: c, image: example/w:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: w-%[2]d, namespace: %[1]s}
spec: {selector: {app: w-%[2]d}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: w-%[2]d, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: w-%[2]d}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: w-%[3]d}}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
    ports: [{port: 8080}]
`, ns, w, (w+workloadsPerNamespace-1)%workloadsPerNamespace)
		}
		fmt.Fprintf(&b, `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: %[1]s}
spec:
  rules: [{host: %[1]s.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: w-0, port: {number: 80}}}}]}}]
`, ns)
	}
	return []byte(b.String())
}
