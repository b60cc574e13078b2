package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

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
