package cluster_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/sources/cluster"
	"github.com/shadowroute/shadowroute/sources/cluster/clustertest"
)

// TestReadListsEveryModelledKind applies the demo to a real API server and
// reads it back: every object of the files is listed, with a cluster
// origin, and the CRDs' groups count as installed.
func TestReadListsEveryModelledKind(t *testing.T) {
	env := clustertest.Start(t)
	env.Apply(t, filepath.Join("..", "..", "testdata", "demo"))
	snap, err := cluster.Read(context.Background(), env.Config, cluster.Options{Context: "envtest", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Unread) != 0 {
		t.Errorf("unread as administrator: %v", snap.Unread)
	}
	for _, g := range snap.NotInstalled {
		if strings.Contains(g, "istio") || strings.Contains(g, "gateway") {
			t.Errorf("%s reported not installed, but its CRDs are", g)
		}
	}
	kinds := map[string]int{}
	for _, o := range snap.Objects {
		kinds[o.Kind]++
		if !o.Origin.Live || !strings.HasPrefix(o.Origin.File, "cluster:envtest ") {
			t.Errorf("origin %+v, want cluster:envtest Kind/ns/name", o.Origin)
		}
	}
	t.Logf("server %s, kinds %v", snap.Server, kinds)
	for _, k := range []string{"Deployment", "Service", "Ingress", "PeerAuthentication", "AuthorizationPolicy", "NetworkPolicy", "Gateway", "VirtualService"} {
		if kinds[k] == 0 {
			t.Errorf("no %s read", k)
		}
	}
}
