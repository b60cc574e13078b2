package build_test

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const gatewayInput = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers: [{name: istio-proxy, image: auto, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {type: LoadBalancer, selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [GATEWAY]
  http: [{route: [{destination: {host: web, port: {number: 80}}}]}]
`

// TestGatewayReferenceForms: every form istiod's resolveGatewayName accepts
// binds the VirtualService to shop/shop-gateway (a route node, nothing under
// Not seen); a name of another namespace does not.
func TestGatewayReferenceForms(t *testing.T) {
	tests := []struct {
		ref   string
		bound bool
	}{
		{"shop-gateway", true},
		{"./shop-gateway", true},
		{"shop/shop-gateway", true},
		{"shop-gateway.shop", true},
		{"shop-gateway.shop.svc.cluster.local", true},
		{"other/shop-gateway", false},
		{"shop-gateway.other.svc.cluster.local", false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			inv := manifesttest.FromBytes(t, "gw.yaml", []byte(strings.Replace(gatewayInput, "GATEWAY", tt.ref, 1)))
			g, err := build.Build(model.New(inv, model.Options{}))
			if err != nil {
				t.Fatal(err)
			}
			routes := 0
			for _, n := range g.SortedNodes() {
				if n.Kind == graph.KindRoute && n.Route != nil && n.Route.Type == "VirtualService" {
					routes++
				}
			}
			missing := false
			for _, s := range g.NotSeen {
				if strings.Contains(s, "is not in the input") {
					missing = true
				}
			}
			if bound := routes > 0 && !missing; bound != tt.bound {
				t.Errorf("bound = %v (routes %d, not seen %q), want %v", bound, routes, g.NotSeen, tt.bound)
			}
		})
	}
}
