package netpol

import (
	"net/netip"
	"strings"
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
	return setupWith(t, policies, Addressing{IPBlocksIgnorePods: true, HostNetwork: HostNetworkPod})
}

func setupWith(t *testing.T, policies string, addr Addressing) (*Evaluator, Peer, Peer) {
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
	e, problems := NewEvaluator(inv, addr)
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
		{"ipBlock never matches pods (IPBlocksIgnorePods)", np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n"), "api", 5432, corev1.ProtocolTCP, false},
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

// TestAddressing: how ipBlocks meet pod addresses and how hostNetwork pods
// are seen (netpol.Addressing). Kubernetes leaves both to the network
// plugin (https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource:
// ipBlock "cluster-external IPs", yet most plugins match pod IPs, as the
// upstream e2e test "should allow ingress access from updated pod ... ipBlock"
// expects); --host-network=node is the conservative reading of hostNetwork.
func TestAddressing(t *testing.T) {
	podCIDR := []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}
	fromBlock := func(cidr string, except ...string) string {
		ex := ""
		if len(except) > 0 {
			ex = ", except: [" + strings.Join(except, ", ") + "]"
		}
		return np("data", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: "+cidr+ex+"}}]}]\n")
	}
	denyAll := np("data", "  podSelector: {}\n  policyTypes: [Ingress]\n")
	fromPods := np("data", "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n")
	tests := []struct {
		name     string
		policies string
		addr     Addressing
		srcHost  bool // the api pod runs with hostNetwork
		dstHost  bool // the db pod runs with hostNetwork
		want     bool
		assumed  bool
	}{
		{"unknown pod CIDR: private block admits pods, assumed", fromBlock("10.0.0.0/8"), Addressing{}, false, false, true, true},
		{"unknown pod CIDR: public-only block admits no pod", fromBlock("203.0.113.0/24"), Addressing{}, false, false, false, false},
		{"unknown pod CIDR: private space excepted", fromBlock("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"), Addressing{}, false, false, false, false},
		{"pod CIDR covered: certain", fromBlock("10.0.0.0/8"), Addressing{PodCIDRs: podCIDR}, false, false, true, false},
		{"pod CIDR partly held: assumed", fromBlock("10.244.1.0/24"), Addressing{PodCIDRs: podCIDR}, false, false, true, true},
		{"pod CIDR excepted", fromBlock("10.0.0.0/8", "10.244.0.0/16"), Addressing{PodCIDRs: podCIDR}, false, false, false, false},
		{"pod CIDR outside block", fromBlock("192.168.0.0/16"), Addressing{PodCIDRs: podCIDR}, false, false, false, false},
		{"ipBlocks ignore pods", fromBlock("0.0.0.0/0"), Addressing{IPBlocksIgnorePods: true}, false, false, false, false},
		{"a selector admits pods for certain", fromPods, Addressing{}, false, false, true, false},

		{"node mode: hostNetwork destination unprotected, assumed", denyAll, Addressing{}, false, true, true, true},
		{"pod mode: hostNetwork destination isolated like a pod", denyAll, Addressing{HostNetwork: HostNetworkPod}, false, true, false, false},
		{"node mode: hostNetwork source is no pod for selectors", fromPods, Addressing{}, true, false, false, false},
		{"node mode: hostNetwork source is a node address in a private block", fromBlock("10.0.0.0/8"), Addressing{IPBlocksIgnorePods: true}, true, false, true, true},
		{"node mode: hostNetwork source outside a public block", fromBlock("203.0.113.0/24"), Addressing{}, true, false, false, false},
		{"pod mode: hostNetwork source matched by selectors", fromPods, Addressing{HostNetwork: HostNetworkPod}, true, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, api, db := setupWith(t, tt.policies, tt.addr)
			api.HostNetwork, db.HostNetwork = tt.srcHost, tt.dstHost
			v := e.Ingress(api, db, 5432, corev1.ProtocolTCP)
			if v.Allowed != tt.want || (v.Assumption != "") != tt.assumed {
				t.Errorf("allowed=%v assumption=%q, want allowed=%v assumed=%v", v.Allowed, v.Assumption, tt.want, tt.assumed)
			}
			if got := e.IngressConns(api, db).Conns.Contains(corev1.ProtocolTCP, 5432); got != v.Allowed {
				t.Errorf("IngressConns says %v, Ingress %v", got, v.Allowed)
			}
			if v.Allowed && !e.NamespaceMayReach(api.Namespace, api.NSLabels, db) {
				t.Error("NamespaceMayReach rules out an admitted source")
			}
		})
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
	// With ipBlocks matching pods (the default), 0.0.0.0/0 admits them.
	if e, api, db := setupWith(t, specs[5], Addressing{}); !e.NamespaceMayReach(api.Namespace, api.NSLabels, db) || e.IngressConns(api, db).Conns.Empty() {
		t.Errorf("%q with ipBlocks matching pods: the namespace must be possible and the pod admitted", specs[5])
	}
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
