package build

import (
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/graph/netpol"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

// TestPivotClassesChangeNothing: the graph built with the pivot classes
// (one evaluation per class of sources) and the namespace prefilter is the
// graph built evaluating every lateral hop from each reached workload to
// every workload on its own, edge for edge and in the same order, on every
// case folder of the repository (each under three addressing settings) and
// on the generator's small size (which has classes of many pods).
func TestPivotClassesChangeNothing(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(filepath.Join("..", "..", "testdata"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "expect.txt" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 100 {
		t.Fatalf("found %d case folders under testdata, want the repository's (>= 100)", len(dirs))
	}
	addressings := map[string]netpol.Addressing{
		"default":          {},
		"pod-cidr":         {PodCIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}, HostNetwork: netpol.HostNetworkPod},
		"ipblocks-no-pods": {IPBlocksIgnorePods: true},
	}
	shared := 0
	check := func(t *testing.T, inv *inventory.Inventory) {
		for name, addr := range addressings {
			each, err := build(model.New(inv, model.Options{Addressing: addr}), true)
			if err != nil {
				t.Fatal(err)
			}
			classed, err := build(model.New(inv, model.Options{Addressing: addr}), false)
			if err != nil {
				t.Fatal(err)
			}
			want, got := dumpEdges(each), dumpEdges(classed)
			if len(want) != len(got) {
				t.Fatalf("%s: %d edges with classes, %d evaluating each hop", name, len(got), len(want))
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("%s: edge %d differs:\nclasses: %s\neach:    %s", name, i, got[i], want[i])
				}
			}
			shared += countLateral(classed)
		}
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			l, err := manifest.NewLoader(manifest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			inv, err := l.Load([]string{dir})
			if err != nil {
				t.Skipf("not loadable with default options: %v", err)
			}
			check(t, inv)
		})
	}
	t.Run("class-boundaries", func(t *testing.T) {
		check(t, manifesttest.FromBytes(t, "classes.yaml", []byte(classBoundaries)))
	})
	t.Run("generator-small", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := synthetic.Write(dir, synthetic.Sizes["small"], 1); err != nil {
			t.Fatal(err)
		}
		check(t, manifesttest.Load(t, dir))
	})
	if shared == 0 {
		t.Fatal("no lateral edge in any input: the comparison compared nothing")
	}
}

// classBoundaries holds reached pods that the pivot classes must keep
// apart although no selector reads their labels: front-1 (namespace a) and
// front-3 (b) differ only by namespace, and back admits its own namespace;
// front-2 differs from front-1 only by the Sidecar that confines its
// egress; e-1 and e-2 are isolated for egress by an ipBlock rule whose
// assumption names them; p-1 and p-2 are outside the mesh, and the hop's
// reason names them. Into namespace t, front-3 (b) differs from front-r
// (r: a DestinationRule of its namespace turns mTLS off to t-dr), front-g
// (g: its labels pass the namespaceSelectors of t-nssel and, certainly,
// of t-nssel-or-block, which admits the others by an assumed ipBlock) and
// front-h (h: t-authz allows namespace h) only by what their namespace is
// read for;
// back-2 admits its own namespace certainly and others by an assumed
// ipBlock. Every pod is injected by its pod label, whose reason names no
// namespace.
var classBoundaries = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: c}
---
apiVersion: v1
kind: Namespace
metadata: {name: d}
` + classPods("a", "front-1", "front-2", "back") + classPods("b", "front-3") + classPods("c", "e-1", "e-2", "back-c") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: back-same-namespace, namespace: a}
spec:
  podSelector: {matchLabels: {app: back}}
  ingress: [{from: [{podSelector: {}}]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: front-2, namespace: a}
spec:
  workloadSelector: {labels: {app: front-2}}
  egress: [{hosts: ["./nothing.a.svc.cluster.local"]}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-private, namespace: c}
spec:
  podSelector: {matchLabels: {role: egress}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
` + strings.ReplaceAll(classPods("d", "p-1", "p-2"), `sidecar.istio.io/inject: "true", `, "") + classPods("d", "q") + `---
apiVersion: v1
kind: Namespace
metadata: {name: g, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: h}
---
apiVersion: v1
kind: Namespace
metadata: {name: r}
---
apiVersion: v1
kind: Namespace
metadata: {name: t}
` + classPods("r", "front-r") + classPods("t", "t-nssel-or-block") + classPods("g", "front-g") + classPods("h", "front-h") + classPods("t", "t-dr", "t-nssel", "t-authz") + classPods("a", "back-2") + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: t-dr-plaintext, namespace: r}
spec:
  host: t-dr.t.svc.cluster.local
  trafficPolicy: {tls: {mode: DISABLE}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: t-nssel, namespace: t}
spec:
  podSelector: {matchLabels: {app: t-nssel}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: x}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: t-nssel-or-block, namespace: t}
spec:
  podSelector: {matchLabels: {app: t-nssel-or-block}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
  - from: [{ipBlock: {cidr: 10.0.0.0/8}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: t-authz, namespace: t}
spec:
  selector: {matchLabels: {app: t-authz}}
  rules: [{from: [{source: {namespaces: [h]}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: back-2, namespace: a}
spec:
  podSelector: {matchLabels: {app: back-2}}
  ingress:
  - from: [{podSelector: {}}]
  - from: [{ipBlock: {cidr: 10.0.0.0/8}}]
`

// classPods writes a Deployment and a LoadBalancer Service per name
// (labels app: NAME, role: egress for e-*, injected by pod label).
func classPods(ns string, names ...string) string {
	var b strings.Builder
	for _, n := range names {
		role := "front"
		if strings.HasPrefix(n, "e-") {
			role = "egress"
		}
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: %[2]s, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: %[2]s}}
  template:
    metadata: {labels: {sidecar.istio.io/inject: "true", app: %[2]s, role: %[3]s}}
    spec: {containers: [{name: app, image: example/app:1, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: %[2]s, namespace: %[1]s}
spec: {type: LoadBalancer, selector: {app: %[2]s}, ports: [{name: http, port: 80, targetPort: 8080}]}
`, ns, n, role)
	}
	return b.String()
}

// dumpEdges renders every edge, in the graph's order, with each field.
func dumpEdges(g *graph.Graph) []string {
	var out []string
	for _, e := range g.Edges() {
		authz := "-"
		if e.Authz != nil {
			authz = fmt.Sprintf("%+v", *e.Authz)
		}
		var via []string
		for _, n := range e.Via {
			via = append(via, n.Key())
		}
		out = append(out, fmt.Sprintf("%s -> %s kind=%s port=%d/%s match=%q tls=%q auth=%q reason=%q authz=%s netpol=%q assumptions=%q conns=%v routed=%t via=%v entry=%v evidence=%+v",
			e.FromNode().Key(), e.ToNode().Key(), e.Kind, e.Port, e.Protocol, e.Match, e.TLS, e.Auth, e.AuthReason, authz, e.NetworkPolicy,
			e.Assumptions, e.Conns, e.Routed, via, e.EntryPorts, e.Evidence))
	}
	return out
}

func countLateral(g *graph.Graph) int {
	n := 0
	for _, e := range g.Edges() {
		if e.Kind == graph.EdgeNetwork && !e.Routed && !strings.Contains(e.FromNode().Key(), "internet") {
			n++
		}
	}
	return n
}
