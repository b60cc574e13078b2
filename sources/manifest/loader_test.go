package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"sigs.k8s.io/yaml"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

const dir = "../../testdata/loader"

func load(t *testing.T, opts Options, paths ...string) *inventory.Inventory {
	t.Helper()
	l, err := NewLoader(opts)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := l.Load(paths)
	if err != nil {
		t.Fatalf("Load(%v): %v", paths, err)
	}
	return inv
}

func counts(inv *inventory.Inventory) string {
	var parts []string
	for _, c := range inv.Counts() {
		parts = append(parts, fmt.Sprintf("%s=%d", c.Kind, c.Count))
	}
	return strings.Join(parts, " ")
}

func warnings(inv *inventory.Inventory) []string {
	var out []string
	for _, w := range inv.Warnings {
		out = append(out, w.String())
	}
	return out
}

func TestLoadFiles(t *testing.T) {
	tests := []struct {
		file     string
		counts   string
		warnings []string
		skipped  map[string]int
		origins  map[string]string // key.String() -> origin
	}{
		{
			file:    "multidoc.yaml",
			counts:  "Deployment=1 Namespace=1 Service=1",
			origins: map[string]string{"Namespace shop": "multidoc.yaml:2", "Deployment shop/web": "multidoc.yaml:12", "Service default/web": "multidoc.yaml:30"},
		},
		{
			file:    "list.yaml",
			counts:  "Gateway=1 Service=2",
			origins: map[string]string{"Service shop/a": "list.yaml:1[0]", "Gateway shop/gw": "list.yaml:1[1]", "Service shop/b": "list.yaml:15[0]"},
		},
		{
			file:    "objects.json",
			counts:  "NetworkPolicy=1",
			origins: map[string]string{"NetworkPolicy shop/deny-all": "objects.json:1"},
		},
		{
			file:    "crlf.yaml",
			counts:  "ServiceAccount=2",
			origins: map[string]string{"ServiceAccount shop/crlf": "crlf.yaml:1", "ServiceAccount shop/crlf2": "crlf.yaml:7"},
		},
		{
			file:     "tab-error.yaml",
			counts:   "ServiceAccount=2",
			warnings: []string{"tab-error.yaml:11: cannot parse YAML: found a tab character that violates indentation"},
			origins:  map[string]string{"ServiceAccount shop/before": "tab-error.yaml:1", "ServiceAccount shop/after": "tab-error.yaml:13"},
		},
		{
			file:   "unknown.yaml",
			counts: "",
			warnings: []string{
				"unknown.yaml:14: extensions/v1beta1 Ingress is not supported (use networking.k8s.io/v1); skipped",
				"unknown.yaml:18: document has no apiVersion/kind; skipped",
				`unknown.yaml:20: cannot decode apps/v1 Deployment: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
			},
			skipped: map[string]int{"cert-manager.io/v1/Certificate": 1, "extensions/v1beta1/Ingress": 1},
		},
		{
			file:     "duplicates.yaml",
			counts:   "Service=1",
			warnings: []string{"duplicates.yaml:6: duplicate Service shop/dup: this definition replaces the one at duplicates.yaml:1"},
			origins:  map[string]string{"Service shop/dup": "duplicates.yaml:6"},
		},
		{file: "empty.yaml", counts: ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			inv := load(t, Options{}, path)
			if got := counts(inv); got != tt.counts {
				t.Errorf("counts = %q, want %q", got, tt.counts)
			}
			got := warnings(inv)
			var want []string
			for _, w := range tt.warnings {
				want = append(want, dir+"/"+strings.ReplaceAll(w, "at duplicates.yaml", "at "+dir+"/duplicates.yaml"))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if tt.skipped == nil {
				tt.skipped = map[string]int{}
			}
			if fmt.Sprint(inv.Skipped) != fmt.Sprint(tt.skipped) {
				t.Errorf("skipped = %v, want %v", inv.Skipped, tt.skipped)
			}
			for key, origin := range tt.origins {
				found := false
				for _, c := range inv.Counts() {
					for _, o := range inv.Objects(schemaKind(c)) {
						if o.Key.String() == key {
							found = true
							if o.Origin.String() != filepath.Join(dir, origin) {
								t.Errorf("%s origin = %s, want %s", key, o.Origin, filepath.Join(dir, origin))
							}
						}
					}
				}
				if !found {
					t.Errorf("%s not loaded", key)
				}
			}
		})
	}
}

func schemaKind(c inventory.KindCount) schema.GroupKind {
	return schema.GroupKind{Group: c.Group, Kind: c.Kind}
}

func TestLoadDirectoryWalksRecursively(t *testing.T) {
	inv := load(t, Options{}, dir)
	// Every fixture file above plus owners.yaml and secrets.yaml, in
	// lexical order: the same warnings as file by file, plus Deployment
	// shop/web defined in both multidoc.yaml and owners.yaml.
	if got := len(inv.Warnings); got != 6 {
		t.Errorf("warnings = %d, want 6:\n%s", got, strings.Join(warnings(inv), "\n"))
	}
	if !strings.Contains(strings.Join(warnings(inv), "\n"), "owners.yaml:2: duplicate Deployment shop/web: this definition replaces the one at "+dir+"/multidoc.yaml:12") {
		t.Errorf("cross-file duplicate not reported:\n%s", strings.Join(warnings(inv), "\n"))
	}
	if got := counts(inv); got != "CronJob=1 Deployment=1 Gateway=1 Job=1 Namespace=1 NetworkPolicy=1 Pod=5 ReplicaSet=1 Secret=2 Service=4 ServiceAccount=4" {
		t.Errorf("counts = %s", got)
	}
}

func TestLoadStdin(t *testing.T) {
	in := strings.NewReader("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\nkind: Nope\napiVersion: x/v1\nmetadata: {name: n}\n")
	inv := load(t, Options{Stdin: in, DefaultNamespace: "team-a"}, "-")
	if got := counts(inv); got != "Service=1" {
		t.Errorf("counts = %s", got)
	}
	svc := inv.Get(inventory.Service, "team-a", "s")
	if svc == nil {
		t.Fatalf("Service team-a/s not loaded with --namespace default; have %v", inv.Objects(inventory.Service))
	}
	if svc.Origin.String() != "<stdin>:1" {
		t.Errorf("origin = %s", svc.Origin)
	}
	if inv.Skipped["x/v1/Nope"] != 1 {
		t.Errorf("skipped = %v", inv.Skipped)
	}
}

func TestClusterScopedKindsKeepNoNamespace(t *testing.T) {
	in := strings.NewReader("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx, namespace: oops}\nspec: {controller: k8s.io/ingress-nginx}\n")
	inv := load(t, Options{Stdin: in}, "-")
	if inv.Get(inventory.IngressClass, "", "nginx") == nil {
		t.Fatalf("IngressClass not stored cluster-scoped: %v", inv.Objects(inventory.IngressClass))
	}
}

func TestSecretValuesAreDropped(t *testing.T) {
	inv := load(t, Options{}, filepath.Join(dir, "secrets.yaml"))
	tls := inv.Get(inventory.Secret, "shop", "tls").Obj.(*corev1.Secret)
	if len(tls.Data) != 1 || string(tls.Data["tls.crt"]) != "cert" {
		t.Errorf("TLS secret data = %v, want only tls.crt", tls.Data)
	}
	if _, ok := tls.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; ok {
		t.Error("last-applied-configuration (a copy of the secret) kept")
	}
	db := inv.Get(inventory.Secret, "shop", "db").Obj.(*corev1.Secret)
	if db.Data != nil || db.StringData != nil || db.Type != corev1.SecretTypeOpaque {
		t.Errorf("opaque secret kept values: data=%v stringData=%v type=%s", db.Data, db.StringData, db.Type)
	}
}

func TestMissingPathIsAnError(t *testing.T) {
	l, err := NewLoader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Load([]string{filepath.Join(dir, "multidoc.yaml"), "does/not/exist"})
	if err == nil || err.Error() != "does/not/exist: no such file or directory" {
		t.Fatalf("err = %v", err)
	}
}

func TestLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(bigManifest(2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() < 5_000_000 {
		t.Fatalf("fixture is %d bytes, want >= 5 MB", fi.Size())
	}
	inv := load(t, Options{}, path)
	if got := counts(inv); got != "Deployment=2000" || len(inv.Warnings) != 0 {
		t.Fatalf("counts = %s, warnings = %v", got, warnings(inv))
	}
	if got := len(inv.Workloads()); got != 2000 {
		t.Errorf("workloads = %d", got)
	}
}

// bigManifest writes n realistic Deployments of about 2.5 KB each.
func bigManifest(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: ns-%[2]d
  labels: {app.kubernetes.io/name: app-%[1]d, app.kubernetes.io/part-of: bench, team: team-%[2]d}
  annotations:
    description: "%[3]s"
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: app-%[1]d}
  template:
    metadata:
      labels: {app.kubernetes.io/name: app-%[1]d, team: team-%[2]d}
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "9090"}
    spec:
      serviceAccountName: app-%[1]d
      containers:
        - name: app
          image: registry.example.com/team-%[2]d/app-%[1]d:1.2.3
          args: ["--listen=:8080", "--metrics=:9090", "--log-level=info"]
          ports:
            - {name: http, containerPort: 8080}
            - {name: metrics, containerPort: 9090}
          env:
            - {name: DATABASE_HOST, value: postgres.data.svc.cluster.local}
            - {name: CACHE_HOST, value: redis.data.svc.cluster.local}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 512Mi}
          readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 5}
          livenessProbe: {httpGet: {path: /live, port: http}, periodSeconds: 10}
`, i, i%20, strings.Repeat("x", 1300))
	}
	return b.String()
}

func TestWorkloadsAreCountedOncePerOwner(t *testing.T) {
	inv := load(t, Options{}, filepath.Join(dir, "owners.yaml"))
	var got []string
	for _, w := range inv.Workloads() {
		got = append(got, fmt.Sprintf("%s replicas=%d sa=%s ownerMissing=%v", w.ID(), w.Replicas, w.ServiceAccount(), w.OwnerMissing))
	}
	want := []string{
		"shop/api-6c9f[ReplicaSet] replicas=2 sa=api ownerMissing=true",
		"shop/backup[CronJob] replicas=1 sa=default ownerMissing=false",
		"shop/debug[Pod] replicas=1 sa=default ownerMissing=false",
		"shop/web[Deployment] replicas=2 sa=default ownerMissing=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("workloads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func FuzzLoadBytes(f *testing.F) {
	for _, name := range []string{"multidoc.yaml", "list.yaml", "tab-error.yaml", "unknown.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	l, err := NewLoader(Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"secret-type-error.yaml", "null-list-item.yaml", "document-ends.yaml", "cr-only.yaml"} {
		data, err := os.ReadFile(filepath.Join(hostileDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv := inventory.New()
		l.LoadBytes(inv, "fuzz.yaml", data)
		_ = inv.Workloads()
		for _, w := range inv.Warnings {
			if strings.ContainsAny(w.Message, "\n\r") {
				t.Errorf("warning spans lines: %q", w.Message)
			}
			if strings.Contains(w.Message, "`") {
				t.Errorf("warning quotes a value: %q", w.Message)
			}
		}
	})
}

// FuzzSplitDocuments: the splitter finds exactly the documents a YAML 1.2
// parser (yaml.v3) finds, whenever both read the stream without error. A
// missed boundary would make the converter drop the documents after it.
func FuzzSplitDocuments(f *testing.F) {
	for _, s := range []string{"a: 1\n---\nb: 2\n", "a: 1\n...\nb: 2\n", "--- |\n  x\n---\n# c\n", "%YAML 1.2\n---\na: 1\n...\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, ok := yamlV3Documents(data)
		if !ok {
			return
		}
		got := 0
		for _, d := range splitDocuments(data) {
			js, err := yaml.YAMLToJSON(d.text)
			if err != nil {
				return // the converter disagrees with yaml.v3 on syntax: not this property
			}
			if strings.HasPrefix(strings.TrimSpace(string(js)), "{") {
				got++
			}
		}
		if got != want {
			t.Errorf("%q: splitter found %d mapping documents, yaml.v3 %d", data, got, want)
		}
	})
}

// yamlV3Documents counts the documents of a stream that are mappings (the
// only documents that can be objects).
func yamlV3Documents(data []byte) (int, bool) {
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var node yamlv3.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		if len(node.Content) > 0 && node.Content[0].Kind == yamlv3.MappingNode {
			n++
		}
	}
}

func BenchmarkLoad2000Deployments(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(bigManifest(2000)), 0o600); err != nil {
		b.Fatal(err)
	}
	l, err := NewLoader(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Load([]string{path}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConfigMapsAreReadNotSkipped: ConfigMap data is kept for the
// credential checks, so ConfigMaps are not counted as a skipped kind.
func TestConfigMapsAreReadNotSkipped(t *testing.T) {
	inv := load(t, Options{}, filepath.Join(dir, "unknown.yaml"))
	if _, skipped := inv.Skipped["v1/ConfigMap"]; skipped {
		t.Errorf("skipped = %v", inv.Skipped)
	}
	if len(inv.ConfigMaps) != 2 || inv.ConfigMaps[0].Name != "cfg" || inv.ConfigMaps[0].Data["a"] != "b" || inv.ConfigMaps[0].Origin.Line != 1 {
		t.Errorf("config maps = %+v", inv.ConfigMaps)
	}
}

// TestPodsOfAbsentOwners: pods of an owner that is not in the input are one
// workload only when their labels and ports agree; static (mirror) pods,
// whose controller is their Node, and owner references without a kind stay
// pods of their own.
func TestPodsOfAbsentOwners(t *testing.T) {
	l, err := NewLoader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	pod := func(name, owner, kind, labels, port string) string {
		return "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: ns\n  labels: {" + labels + "}\n" +
			"  ownerReferences: [{apiVersion: v1, kind: \"" + kind + "\", name: " + owner + ", uid: u, controller: true}]\n" +
			"spec: {containers: [{name: c, image: img, ports: [{containerPort: " + port + "}]}]}\n"
	}
	yaml := pod("api-1", "api-rs", "ReplicaSet", "app: api", "8080") +
		pod("api-2", "api-rs", "ReplicaSet", "app: api", "8080") +
		pod("api-canary", "api-rs", "ReplicaSet", "app: api, track: canary", "8080") +
		pod("api-debug", "api-rs", "ReplicaSet", "app: api", "9090") +
		pod("kube-apiserver-node1", "node1", "Node", "component: kube-apiserver", "6443") +
		pod("etcd-node1", "node1", "Node", "component: etcd", "2379") +
		pod("odd", "whatever", "", "app: odd", "80")
	l.LoadBytes(inv, "pods.yaml", []byte(yaml))
	if len(inv.Warnings) > 0 {
		t.Fatalf("warnings: %v", inv.Warnings)
	}
	var got []string
	for _, w := range inv.Workloads() {
		got = append(got, fmt.Sprintf("%s replicas=%d ownerMissing=%v", w.ID(), w.Replicas, w.OwnerMissing))
	}
	want := []string{
		"ns/api-canary[Pod] replicas=1 ownerMissing=false",
		"ns/api-debug[Pod] replicas=1 ownerMissing=false",
		"ns/api-rs[ReplicaSet] replicas=2 ownerMissing=true",
		"ns/etcd-node1[Pod] replicas=1 ownerMissing=false",
		"ns/kube-apiserver-node1[Pod] replicas=1 ownerMissing=false",
		"ns/odd[Pod] replicas=1 ownerMissing=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("workloads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenderHints: a Helm chart directory is skipped with one warning that
// names helm template (its templates are not YAML until rendered); a
// kustomize overlay is read as written with one warning that names
// kustomize build.
func TestRenderHints(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 1.0.0\n")
	write("chart/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n")
	write("overlay/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [svc.yaml]\n")
	write("overlay/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n")
	inv := load(t, Options{}, root)
	var msgs []string
	for _, w := range inv.Warnings {
		msgs = append(msgs, w.String())
	}
	joined := strings.Join(msgs, "\n")
	if len(inv.Warnings) != 2 || !strings.Contains(joined, "helm template RELEASE") || !strings.Contains(joined, "kustomize build") {
		t.Errorf("warnings:\n%s", joined)
	}
	if inv.Get(inventory.Service, "shop", "web") == nil || len(inv.Objects(inventory.Deployment)) != 0 {
		t.Errorf("the overlay's Service must load and the chart's template must not: %v", inv.Counts())
	}
}
