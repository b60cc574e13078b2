package cluster_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// TestSecretsAreReadAsLittleAsAsked: metadata only by default, the TLS
// Secrets whole with CheckCerts, every Secret whole with ReadSecrets.
func TestSecretsAreReadAsLittleAsAsked(t *testing.T) {
	env := clustertest.Start(t)
	env.Apply(t, filepath.Join("..", "..", "testdata", "demo"))
	secrets := func(opts cluster.Options) map[string]string {
		t.Helper()
		opts.Context = "envtest"
		snap, err := cluster.Read(context.Background(), env.Config, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, o := range snap.Objects {
			if o.Kind != "Secret" {
				continue
			}
			switch s := o.Obj.(type) {
			case *corev1.Secret:
				out[s.Namespace+"/"+s.Name] = "whole:" + string(s.Type)
			case *metav1.PartialObjectMetadata:
				out[s.Namespace+"/"+s.Name] = "metadata"
			default:
				t.Errorf("Secret read as %T", o.Obj)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		opts cluster.Options
		want map[string]string
	}{
		{"default", cluster.Options{}, map[string]string{"data/postgres-credentials": "metadata", "istio-system/shop-example-tls": "metadata", "payments/pay-example-tls": "metadata"}},
		{"check-certs", cluster.Options{CheckCerts: true}, map[string]string{"data/postgres-credentials": "metadata", "istio-system/shop-example-tls": "whole:kubernetes.io/tls", "payments/pay-example-tls": "whole:kubernetes.io/tls"}},
		{"read-secrets", cluster.Options{ReadSecrets: true}, map[string]string{"data/postgres-credentials": "whole:Opaque", "istio-system/shop-example-tls": "whole:kubernetes.io/tls", "payments/pay-example-tls": "whole:kubernetes.io/tls"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := secrets(tc.opts)
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s read as %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

// TestReadStopsWhenCancelled: Ctrl-C cancels the context; the read stops
// with its error and returns nothing half-read.
func TestReadStopsWhenCancelled(t *testing.T) {
	env := clustertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	snap, err := cluster.Read(ctx, env.Config, cluster.Options{Context: "envtest"})
	if !errors.Is(err, context.Canceled) || snap != nil {
		t.Errorf("Read after cancel = %v, %v; want nil, context.Canceled", snap, err)
	}
}

// TestProgressNamesEachKind: one line per kind read, with its count.
func TestProgressNamesEachKind(t *testing.T) {
	env := clustertest.Start(t)
	env.Apply(t, filepath.Join("..", "..", "testdata", "demo"))
	var progress strings.Builder
	if _, err := cluster.Read(context.Background(), env.Config, cluster.Options{Context: "envtest", Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Deployment.apps", "PeerAuthentication.security.istio.io", "HTTPRoute.gateway.networking.k8s.io"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %s:\n%s", want, progress.String())
		}
	}
}
