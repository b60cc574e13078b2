package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/synthetic/fuzzbytes"
)

// smallCluster builds a small mesh application from fuzz choices, in the
// shape of the scenarios: an entry (nginx Ingress and/or Istio gateway), a
// web tier and a database, with the mesh and policy objects that decide the
// paths between them varied one choice at a time.
func smallCluster(c *fuzzbytes.Reader) string {
	var b strings.Builder
	doc := func(format string, args ...any) {
		b.WriteString("---\n")
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\n")
	}
	inject := func() string {
		return c.Choose("istio-injection: enabled", "istio-injection: disabled", "istio.io/rev: canary", "tier: app")
	}
	doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-system}")
	doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: ingress-nginx}")
	doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {kubernetes.io/metadata.name: web, %s}}", inject())
	doc("apiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {kubernetes.io/metadata.name: data, %s}}", inject())
	if c.Choose("nginx", "none") == "nginx" {
		doc("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}")
		doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\nspec:\n  selector: {matchLabels: {app: nginx}}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec:\n      containers: [{name: c, image: registry.k8s.io/ingress-nginx/controller:v1.11.3, ports: [{name: http, containerPort: 80}]}]")
		doc("apiVersion: v1\nkind: Service\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\nspec: {type: %s, selector: {app: nginx}, ports: [{name: http, port: 80, targetPort: http}]}", c.Choose("LoadBalancer", "NodePort", "ClusterIP"))
		doc("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: web, annotations: {%s}}\nspec:\n  ingressClassName: nginx\n  rules: [{host: %s, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}]}}]",
			c.Choose("a: b", "nginx.ingress.kubernetes.io/service-upstream: \"true\""), c.Choose("shop.example.com", "\"*.example.com\""), c.Choose("frontend", "postgres", "missing"))
	}
	if c.Choose("istio", "none") == "istio" {
		doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  template:\n    metadata: {labels: {istio: ingressgateway}, annotations: {inject.istio.io/templates: gateway}}\n    spec:\n      containers: [{name: istio-proxy, image: auto, ports: [{containerPort: 8080}]}]")
		doc("apiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\nspec: {type: LoadBalancer, selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}, {name: status-port, port: 15021, targetPort: 15021}]}")
		doc("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: web}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 8080, name: http, protocol: %s}, hosts: [\"%s\"]}]", c.Choose("HTTP", "HTTPS", "TCP"), c.Choose("*", "web/*", "./shop.example.com", "other/*"))
		doc("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: web}\nspec:\n  hosts: [\"%s\"]\n  gateways: [%s]\n  %s: [{route: [{destination: {host: %s, port: {number: %s}}}]}]",
			c.Choose("shop.example.com", "*"), c.Choose("gw", "web/gw", "gw.web.svc.cluster.local", "mesh"), c.Choose("http", "tcp"), c.Choose("frontend", "postgres.data.svc.cluster.local", "postgres.data"), c.Choose("80", "5432"))
	}
	doc("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend, namespace: web}\nspec:\n  selector: {matchLabels: {app: frontend}}\n  template:\n    metadata: {labels: {app: frontend, %s}, annotations: {%s}}\n    spec:\n      serviceAccountName: frontend\n      containers: [{name: app, image: ghcr.io/acme/frontend:1, ports: [{name: http, containerPort: 8080}]}]",
		c.Choose("tier: app", "sidecar.istio.io/inject: \"false\"", "sidecar.istio.io/inject: \"true\""), c.Choose("a: b", "traffic.sidecar.istio.io/excludeInboundPorts: \"8080\""))
	doc("apiVersion: v1\nkind: Service\nmetadata: {name: frontend, namespace: web}\nspec: {selector: {app: frontend}, ports: [{name: %s, port: 80, targetPort: http}]}", c.Choose("http", "tcp-web", "web"))
	doc("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: postgres, namespace: data}\nspec:\n  serviceName: postgres\n  selector: {matchLabels: {app: postgres}}\n  template:\n    metadata: {labels: {app: postgres, %s}}\n    spec:\n      serviceAccountName: postgres\n      containers: [{name: postgres, image: postgres:16, ports: [{name: postgres, containerPort: 5432}]}]",
		c.Choose("tier: app", "sidecar.istio.io/inject: \"false\""))
	doc("apiVersion: v1\nkind: Service\nmetadata: {name: postgres, namespace: data}\nspec: {type: %s, selector: {app: postgres}, ports: [{name: tcp-postgres, port: 5432, targetPort: postgres}]}", c.Choose("ClusterIP", "ClusterIP", "LoadBalancer"))
	for _, ns := range []string{"istio-system", "web", "data"} {
		if mode := c.Choose("none", "STRICT", "PERMISSIVE", "DISABLE", "UNSET"); mode != "none" {
			doc("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: %s}\nspec: {mtls: {mode: %s}}", ns, mode)
		}
	}
	if mode := c.Choose("none", "STRICT", "PERMISSIVE"); mode != "none" {
		doc("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pg, namespace: data}\nspec: {selector: {matchLabels: {app: postgres}}, mtls: {mode: %s}, portLevelMtls: {%s}}", mode, c.Choose("", "5432: {mode: PERMISSIVE}", "5432: {mode: STRICT}"))
	}
	switch c.Choose("none", "allow-ns", "deny-ns", "deny-notns", "allow-nothing", "allow-paths", "deny-all") {
	case "allow-ns":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {selector: {matchLabels: {app: postgres}}, action: ALLOW, rules: [{from: [{source: {namespaces: [web]}}]}]}")
	case "deny-ns":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {action: DENY, rules: [{from: [{source: {namespaces: [ingress-nginx]}}]}]}")
	case "deny-notns":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {action: DENY, rules: [{from: [{source: {notNamespaces: [web]}}]}]}")
	case "allow-nothing":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {}")
	case "allow-paths":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {action: ALLOW, rules: [{to: [{operation: {paths: [/x]}}]}]}")
	case "deny-all":
		doc("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: data}\nspec: {action: DENY, rules: [{}]}")
	}
	switch c.Choose("none", "deny-all", "from-web", "from-frontend", "ipblock") {
	case "deny-all":
		doc("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: data}\nspec: {podSelector: {}, policyTypes: [Ingress]}")
	case "from-web":
		doc("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: data}\nspec: {podSelector: {matchLabels: {app: postgres}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}}], ports: [{port: %s}]}]}", c.Choose("5432", "postgres", "80"))
	case "from-frontend":
		doc("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: data}\nspec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: frontend}}}]}]}")
	case "ipblock":
		doc("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: data}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]}")
	}
	return b.String()
}

// FuzzPipeline runs the whole pipeline (load, graph, every rule) on small
// generated clusters. Properties: nothing panics, and every shadow-route
// finding carries a witness path that is valid hop by hop: it starts on the
// internet, ends at the finding's target, every hop after the first was
// reached over an edge that carries traffic, and at least one hop is a
// plaintext workload-to-workload connection (the bypass the rule names).
func FuzzPipeline(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2},
		{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 2, 1, 0, 0, 2, 3},
	} {
		f.Add(seed)
	}
	loader, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		yaml := smallCluster(fuzzbytes.New(data))
		inv := inventory.New()
		loader.LoadBytes(inv, "fuzz.yaml", []byte(yaml))
		if len(inv.Warnings) > 0 {
			t.Fatalf("generator wrote a bad manifest: %v\n%s", inv.Warnings, yaml)
		}
		m := model.New(inv, model.Options{})
		g, err := build.Build(m)
		if err != nil {
			t.Fatalf("build: %v\n%s", err, yaml)
		}
		res := analysis.Run(analysis.Input{Graph: g, Model: m}, All())
		for _, fd := range res.Findings {
			if fd.Rule != "shadow-route" {
				continue
			}
			if msg := invalidWitness(fd); msg != "" {
				t.Errorf("%s %s: %s\npath: %+v\n%s", fd.Rule, fd.Target, msg, fd.Path, yaml)
			}
		}
	})
}

// invalidWitness checks a shadow-route witness path by the per-hop rules;
// "" means valid.
func invalidWitness(fd analysis.Finding) string {
	if len(fd.Path) < 2 {
		return "path has fewer than two hops"
	}
	if k := fd.Path[0].Node.Kind; k != graph.KindInternet {
		return "path starts at " + string(k) + ", not the internet"
	}
	last := fd.Path[len(fd.Path)-1].Node
	if last.Namespace != fd.Target.Namespace || !strings.Contains(last.Label+" "+last.Name, fd.Target.Name) {
		return fmt.Sprintf("path ends at %s/%s, not the target", last.Namespace, last.Name)
	}
	plaintext := false
	for i, h := range fd.Path[1:] {
		if h.Edge == nil {
			return fmt.Sprintf("hop %d has no edge", i+1)
		}
		switch h.Edge.Kind {
		case graph.EdgeExposes, graph.EdgeForwards, graph.EdgeNetwork:
		default:
			return fmt.Sprintf("hop %d is over a %s edge, which carries no traffic", i+1, h.Edge.Kind)
		}
		if h.Edge.Kind == graph.EdgeNetwork && h.Edge.Auth == graph.AuthPlaintext && h.Node.Kind == graph.KindWorkload {
			plaintext = true
		}
	}
	if !plaintext {
		return "no hop is a plaintext connection into a workload"
	}
	return ""
}
