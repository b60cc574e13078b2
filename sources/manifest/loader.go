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
	"sort"
	"strconv"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1alpha2 "sigs.k8s.io/gateway-api/apis/v1alpha2"
	gatewayv1alpha3 "sigs.k8s.io/gateway-api/apis/v1alpha3"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

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

	"github.com/shadowroute/shadowroute/sources/admission"
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
	// Limits bound what hostile input can cost; zero fields take the
	// defaults of DefaultLimits.
	Limits Limits
	// Render renders Helm chart and kustomization directories into the
	// manifests a cluster receives; nil skips charts and reads overlays as
	// written, with a warning naming the command that renders them.
	Render Renderer
}

// Renderer renders directories that are not manifests as written.
type Renderer interface {
	// Chart renders a Helm chart directory.
	Chart(dir string) ([]RenderedFile, error)
	// Kustomization builds a kustomization directory.
	Kustomization(dir string) ([]RenderedFile, error)
}

// RenderedFile is rendered output attributed to the source file a user
// would edit (a chart's template, an overlay's resource file), under the
// rendered directory.
type RenderedFile struct {
	Path string
	Data []byte
	// Namespace, when set, is given to objects without one (a Helm
	// release's namespace, as helm install -n places them).
	Namespace string
}

// Limits bound the resources one load may spend on its input, so a manifest
// from a stranger's pull request cannot exhaust memory or time.
type Limits struct {
	// MaxInputBytes bounds the bytes read from all files and stdin together.
	MaxInputBytes int64
	// MaxAliasBytesPerDocument bounds the bytes YAML aliases may add to one
	// document when it is expanded; a document above it is skipped.
	MaxAliasBytesPerDocument int64
	// MaxAliasBytesTotal bounds the bytes aliases may add over the whole
	// load; once spent, further documents with aliases are skipped.
	MaxAliasBytesTotal int64
}

// DefaultLimits are generous for real configuration (a whole-cluster
// `kubectl get -o yaml` of 100,000 pods is a few hundred MB; anchors in real
// manifests add kilobytes) and small enough to stop an attack quickly.
func DefaultLimits() Limits {
	return Limits{
		MaxInputBytes:            2 << 30,  // 2 GiB
		MaxAliasBytesPerDocument: 4 << 20,  // 4 MiB
		MaxAliasBytesTotal:       64 << 20, // 64 MiB
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = d.MaxInputBytes
	}
	if l.MaxAliasBytesPerDocument <= 0 {
		l.MaxAliasBytesPerDocument = d.MaxAliasBytesPerDocument
	}
	if l.MaxAliasBytesTotal <= 0 {
		l.MaxAliasBytesTotal = d.MaxAliasBytesTotal
	}
	return l
}

// Loader decodes manifests into typed objects through a scheme that knows
// the Kubernetes and Istio API types. Each Load (and LoadBytes) call gets
// the full Limits; a Loader runs one call at a time.
type Loader struct {
	opts    Options
	decoder runtime.Decoder
	// budget left for the current call (bytes read, alias expansion).
	inputLeft, aliasLeft int64
	// sequentialWalk decodes a walk's files one after the other, as they
	// are read (the reference the parallel decoding is tested against).
	sequentialWalk bool
}

// resetBudget gives the next load its full Limits.
func (l *Loader) resetBudget() {
	l.inputLeft = l.opts.Limits.MaxInputBytes
	l.aliasLeft = l.opts.Limits.MaxAliasBytesTotal
}

// NewLoader builds a loader with its own scheme (no global state is touched).
func NewLoader(opts Options) (*Loader, error) {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	opts.Limits = opts.Limits.withDefaults()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("registering Kubernetes types: %w", err)
	}
	if err := istioscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("registering Istio types: %w", err)
	}
	if err := gatewayv1.Install(scheme); err != nil {
		return nil, fmt.Errorf("registering Gateway API v1 types: %w", err)
	}
	if err := gatewayv1beta1.Install(scheme); err != nil {
		return nil, fmt.Errorf("registering Gateway API v1beta1 types: %w", err)
	}
	if err := gatewayv1alpha2.Install(scheme); err != nil {
		return nil, fmt.Errorf("registering Gateway API v1alpha2 types: %w", err)
	}
	if err := gatewayv1alpha3.Install(scheme); err != nil {
		return nil, fmt.Errorf("registering Gateway API v1alpha3 types: %w", err)
	}
	return &Loader{opts: opts, decoder: serializer.NewCodecFactory(scheme).UniversalDeserializer()}, nil
}

// MissingPathError is returned when a path named on the command line does not
// exist; it is an input error, not a warning.
type MissingPathError struct{ Path string }

func (e *MissingPathError) Error() string {
	return fmt.Sprintf("%s: no such file or directory", e.Path)
}

// NotAFileError is returned for a named path that is a device or socket.
type NotAFileError struct{ Path, Kind string }

func (e *NotAFileError) Error() string {
	return fmt.Sprintf("%s is %s, not a manifest file or pipe (use - for standard input)", e.Path, e.Kind)
}

// InputTooLargeError is returned when the input exceeds Limits.MaxInputBytes.
type InputTooLargeError struct {
	Path  string
	Limit int64
}

func (e *InputTooLargeError) Error() string {
	return fmt.Sprintf("%s: input exceeds %d bytes in all (--max-input-bytes); nothing was analysed", e.Path, e.Limit)
}

// Load reads every path into one inventory. Directories are walked
// recursively for .yaml, .yml and .json files; a file named explicitly is read
// whatever its extension.
//
// Only what the user named is followed: a path given on the command line may
// be a symbolic link, a directory or a pipe (`<(helm template ...)`), but
// inside a walked directory only regular files are read. Symbolic links
// (which may point out of the tree, at /dev/zero or at a secret), FIFOs
// (which block), devices and sockets are skipped with a warning.
func (l *Loader) Load(paths []string) (*inventory.Inventory, error) {
	inv := inventory.New()
	if err := l.LoadInto(inv, paths); err != nil {
		return nil, err
	}
	return inv, nil
}

// LoadInto is Load into an inventory that already holds objects (read from
// a live cluster): an object in the files replaces the cluster's object of
// the same key without a warning, as `istioctl analyze` overlays files on
// the cluster to check a change before it is applied.
func (l *Loader) LoadInto(inv *inventory.Inventory, paths []string) error {
	l.resetBudget()
	for _, p := range paths {
		if p == StdinPath {
			data, err := l.readAll("<stdin>", l.opts.Stdin)
			if err != nil {
				return err
			}
			inv.Sources = append(inv.Sources, "<stdin>")
			l.loadBytes(inv, "<stdin>", data)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return &MissingPathError{Path: p}
			}
			return fmt.Errorf("reading %s: %w", p, err)
		}
		inv.Sources = append(inv.Sources, p)
		if !info.IsDir() {
			if err := l.loadNamedFile(inv, p); err != nil {
				return err
			}
			continue
		}
		if err := l.walk(inv, p); err != nil {
			return err
		}
	}
	// The order paths were named in is no part of the input: the same
	// files named in another order give the same inventory and output.
	sort.Strings(inv.Sources)
	return nil
}

// walk loads the manifests under the directory root. The walk itself never
// follows a symbolic link; root may be one (the user named it).
func (l *Loader) walk(inv *inventory.Inventory, root string) error {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("reading %s: %w", root, err)
	}
	// The files' documents are decoded in parallel, in batches, and added
	// to the inventory in the walk's order (decodePending): anything the
	// walk adds itself flushes the batch first.
	pending := pendingFiles{l: l}
	err = filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		shown := path
		if rel, rerr := filepath.Rel(real, path); rerr == nil {
			shown = filepath.Join(root, rel)
		}
		if err != nil {
			return fmt.Errorf("walking %s: %w", shown, err)
		}
		mode := d.Type()
		switch {
		case mode.IsDir():
			return l.renderHint(inv, &pending, path, shown)
		case mode&fs.ModeSymlink != 0:
			pending.flush(inv)
			inv.Warn(inventory.Origin{File: shown}, "symbolic link not followed; skipped")
			return nil
		case !mode.IsRegular():
			if isManifestName(path) {
				pending.flush(inv)
				inv.Warn(inventory.Origin{File: shown}, "not a regular file (%s); skipped", fileKind(mode))
			}
			return nil
		case !isManifestName(path):
			return nil
		}
		data, err := l.readWalkedFile(path, shown)
		if errors.Is(err, errNotRegular) {
			// Replaced by something else since the directory was read.
			pending.flush(inv)
			inv.Warn(inventory.Origin{File: shown}, "not a regular file; skipped")
			return nil
		}
		if err != nil {
			return err
		}
		pending.add(inv, shown, data)
		return nil
	})
	pending.flush(inv)
	return err
}

// renderHint warns about a directory that is a Helm chart or a kustomize
// overlay, whose files are not the manifests a cluster receives: a chart's
// templates are skipped (they are not YAML until rendered), an overlay's
// files are read as written (its patches and generators are not applied).
// Both name the command that renders them.
func (l *Loader) renderHint(inv *inventory.Inventory, pending *pendingFiles, path, shown string) error {
	if _, err := os.Lstat(filepath.Join(path, "Chart.yaml")); err == nil {
		pending.flush(inv)
		if l.opts.Render == nil {
			inv.Warn(inventory.Origin{File: filepath.Join(shown, "Chart.yaml")}, "a Helm chart: its templates are not manifests until rendered, so the chart is skipped; render it first: helm template RELEASE %s | shadowroute analyze -", shown)
			return fs.SkipDir
		}
		files, err := l.opts.Render.Chart(path)
		if err != nil {
			return err
		}
		if err := l.loadRendered(inv, path, shown, files); err != nil {
			return err
		}
		return fs.SkipDir
	}
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Lstat(filepath.Join(path, name)); err == nil {
			pending.flush(inv)
			if l.opts.Render == nil {
				inv.Warn(inventory.Origin{File: filepath.Join(shown, name)}, "a kustomize overlay: its files are read as written, without its patches, generators and name prefixes; for the objects a cluster receives, render it first: kustomize build %s | shadowroute analyze -", shown)
				return nil
			}
			files, err := l.opts.Render.Kustomization(path)
			if err != nil {
				return err
			}
			if err := l.loadRendered(inv, path, shown, files); err != nil {
				return err
			}
			return fs.SkipDir
		}
	}
	return nil
}

// loadRendered loads rendered files, each named by its source file as the
// user gave the directory (shown), so evidence points at the file to edit;
// line numbers count in the rendered output of that file. Rendered bytes
// are charged to the input budget like bytes read, so a chart that renders
// gigabytes is refused as too large.
func (l *Loader) loadRendered(inv *inventory.Inventory, path, shown string, files []RenderedFile) error {
	for _, f := range files {
		if int64(len(f.Data)) > l.inputLeft {
			return &InputTooLargeError{Path: shown + " (rendered)", Limit: l.opts.Limits.MaxInputBytes}
		}
		l.inputLeft -= int64(len(f.Data))
		name := f.Path
		if rel, err := filepath.Rel(path, f.Path); err == nil && !strings.HasPrefix(rel, "..") {
			name = filepath.Join(shown, rel)
		}
		def := l.opts.DefaultNamespace
		if f.Namespace != "" {
			l.opts.DefaultNamespace = f.Namespace
		}
		l.loadBytes(inv, name, f.Data)
		l.opts.DefaultNamespace = def
	}
	return nil
}

func fileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + mode.String()
	}
}

var errNotRegular = errors.New("not a regular file")

// readWalkedFile opens a file found by the walk without following a symbolic
// link and without blocking on a FIFO, and reads it only if it is still a
// regular file (openNoFollow and the Fstat close the gap between the walk's
// look and the open).
func (l *Loader) readWalkedFile(path, shown string) ([]byte, error) {
	f, err := openNoFollow(path)
	if err != nil {
		if isSymlinkLoop(err) {
			return nil, errNotRegular
		}
		return nil, fmt.Errorf("reading %s: %w", shown, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", shown, err)
	}
	if !info.Mode().IsRegular() {
		return nil, errNotRegular
	}
	return l.readAll(shown, f)
}

// loadNamedFile reads a file the user named: a regular file or a pipe
// (process substitution, `<(helm template ...)`), up to the input limit. A
// device or socket is refused: /dev/zero or /dev/urandom would only fill
// memory up to the limit, and a terminal is read with "-".
func (l *Loader) loadNamedFile(inv *inventory.Inventory, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if m := info.Mode(); m&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket) != 0 {
		return &NotAFileError{Path: path, Kind: fileKind(m)}
	}
	data, err := l.readAll(path, f)
	if err != nil {
		return err
	}
	l.loadBytes(inv, path, data)
	return nil
}

// readAll reads r, charging the bytes to the load's input budget.
func (l *Loader) readAll(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, l.inputLeft+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > l.inputLeft {
		return nil, &InputTooLargeError{Path: name, Limit: l.opts.Limits.MaxInputBytes}
	}
	l.inputLeft -= int64(len(data))
	return data, nil
}

func isManifestName(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// LoadBytes adds the documents of one file's content to inv, naming the file
// in origins and warnings.
func (l *Loader) LoadBytes(inv *inventory.Inventory, file string, data []byte) {
	l.resetBudget()
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
	// Metadata is read on its own (objectName), so a malformed one does
	// not hide the kind.
	Metadata json.RawMessage `json:"metadata"`
}

// objectName reads metadata.namespace and metadata.name where they are
// strings ("" otherwise): enough to name an object that is not decoded.
func (h header) objectName() (namespace, name string) {
	var m struct {
		Name      any `json:"name"`
		Namespace any `json:"namespace"`
	}
	if json.Unmarshal(h.Metadata, &m) != nil {
		return "", ""
	}
	namespace, _ = m.Namespace.(string)
	name, _ = m.Name.(string)
	return namespace, name
}

func (l *Loader) loadDocument(inv *inventory.Inventory, file string, doc document) {
	origin := inventory.Origin{File: file, Line: doc.firstContentLine}
	if !l.withinAliasBudget(inv, origin, doc.text) {
		return
	}
	l.decodeDocument(direct{inv}, l.opts.DefaultNamespace, file, doc)
}

// decodeDocument decodes one document whose aliases are within budget into
// the sink; defaultNS fills in objects without a namespace. It reads no
// loader state but its options and decoder, so documents decode in
// parallel (decodePending).
func (l *Loader) decodeDocument(inv sink, defaultNS, file string, doc document) {
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
		inv.Warn(inventory.Origin{File: file, Line: line}, "cannot parse YAML: %s", redactValues(msg))
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
		inv.Warn(origin, "cannot read apiVersion/kind: %s", redactValues(err.Error()))
		return
	}
	if h.Kind == "" || h.APIVersion == "" {
		inv.Warn(origin, "document has no apiVersion/kind; skipped")
		return
	}
	if h.Kind == "List" || (strings.HasSuffix(h.Kind, "List") && h.Items != nil) {
		itemKind := strings.TrimSuffix(h.Kind, "List")
		for i, item := range h.Items {
			item = bytes.TrimSpace(item)
			if len(item) == 0 || item[0] != '{' {
				// "items:\n  -" is a null item; a scalar item is no object.
				inv.Warn(origin.InList(i), "list item is not an object (got %s); skipped", describeJSON(item))
				continue
			}
			l.loadObject(inv, defaultNS, origin.InList(i), item, h.APIVersion, itemKind)
		}
		return
	}
	l.loadObject(inv, defaultNS, origin, js, "", "")
}

// AddObject adds an object read from a live cluster (a typed struct, or
// metav1.PartialObjectMetadata for kinds read as metadata only) as if it
// had been read from a file: the same version checks, conversion to the
// canonical struct, secret scrubbing and unmodelled-kind accounting apply.
// apiVersion and kind name what was listed (list items carry neither);
// they are set on obj so its JSON routes like a file's document.
func (l *Loader) AddObject(inv *inventory.Inventory, origin inventory.Origin, apiVersion, kind string, obj runtime.Object) error {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return fmt.Errorf("%s: %w", origin, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gv.WithKind(kind))
	js, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("%s: encoding %s %s: %w", origin, apiVersion, kind, err)
	}
	l.loadObject(direct{inv}, l.opts.DefaultNamespace, origin, js, "", "")
	return nil
}

// withinAliasBudget charges the document's alias expansion to the load's
// budget, and warns and refuses the document when it is over the
// per-document limit or the budget left for the whole load.
func (l *Loader) withinAliasBudget(inv *inventory.Inventory, origin inventory.Origin, text []byte) bool {
	perDoc := l.opts.Limits.MaxAliasBytesPerDocument
	limit := min(perDoc, l.aliasLeft)
	added, ok := aliasExpansion(text, limit)
	if !ok || added == 0 {
		return true
	}
	switch {
	case added > perDoc:
		inv.Warn(origin, "YAML aliases would expand this document by more than %d bytes (--max-alias-bytes); skipped", perDoc)
		return false
	case added > l.aliasLeft:
		inv.Warn(origin, "YAML aliases in the input would expand it by more than %d bytes in all (--max-alias-bytes-total); document skipped", l.opts.Limits.MaxAliasBytesTotal)
		return false
	}
	l.aliasLeft -= added
	return true
}

func describeJSON(js []byte) string {
	if len(js) == 0 || string(js) == "null" {
		return "null"
	}
	switch js[0] {
	case '[':
		return "a sequence"
	case '{':
		return "an object"
	case '"':
		return "a string"
	default:
		return "a scalar"
	}
}

// loadObject decodes one object. listAPIVersion/listKind fill in an item of a
// typed List (e.g. a ServiceList) that omits its own apiVersion/kind.
func (l *Loader) loadObject(inv sink, defaultNS string, origin inventory.Origin, js []byte, listAPIVersion, listKind string) {
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		inv.Warn(origin, "cannot read apiVersion/kind: %s", redactValues(err.Error()))
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
		inv.Warn(origin, "invalid apiVersion (want GROUP/VERSION or VERSION); skipped")
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
		if gvk.GroupKind() == configMapKind && gv.Version == "v1" {
			// Read for the credential checks: not a skipped kind.
			l.keepConfigMapData(inv, defaultNS, origin, js)
			return
		}
		if effect, ok := inventory.Unmodelled[gvk.GroupKind()]; ok {
			ns, name := h.objectName()
			inv.AddUnmodelled(inventory.UnmodelledObject{APIVersion: h.APIVersion, Kind: h.Kind,
				Namespace: ns, Name: name, Effect: effect, Origin: origin})
			return
		}
		inv.Skip(h.APIVersion, h.Kind)
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
		if err := json.Unmarshal(js, &m); err == nil && m != nil {
			m["apiVersion"], m["kind"] = h.APIVersion, h.Kind
			if b, err := json.Marshal(m); err == nil {
				js = b
			}
		}
	}
	obj, _, err := l.decoder.Decode(js, nil, nil)
	if err != nil {
		inv.Warn(origin, "cannot decode %s %s: %s", h.APIVersion, h.Kind, redactValues(cleanDecodeError(err)))
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
		typed.SetNamespace(defaultNS)
	}
	scrub(typed)
	entry := &inventory.Object{
		Key:    inventory.Key{Group: gvk.Group, Kind: gvk.Kind, Namespace: typed.GetNamespace(), Name: typed.GetName()},
		Origin: origin,
		Obj:    typed,
	}
	if errs := admission.Check(typed); len(errs) > 0 {
		inv.Reject(entry, admission.Describe(errs))
		return
	}
	inv.Add(entry)
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
	case *gatewayv1beta1.Gateway:
		return (*gatewayv1.Gateway)(o), true
	case *gatewayv1beta1.GatewayClass:
		return (*gatewayv1.GatewayClass)(o), true
	case *gatewayv1beta1.HTTPRoute:
		return (*gatewayv1.HTTPRoute)(o), true
	case *gatewayv1beta1.ReferenceGrant:
		return (*gatewayv1.ReferenceGrant)(o), true
	case *gatewayv1alpha2.GRPCRoute:
		return (*gatewayv1.GRPCRoute)(o), true
	case *gatewayv1alpha3.BackendTLSPolicy:
		return (*gatewayv1.BackendTLSPolicy)(o), true
	case *gatewayv1alpha3.TLSRoute:
		return (*gatewayv1.TLSRoute)(o), true
	case *gatewayv1alpha2.TLSRoute:
		n := &gatewayv1.TLSRoute{TypeMeta: o.TypeMeta, ObjectMeta: o.ObjectMeta, Status: gatewayv1.TLSRouteStatus(o.Status)}
		n.Spec.CommonRouteSpec, n.Spec.Hostnames = o.Spec.CommonRouteSpec, o.Spec.Hostnames
		for _, r := range o.Spec.Rules {
			n.Spec.Rules = append(n.Spec.Rules, gatewayv1.TLSRouteRule(r))
		}
		return n, true
	case *gatewayv1alpha2.TCPRoute:
		n := &gatewayv1.TCPRoute{TypeMeta: o.TypeMeta, ObjectMeta: o.ObjectMeta, Status: gatewayv1.TCPRouteStatus(o.Status)}
		n.Spec.CommonRouteSpec = o.Spec.CommonRouteSpec
		for _, r := range o.Spec.Rules {
			n.Spec.Rules = append(n.Spec.Rules, gatewayv1.TCPRouteRule(r))
		}
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
func (l *Loader) keepConfigMapData(inv sink, defaultNS string, origin inventory.Origin, js []byte) {
	var cm corev1.ConfigMap
	if err := json.Unmarshal(js, &cm); err != nil {
		inv.Warn(origin, "cannot decode v1 ConfigMap: %s", redactValues(cleanDecodeError(err)))
		return
	}
	ns := cm.Namespace
	if ns == "" {
		ns = defaultNS
	}
	inv.AddConfigMap(inventory.ConfigMapData{Namespace: ns, Name: cm.Name, Origin: origin, Data: cm.Data})
}
