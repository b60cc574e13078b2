package model_test

import (
	"strconv"
	"strings"
	"testing"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

const cluster = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template: {metadata: {labels: {istio: ingressgateway}}, spec: {containers: [{name: p, image: proxyv2}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: shop}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template: {metadata: {labels: {istio: ingressgateway}}, spec: {containers: [{name: p, image: proxyv2}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api, tier: web}}, spec: {containers: [{name: a, image: api, ports: [{name: http, containerPort: 8080}]}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: other}
spec:
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a, image: api}]}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {tier: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: external, namespace: shop}
spec: {ports: [{port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["shop.example.com"]}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ["other/*.example.com"], tls: {mode: SIMPLE, credentialName: c}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: internal, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.shop.svc.cluster.local"]}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: none, namespace: shop}
spec:
  selector: {istio: nothing}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`

func load(t *testing.T, yaml string) *inventory.Inventory {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, "cluster.yaml", []byte(yaml))
	if len(inv.Warnings) > 0 {
		t.Fatalf("warnings: %v", inv.Warnings)
	}
	return inv
}

func names(ws []*inventory.Workload) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Namespace+"/"+w.Name)
	}
	return strings.Join(out, " ")
}

// TestServiceSelection: a Service selects the pods of its own namespace
// whose labels contain its selector; none without a selector.
func TestServiceSelection(t *testing.T) {
	m := model.New(load(t, cluster), model.Options{})
	for _, tc := range []struct{ svc, want string }{
		{"api", "shop/api"}, // not other/api: Services select in their namespace
		{"web", "shop/api"}, // a subset of the pod labels
		{"external", ""},    // no selector: endpoints managed elsewhere
	} {
		if got := names(m.Service("shop", tc.svc).Selected); got != tc.want {
			t.Errorf("Service shop/%s selects %q, want %q", tc.svc, got, tc.want)
		}
	}
	var of []string
	for _, w := range m.Workloads() {
		if w.Namespace == "shop" && w.Name == "api" {
			for _, s := range m.ServicesOf(w) {
				of = append(of, s.Key)
			}
		}
	}
	if strings.Join(of, " ") != "shop/api shop/web" {
		t.Errorf("ServicesOf(shop/api) = %v", of)
	}
	if m.Service("shop", "missing") != nil {
		t.Error("a missing Service resolved")
	}
}

// TestGatewayProxies: a Gateway selects proxies in every namespace, or only
// its own with GatewayScopeNamespace.
func TestGatewayProxies(t *testing.T) {
	inv := load(t, cluster)
	for _, tc := range []struct {
		scope          bool
		gateway, want  string
		wantNamespaces string
	}{
		{false, "shop/public", "istio-system/gw shop/gw", "istio-system shop"},
		{true, "shop/public", "shop/gw", "shop"},
		{false, "shop/none", "", ""},
	} {
		m := model.New(inv, model.Options{GatewayScopeNamespace: tc.scope})
		g := m.Gateway(tc.gateway)
		if got := names(g.Proxies); got != tc.want {
			t.Errorf("scope %v: %s proxies %q, want %q", tc.scope, tc.gateway, got, tc.want)
		}
		if got := strings.Join(g.ProxyNamespaces(), " "); got != tc.wantNamespaces {
			t.Errorf("scope %v: %s proxy namespaces %q, want %q", tc.scope, tc.gateway, got, tc.wantNamespaces)
		}
	}
}

// TestBindings: every reference form istiod resolves, exportTo against the
// proxies' namespaces, server hosts with namespace parts, each Gateway once.
func TestBindings(t *testing.T) {
	inv := load(t, cluster)
	vs := func(ns string, gateways, hostList, exportTo []string) *istionetv1.VirtualService {
		v := &istionetv1.VirtualService{}
		v.Namespace = ns
		v.Spec.Gateways, v.Spec.Hosts, v.Spec.ExportTo = gateways, hostList, exportTo
		return v
	}
	type want struct {
		key              string
		found, visible   bool
		assumed          bool
		proxies, servers string
	}
	for _, tc := range []struct {
		name  string
		scope bool
		vs    *istionetv1.VirtualService
		want  []want
	}{
		{"short name", false, vs("shop", []string{"public"}, []string{"shop.example.com"}, nil),
			[]want{{"shop/public", true, true, false, "istio-system/gw shop/gw", "80"}}},
		{"ns/name and legacy FQDN are one Gateway", false, vs("other", []string{"shop/public", "public.shop.svc.cluster.local", "mesh"}, []string{"api.example.com"}, nil),
			[]want{{"shop/public", true, true, false, "istio-system/gw shop/gw", "443"}}},
		{"server namespace part refuses the VirtualService's namespace", false, vs("shop", []string{"public"}, []string{"api.example.com"}, nil),
			[]want{{"shop/public", true, true, false, "istio-system/gw shop/gw", ""}}},
		{"exportTo . keeps only proxies of the VirtualService's namespace", false, vs("shop", []string{"public"}, []string{"shop.example.com"}, []string{"."}),
			[]want{{"shop/public", true, true, false, "shop/gw", "80"}}},
		{"exportTo . with scope", true, vs("istio-system", []string{"shop/public"}, []string{"shop.example.com"}, []string{"."}),
			[]want{{"shop/public", true, false, false, "", "80"}}}, // servers admit it, but no proxy sees it
		{"short VirtualService host resolved before matching", false, vs("shop", []string{"internal"}, []string{"web"}, nil),
			[]want{{"shop/internal", true, true, false, "istio-system/gw shop/gw", "80"}}},
		{"missing Gateway", false, vs("shop", []string{"nope"}, []string{"shop.example.com"}, nil),
			[]want{{"shop/nope", false, false, false, "", ""}}},
		{"Gateway without proxies: its own namespace is assumed", false, vs("shop", []string{"none"}, []string{"x.example.com"}, nil),
			[]want{{"shop/none", true, true, true, "", "80"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model.New(inv, model.Options{GatewayScopeNamespace: tc.scope})
			got := m.Bindings(tc.vs)
			if len(got) != len(tc.want) {
				t.Fatalf("%d bindings, want %d", len(got), len(tc.want))
			}
			for i, b := range got {
				var servers []string
				for _, s := range b.Servers {
					servers = append(servers, strconv.Itoa(int(s.Server.GetPort().GetNumber())))
				}
				g := want{b.Key, b.Gateway != nil, b.Visible, b.Assumed, names(b.Proxies), strings.Join(servers, " ")}
				if g != tc.want[i] {
					t.Errorf("binding %d = %+v, want %+v", i, g, tc.want[i])
				}
			}
		})
	}
}
