package mesh

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

func envFrom(t *testing.T, yaml string) Env {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, "test.yaml", []byte(yaml))
	if len(inv.Warnings) > 0 {
		t.Fatalf("warnings: %v", inv.Warnings)
	}
	return Env{Inv: inv, RootNamespace: "istio-system", TrustDomain: "cluster.local"}
}

func workload(t *testing.T, e Env, ns, name string) *inventory.Workload {
	t.Helper()
	for _, w := range e.Inv.Workloads() {
		if w.Namespace == ns && w.Name == name {
			return w
		}
	}
	t.Fatalf("workload %s/%s not found", ns, name)
	return nil
}

const dbPod = `
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}, {containerPort: 9187}]}]}
`

func pa(name, ns, selector, mode, created string, extra string) string {
	s := "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: " + name + ", namespace: " + ns
	if created != "" {
		s += ", creationTimestamp: \"" + created + "\""
	}
	s += "}\nspec:\n"
	if selector != "" {
		s += "  selector: {matchLabels: {" + selector + "}}\n"
	}
	if mode != "" {
		s += "  mtls: {mode: " + mode + "}\n"
	}
	return s + extra
}

func TestPeerAuthMode(t *testing.T) {
	tests := []struct {
		name     string
		policies string
		port     int32
		want     string
	}{
		{"no policy is PERMISSIVE", "", 5432, "PERMISSIVE (no PeerAuthentication applies: Istio's default)"},
		{"mesh policy", pa("default", "istio-system", "", "STRICT", "", ""), 5432, "STRICT (PeerAuthentication istio-system/default, mesh level)"},
		{"namespace beats mesh", pa("default", "istio-system", "", "STRICT", "", "") + pa("ns", "data", "", "DISABLE", "", ""), 5432, "DISABLE (PeerAuthentication data/ns, namespace level)"},
		{"workload beats namespace", pa("ns", "data", "", "STRICT", "", "") + pa("wl", "data", "app: db", "PERMISSIVE", "", ""), 5432, "PERMISSIVE (PeerAuthentication data/wl, workload level)"},
		{"selector in root namespace is ignored", pa("ns", "data", "", "STRICT", "", "") + pa("root-sel", "istio-system", "app: db", "DISABLE", "", ""), 5432, "STRICT (PeerAuthentication data/ns, namespace level)"},
		{"UNSET inherits", pa("ns", "data", "", "DISABLE", "", "") + pa("wl", "data", "app: db", "UNSET", "", ""), 5432, "DISABLE (PeerAuthentication data/ns, namespace level)"},
		{"no mtls block inherits", pa("default", "istio-system", "", "STRICT", "", "") + pa("wl", "data", "app: db", "", "", ""), 5432, "STRICT (PeerAuthentication istio-system/default, mesh level)"},
		{"oldest wins", pa("b-new", "data", "", "STRICT", "2024-05-01T00:00:00Z", "") + pa("a-old", "data", "", "DISABLE", "2023-01-01T00:00:00Z", ""), 5432, "DISABLE (PeerAuthentication data/a-old, namespace level)"},
		{"same age: name decides", pa("b", "data", "", "STRICT", "", "") + pa("a", "data", "", "PERMISSIVE", "", ""), 5432, "PERMISSIVE (PeerAuthentication data/a, namespace level)"},
		{"port level on the container port", pa("wl", "data", "app: db", "STRICT", "", "  portLevelMtls: {5432: {mode: PERMISSIVE}}\n"), 5432, "PERMISSIVE (PeerAuthentication data/wl, workload, port 5432 level)"},
		{"port level on another port", pa("wl", "data", "app: db", "STRICT", "", "  portLevelMtls: {9187: {mode: DISABLE}}\n"), 5432, "STRICT (PeerAuthentication data/wl, workload level)"},
		{"other namespace does not apply", pa("ns", "shop", "", "DISABLE", "", ""), 5432, "PERMISSIVE (no PeerAuthentication applies: Istio's default)"},
		{"selector not matching", pa("wl", "data", "app: other", "DISABLE", "", ""), 5432, "PERMISSIVE (no PeerAuthentication applies: Istio's default)"},
		{"empty selector is namespace level", "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: empty, namespace: data}\nspec: {selector: {}, mtls: {mode: STRICT}}\n", 5432, "STRICT (PeerAuthentication data/empty, namespace level)"},
		{"empty selector in root is mesh level", "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: empty, namespace: istio-system}\nspec: {selector: {matchLabels: {}}, mtls: {mode: STRICT}}\n", 5432, "STRICT (PeerAuthentication istio-system/empty, mesh level)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := envFrom(t, dbPod+tt.policies)
			got := e.PeerAuthMode(workload(t, e, "data", "db"), tt.port).String()
			if got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestInjectionStatus(t *testing.T) {
	ns := func(labels string) string {
		return "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {" + labels + "}}\n"
	}
	pod := func(labels, annotations, extraSpec string) string {
		return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: data, labels: {" + labels + "}, annotations: {" + annotations + "}}\nspec: {" + extraSpec + "containers: [{name: db, image: postgres}]}\n"
	}
	tests := []struct {
		name   string
		yaml   string
		member bool
		unk    bool
	}{
		{"ns enabled", ns("istio-injection: enabled") + pod("", "", ""), true, false},
		{"ns enabled, pod label false", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "false"`, "", ""), false, false},
		{"ns enabled, pod annotation false", ns("istio-injection: enabled") + pod("", `sidecar.istio.io/inject: "false"`, ""), false, false},
		{"pod label wins over annotation", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "true"`, `sidecar.istio.io/inject: "false"`, ""), true, false},
		{"ns disabled beats pod label true", ns("istio-injection: disabled") + pod(`sidecar.istio.io/inject: "true"`, "", ""), false, false},
		{"ns revision", ns("istio.io/rev: canary") + pod("", "", ""), true, false},
		{"ns revision, pod false", ns("istio.io/rev: canary") + pod(`sidecar.istio.io/inject: "false"`, "", ""), false, false},
		{"unlabeled ns, pod label true", ns("team: a") + pod(`sidecar.istio.io/inject: "true"`, "", ""), true, false},
		{"unlabeled ns, pod annotation true only", ns("team: a") + pod("", `sidecar.istio.io/inject: "true"`, ""), false, false},
		{"unlabeled ns", ns("team: a") + pod("", "", ""), false, false},
		{"hostNetwork never", ns("istio-injection: enabled") + pod("", "", "hostNetwork: true, "), false, false},
		{"missing namespace", pod("", "", ""), false, true},
		{"ns enabled, pod label no", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "no"`, "", ""), false, false},
		{"ns enabled, pod label False", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "False"`, "", ""), false, false},
		{"ns enabled, pod label typo", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "ture"`, "", ""), false, false},
		{"ns enabled, pod label on", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: "on"`, "", ""), true, false},
		{"ns enabled, pod label empty", ns("istio-injection: enabled") + pod(`sidecar.istio.io/inject: ""`, "", ""), true, false},
		{"ns enabled, annotation off", ns("istio-injection: enabled") + pod("", `sidecar.istio.io/inject: "off"`, ""), false, false},
		{"ns istio-injection Enabled is not enabled", ns("istio-injection: Enabled") + pod("", "", ""), false, false},
		{"unlabeled ns, pod label True is not the object selector's true", ns("team: a") + pod(`sidecar.istio.io/inject: "True"`, "", ""), false, false},
		{"unlabeled ns, pod label true with istio.io/rev", ns("team: a") + pod(`sidecar.istio.io/inject: "true", istio.io/rev: canary`, "", ""), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := envFrom(t, tt.yaml)
			s := e.InjectionStatus(workload(t, e, "data", "db"))
			if s.Member != tt.member || s.Unknown != tt.unk {
				t.Errorf("member=%v unknown=%v (%s), want member=%v unknown=%v", s.Member, s.Unknown, s.Reason, tt.member, tt.unk)
			}
		})
	}
	for _, ns := range []string{"kube-system", "kube-public"} {
		e := envFrom(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+", labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: "+ns+"}\nspec: {containers: [{name: db, image: postgres}]}\n")
		if s := e.InjectionStatus(workload(t, e, ns, "db")); s.Member {
			t.Errorf("%s: injected (%s); istiod never injects it", ns, s.Reason)
		}
	}
}

func TestCapture(t *testing.T) {
	tests := []struct {
		annotations string
		port        int32
		want        bool
	}{
		{"", 5432, true},
		{"", 15021, false},
		{"", 15090, false},
		{`traffic.sidecar.istio.io/excludeInboundPorts: "5432,9187"`, 5432, false},
		{`traffic.sidecar.istio.io/excludeInboundPorts: "9187"`, 5432, true},
		{`traffic.sidecar.istio.io/includeInboundPorts: "8080"`, 5432, false},
		{`traffic.sidecar.istio.io/includeInboundPorts: "8080, 5432"`, 5432, true},
		{`traffic.sidecar.istio.io/includeInboundPorts: "*"`, 5432, true},
		{`traffic.sidecar.istio.io/includeInboundPorts: ""`, 5432, false},
		{`sidecar.istio.io/interceptionMode: NONE`, 5432, false},
		{`sidecar.istio.io/interceptionMode: TPROXY`, 5432, true},
	}
	for _, tt := range tests {
		e := envFrom(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: data, annotations: {"+tt.annotations+"}}\nspec: {containers: [{name: db, image: postgres}]}\n")
		if got, _ := Capture(workload(t, e, "data", "db"), tt.port); got != tt.want {
			t.Errorf("%s port %d: captured=%v, want %v", tt.annotations, tt.port, got, tt.want)
		}
	}
}

func ap(name, action, selector, rules string) string {
	s := "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name + ", namespace: data}\nspec:\n"
	if action != "" {
		s += "  action: " + action + "\n"
	}
	if selector != "" {
		s += "  selector: {matchLabels: {" + selector + "}}\n"
	}
	return s + rules
}

func TestAuthorize(t *testing.T) {
	mtlsShop := Request{MTLS: true, Principal: "cluster.local/ns/shop/sa/api", Namespace: "shop", ServiceAccount: "shop/api", SourceClass: ipspace.Private, Port: 5432}
	plaintext := Request{SourceClass: ipspace.Private, Port: 5432}
	internet := Request{SourceClass: ipspace.Public, Port: 5432}
	httpMTLS := mtlsShop
	httpMTLS.HTTP = true
	mtlsData := Request{MTLS: true, Principal: "cluster.local/ns/data/sa/api", Namespace: "data", ServiceAccount: "data/api", SourceClass: ipspace.Private, Port: 5432}
	dryRun := func(action, rules string) string {
		return strings.Replace(ap("dry", action, "", rules), "namespace: data}", "namespace: data, annotations: {istio.io/dry-run: \"true\"}}", 1)
	}
	tests := []struct {
		name     string
		policies string
		req      Request
		want     string // allowed/restricted/denied
	}{
		{"no policy", "", plaintext, "allowed unrestricted"},
		{"allow nothing", "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: nothing, namespace: data}\nspec: {}\n", mtlsShop, "denied"},
		{"allow all", ap("all", "", "", "  rules: [{}]\n"), plaintext, "allowed unrestricted"},
		{"deny all", ap("deny", "DENY", "", "  rules: [{}]\n"), mtlsShop, "denied"},
		{"allow principal, mtls", ap("p", "", "app: db", "  rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/api]}}]}]\n"), mtlsShop, "allowed restricted"},
		{"allow principal, plaintext", ap("p", "", "app: db", "  rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/api]}}]}]\n"), plaintext, "denied"},
		{"allow principal prefix wildcard", ap("p", "", "", "  rules: [{from: [{source: {principals: [cluster.local/ns/shop/*]}}]}]\n"), mtlsShop, "allowed restricted"},
		{"allow namespaces, plaintext", ap("ns-allow", "", "", "  rules: [{from: [{source: {namespaces: [shop]}}]}]\n"), plaintext, "denied"},
		{"deny namespaces bypassed by plaintext", ap("d", "DENY", "", "  rules: [{from: [{source: {namespaces: [shop]}}]}]\n"), plaintext, "allowed unrestricted"},
		{"deny namespaces applies to mtls", ap("d", "DENY", "", "  rules: [{from: [{source: {namespaces: [shop]}}]}]\n"), mtlsShop, "denied"},
		{"deny notNamespaces matches plaintext", ap("d", "DENY", "", "  rules: [{from: [{source: {notNamespaces: [shop]}}]}]\n"), plaintext, "denied"},
		{"deny notNamespaces spares listed ns", ap("d", "DENY", "", "  rules: [{from: [{source: {notNamespaces: [shop]}}]}]\n"), mtlsShop, "allowed unrestricted"},
		{"deny beats allow", ap("a", "", "", "  rules: [{}]\n") + ap("d", "DENY", "", "  rules: [{from: [{source: {principals: [\"*\"]}}]}]\n"), mtlsShop, "denied"},
		{"allow on other port", ap("a", "", "", "  rules: [{to: [{operation: {ports: [\"8080\"]}}]}]\n"), mtlsShop, "denied"},
		{"allow on this port", ap("a", "", "", "  rules: [{to: [{operation: {ports: [\"5432\"]}}]}]\n"), mtlsShop, "allowed unrestricted"},
		{"http fields in allow on tcp match nothing", ap("a", "", "", "  rules: [{to: [{operation: {methods: [GET]}}]}]\n"), mtlsShop, "denied"},
		{"http fields in allow on http narrow", ap("a", "", "", "  rules: [{to: [{operation: {methods: [GET]}}]}]\n"), httpMTLS, "allowed unrestricted narrowed"},
		{"http fields in deny on tcp are ignored", ap("d", "DENY", "", "  rules: [{to: [{operation: {paths: [/admin]}}]}]\n"), mtlsShop, "denied"},
		{"http fields in deny on http are partial", ap("d", "DENY", "", "  rules: [{to: [{operation: {paths: [/admin]}}]}]\n"), httpMTLS, "allowed unrestricted narrowed"},
		{"ipBlocks holding part of the internet admit some sources", ap("a", "", "", "  rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}]}]\n"), internet, "allowed restricted narrowed"},
		{"ipBlocks holding all of the internet admit it", ap("a", "", "", "  rules: [{from: [{source: {ipBlocks: [0.0.0.0/0]}}]}]\n"), internet, "allowed restricted"},
		{"a DENY ipBlock holding part of the internet denies some sources only", ap("d", "DENY", "", "  rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}]}]\n"), internet, "allowed unrestricted narrowed"},
		{"a DENY ipBlock holding all of the internet denies it", ap("d", "DENY", "", "  rules: [{from: [{source: {ipBlocks: [0.0.0.0/1, 128.0.0.0/1]}}]}]\n"), internet, "denied"},
		{"a DENY notIpBlocks holding part of the internet denies the rest only", ap("d", "DENY", "", "  rules: [{from: [{source: {notIpBlocks: [203.0.113.0/24]}}]}]\n"), internet, "allowed unrestricted narrowed"},
		{"a DENY rule with one unconditional from entry denies", ap("d", "DENY", "", "  rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}, {source: {notNamespaces: [shop]}}]}]\n"), internet, "denied"},
		{"private ipBlocks do not admit internet", ap("a", "", "", "  rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]\n"), internet, "denied"},
		{"custom keeps the edge", ap("c", "CUSTOM", "", "  provider: {name: ext-authz}\n  rules: [{}]\n"), plaintext, "allowed unrestricted custom"},
		{"audit never decides", ap("au", "AUDIT", "", "  rules: [{}]\n"), plaintext, "allowed unrestricted"},
		{"selector not matching", ap("p", "", "app: other", "  rules: [{from: [{source: {principals: [x]}}]}]\n"), plaintext, "allowed unrestricted"},
		{"trustDomains, mtls", ap("a", "", "", "  rules: [{from: [{source: {trustDomains: [cluster.local]}}]}]\n"), mtlsShop, "allowed restricted"},
		{"trustDomains other, mtls", ap("a", "", "", "  rules: [{from: [{source: {trustDomains: [corp.example]}}]}]\n"), mtlsShop, "denied"},
		{"trustDomains, plaintext", ap("a", "", "", "  rules: [{from: [{source: {trustDomains: [\"*\"]}}]}]\n"), plaintext, "denied"},
		{"deny notTrustDomains matches plaintext", ap("d", "DENY", "", "  rules: [{from: [{source: {notTrustDomains: [cluster.local]}}]}]\n"), plaintext, "denied"},
		{"deny notTrustDomains spares own domain", ap("d", "DENY", "", "  rules: [{from: [{source: {notTrustDomains: [cluster.local]}}]}]\n"), mtlsShop, "allowed unrestricted"},
		{"when source.principal, mtls", ap("a", "", "", "  rules: [{when: [{key: source.principal, values: [cluster.local/ns/shop/sa/api]}]}]\n"), mtlsShop, "allowed restricted"},
		{"when source.principal, plaintext", ap("a", "", "", "  rules: [{when: [{key: source.principal, values: [\"*\"]}]}]\n"), plaintext, "denied"},
		{"when source.namespace other", ap("a", "", "", "  rules: [{when: [{key: source.namespace, values: [data]}]}]\n"), mtlsShop, "denied"},
		{"when deny source.namespace bypassed by plaintext", ap("d", "DENY", "", "  rules: [{when: [{key: source.namespace, values: [shop]}]}]\n"), plaintext, "allowed unrestricted"},
		{"when deny source.namespace notValues matches plaintext", ap("d", "DENY", "", "  rules: [{when: [{key: source.namespace, notValues: [shop]}]}]\n"), plaintext, "denied"},
		{"when destination.port other", ap("a", "", "", "  rules: [{when: [{key: destination.port, values: [\"8080\"]}]}]\n"), mtlsShop, "denied"},
		{"when destination.port this", ap("a", "", "", "  rules: [{when: [{key: destination.port, values: [\"5432\"]}]}]\n"), mtlsShop, "allowed unrestricted"},
		{"when remote.ip private from internet", ap("a", "", "", "  rules: [{when: [{key: remote.ip, values: [10.0.0.0/8]}]}]\n"), internet, "denied"},
		{"when connection.sni narrows", ap("a", "", "", "  rules: [{when: [{key: connection.sni, values: [db.example.com]}]}]\n"), mtlsShop, "allowed unrestricted narrowed"},
		{"experimental filter metadata in allow on tcp narrows", ap("a", "", "", "  rules: [{when: [{key: \"experimental.envoy.filters.network.mysql_proxy[db.table]\", values: [\"[update]\"]}]}]\n"), mtlsShop, "allowed unrestricted narrowed"},
		{"request.headers in allow on tcp match nothing", ap("a", "", "", "  rules: [{when: [{key: \"request.headers[x-team]\", values: [a]}]}]\n"), mtlsShop, "denied"},
		{"requestPrincipals in deny on tcp are ignored", ap("dj", "DENY", "", "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]\n"), mtlsShop, "denied"},
		{"requestPrincipals in allow on tcp match nothing", ap("aj", "", "", "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]\n"), mtlsShop, "denied"},
		// A bare serviceAccounts name is in the policy's namespace (authorization_policy.proto; generator.go serviceAccountRegex).
		{"allow bare serviceAccount, same namespace", ap("sa", "", "", "  rules: [{from: [{source: {serviceAccounts: [api]}}]}]\n"), mtlsData, "allowed restricted"},
		{"allow bare serviceAccount, other namespace", ap("sa", "", "", "  rules: [{from: [{source: {serviceAccounts: [api]}}]}]\n"), mtlsShop, "denied"},
		{"allow qualified serviceAccount", ap("sa", "", "", "  rules: [{from: [{source: {serviceAccounts: [shop/api]}}]}]\n"), mtlsShop, "allowed restricted"},
		{"deny bare serviceAccount", ap("sa", "DENY", "", "  rules: [{from: [{source: {serviceAccounts: [api]}}]}]\n"), mtlsData, "denied"},
		{"deny bare notServiceAccounts spares it", ap("sa", "DENY", "", "  rules: [{from: [{source: {notServiceAccounts: [api]}}]}]\n"), mtlsData, "allowed unrestricted"},
		// Dry-run ALLOW/DENY policies are shadow rules (builder.go build); CUSTOM has no dry-run.
		{"dry-run deny enforces nothing", dryRun("DENY", "  rules: [{}]\n"), plaintext, "allowed unrestricted"},
		{"dry-run allow-nothing enforces nothing", dryRun("", "  rules: []\n"), mtlsShop, "allowed unrestricted"},
		{"dry-run false is enforced", strings.Replace(dryRun("DENY", "  rules: [{}]\n"), `"true"`, `"false"`, 1), plaintext, "denied"},
		// One HTTP-only field drops the whole ALLOW rule on TCP (model.go checkError, builder.go).
		{"allow rule with an http entry on tcp matches nothing", ap("a", "", "", "  rules: [{to: [{operation: {methods: [GET]}}, {operation: {ports: [\"5432\"]}}]}]\n"), mtlsShop, "denied"},
		{"allow rule with an http source on tcp matches nothing", ap("a", "", "", "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}, {source: {namespaces: [shop]}}]}]\n"), mtlsShop, "denied"},
		{"requestPrincipals need a JWT", ap("j", "", "", "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]\n"), httpMTLS, "allowed restricted narrowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := envFrom(t, dbPod+tt.policies)
			d := e.Authorize(workload(t, e, "data", "db"), tt.req)
			got := "denied"
			if d.Allowed {
				got = "allowed unrestricted"
				if d.Restricted {
					got = "allowed restricted"
				}
				if len(d.Narrowing) > 0 {
					got += " narrowed"
				}
				if d.Custom {
					got += " custom"
				}
			}
			if got != tt.want {
				t.Errorf("got %q (%s %s), want %q", got, d.Reason, strings.Join(d.Narrowing, "; "), tt.want)
			}
		})
	}
}

// TestRootNamespaceIsConfigurable: with --mesh-root-namespace mesh-root, a
// policy in istio-system is an ordinary namespace policy there and the
// mesh-wide policy is the one in mesh-root.
func TestRootNamespaceIsConfigurable(t *testing.T) {
	e := envFrom(t, dbPod+pa("default", "istio-system", "", "STRICT", "", "")+pa("default", "mesh-root", "", "DISABLE", "", ""))
	e.RootNamespace = "mesh-root"
	got := e.PeerAuthMode(workload(t, e, "data", "db"), 5432).String()
	if want := "DISABLE (PeerAuthentication mesh-root/default, mesh level)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
