// Package manifest loads Kubernetes and Istio objects from manifest files,
// directories and stdin into an inventory. Every object keeps its origin
// (file and line), and a bad document never costs the good ones around it:
// it becomes a warning naming file:line.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"
	istionetv1alpha3 "istio.io/client-go/pkg/apis/networking/v1alpha3"
	istionetv1beta1 "istio.io/client-go/pkg/apis/networking/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	istiosecv1beta1 "istio.io/client-go/pkg/apis/security/v1beta1"
	istioscheme "istio.io/client-go/pkg/clientset/versioned/scheme"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// StdinPath is the path that means "read standard input".
const StdinPath = "-"

// Options control a load.
type Options struct {
	// DefaultNamespace is given to namespaced objects without one ("default"
	// when empty).
	DefaultNamespace string
	// Stdin is read for the path "-" (os.Stdin when nil).
	Stdin io.Reader
}

// Loader decodes manifests into typed objects through a scheme that knows
// the Kubernetes and Istio API types.
type Loader struct {
	opts    Options
	decoder runtime.Decoder
}

// NewLoader builds a loader with its own scheme (no global state is touched).
func NewLoader(opts Options) (*Loader, error) {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("registering Kubernetes types: %w", err)
	}
	if err := istioscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("registering Istio types: %w", err)
	}
	return &Loader{opts: opts, decoder: serializer.NewCodecFactory(scheme).UniversalDeserializer()}, nil
}

// MissingPathError is returned when a path named on the command line does not
// exist; it is an input error, not a warning.
type MissingPathError struct{ Path string }

func (e *MissingPathError) Error() string {
	return fmt.Sprintf("%s: no such file or directory", e.Path)
}

// Load reads every path into one inventory. Directories are walked
// recursively for .yaml, .yml and .json files; a file named explicitly is read
// whatever its extension.
func (l *Loader) Load(paths []string) (*inventory.Inventory, error) {
	inv := inventory.New()
	for _, p := range paths {
		if p == StdinPath {
			data, err := io.ReadAll(l.opts.Stdin)
			if err != nil {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			inv.Sources = append(inv.Sources, "<stdin>")
			l.loadBytes(inv, "<stdin>", data)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &MissingPathError{Path: p}
			}
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		inv.Sources = append(inv.Sources, p)
		if !info.IsDir() {
			if err := l.loadFile(inv, p); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walking %s: %w", path, err)
			}
			if d.IsDir() || !isManifestName(path) {
				return nil
			}
			return l.loadFile(inv, path)
		})
		if err != nil {
			return nil, err
		}
	}
	return inv, nil
}

func isManifestName(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func (l *Loader) loadFile(inv *inventory.Inventory, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	l.loadBytes(inv, path, data)
	return nil
}

// LoadBytes adds the documents of one file's content to inv, naming the file
// in origins and warnings.
func (l *Loader) LoadBytes(inv *inventory.Inventory, file string, data []byte) {
	l.loadBytes(inv, file, data)
}

func (l *Loader) loadBytes(inv *inventory.Inventory, file string, data []byte) {
	for _, doc := range splitDocuments(data) {
		l.loadDocument(inv, file, doc)
	}
}

// yamlLine finds "line N" in a YAML parser error to point at the file line.
var yamlLine = regexp.MustCompile(`line (\d+): `)

// header is the part of any document needed to route it.
type header struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

func (l *Loader) loadDocument(inv *inventory.Inventory, file string, doc document) {
	origin := inventory.Origin{File: file, Line: doc.firstContentLine}
	js, err := yaml.YAMLToJSON(doc.text)
	if err != nil {
		line := doc.firstContentLine
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			rel, _ := strconv.Atoi(m[1])
			line = doc.startLine + rel - 1
			// The line is now part of the location; drop it from the reason.
			msg = strings.Replace(msg, m[0], "", 1)
		}
		inv.Warn(inventory.Origin{File: file, Line: line}, "cannot parse YAML: %s", msg)
		return
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || string(js) == "null" {
		return
	}
	if js[0] != '{' {
		inv.Warn(origin, "document is not an object (got %s)", describeJSON(js))
		return
	}
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		inv.Warn(origin, "cannot read apiVersion/kind: %v", err)
		return
	}
	if h.Kind == "" || h.APIVersion == "" {
		inv.Warn(origin, "document has no apiVersion/kind; skipped")
		return
	}
	if h.Kind == "List" || (strings.HasSuffix(h.Kind, "List") && h.Items != nil) {
		itemKind := strings.TrimSuffix(h.Kind, "List")
		for i, item := range h.Items {
			l.loadObject(inv, origin.InList(i), item, h.APIVersion, itemKind)
		}
		return
	}
	l.loadObject(inv, origin, js, "", "")
}

func describeJSON(js []byte) string {
	switch js[0] {
	case '[':
		return "a sequence"
	case '"':
		return "a string"
	default:
		return "a scalar"
	}
}

// loadObject decodes one object. listAPIVersion/listKind fill in an item of a
// typed List (e.g. a ServiceList) that omits its own apiVersion/kind.
func (l *Loader) loadObject(inv *inventory.Inventory, origin inventory.Origin, js []byte, listAPIVersion, listKind string) {
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		inv.Warn(origin, "cannot read apiVersion/kind: %v", err)
		return
	}
	if h.Kind == "" && listKind != "" {
		h.Kind = listKind
	}
	if h.APIVersion == "" && listAPIVersion != "" && listKind != "" {
		h.APIVersion = listAPIVersion
	}
	if h.Kind == "" || h.APIVersion == "" {
		inv.Warn(origin, "object has no apiVersion/kind; skipped")
		return
	}
	gv, err := schema.ParseGroupVersion(h.APIVersion)
	if err != nil {
		inv.Warn(origin, "invalid apiVersion %q: %v", h.APIVersion, err)
		return
	}
	gvk := gv.WithKind(h.Kind)
	if current, ok := inventory.Legacy[gvk.GroupKind()]; ok {
		inv.Warn(origin, "%s %s is not supported (use %s); skipped", h.APIVersion, h.Kind, supportedAPIVersions(current, inventory.Modelled[current]))
		inv.Skip(h.APIVersion, h.Kind)
		return
	}
	info, modelled := inventory.Modelled[gvk.GroupKind()]
	if !modelled {
		inv.Skip(h.APIVersion, h.Kind)
		if gvk.GroupKind() == configMapKind && gv.Version == "v1" {
			l.keepConfigMapData(inv, origin, js)
		}
		return
	}
	if !contains(info.Versions, gv.Version) {
		inv.Warn(origin, "%s %s is not supported (use %s); skipped", h.APIVersion, h.Kind, supportedAPIVersions(gvk.GroupKind(), info))
		inv.Skip(h.APIVersion, h.Kind)
		return
	}
	// Fill apiVersion/kind in for List items that left them out, so the
	// decoder can route the document.
	if listKind != "" {
		var m map[string]any
		if err := json.Unmarshal(js, &m); err == nil {
			m["apiVersion"], m["kind"] = h.APIVersion, h.Kind
			if b, err := json.Marshal(m); err == nil {
				js = b
			}
		}
	}
	obj, _, err := l.decoder.Decode(js, nil, nil)
	if err != nil {
		inv.Warn(origin, "cannot decode %s %s: %s", h.APIVersion, h.Kind, cleanDecodeError(err))
		return
	}
	typed, ok := canonical(obj)
	if !ok {
		inv.Warn(origin, "%s %s decoded to an unexpected type %T; skipped", h.APIVersion, h.Kind, obj)
		return
	}
	if name := typed.GetName(); name == "" {
		inv.Warn(origin, "%s has no metadata.name; skipped", h.Kind)
		return
	}
	if info.ClusterScoped {
		typed.SetNamespace("")
	} else if typed.GetNamespace() == "" {
		typed.SetNamespace(l.opts.DefaultNamespace)
	}
	scrub(typed)
	entry := &inventory.Object{
		Key:    inventory.Key{Group: gvk.Group, Kind: gvk.Kind, Namespace: typed.GetNamespace(), Name: typed.GetName()},
		Origin: origin,
		Obj:    typed,
	}
	if old := inv.Add(entry); old != nil {
		inv.Warn(origin, "duplicate %s: this definition replaces the one at %s", entry.Key, old.Origin)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func supportedAPIVersions(gk schema.GroupKind, info inventory.KindInfo) string {
	var out []string
	for _, v := range info.Versions {
		out = append(out, schema.GroupVersion{Group: gk.Group, Version: v}.String())
	}
	return strings.Join(out, " or ")
}

// cleanDecodeError keeps the decoder's reason but drops the Go type noise.
func cleanDecodeError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "json: "); i >= 0 {
		msg = msg[i+len("json: "):]
	}
	return msg
}

// canonical converts Istio objects of older API versions into their v1
// struct (the specs are the same Go types) so later stages see one type per
// kind.
func canonical(obj runtime.Object) (inventory.KubeObject, bool) {
	switch o := obj.(type) {
	case *istionetv1alpha3.Gateway:
		n := &istionetv1.Gateway{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1beta1.Gateway:
		n := &istionetv1.Gateway{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1alpha3.VirtualService:
		n := &istionetv1.VirtualService{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1beta1.VirtualService:
		n := &istionetv1.VirtualService{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1alpha3.DestinationRule:
		n := &istionetv1.DestinationRule{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1beta1.DestinationRule:
		n := &istionetv1.DestinationRule{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1alpha3.ServiceEntry:
		n := &istionetv1.ServiceEntry{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1beta1.ServiceEntry:
		n := &istionetv1.ServiceEntry{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1alpha3.Sidecar:
		n := &istionetv1.Sidecar{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istionetv1beta1.Sidecar:
		n := &istionetv1.Sidecar{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istiosecv1beta1.PeerAuthentication:
		n := &istiosecv1.PeerAuthentication{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istiosecv1beta1.AuthorizationPolicy:
		n := &istiosecv1.AuthorizationPolicy{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	case *istiosecv1beta1.RequestAuthentication:
		n := &istiosecv1.RequestAuthentication{ObjectMeta: o.ObjectMeta}
		o.Spec.DeepCopyInto(&n.Spec)
		return n, true
	}
	k, ok := obj.(inventory.KubeObject)
	return k, ok
}

// lastApplied is kubectl's annotation holding a full copy of the object: for
// a Secret that copy includes its values.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// scrub drops what shadowroute must never hold: secret values (a TLS secret
// keeps only its certificate, which the TLS checks read), and the managed
// fields bookkeeping nobody reads.
func scrub(obj inventory.KubeObject) {
	obj.SetManagedFields(nil)
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	if ann := s.GetAnnotations(); ann != nil {
		delete(ann, lastApplied)
	}
	s.StringData = nil
	var cert []byte
	if s.Type == corev1.SecretTypeTLS {
		cert = s.Data[corev1.TLSCertKey]
	}
	s.Data = nil
	if cert != nil {
		s.Data = map[string][]byte{corev1.TLSCertKey: cert}
	}
}

var configMapKind = schema.GroupKind{Kind: "ConfigMap"}

// keepConfigMapData stores a ConfigMap's data for the credential checks; a
// ConfigMap that does not decode is warned about like any other document.
func (l *Loader) keepConfigMapData(inv *inventory.Inventory, origin inventory.Origin, js []byte) {
	var cm corev1.ConfigMap
	if err := json.Unmarshal(js, &cm); err != nil {
		inv.Warn(origin, "cannot decode v1 ConfigMap: %s", cleanDecodeError(err))
		return
	}
	ns := cm.Namespace
	if ns == "" {
		ns = l.opts.DefaultNamespace
	}
	inv.ConfigMaps = append(inv.ConfigMaps, inventory.ConfigMapData{Namespace: ns, Name: cm.Name, Origin: origin, Data: cm.Data})
}
