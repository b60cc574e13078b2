// Package cluster reads the objects shadowroute models from a live cluster,
// read-only and with least privilege: discovery decides which API versions
// exist, every kind is read with list only (paginated), Secrets as metadata
// unless asked otherwise, and what the credentials may not read is recorded
// as unread instead of failing the scan.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"
	gatewayscheme "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/scheme"

	istioclient "istio.io/client-go/pkg/clientset/versioned"
	istioscheme "istio.io/client-go/pkg/clientset/versioned/scheme"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	kubescheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Options control a read.
type Options struct {
	// Context names the kubeconfig context in origins
	// ("cluster:CONTEXT Kind/namespace/name").
	Context string
	// Namespace restricts namespaced kinds to one namespace; "" reads every
	// namespace. Cluster-scoped kinds are read either way.
	Namespace string
	// FallbackNamespace is read when the credentials may neither list a
	// kind in every namespace nor list the namespaces (a user bound to one
	// namespace): usually the kubeconfig context's namespace.
	FallbackNamespace string
	// ReadSecrets reads Secrets whole (their type and keys; values are
	// dropped on load) instead of as metadata.
	ReadSecrets bool
	// CheckCerts also reads kubernetes.io/tls Secrets whole, for the
	// certificate checks (the certificate is kept, the key dropped on load).
	CheckCerts bool
	// PageSize is the list page size (limit); 0 takes 500.
	PageSize int64
	// Progress receives one line per kind as it is read; nil is silent.
	Progress io.Writer
}

// Object is one object read from the cluster: a typed struct of the
// official API packages, or metav1.PartialObjectMetadata for kinds read as
// metadata only.
type Object struct {
	APIVersion string
	Kind       string
	Origin     inventory.Origin
	Obj        runtime.Object
}

// Snapshot is what a read saw.
type Snapshot struct {
	Context string
	// Namespace is the one namespace read ("" = every namespace).
	Namespace string
	// Server is the API server's version (GitVersion).
	Server  string
	Objects []Object
	// Unread lists what the credentials could not read (403) or the server
	// failed to return: the analysis names it and marks verdicts that depend
	// on it as assumptions.
	Unread []inventory.Unread
	// NotInstalled lists the API groups shadowroute models that the server
	// does not serve (no Istio CRDs: Istio is not installed, not an error).
	NotInstalled []string
}

// kindToRead is one kind and how to read it.
type kindToRead struct {
	gk       schema.GroupKind
	versions []string // supported, most preferred first
	// metadataOnly kinds are read through the metadata API.
	metadataOnly bool
	// clusterScope is set from discovery (APIResource.Namespaced).
	clusterScope bool
}

// Read lists every modelled kind the server serves. Discovery failing (no
// server, bad credentials) is an error; a kind that cannot be listed is
// recorded in Snapshot.Unread and the read goes on. A cancelled ctx stops
// the read and returns ctx's error.
func Read(ctx context.Context, cfg *rest.Config, opts Options) (*Snapshot, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	r, err := newReader(cfg, opts)
	if err != nil {
		return nil, err
	}
	return r.read(ctx)
}

type reader struct {
	opts     Options
	kube     kubernetes.Interface
	istio    istioclient.Interface
	gateway  gatewayclient.Interface
	metadata metadata.Interface
	snap     *Snapshot
	// namespaces the credentials may see, once Namespaces were listed.
	namespaces []string
	nsListed   bool
}

func newReader(cfg *rest.Config, opts Options) (*reader, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	ist, err := istioclient.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("istio client: %w", err)
	}
	gw, err := gatewayclient.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("gateway API client: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("metadata client: %w", err)
	}
	return &reader{opts: opts, kube: kube, istio: ist, gateway: gw, metadata: md,
		snap: &Snapshot{Context: opts.Context, Namespace: opts.Namespace}}, nil
}

// kindsToRead is every modelled kind, the ConfigMaps the credential checks
// read, and the unmodelled kinds that carry traffic (as metadata: only
// their existence is reported). Namespaces come first: a 403 on another
// kind falls back to listing it namespace by namespace.
func kindsToRead() []kindToRead {
	var out []kindToRead
	for gk, info := range inventory.Modelled {
		out = append(out, kindToRead{gk: gk, versions: info.Versions})
	}
	out = append(out, kindToRead{gk: schema.GroupKind{Kind: "ConfigMap"}, versions: []string{"v1"}})
	for gk := range inventory.Unmodelled {
		out = append(out, kindToRead{gk: gk, metadataOnly: true})
	}
	sort.Slice(out, func(i, j int) bool {
		ni, nj := out[i].gk == inventory.Namespace, out[j].gk == inventory.Namespace
		if ni != nj {
			return ni
		}
		if out[i].gk.Group != out[j].gk.Group {
			return out[i].gk.Group < out[j].gk.Group
		}
		return out[i].gk.Kind < out[j].gk.Kind
	})
	return out
}

func (r *reader) read(ctx context.Context) (*Snapshot, error) {
	if v, err := r.kube.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", r.opts.Context, err)
	} else {
		r.snap.Server = v.GitVersion
	}
	served, failedGroups, err := r.discover()
	if err != nil {
		return nil, err
	}
	notInstalled := map[string]bool{}
	for _, k := range kindsToRead() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, ok := served.find(k)
		if !ok {
			if reason, failed := failedGroups[k.gk.Group]; failed {
				r.unread(k.gk, "", "API group discovery failed: "+reason)
			} else if !k.metadataOnly {
				notInstalled[groupName(k.gk.Group)] = true
			}
			continue
		}
		k.clusterScope = !res.Namespaced
		if err := r.readKind(ctx, k, res); err != nil {
			return nil, err
		}
	}
	for g := range notInstalled {
		if !served.hasGroup(g) {
			r.snap.NotInstalled = append(r.snap.NotInstalled, g)
		}
	}
	sort.Strings(r.snap.NotInstalled)
	return r.snap, nil
}

func groupName(g string) string {
	if g == "" {
		return "core"
	}
	return g
}

// servedResource is a resource the server lists, in the version chosen.
type servedResource struct {
	gv schema.GroupVersion
	metav1.APIResource
}

type servedIndex struct {
	// byGroupKind lists, per group/kind, each served version's resource.
	byGroupKind map[schema.GroupKind]map[string]metav1.APIResource
	preferred   map[string]string // group → preferred version
}

func (s servedIndex) hasGroup(g string) bool {
	if g == "core" {
		g = ""
	}
	_, ok := s.preferred[g]
	return ok
}

// find picks the version to read a kind in: for a modelled kind the first
// of its supported versions the server serves (the server's preferred
// version when it is supported), for a metadata-only kind the preferred
// version or any served one.
func (s servedIndex) find(k kindToRead) (servedResource, bool) {
	versions := s.byGroupKind[k.gk]
	if len(versions) == 0 {
		return servedResource{}, false
	}
	pick := func(v string) (servedResource, bool) {
		res, ok := versions[v]
		if !ok || !slices.Contains(res.Verbs, "list") {
			return servedResource{}, false
		}
		return servedResource{gv: schema.GroupVersion{Group: k.gk.Group, Version: v}, APIResource: res}, true
	}
	pref := s.preferred[k.gk.Group]
	if k.metadataOnly || slices.Contains(k.versions, pref) {
		if res, ok := pick(pref); ok {
			return res, true
		}
	}
	candidates := k.versions
	if k.metadataOnly {
		for v := range versions {
			candidates = append(candidates, v)
		}
		sort.Strings(candidates)
	}
	for _, v := range candidates {
		if res, ok := pick(v); ok {
			return res, true
		}
	}
	return servedResource{}, false
}

// discover asks the server which groups, versions and resources exist.
// Groups whose discovery failed (an aggregated API that is down) are
// returned with the reason; other groups are still read.
func (r *reader) discover() (servedIndex, map[string]string, error) {
	idx := servedIndex{byGroupKind: map[schema.GroupKind]map[string]metav1.APIResource{}, preferred: map[string]string{}}
	groups, lists, err := r.kube.Discovery().ServerGroupsAndResources()
	failed := map[string]string{}
	if err != nil {
		var gdf *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &gdf) {
			return idx, nil, fmt.Errorf("cluster %s: discovery: %w", r.opts.Context, err)
		}
		for gv, e := range gdf.Groups {
			failed[gv.Group] = e.Error()
		}
	}
	for _, g := range groups {
		idx.preferred[g.Name] = g.PreferredVersion.Version
	}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") { // subresources
				continue
			}
			gk := schema.GroupKind{Group: gv.Group, Kind: res.Kind}
			if idx.byGroupKind[gk] == nil {
				idx.byGroupKind[gk] = map[string]metav1.APIResource{}
			}
			idx.byGroupKind[gk][gv.Version] = res
		}
	}
	return idx, failed, nil
}

// unread records what could not be read.
func (r *reader) unread(gk schema.GroupKind, namespace, reason string) {
	r.snap.Unread = append(r.snap.Unread, inventory.Unread{Group: gk.Group, Kind: gk.Kind, Namespace: namespace, Reason: reason})
}

// readKind lists one kind: in every namespace at once, or, when that is
// forbidden, namespace by namespace (a user bound to some namespaces).
func (r *reader) readKind(ctx context.Context, k kindToRead, res servedResource) error {
	start := time.Now()
	count := 0
	scope := ""
	if !k.clusterScope {
		scope = r.opts.Namespace
	}
	err := r.listInto(ctx, k, res, scope, &count)
	if apierrors.IsForbidden(err) && scope == "" && !k.clusterScope {
		err = r.readPerNamespace(ctx, k, res, &count)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.unread(k.gk, scope, describe(err))
	}
	r.progress(k, count, time.Since(start))
	return nil
}

// readPerNamespace lists a namespaced kind in each namespace the
// credentials may see; each namespace that is forbidden is recorded.
func (r *reader) readPerNamespace(ctx context.Context, k kindToRead, res servedResource, count *int) error {
	namespaces := r.namespaces
	if !r.nsListed {
		if r.opts.FallbackNamespace == "" {
			return apierrors.NewForbidden(schema.GroupResource{Group: k.gk.Group, Resource: res.Name}, "", errors.New("listing in every namespace and listing namespaces are both forbidden"))
		}
		// The namespaces could not be listed: read the context's own and
		// say that every other namespace was not read.
		namespaces = []string{r.opts.FallbackNamespace}
		r.unread(k.gk, "", fmt.Sprintf("forbidden in every namespace; read in namespace %s only (namespaces could not be listed)", r.opts.FallbackNamespace))
	}
	type refusal struct{ namespace, reason string }
	var refused []refusal
	for _, ns := range namespaces {
		err := r.listInto(ctx, k, res, ns, count)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		refused = append(refused, refusal{ns, describe(err)})
	}
	// Refused everywhere for one reason: one line, not one per namespace.
	if r.nsListed && len(refused) == len(namespaces) && len(refused) > 1 {
		same := true
		for _, x := range refused {
			same = same && x.reason == refused[0].reason
		}
		if same {
			r.unread(k.gk, "", refused[0].reason)
			return nil
		}
	}
	for _, x := range refused {
		r.unread(k.gk, x.namespace, x.reason)
	}
	return nil
}

// describe names why a list failed, without the server's whole message.
func describe(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return "forbidden (403)"
	case apierrors.IsUnauthorized(err):
		return "unauthorized (401)"
	case apierrors.IsNotFound(err):
		return "not served (404)"
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return err.Error()
}

// listInto lists one kind in one namespace ("" = all), page by page, and
// keeps each item.
func (r *reader) listInto(ctx context.Context, k kindToRead, res servedResource, namespace string, count *int) error {
	kind := res.Kind
	apiVersion := res.gv.String()
	gk := k.gk
	if gk == inventory.Namespace {
		r.namespaces, r.nsListed = nil, false
	}
	// --check-certs: the kubernetes.io/tls Secrets are listed whole first
	// and take the place of their metadata-only copies below.
	var tls map[string]runtime.Object
	if gk == inventory.Secret && r.opts.CheckCerts && !r.opts.ReadSecrets {
		var err error
		if tls, err = r.listTLSSecrets(ctx, namespace); err != nil {
			return err
		}
	}
	page := r.pageFunc(k, res, namespace)
	p := pager.New(page)
	p.PageSize = r.opts.PageSize
	err := p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		m, err := meta.Accessor(obj)
		if err != nil {
			return fmt.Errorf("%s %s: %w", apiVersion, kind, err)
		}
		if whole, ok := tls[m.GetNamespace()+"/"+m.GetName()]; ok {
			obj = whole
		}
		ns := m.GetNamespace()
		if k.clusterScope {
			ns = ""
		}
		r.snap.Objects = append(r.snap.Objects, Object{APIVersion: apiVersion, Kind: kind,
			Origin: inventory.ClusterOrigin(r.opts.Context, kind, ns, m.GetName()), Obj: obj})
		*count++
		if gk == inventory.Namespace {
			r.namespaces = append(r.namespaces, m.GetName())
		}
		return nil
	})
	if err == nil && gk == inventory.Namespace {
		sort.Strings(r.namespaces)
		r.nsListed = true
	}
	return err
}

// listTLSSecrets reads the kubernetes.io/tls Secrets of a namespace ("" =
// all) whole, by namespace/name.
func (r *reader) listTLSSecrets(ctx context.Context, namespace string) (map[string]runtime.Object, error) {
	p := pager.New(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		o.FieldSelector = "type=" + string(corev1.SecretTypeTLS)
		return r.kube.CoreV1().Secrets(namespace).List(ctx, o)
	})
	p.PageSize = r.opts.PageSize
	full := map[string]runtime.Object{}
	err := p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		s := obj.(*corev1.Secret)
		full[s.Namespace+"/"+s.Name] = s
		return nil
	})
	return full, err
}

// pageFunc lists one page of a kind through the typed client of its API
// group (client-go, istio.io/client-go, gateway-api's clientset), or
// through the metadata API for metadata-only kinds and for Secrets.
func (r *reader) pageFunc(k kindToRead, res servedResource, namespace string) pager.ListPageFunc {
	gvr := res.gv.WithResource(res.Name)
	if k.metadataOnly || (k.gk == inventory.Secret && !r.opts.ReadSecrets) {
		return func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			if namespace == "" {
				return r.metadata.Resource(gvr).List(ctx, o)
			}
			return r.metadata.Resource(gvr).Namespace(namespace).List(ctx, o)
		}
	}
	client, codec := r.typedREST(res.gv)
	return func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		if client == nil {
			return nil, fmt.Errorf("no typed client for %s", res.gv)
		}
		return client.Get().
			NamespaceIfScoped(namespace, namespace != "").
			Resource(res.Name).
			VersionedParams(&o, codec).
			Do(ctx).
			Get()
	}
}

// typedREST is the REST client of the typed clientset for one group
// version: it decodes into that package's typed list structs.
func (r *reader) typedREST(gv schema.GroupVersion) (rest.Interface, runtime.ParameterCodec) {
	kc, ic, gc := kubescheme.ParameterCodec, istioscheme.ParameterCodec, gatewayscheme.ParameterCodec
	switch gv.String() {
	case "v1":
		return r.kube.CoreV1().RESTClient(), kc
	case "apps/v1":
		return r.kube.AppsV1().RESTClient(), kc
	case "batch/v1":
		return r.kube.BatchV1().RESTClient(), kc
	case "discovery.k8s.io/v1":
		return r.kube.DiscoveryV1().RESTClient(), kc
	case "networking.k8s.io/v1":
		return r.kube.NetworkingV1().RESTClient(), kc
	case "networking.istio.io/v1":
		return r.istio.NetworkingV1().RESTClient(), ic
	case "networking.istio.io/v1beta1":
		return r.istio.NetworkingV1beta1().RESTClient(), ic
	case "networking.istio.io/v1alpha3":
		return r.istio.NetworkingV1alpha3().RESTClient(), ic
	case "security.istio.io/v1":
		return r.istio.SecurityV1().RESTClient(), ic
	case "security.istio.io/v1beta1":
		return r.istio.SecurityV1beta1().RESTClient(), ic
	case "gateway.networking.k8s.io/v1":
		return r.gateway.GatewayV1().RESTClient(), gc
	case "gateway.networking.k8s.io/v1beta1":
		return r.gateway.GatewayV1beta1().RESTClient(), gc
	case "gateway.networking.k8s.io/v1alpha2":
		return r.gateway.GatewayV1alpha2().RESTClient(), gc
	case "gateway.networking.k8s.io/v1alpha3":
		return r.gateway.GatewayV1alpha3().RESTClient(), gc
	}
	return nil, nil
}

// progress writes one line for a kind that was read.
func (r *reader) progress(k kindToRead, count int, took time.Duration) {
	if r.opts.Progress == nil || (count == 0 && k.metadataOnly) {
		return
	}
	name := k.gk.Kind
	if k.gk.Group != "" {
		name += "." + k.gk.Group
	}
	fmt.Fprintf(r.opts.Progress, "cluster %s: %-45s %6d  (%s)\n", r.opts.Context, name, count, took.Round(time.Millisecond))
}
