package model_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph/model"
)

// TestGatewayAPIRoutes: which listener takes which route kind (istio/istio
// pilot/pkg/config/kube/gatewaycommon GenerateSupportedKinds, intersected
// with allowedRoutes.kinds), redirects kept as routes that forward nothing,
// and a route's status compared with the computed acceptance.
func TestGatewayAPIRoutes(t *testing.T) {
	const gateway = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: shop}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 5432, protocol: TCP}
  - {name: tls-term, port: 6443, protocol: TLS, tls: {certificateRefs: [{name: cert}]}}
  - {name: tls-pass, port: 8443, protocol: TLS, tls: {mode: Passthrough}}
  - {name: only-tcp, port: 5433, protocol: TCP, allowedRoutes: {kinds: [{kind: TCPRoute}]}}
  - {name: http-grpc-only, port: 81, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}
  - {name: tcp-listing-http, port: 5434, protocol: TCP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}
---
`
	for _, tc := range []struct {
		name, yaml string
		want       []string
		gaps       []string
	}{
		{"TCPRoute: TCP listeners and terminating TLS listeners; allowedRoutes.kinds narrows, never widens", `
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db, namespace: shop}
spec:
  parentRefs: [{name: edge}]
  rules: [{backendRefs: [{name: postgres, port: 5432}]}]
`, []string{
			"TCPRoute shop/db tcp rules[0] *: -> postgres:5432",
			"TCPRoute shop/db tls-term rules[0] *: -> postgres:5432",
			"TCPRoute shop/db only-tcp rules[0] *: -> postgres:5432",
		}, nil},
		{"TLSRoute: TLS listeners, passthrough or terminating; hostnames intersect", `
apiVersion: gateway.networking.k8s.io/v1alpha3
kind: TLSRoute
metadata: {name: db, namespace: shop}
spec:
  parentRefs: [{name: edge}]
  hostnames: [db.example.com]
  rules: [{backendRefs: [{name: postgres, port: 5432}]}]
`, []string{
			"TLSRoute shop/db tls-term rules[0] db.example.com: -> postgres:5432",
			"TLSRoute shop/db tls-pass rules[0] db.example.com: -> postgres:5432",
		}, nil},
		{"GRPCRoute: HTTP listeners, also one listing only GRPCRoute", `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: kv, namespace: shop}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{method: {service: etcdserverpb.KV, method: Range}}]
    backendRefs: [{name: etcd, port: 2379}]
  - matches: [{method: {service: etcdserverpb.Watch}}]
    backendRefs: [{name: etcd, port: 2379}]
`, []string{
			"GRPCRoute shop/kv http rules[0] *:/etcdserverpb.KV/Range (exact) -> etcd:2379",
			"GRPCRoute shop/kv http rules[1] *:/etcdserverpb.Watch/ -> etcd:2379",
			"GRPCRoute shop/kv http-grpc-only rules[0] *:/etcdserverpb.KV/Range (exact) -> etcd:2379",
			"GRPCRoute shop/kv http-grpc-only rules[1] *:/etcdserverpb.Watch/ -> etcd:2379",
		}, nil},
		{"HTTPRoute on a listener that lists only GRPCRoute is refused there; a redirect forwards nothing", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: http-grpc-only}, {name: edge, sectionName: http}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
`, []string{
			"HTTPRoute shop/web http rules[0] *:/ redirect=https ->",
		}, []string{
			"HTTPRoute shop/web (cluster.yaml:#) is not accepted by Gateway shop/edge (listener http-grpc-only: allowedRoutes.kinds does not list HTTPRoute), so it routes nothing",
		}},
		{"a TCP listener listing HTTPRoute still takes no HTTPRoute", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: tcp-listing-http}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`, nil, []string{
			"HTTPRoute shop/web (cluster.yaml:#) is not accepted by Gateway shop/edge (listener tcp-listing-http: a TCP listener takes no HTTPRoute), so it routes nothing",
		}},
		{"status that disagrees with the input is named; status that agrees is not", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: says-accepted, namespace: other}
spec:
  parentRefs: [{name: edge, namespace: shop}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
status:
  parents:
  - parentRef: {name: edge, namespace: shop}
    controllerName: istio.io/gateway-controller
    conditions:
    - {type: Accepted, status: "True", reason: Accepted, lastTransitionTime: "2026-11-01T00:00:00Z", message: ""}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: says-refused, namespace: other}
spec:
  parentRefs: [{name: edge, namespace: shop}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
status:
  parents:
  - parentRef: {name: edge, namespace: shop}
    controllerName: istio.io/gateway-controller
    conditions:
    - {type: Accepted, status: "False", reason: NotAllowedByListeners, lastTransitionTime: "2026-11-01T00:00:00Z", message: ""}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: says-unresolved, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: http}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
status:
  parents:
  - parentRef: {name: edge, sectionName: http}
    controllerName: istio.io/gateway-controller
    conditions:
    - {type: Accepted, status: "True", reason: Accepted, lastTransitionTime: "2026-11-01T00:00:00Z", message: ""}
    - {type: ResolvedRefs, status: "False", reason: BackendNotFound, lastTransitionTime: "2026-11-01T00:00:00Z", message: ""}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing-backend, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: http}]
  rules: [{backendRefs: [{name: nope, port: 80}]}]
status:
  parents:
  - parentRef: {name: edge, sectionName: http}
    controllerName: istio.io/gateway-controller
    conditions:
    - {type: ResolvedRefs, status: "False", reason: BackendNotFound, lastTransitionTime: "2026-11-01T00:00:00Z", message: ""}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
`, []string{
			"HTTPRoute shop/missing-backend http rules[0] *:/ -> nope:80",
			"HTTPRoute shop/says-unresolved http rules[0] *:/ -> web:80",
		}, []string{
			"HTTPRoute other/says-accepted (cluster.yaml:#) is not accepted by Gateway shop/edge (listener http: allowedRoutes.namespaces.from Same admits only routes in shop; listener tcp: a TCP listener takes no HTTPRoute; listener tls-term: a TLS listener takes no HTTPRoute; listener tls-pass: a TLS listener takes no HTTPRoute; listener only-tcp: a TCP listener takes no HTTPRoute; listener http-grpc-only: allowedRoutes.kinds does not list HTTPRoute; listener tcp-listing-http: a TCP listener takes no HTTPRoute), so it routes nothing",
			"HTTPRoute other/says-accepted (cluster.yaml:#): its status says Accepted=True (Accepted) for Gateway shop/edge, but from the input it is not accepted; analysed as computed from the input (the cluster may hold objects or labels the input lacks)",
			"HTTPRoute other/says-refused (cluster.yaml:#) is not accepted by Gateway shop/edge (listener http: allowedRoutes.namespaces.from Same admits only routes in shop; listener tcp: a TCP listener takes no HTTPRoute; listener tls-term: a TLS listener takes no HTTPRoute; listener tls-pass: a TLS listener takes no HTTPRoute; listener only-tcp: a TCP listener takes no HTTPRoute; listener http-grpc-only: allowedRoutes.kinds does not list HTTPRoute; listener tcp-listing-http: a TCP listener takes no HTTPRoute), so it routes nothing",
			"HTTPRoute shop/says-unresolved (cluster.yaml:#): its status says ResolvedRefs=False (BackendNotFound) for Gateway shop/edge, but from the input it resolves all its backendRefs; analysed as computed from the input (the cluster may hold objects or labels the input lacks)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model.New(load(t, gateway+tc.yaml), model.Options{})
			var got []string
			for _, r := range m.Routes() {
				if r.Kind != model.GatewayAPIRoute {
					continue
				}
				var dests []string
				for _, d := range r.Destinations {
					dests = append(dests, fmt.Sprintf("%s:%d", d.Backend.Service.Name, d.Backend.Service.Port.Number))
				}
				redirect := ""
				if r.Redirect {
					redirect = " redirect=" + r.RedirectScheme
				}
				got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s/%s %s %s %s:%s%s -> %s", r.Entry.Key.Kind, r.Entry.Key.Namespace, r.Entry.Key.Name,
					r.Listener.APIListener.Name, r.Section, r.Host, r.Match, redirect, strings.Join(dests, " "))))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("routes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			line := regexp.MustCompile(`cluster\.yaml:\d+`)
			var gaps []string
			for _, g := range m.RouteGaps() {
				gaps = append(gaps, line.ReplaceAllString(g.Text, "cluster.yaml:#"))
			}
			if strings.Join(gaps, "\n") != strings.Join(tc.gaps, "\n") {
				t.Errorf("gaps:\n  %s\nwant:\n  %s", strings.Join(gaps, "\n  "), strings.Join(tc.gaps, "\n  "))
			}
		})
	}
}
