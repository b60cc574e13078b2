package model_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph/model"
)

// entryProxies is a gateway proxy with an Ingress controller and one
// backend, the stage every row below adds its routing objects to.
const entryProxies = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template: {metadata: {labels: {istio: ingressgateway}}, spec: {containers: [{name: p, image: proxyv2}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template: {metadata: {labels: {app.kubernetes.io/name: ingress-nginx}}, spec: {containers: [{name: c, image: registry.k8s.io/ingress-nginx/controller:v1.15.1}]}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
`

// TestListeners: Ingress listeners (HTTP for every host, HTTPS per
// spec.tls entry) and Gateway servers with protocol, TLS mode, redirect and
// hosts (istio/istio pilot/pkg/model/gateway IsHTTPServer, IsTLSServer).
func TestListeners(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"ingress without tls has one HTTP listener", `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
  rules: [{host: shop.example.com}, {http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`, []string{"Ingress shop/web port 80 HTTP none http=true hosts=* shop.example.com proxies=ingress-nginx/ingress-nginx-controller"}},
		{"ingress tls entries are HTTPS listeners with their secret", `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [a.example.com], secretName: a-cert}, {hosts: [b.example.com]}]
  rules: [{host: a.example.com}, {host: b.example.com}]
`, []string{
			"Ingress shop/web port 80 HTTP none http=true hosts=a.example.com b.example.com proxies=ingress-nginx/ingress-nginx-controller",
			"Ingress shop/web port 443 HTTPS terminated http=true creds=a-cert hosts=a.example.com proxies=ingress-nginx/ingress-nginx-controller",
			"Ingress shop/web port 443 HTTPS terminated http=true hosts=b.example.com proxies=ingress-nginx/ingress-nginx-controller",
		}},
		{"gateway servers", `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["shop/*"], tls: {httpsRedirect: true}}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*.example.com"], tls: {mode: SIMPLE, credentialName: cert, minProtocolVersion: TLSV1_1}}
  - {port: {number: 8443, name: tls, protocol: TLS}, hosts: ["./db.example.com"], tls: {mode: PASSTHROUGH}}
  - {port: {number: 9443, name: mtls, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}
  - {port: {number: 8080, name: grpc-web, protocol: GRPC-WEB}, hosts: ["*"]}
  - {port: {number: 27017, name: mongo, protocol: MONGO}, hosts: ["*"]}
`, []string{
			"Gateway istio-system/public port 80 HTTP none redirect http=true hosts=shop/* proxies=istio-system/gw",
			"Gateway istio-system/public port 443 HTTPS terminated http=true min=TLSV1_1 creds=cert hosts=*/*.example.com proxies=istio-system/gw",
			"Gateway istio-system/public port 8443 TLS passthrough http=false hosts=./db.example.com proxies=istio-system/gw",
			"Gateway istio-system/public port 9443 HTTPS istio-mutual http=true hosts=*/* proxies=istio-system/gw",
			"Gateway istio-system/public port 8080 GRPC-WEB none http=true hosts=*/* proxies=istio-system/gw",
			"Gateway istio-system/public port 27017 MONGO none http=false hosts=*/* proxies=istio-system/gw",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model.New(load(t, entryProxies+tc.yaml), model.Options{})
			var got []string
			for _, l := range m.Listeners() {
				s := fmt.Sprintf("%s %s %s http=%t", l.Describe(), l.Protocol, l.TLS.Mode, l.ServesHTTP())
				if l.TLS.HTTPSRedirect {
					s = strings.Replace(s, " http=", " redirect http=", 1)
				}
				if l.TLS.MinVersion != "" {
					s += " min=" + l.TLS.MinVersion
				}
				if len(l.TLS.Credentials) > 0 {
					s += " creds=" + strings.Join(l.TLS.Credentials, ",")
				}
				var hs []string
				for _, h := range l.Hosts {
					if h.Namespace != "" {
						hs = append(hs, h.Namespace+"/"+h.DNS)
					} else {
						hs = append(hs, h.DNS)
					}
				}
				got = append(got, s+" hosts="+strings.Join(hs, " ")+" proxies="+names(l.Proxies()))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("listeners:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// lineNumbers hides the line of an origin ("cluster.yaml:12)").
var lineNumbers = regexp.MustCompile(`:\d+\)`)

// TestRoutes: each route on the listener that serves it, as istiod selects
// routes per server (pilot/pkg/networking/core/gateway.go
// buildGatewayListeners: http routes on HTTP servers and terminating HTTPS
// servers, tls routes on passthrough servers, tcp routes matching the port
// elsewhere; nothing on a redirecting HTTP server or an ISTIO_MUTUAL one;
// delegates merged, pilot/pkg/model/virtualservice.go).
func TestRoutes(t *testing.T) {
	const gateway = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], tls: {httpsRedirect: true}}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: cert}}
  - {port: {number: 8443, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: PASSTHROUGH}}
  - {port: {number: 9443, name: mtls, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}
  - {port: {number: 5432, name: pg, protocol: TCP}, hosts: ["*"]}
  - {port: {number: 6379, name: redis, protocol: TCP}, hosts: ["*"]}
---
`
	for _, tc := range []struct {
		name, yaml string
		want       []string
		gaps       []string
	}{
		{"ingress paths on the listener of their host", `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [a.example.com], secretName: a-cert}]
  defaultBackend: {service: {name: web, port: {number: 80}}}
  rules:
  - {host: a.example.com, http: {paths: [{path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}]}}
  - {host: b.example.com, http: {paths: [{pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}]}}
  - {host: c.example.com}
`, []string{
			"Ingress shop/web port 443 default backend *:/ -> web:80",
			"Ingress shop/web port 443 a.example.com:/api Prefix -> api:http",
			"Ingress shop/web port 80 b.example.com:/ ImplementationSpecific -> web:80",
		}, nil},
		{"an Ingress without class has no routes", `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`, nil, nil},
		{"virtual service routes per server kind", gateway + `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public]
  http:
  - {match: [{uri: {exact: /login}}], route: [{destination: {host: auth, port: {number: 8080}}}]}
  - {redirect: {uri: /new}}
  - {match: [{headers: {x: {exact: "y"}}}, {uri: {regex: "/a.*"}}], route: [{destination: {host: web}}, {destination: {host: web.other.svc.cluster.local}}]}
  tls:
  - {match: [{sniHosts: [shop.example.com]}], route: [{destination: {host: tls-backend, port: {number: 443}}}]}
  tcp:
  - {match: [{port: 5432}], route: [{destination: {host: postgres, port: {number: 5432}}}]}
  - {route: [{destination: {host: redis}}]}
`, []string{
			"VirtualService shop/shop port 443 http[0] shop.example.com:/login (exact) -> auth:8080@shop",
			"VirtualService shop/shop port 443 http[2] shop.example.com:~/a.* -> web@shop web.other.svc.cluster.local@shop",
			"VirtualService shop/shop port 8443 tls[0] shop.example.com: -> tls-backend:443@shop",
			"VirtualService shop/shop port 5432 tcp[0] shop.example.com: -> postgres:5432@shop",
			"VirtualService shop/shop port 5432 tcp[1] shop.example.com: -> redis@shop",
			"VirtualService shop/shop port 6379 tcp[1] shop.example.com: -> redis@shop",
		}, nil},
		{"delegates merged under the root, resolved in their namespace; unusable ones are gaps", gateway + `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public, istio-system/missing]
  http:
  - {match: [{uri: {prefix: /api}}], delegate: {name: api, namespace: team}}
  - {delegate: {name: nope}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: team}
spec:
  http:
  - {match: [{uri: {prefix: /api/v1}}], route: [{destination: {host: api-v1}}]}
  - {redirect: {uri: /}}
`, []string{
			"VirtualService shop/root port 443 http[0] delegate team/api http[0] shop.example.com:/api and /api/v1 -> api-v1@team",
		}, []string{
			"VirtualService shop/root (cluster.yaml:#) http[1]: delegate VirtualService shop/nope is not in the input, so its routes are not analysed",
			"VirtualService shop/root (cluster.yaml:#): gateway istio-system/missing is not in the input, so its routes through it are not analysed",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model.New(load(t, entryProxies+tc.yaml), model.Options{})
			var got []string
			for _, r := range m.Routes() {
				where := r.Section
				if r.DefaultBackend {
					where = "default backend"
				}
				var dests []string
				for _, d := range r.Destinations {
					switch {
					case d.Backend != nil && d.Backend.Service.Port.Name != "":
						dests = append(dests, d.Backend.Service.Name+":"+d.Backend.Service.Port.Name)
					case d.Backend != nil:
						dests = append(dests, fmt.Sprintf("%s:%d", d.Backend.Service.Name, d.Backend.Service.Port.Number))
					case d.Port != 0:
						dests = append(dests, fmt.Sprintf("%s:%d@%s", d.Host, d.Port, d.Namespace))
					default:
						dests = append(dests, d.Host+"@"+d.Namespace)
					}
				}
				s := strings.Join(strings.Fields(fmt.Sprintf("%s %s %s:%s %s", r.Listener.Describe(), where, r.Host, r.Match, r.PathType)), " ")
				if r.Kind == model.VirtualServiceRoute {
					s = strings.Replace(s, r.Listener.Describe(), fmt.Sprintf("VirtualService %s/%s port %d", r.Entry.Key.Namespace, r.Entry.Key.Name, r.Listener.Port), 1)
				}
				got = append(got, s+" -> "+strings.Join(dests, " "))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			var gaps []string
			for _, g := range m.RouteGaps() {
				gaps = append(gaps, lineNumbers.ReplaceAllString(g.Text, ":#)"))
			}
			if strings.Join(gaps, "\n") != strings.Join(tc.gaps, "\n") {
				t.Errorf("gaps:\n%s\nwant:\n%s", strings.Join(gaps, "\n"), strings.Join(tc.gaps, "\n"))
			}
		})
	}
}

// TestListenerPorts: the proxy ports each listener is served on
// (model.ListenerPorts).
func TestListenerPorts(t *testing.T) {
	const stage = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template: {metadata: {labels: {istio: ingressgateway}}, spec: {containers: [{name: p, image: proxyv2, ports: [{name: status-port, containerPort: 15021}, {name: http2, containerPort: 8080}, {name: https, containerPort: 8443}]}]}}
---
apiVersion: v1
kind: Service
metadata: {name: gw, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway}
  ports: [{name: status-port, port: 15021}, {name: http2, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: c}}
  - {port: {number: 9000, name: tcp, protocol: TCP}, hosts: ["*"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template: {metadata: {labels: {app.kubernetes.io/name: ingress-nginx}}, spec: {containers: [{name: c, image: registry.k8s.io/ingress-nginx/controller:v1.15.1, ports: [{name: http, containerPort: 80}, {name: https, containerPort: 443}, {name: webhook, containerPort: 8443}]}]}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: traefik, namespace: traefik}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: traefik}}
  template: {metadata: {labels: {app.kubernetes.io/name: traefik}}, spec: {containers: [{name: t, image: traefik:v3.1, ports: [{name: web, containerPort: 8000}, {name: websecure, containerPort: 8443}]}]}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: traefik}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nginx-redirect, namespace: shop}
spec: {ingressClassName: nginx, tls: [{hosts: [a.example.com]}], rules: [{host: a.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nginx-no-redirect, namespace: shop, annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "false"}}
spec: {ingressClassName: nginx, tls: [{hosts: [b.example.com]}], rules: [{host: b.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: traefik, namespace: shop}
spec: {ingressClassName: traefik, tls: [{hosts: [c.example.com]}], rules: [{host: c.example.com}]}
`
	m := model.New(load(t, stage), model.Options{})
	var got []string
	for _, l := range m.Listeners() {
		for _, p := range l.Proxies() {
			got = append(got, fmt.Sprintf("%s %s: %v", l.Describe(), p.Name, m.ListenerPorts(p, l)))
		}
	}
	want := []string{
		"Ingress shop/nginx-no-redirect port 80 ingress-nginx-controller: [80 443]",
		"Ingress shop/nginx-no-redirect port 443 ingress-nginx-controller: [80 443]",
		"Ingress shop/nginx-redirect port 80 ingress-nginx-controller: [80 443]",
		"Ingress shop/nginx-redirect port 443 ingress-nginx-controller: [80 443]",
		"Ingress shop/traefik port 80 traefik: []",
		"Ingress shop/traefik port 443 traefik: []",
		"Gateway istio-system/public port 80 gw: [80 8080]",
		"Gateway istio-system/public port 443 gw: [443 8443]",
		"Gateway istio-system/public port 9000 gw: [9000]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listener ports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
