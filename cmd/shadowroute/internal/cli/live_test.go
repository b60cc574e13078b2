package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/schematest"
	"github.com/shadowroute/shadowroute/sources/cluster/clustertest"
)

// findingLines is one line per finding, independent of where objects came
// from (files or a cluster): fingerprint, severity, target and path.
func findingLines(t *testing.T, js string) []string {
	t.Helper()
	var res analysis.Result
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("%v: %.300s", err, js)
	}
	var out []string
	for _, f := range res.Findings {
		var path []string
		for _, h := range f.Path {
			path = append(path, h.Node.Label)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s [%s]", analysis.Fingerprint(f)[:12], f.Code, f.Severity, f.Target, strings.Join(path, " > ")))
	}
	sort.Strings(out)
	return out
}

// TestLiveClusterMatchesFiles applies manifest folders to a real
// kube-apiserver and checks that `analyze --cluster` finds exactly what
// the offline run on the same files finds.
func TestLiveClusterMatchesFiles(t *testing.T) {
	folders := []string{
		"demo",
		"public/bookinfo-strict-nginx-installed",
		"public/online-boutique",
		"public/sock-shop",
		"public/bitnami-wordpress-mariadb",
		"scenarios/gatewayapi-online-boutique-istio",
		"scenarios/gatewayapi-tcproute-postgres",
		"ambient/ambient-waypoint-ingress-bypass",
		"scenarios/gatewayapi-backendtlspolicy",
		"scenarios/gatewayapi-tlsroute-passthrough",
		"scenarios/gatewayapi-grpcroute-etcd",
		"migration/ingress-nginx",
	}
	for _, folder := range folders {
		t.Run(folder, func(t *testing.T) {
			dir := filepath.Join(testdata, filepath.FromSlash(folder))
			env := clustertest.Start(t)
			env.Apply(t, dir)
			code, offline, stderr := run([]string{"analyze", dir, "--format", "json"}, "")
			if code > 1 {
				t.Fatalf("offline: exit %d: %s", code, stderr)
			}
			code, live, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", env.Kubeconfig, "--format", "json"}, "")
			if code > 1 {
				t.Fatalf("--cluster: exit %d: %s", code, stderr)
			}
			schematest.Validate(t, []byte(live))
			want, got := findingLines(t, offline), findingLines(t, live)
			if strings.Join(want, "\n") != strings.Join(got, "\n") {
				t.Errorf("--cluster findings differ from the files'\nfiles:\n  %s\ncluster:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
			}
			if len(got) == 0 {
				t.Error("no finding: the comparison proves nothing")
			}
		})
	}
}

// TestLiveClusterOverlayScopeAndFormats checks, on the demo applied to a
// real API server: files overlaid on the cluster win (a PR switching
// payments to STRICT removes the shadow routes through it before it is
// applied); -n reads one namespace and says so; the text report cites
// cluster:CONTEXT Kind/ns/name; SARIF of a cluster scan is valid.
func TestLiveClusterOverlayScopeAndFormats(t *testing.T) {
	env := clustertest.Start(t)
	env.Apply(t, filepath.Join(testdata, "demo"))
	kc := env.Kubeconfig

	code, base, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", kc, "--format", "json"}, "")
	if code > 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before := strings.Join(findingLines(t, base), "\n")
	if !strings.Contains(before, "SR0102 high StatefulSet data/postgres") {
		t.Fatalf("the demo's shadow route is missing:\n%s", before)
	}

	overlay := filepath.Join(t.TempDir(), "strict-payments.yaml")
	writeFile(t, overlay, "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: payments}\nspec:\n  mtls: {mode: STRICT}\n")
	code, head, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", kc, overlay, "--format", "json"}, "")
	if code > 1 {
		t.Fatalf("overlay: exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "duplicate") {
		t.Errorf("an overlaid object is no duplicate: %s", stderr)
	}
	after := strings.Join(findingLines(t, head), "\n")
	if strings.Contains(after, "SR0102 high StatefulSet data/postgres") {
		t.Errorf("the file's STRICT PeerAuthentication did not replace the cluster's PERMISSIVE one:\n%s", after)
	}

	code, scoped, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", kc, "-n", "data", "--format", "json"}, "")
	if code > 1 {
		t.Fatalf("-n data: exit %d: %s", code, stderr)
	}
	var res analysis.Result
	if err := json.Unmarshal([]byte(scoped), &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.NotSeen, "\n"), "only namespace data was read (-n)") {
		t.Errorf("-n data: Not seen does not say the read was scoped: %q", res.NotSeen)
	}

	code, text, _ := run([]string{"analyze", "--cluster", "--kubeconfig", kc}, "")
	if code > 1 || !strings.Contains(text, "(cluster:envtest StatefulSet/data/postgres)") {
		t.Errorf("text report: exit %d, want evidence at cluster:envtest StatefulSet/data/postgres:\n%.2000s", code, text)
	}

	code, sarifLog, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", kc, "--format", "sarif"}, "")
	if code > 1 {
		t.Fatalf("sarif: exit %d: %s", code, stderr)
	}
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join(testdata, "sarif", "sarif-2.1.0-rtm.5.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(sarifLog))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("SARIF of a cluster scan: %v", err)
	}
	if !strings.Contains(sarifLog, `"uri": "cluster:envtest/StatefulSet/data/postgres"`) {
		t.Errorf("SARIF does not locate the target in the cluster:\n%.3000s", sarifLog)
	}
}

// TestClusterFlagErrors needs no API server: flags that cannot mean what
// they say, and a server that does not answer, are input errors (exit 2)
// that name the cause.
func TestClusterFlagErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "kubeconfig")
	writeFile(t, empty, "apiVersion: v1\nkind: Config\n")
	tests := []struct {
		name      string
		args      []string
		stderrHas string
	}{
		{"read-secrets needs --cluster", []string{"analyze", filepath.Join(testdata, "demo"), "--read-secrets"}, "need --cluster"},
		{"require-complete needs --cluster", []string{"analyze", filepath.Join(testdata, "demo"), "--require-complete"}, "need --cluster"},
		{"-A with -n", []string{"analyze", "--cluster", "-A", "-n", "shop"}, "--all-namespaces and --namespace"},
		{"no path and no --cluster", []string{"analyze"}, "or --cluster for the live cluster"},
		{"nothing listens", []string{"analyze", "--cluster", "--kubeconfig", empty, "--server", "https://127.0.0.1:1", "--request-timeout", "5s"}, "--cluster: cluster"},
		{"no cluster configured", []string{"analyze", "--cluster", "--kubeconfig", empty}, "no current context"},
		{"bad page size", []string{"analyze", "--cluster", "--page-size", "0"}, "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(tc.args, "")
			if code != ExitInput || !strings.Contains(stderr, tc.stderrHas) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.stderrHas)
			}
		})
	}
}

// TestLiveClusterDiff: diff --cluster PATH compares the cluster with the
// files applied on it. Making payments STRICT fixes the postgres shadow
// route, and breaks the legacy nginx Ingress (nginx, outside the mesh, now
// refused: SR0401); redis keeps a plaintext path, by another way in (a new
// witness path is a new fingerprint), so --fail-on high fails.
func TestLiveClusterDiff(t *testing.T) {
	env := clustertest.Start(t)
	env.Apply(t, filepath.Join(testdata, "demo"))
	overlay := filepath.Join(t.TempDir(), "strict-payments.yaml")
	writeFile(t, overlay, "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: payments}\nspec:\n  mtls: {mode: STRICT}\n")
	code, out, stderr := run([]string{"diff", "--cluster", "--kubeconfig", env.Kubeconfig, overlay, "--format", "json", "--fail-on", "high"}, "")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1 (a new high finding): %s", code, stderr)
	}
	schematest.ValidateAgainst(t, schematest.DiffSchemaFile, []byte(out))
	var d struct {
		New   []analysis.Finding `json:"new"`
		Fixed []analysis.Finding `json:"fixed"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	fixed := ""
	for _, f := range d.Fixed {
		fixed += f.Code + " " + f.Target.String() + "\n"
	}
	added := ""
	for _, f := range d.New {
		added += f.Code + " " + f.Target.String() + "\n"
	}
	if !strings.Contains(fixed, "SR0102 StatefulSet data/postgres") || !strings.Contains(added, "SR0401 Ingress payments/payments-legacy") {
		t.Errorf("fixed:\n%snew:\n%swant the postgres shadow route fixed and the legacy Ingress broken", fixed, added)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
