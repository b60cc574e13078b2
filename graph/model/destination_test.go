package model_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const destinations = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data, annotations: {networking.istio.io/exportTo: "."}}
spec: {selector: {app: db}, ports: [{name: tcp-pg, port: 5432}, {name: http-metrics, port: 9187}]}
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cards, namespace: payments}
spec: {hosts: ["*.cards.example.net"], exportTo: ["."], ports: [{number: 443, name: tls, protocol: TLS}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: search, namespace: data}
spec:
  hosts: [search.internal]
  ports: [{number: 9200, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: search}}
`

// TestDestination: VirtualService destinations as istiod resolves them for
// the proxies of the viewer namespaces (model.Destination).
func TestDestination(t *testing.T) {
	m := model.New(manifesttest.FromBytes(t, "d.yaml", []byte(destinations)), model.Options{})
	for _, tc := range []struct {
		name        string
		host        string
		port        uint32
		configNS    string
		viewers     []string
		wantProblem model.DestinationProblem
		wantService string // Service key, "" for none
		wantPort    int32  // resolved Service port, 0 for none
		wantSE      bool
	}{
		{"short name in the config namespace", "api", 0, "shop", []string{"shop"}, model.DestinationOK, "shop/api", 80, false},
		{"name.namespace is not a Service host", "api.shop", 80, "edge", []string{"istio-system"}, model.DestinationHostMissing, "", 0, false},
		{"FQDN seen from a gateway namespace", "api.shop.svc.cluster.local", 80, "edge", []string{"istio-system"}, model.DestinationOK, "shop/api", 80, false},
		{"port not on the Service", "api", 8080, "shop", []string{"shop"}, model.DestinationPortMissing, "shop/api", 0, false},
		{"omitted port with several ports", "db.data.svc.cluster.local", 0, "data", []string{"data"}, model.DestinationPortMissing, "data/db", 0, false},
		{"exportTo . hides it from other namespaces", "db.data.svc.cluster.local", 5432, "edge", []string{"istio-system"}, model.DestinationNotExported, "data/db", 0, false},
		{"exportTo . admits its own namespace", "db.data.svc.cluster.local", 5432, "edge", []string{"istio-system", "data"}, model.DestinationOK, "data/db", 5432, false},
		{"ExternalName without ports takes any port", "legacy", 5432, "shop", []string{"shop"}, model.DestinationOK, "shop/legacy", 0, false},
		{"wildcard ServiceEntry host, exported", "api.cards.example.net", 443, "payments", []string{"payments"}, model.DestinationOK, "", 0, true},
		{"ServiceEntry not exported to the gateway", "api.cards.example.net", 443, "payments", []string{"istio-system"}, model.DestinationHostMissing, "", 0, false},
		{"workloadSelector ServiceEntry acts as a Service", "search.internal", 9200, "data", []string{"istio-system"}, model.DestinationOK, "serviceentry:data/search", 9200, true},
		{"workloadSelector ServiceEntry port missing", "search.internal", 80, "data", []string{"data"}, model.DestinationPortMissing, "serviceentry:data/search", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := m.Destination(tc.host, tc.port, tc.configNS, tc.viewers)
			svc, port := "", int32(0)
			if d.Service != nil {
				svc = d.Service.Key
			}
			if d.Port != nil {
				port = d.Port.Port
			}
			if d.Problem != tc.wantProblem || svc != tc.wantService || port != tc.wantPort || (d.ServiceEntry != nil) != tc.wantSE {
				t.Errorf("got problem %d service %q port %d serviceEntry %v, want %d %q %d %v", d.Problem, svc, port, d.ServiceEntry != nil, tc.wantProblem, tc.wantService, tc.wantPort, tc.wantSE)
			}
		})
	}
}

// TestDestinationServiceEntryOrder: of several ServiceEntries declaring a
// host, the first in inventory order wins whether it names the host
// exactly or by wildcard, and hosts compare case-insensitively (the
// ServiceEntry host index must not change which one is found).
func TestDestinationServiceEntryOrder(t *testing.T) {
	const entries = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b-exact, namespace: ext}
spec: {hosts: [Logs.Example.COM], ports: [{number: 443, name: tls, protocol: TLS}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a-wild, namespace: ext}
spec: {hosts: ["*.example.com"], ports: [{number: 443, name: tls, protocol: TLS}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: c-metrics, namespace: ext}
spec: {hosts: [metrics.example.org], ports: [{number: 443, name: tls, protocol: TLS}]}
`
	m := model.New(manifesttest.FromBytes(t, "se.yaml", []byte(entries)), model.Options{})
	for _, tc := range []struct{ host, want string }{
		{"logs.example.com", "a-wild"}, // a-wild sorts first in the inventory
		{"METRICS.example.org", "c-metrics"},
		{"*.example.org", "c-metrics"},
		{"other.example.net", ""},
	} {
		d := m.Destination(tc.host, 443, "ext", []string{"ext"})
		got := ""
		if d.ServiceEntry != nil {
			got = d.ServiceEntry.Key.Name
		}
		if got != tc.want {
			t.Errorf("%s: ServiceEntry %q, want %q", tc.host, got, tc.want)
		}
	}
}
