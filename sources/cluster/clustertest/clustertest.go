// Package clustertest starts a real etcd and kube-apiserver on 127.0.0.1
// for the live-cluster integration tests (controller-runtime's envtest
// pointed at binaries hack/kube-binaries.sh builds from the Go module
// proxy), installs the Istio and Gateway API CRDs from
// sources/cluster/testdata/crds, and applies manifest folders to it.
//
// Tests skip when the binaries are missing (`make test-integration` builds
// them), unless SHADOWROUTE_REQUIRE_INTEGRATION=1, which makes a missing
// binary a failure (.ci/run sets it).
package clustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// RequireEnv makes missing binaries a test failure instead of a skip.
const RequireEnv = "SHADOWROUTE_REQUIRE_INTEGRATION"

// BinEnv names a folder holding etcd and kube-apiserver, in place of the
// repository's build/kube-bin.
const BinEnv = "SHADOWROUTE_KUBE_BIN"

// Env is a running API server.
type Env struct {
	// Config is an administrator's client configuration.
	Config *rest.Config
	env    *envtest.Environment
	// Kubeconfig is a kubeconfig file for the administrator (context
	// "envtest").
	Kubeconfig string
}

// repoRoot finds the module root from this file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Binaries returns the folder with etcd and kube-apiserver, or "" when
// either is missing.
func Binaries() string {
	dir := os.Getenv(BinEnv)
	if dir == "" {
		dir = filepath.Join(repoRoot(), "build", "kube-bin")
	}
	for _, b := range []string{"etcd", "kube-apiserver"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.Mode()&0o111 == 0 {
			return ""
		}
	}
	return dir
}

// Start starts etcd and kube-apiserver with the CRDs installed, stopped
// when the test ends.
func Start(t testing.TB) *Env {
	t.Helper()
	bin := Binaries()
	if bin == "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 but etcd/kube-apiserver are missing: run hack/kube-binaries.sh (make test-integration)", RequireEnv)
		}
		t.Skip("etcd and kube-apiserver not built: `make test-integration` builds them (hack/kube-binaries.sh)")
	}
	// envtest looks for kubectl beside the servers; it only needs it for
	// its own kubectl helper, so link the machine's when there is one.
	assets := t.TempDir()
	for _, b := range []string{"etcd", "kube-apiserver"} {
		if err := os.Symlink(filepath.Join(bin, b), filepath.Join(assets, b)); err != nil {
			t.Fatal(err)
		}
	}
	if k, err := exec.LookPath("kubectl"); err == nil {
		_ = os.Symlink(k, filepath.Join(assets, "kubectl"))
	}
	// envtest logs through controller-runtime's logger, which complains
	// with a stack trace until one is set.
	ctrllog.SetLogger(logr.Discard())
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{filepath.Join(repoRoot(), "sources", "cluster", "testdata", "crds")},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting etcd and kube-apiserver: %v", err)
	}
	e := &Env{Config: cfg, env: env}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stopping the API server: %v", err)
		}
	})
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Kubeconfig = writeKubeconfig(t, admin)
	return e
}

// User adds a user with groups (no permission until bound) and returns a
// kubeconfig file for it.
func (e *Env) User(t testing.TB, name string, groups ...string) string {
	t.Helper()
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return writeKubeconfig(t, u)
}

func writeKubeconfig(t testing.TB, u *envtest.AuthenticatedUser) string {
	t.Helper()
	b, err := u.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Apply creates every object under the paths (files or folders of YAML),
// creating the namespaces they name first. Objects are created as written
// (the API server drops status on create, as kubectl apply does).
func (e *Env) Apply(t testing.TB, paths ...string) {
	t.Helper()
	objs, err := readObjects(paths)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(e.Config)
	dyn := dynamic.NewForConfigOrDie(e.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(e.Config)))
	namespaces := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			namespaces[o.GetName()] = false
		}
	}
	for _, o := range objs {
		mapping, err := mapper.RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version)
		if err != nil {
			t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if o.GetNamespace() == "" {
				o.SetNamespace("default")
			}
			if _, listed := namespaces[o.GetNamespace()]; !listed {
				namespaces[o.GetNamespace()] = true
			}
		}
	}
	// Namespace objects of the input first, then those only named.
	var names []string
	for n := range namespaces {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, o := range objs {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			e.create(t, ctx, dyn, mapper, o)
		}
	}
	for _, n := range names {
		if !namespaces[n] {
			continue
		}
		_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("namespace %s: %v", n, err)
		}
	}
	for _, last := range []bool{false, true} {
		for _, o := range objs {
			if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" || isWebhookConfiguration(o) != last {
				continue
			}
			e.create(t, ctx, dyn, mapper, o)
		}
	}
}

func (e *Env) create(t testing.TB, ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, o *unstructured.Unstructured) {
	t.Helper()
	gvk := o.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatalf("%s %s: %v", gvk.Kind, o.GetName(), err)
	}
	var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = dyn.Resource(mapping.Resource).Namespace(o.GetNamespace())
	}
	_, err = ri.Create(ctx, o, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// The server's own objects (namespace default): take the input's
		// labels and annotations, as kubectl apply would.
		cur, gerr := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
		if gerr != nil {
			t.Fatalf("reading %s %s/%s: %v", gvk.Kind, o.GetNamespace(), o.GetName(), gerr)
		}
		cur.SetLabels(merge(cur.GetLabels(), o.GetLabels()))
		cur.SetAnnotations(merge(cur.GetAnnotations(), o.GetAnnotations()))
		_, err = ri.Update(ctx, cur, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("creating %s %s/%s: %v", gvk.Kind, o.GetNamespace(), o.GetName(), err)
	}
}

func merge(into, from map[string]string) map[string]string {
	if into == nil {
		into = map[string]string{}
	}
	for k, v := range from {
		into[k] = v
	}
	return into
}

// isWebhookConfiguration: admission webhooks are created last, so the
// objects after them are not sent to a webhook server the test has not got.
func isWebhookConfiguration(o *unstructured.Unstructured) bool {
	return o.GroupVersionKind().Group == "admissionregistration.k8s.io"
}

// readObjects reads every YAML document under the paths, items of List
// documents one by one.
func readObjects(paths []string) ([]*unstructured.Unstructured, error) {
	var files []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if d.Type().IsRegular() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	var out []*unstructured.Unstructured
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if m == nil {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			if u.IsList() {
				list, err := u.ToList()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				for i := range list.Items {
					out = append(out, &list.Items[i])
				}
				continue
			}
			out = append(out, u)
		}
	}
	return out, nil
}
