package netpol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

const pods = `
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api, ports: [{name: pg, containerPort: 9999}]}]}
`

func setup(t *testing.T, policies string) (*Evaluator, Peer, Peer) {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, "np.yaml", []byte(pods+policies))
	if len(inv.Warnings) > 0 {
		t.Fatalf("warnings: %v", inv.Warnings)
	}
	e, problems := NewEvaluator(inv)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var db, api Peer
	for _, w := range inv.Workloads() {
		p := Peer{Namespace: w.Namespace, PodLabels: w.Labels(), NSLabels: map[string]string{"kubernetes.io/metadata.name": w.Namespace}, Workload: w}
		if w.Name == "db" {
			db = p
		} else {
			api = p
		}
	}
	return e, api, db
}

func np(ns, spec string) string {
	return "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: " + ns + "}\nspec:\n" + spec
}

func TestIngressAndEgress(t *testing.T) {
	internet := Peer{External: true, Class: ipspace.Public}
	private := Peer{External: true, Class: ipspace.Private}
	tests := []struct {
		name     string
		policies string
		src      string // api, internet, private
		port     int32
		proto    corev1.Protocol
		want     bool
	}{
		{"no policy", "", "api", 5432, corev1.ProtocolTCP, true},
		{"deny all ingress", np("data", "  podSelector: {}\n  policyTypes: [Ingress]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"policyTypes default to Ingress", np("data", "  podSelector: {}\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"egress-only policy leaves ingress open", np("data", "  podSelector: {}\n  policyTypes: [Egress]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"allow all ingress rule", np("data", "  podSelector: {}\n  ingress: [{}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"named port resolved on destination", np("data", "  podSelector: {}\n  ingress: [{ports: [{port: pg}]}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"named port wrong protocol", np("data", "  podSelector: {}\n  ingress: [{ports: [{port: pg, protocol: UDP}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"endPort range", np("data", "  podSelector: {}\n  ingress: [{ports: [{port: 5000, endPort: 6000}]}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"outside range", np("data", "  podSelector: {}\n  ingress: [{ports: [{port: 6000, endPort: 7000}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"podSelector alone is same-namespace", np("data", "  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"namespace AND pod selector", np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}]}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"namespace AND wrong pod", np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"ipBlock never matches pods", np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"ipBlock public matches internet", np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]\n"), "internet", 5432, corev1.ProtocolTCP, true},
		{"ipBlock private does not match internet", np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n"), "internet", 5432, corev1.ProtocolTCP, false},
		{"ipBlock private matches private network", np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n"), "private", 5432, corev1.ProtocolTCP, true},
		{"namespaceSelector never matches internet", np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n"), "internet", 5432, corev1.ProtocolTCP, false},
		{"egress deny from source", np("shop", "  podSelector: {}\n  policyTypes: [Egress]\n"), "api", 5432, corev1.ProtocolTCP, false},
		{"egress named port resolves on destination", np("shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: pg}]}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"egress to namespace", np("shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}}]}]\n"), "api", 5432, corev1.ProtocolTCP, true},
		{"egress DNS only", np("shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: 53, protocol: UDP}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, api, db := setup(t, tt.policies)
			src := map[string]Peer{"api": api, "internet": internet, "private": private}[tt.src]
			got := e.Egress(src, db, tt.port, tt.proto).Allowed && e.Ingress(src, db, tt.port, tt.proto).Allowed
			if got != tt.want {
				t.Errorf("allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHostNetworkPodsAreNotSubjectToPolicies(t *testing.T) {
	e, api, db := setup(t, np("data", "  podSelector: {}\n  policyTypes: [Ingress]\n"))
	db.HostNetwork = true
	if !e.Ingress(api, db, 5432, corev1.ProtocolTCP).Allowed {
		t.Error("hostNetwork destination was isolated by a pod NetworkPolicy")
	}
}

// TestSinglePortAgreesWithConns: the per-port fast path and the
// connection-set evaluation must give the same answer on every case above.
func TestSinglePortAgreesWithConns(t *testing.T) {
	specs := []string{
		"",
		np("data", "  podSelector: {}\n  ingress: [{ports: [{port: pg}, {port: 5000, endPort: 6000}, {protocol: UDP}]}]\n"),
		np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}, {ports: [{port: 9999, protocol: SCTP}]}]\n"),
		np("shop", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: pg}, {port: 53, protocol: UDP}]}]\n"),
	}
	for _, spec := range specs {
		e, api, db := setup(t, spec)
		in, out := e.IngressConns(api, db), e.EgressConns(api, db)
		for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP} {
			for _, port := range []int32{1, 53, 4999, 5000, 5432, 6000, 6001, 9999, 65535} {
				if got, want := e.Ingress(api, db, port, proto).Allowed, in.For(proto, port).Allowed; got != want {
					t.Errorf("%s ingress %s/%d: fast path %v, conns %v", spec, proto, port, got, want)
				}
				if got, want := e.Egress(api, db, port, proto).Allowed, out.For(proto, port).Allowed; got != want {
					t.Errorf("%s egress %s/%d: fast path %v, conns %v", spec, proto, port, got, want)
				}
			}
		}
	}
}

// TestNamespaceMayReachNeverHidesAConnection: whenever a pod is admitted on
// some port, its namespace must be reported as possibly reaching.
func TestNamespaceMayReachNeverHidesAConnection(t *testing.T) {
	specs := []string{
		"",
		np("data", "  podSelector: {}\n  policyTypes: [Ingress]\n"),
		np("data", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]\n"),
		np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}]}]\n"),
		np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]}]\n"),
		np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n"),
		np("data", "  podSelector: {}\n  ingress: [{ports: [{port: 5432}]}]\n"),
	}
	wantMay := []bool{true, false, false, true, false, false, true}
	for i, spec := range specs {
		e, api, db := setup(t, spec)
		may := e.NamespaceMayReach(api.Namespace, api.NSLabels, db)
		if may != wantMay[i] {
			t.Errorf("%q: NamespaceMayReach = %v, want %v", spec, may, wantMay[i])
		}
		if !may && !e.IngressConns(api, db).Conns.Empty() {
			t.Errorf("%q: namespace ruled out but the pod is admitted", spec)
		}
	}
}
