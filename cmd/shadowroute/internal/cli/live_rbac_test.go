package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/sources/cluster/clustertest"
)

// readerRole is the ClusterRole of deploy/rbac.yaml.
func readerRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "deploy", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var role rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(doc), &role); err == nil && role.Kind == "ClusterRole" {
			return &role
		}
	}
	t.Fatal("deploy/rbac.yaml has no ClusterRole")
	return nil
}

// TestRBACManifestAsksOnlyToList: the shipped role never asks for more
// than list.
func TestRBACManifestAsksOnlyToList(t *testing.T) {
	for _, r := range readerRole(t).Rules {
		if !slices.Equal(r.Verbs, []string{"list"}) {
			t.Errorf("rule %v asks for %v, want only list", r.Resources, r.Verbs)
		}
		for _, res := range r.Resources {
			if strings.Contains(res, "/") || res == "*" {
				t.Errorf("rule names %q: no subresource and no wildcard", res)
			}
		}
	}
}

func bind(t *testing.T, kube kubernetes.Interface, namespace, role, user string) {
	t.Helper()
	ctx := context.Background()
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}
	meta := metav1.ObjectMeta{Name: role + "-" + user}
	var err error
	if namespace == "" {
		_, err = kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: meta, Subjects: subjects, RoleRef: ref}, metav1.CreateOptions{})
	} else {
		meta.Namespace = namespace
		_, err = kube.RbacV1().RoleBindings(namespace).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta, Subjects: subjects, RoleRef: ref}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestLiveClusterWithLimitedAccess runs --cluster as a user bound to
// deploy/rbac.yaml (everything read, nothing unread) and as a user who may
// not read Secrets anywhere nor anything in istio-system, the mesh root
// namespace: the scan goes on, Not seen names both, every finding carries
// the assumption (the root namespace's policies apply mesh-wide), and
// --require-complete exits 2.
func TestLiveClusterWithLimitedAccess(t *testing.T) {
	env := clustertest.Start(t)
	demo := filepath.Join(testdata, "demo")
	env.Apply(t, demo)
	kube := kubernetes.NewForConfigOrDie(env.Config)
	ctx := context.Background()

	role := readerRole(t)
	role.ResourceVersion = ""
	if _, err := kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	reader := env.User(t, "reader")
	bind(t, kube, "", role.Name, "reader")
	code, out, stderr := run([]string{"analyze", "--cluster", "--kubeconfig", reader, "--require-complete", "--format", "json"}, "")
	if code > 1 {
		t.Fatalf("as the deploy/rbac.yaml reader: exit %d: %s", code, stderr)
	}
	var full analysis.Result
	if err := json.Unmarshal([]byte(out), &full); err != nil {
		t.Fatal(err)
	}
	for _, line := range full.NotSeen {
		if strings.Contains(line, "could not be read") {
			t.Errorf("deploy/rbac.yaml reader: %s", line)
		}
	}

	// The limited user: every namespaced rule but Secrets, bound in each
	// namespace but istio-system; the cluster-scoped kinds cluster-wide.
	namespaced := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "limited-namespaced"}}
	clusterWide := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "limited-cluster"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list"}},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingressclasses"}, Verbs: []string{"list"}},
			{APIGroups: []string{"gateway.networking.k8s.io"}, Resources: []string{"gatewayclasses"}, Verbs: []string{"list"}},
		}}
	for _, r := range role.Rules {
		r.Resources = slices.DeleteFunc(slices.Clone(r.Resources), func(s string) bool { return s == "secrets" })
		namespaced.Rules = append(namespaced.Rules, r)
	}
	for _, cr := range []*rbacv1.ClusterRole{namespaced, clusterWide} {
		if _, err := kube.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	limited := env.User(t, "limited")
	bind(t, kube, "", clusterWide.Name, "limited")
	nsList, err := kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range nsList.Items {
		if ns.Name != "istio-system" {
			bind(t, kube, ns.Name, namespaced.Name, "limited")
		}
	}

	code, out, stderr = run([]string{"analyze", "--cluster", "--kubeconfig", limited, "--format", "json"}, "")
	if code > 1 {
		t.Fatalf("limited user: exit %d: %s", code, stderr)
	}
	var res analysis.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	notSeen := strings.Join(res.NotSeen, "\n")
	for _, want := range []string{
		"Secret in every namespace could not be read from the cluster: forbidden (403)",
		// One line for the namespace, naming every kind.
		"AuthorizationPolicy.security.istio.io, BackendTLSPolicy.gateway.networking.k8s.io, ConfigMap,",
		"PeerAuthentication.security.istio.io, Pod, ReferenceGrant.gateway.networking.k8s.io",
		"in namespace istio-system could not be read from the cluster: forbidden (403)",
	} {
		if !strings.Contains(notSeen, want) {
			t.Errorf("Not seen lacks %q:\n%s", want, notSeen)
		}
	}
	if strings.Contains(notSeen, "in namespace payments could not be read") {
		t.Errorf("namespace payments is readable, yet named:\n%s", notSeen)
	}
	// Without the mesh-wide STRICT PeerAuthentication the demo has more
	// plaintext paths; every verdict rests on what was not read.
	if len(res.Findings) == 0 {
		t.Fatal("no finding")
	}
	for _, f := range res.Findings {
		all := strings.Join(f.Assumptions, "\n")
		if !strings.Contains(all, "Secret in every namespace could not be read") || !strings.Contains(all, "in namespace istio-system could not be read") {
			t.Errorf("%s %s: assumptions %q lack the unread Secrets or istio-system", f.Code, f.Target, f.Assumptions)
		}
	}
	code, _, stderr = run([]string{"analyze", "--cluster", "--kubeconfig", limited, "--require-complete", "--format", "json"}, "")
	if code != ExitInput || !strings.Contains(stderr, "--require-complete") {
		t.Errorf("--require-complete: exit %d, stderr %q; want 2 naming the flag", code, stderr)
	}
}
