// Package inventory holds the objects a source loaded, indexed by kind and
// namespace/name, together with what could not be loaded (warnings) and what
// was deliberately skipped (unmodelled kinds). It is the single hand-off point
// between sources (files, a live cluster) and the graph builder.
package inventory

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Origin says where an object came from: the file and the line of its
// document's first content line. ListIndex is the item's position when the
// document was a List, or -1.
type Origin struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	ListIndex *int   `json:"listIndex,omitempty"`
	// Live marks an object read from a live cluster: File then reads
	// "cluster:CONTEXT Kind/namespace/name" and Line is 0.
	Live bool `json:"-"`
}

// ClusterOrigin is the origin of an object read from a live cluster, in
// place of file:line.
func ClusterOrigin(context, kind, namespace, name string) Origin {
	ref := kind + "/" + name
	if namespace != "" {
		ref = kind + "/" + namespace + "/" + name
	}
	return Origin{File: clusterPrefix + context + " " + ref, Live: true}
}

const clusterPrefix = "cluster:"

// ParseClusterOrigin splits an origin's File written by ClusterOrigin into
// the context and the Kind/namespace/name reference; ok is false for a file.
func ParseClusterOrigin(file string) (context, ref string, ok bool) {
	rest, found := strings.CutPrefix(file, clusterPrefix)
	if !found {
		return "", "", false
	}
	i := strings.LastIndex(rest, " ")
	if i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// String renders the origin as file:line (plus the List item index when set).
func (o Origin) String() string {
	if o.File == "" {
		return "<unknown>"
	}
	if o.ListIndex != nil {
		return fmt.Sprintf("%s:%d[%d]", o.File, o.Line, *o.ListIndex)
	}
	if o.Line == 0 {
		return o.File // about the file as a whole
	}
	return fmt.Sprintf("%s:%d", o.File, o.Line)
}

// InList returns a copy of the origin for item i of the List document.
func (o Origin) InList(i int) Origin {
	o.ListIndex = &i
	return o
}

// Key identifies an object the way the API server does: group, kind,
// namespace and name. Cluster-scoped objects have an empty namespace.
type Key struct {
	Group     string
	Kind      string
	Namespace string
	Name      string
}

// String renders the key as Kind namespace/name.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Kind + " " + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}

// GroupKind returns the key's group and kind.
func (k Key) GroupKind() schema.GroupKind { return schema.GroupKind{Group: k.Group, Kind: k.Kind} }

// KubeObject is what every typed API struct implements.
type KubeObject interface {
	metav1.Object
	runtime.Object
}

// Object is one loaded object with its origin. Obj is always one of the
// official typed structs (k8s.io/api or istio.io/client-go).
type Object struct {
	Key    Key
	Origin Origin
	Obj    KubeObject
}

// Warning is a problem with the input that did not stop the load.
type Warning struct {
	Origin  Origin `json:"origin"`
	Message string `json:"message"`
}

// String renders the warning as file:line: message.
func (w Warning) String() string { return w.Origin.String() + ": " + w.Message }

// Inventory is everything a source produced.
type Inventory struct {
	objects  map[Key]*Object
	byKind   map[schema.GroupKind][]*Object
	sorted   bool
	Warnings []Warning
	// Skipped counts documents of kinds shadowroute does not model, keyed by
	// apiVersion/kind.
	Skipped map[string]int
	// UnmodelledObjects are the skipped objects whose kinds carry, expose
	// or filter traffic (Unmodelled), in input order.
	UnmodelledObjects []UnmodelledObject
	// Rejected lists the objects the API server would refuse to create
	// (sources/admission): a cluster never holds them, so they are not in
	// the inventory's objects, and the model reports what they would have
	// done.
	Rejected []Rejected
	// Sources lists the paths that were read, in order.
	Sources []string
	// ConfigMaps are not modelled (they are counted in Skipped), but their
	// data is kept for the rules that look for credentials written in
	// configuration.
	ConfigMaps []ConfigMapData
	// Unread lists what a live-cluster read could not read; an analysis
	// of this inventory is incomplete there.
	Unread []Unread
	// Scope names parts of the input deliberately left out (a live read
	// restricted to one namespace): Not seen lines, not failures.
	Scope []string

	workloads []*Workload
	// podWorkload maps each Pod object to the workload it is part of
	// (built with workloads).
	podWorkload map[*Object]*Workload
}

// New returns an empty inventory.
func New() *Inventory {
	return &Inventory{
		objects: map[Key]*Object{},
		byKind:  map[schema.GroupKind][]*Object{},
		Skipped: map[string]int{},
	}
}

// Add stores an object. A later object with the same key replaces the earlier
// one, and the replaced object is returned so the caller can warn.
func (inv *Inventory) Add(obj *Object) (replaced *Object) {
	if old, ok := inv.objects[obj.Key]; ok {
		list := inv.byKind[obj.Key.GroupKind()]
		for i, o := range list {
			if o == old {
				list[i] = obj
			}
		}
		inv.objects[obj.Key] = obj
		inv.workloads = nil
		return old
	}
	inv.objects[obj.Key] = obj
	inv.byKind[obj.Key.GroupKind()] = append(inv.byKind[obj.Key.GroupKind()], obj)
	inv.sorted = false
	inv.workloads = nil
	return nil
}

// Rejected is an object the API server would refuse, with its reasons.
type Rejected struct {
	Object *Object
	Reason string
}

// Reject records an object the API server would refuse, with a warning:
// it is kept out of the objects (the cluster would not have it).
func (inv *Inventory) Reject(obj *Object, reason string) {
	inv.Rejected = append(inv.Rejected, Rejected{Object: obj, Reason: reason})
	inv.Warn(obj.Origin, "%s is rejected by the Kubernetes API server (%s), so a cluster cannot hold it; left out of the analysis", obj.Key, reason)
}

// Warn records a warning.
func (inv *Inventory) Warn(origin Origin, format string, args ...any) {
	inv.Warnings = append(inv.Warnings, Warning{Origin: origin, Message: fmt.Sprintf(format, args...)})
}

// Skip counts a document of an unmodelled kind.
func (inv *Inventory) Skip(apiVersion, kind string) {
	inv.Skipped[apiVersion+"/"+kind]++
}

func (inv *Inventory) sortAll() {
	if inv.sorted {
		return
	}
	for _, list := range inv.byKind {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Key.Namespace != list[j].Key.Namespace {
				return list[i].Key.Namespace < list[j].Key.Namespace
			}
			return list[i].Key.Name < list[j].Key.Name
		})
	}
	inv.sorted = true
}

// Objects returns the objects of one kind sorted by namespace and name.
func (inv *Inventory) Objects(gk schema.GroupKind) []*Object {
	inv.sortAll()
	return inv.byKind[gk]
}

// Get returns one object or nil.
func (inv *Inventory) Get(gk schema.GroupKind, namespace, name string) *Object {
	return inv.objects[Key{Group: gk.Group, Kind: gk.Kind, Namespace: namespace, Name: name}]
}

// Len is the number of objects held.
func (inv *Inventory) Len() int { return len(inv.objects) }

// KindCount is how many objects of one kind were loaded.
type KindCount struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Counts returns the per-kind counts sorted by kind then group.
func (inv *Inventory) Counts() []KindCount {
	out := make([]KindCount, 0, len(inv.byKind))
	for gk, list := range inv.byKind {
		if len(list) > 0 {
			out = append(out, KindCount{Group: gk.Group, Kind: gk.Kind, Count: len(list)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Group < out[j].Group
	})
	return out
}

// Typed returns the objects of one kind as their typed structs, sorted by
// namespace and name, each paired with its inventory entry.
func Typed[T runtime.Object](inv *Inventory, gk schema.GroupKind) []TypedObject[T] {
	list := inv.Objects(gk)
	out := make([]TypedObject[T], 0, len(list))
	for _, o := range list {
		if t, ok := o.Obj.(T); ok {
			out = append(out, TypedObject[T]{Obj: t, Entry: o})
		}
	}
	return out
}

// TypedObject pairs a typed struct with its inventory entry (key, origin).
type TypedObject[T runtime.Object] struct {
	Obj   T
	Entry *Object
}

// ConfigMapData is the data of a ConfigMap, with where it came from.
type ConfigMapData struct {
	Namespace string
	Name      string
	Origin    Origin
	Data      map[string]string
}

// Unread is a kind the source could not read, in one namespace or ("") in
// all: the credentials were refused (403) or the server failed. Verdicts
// that depend on it are assumptions, and the analysis says so.
type Unread struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Reason    string `json:"reason"`
}

// String names what was not read, as a Not seen line does.
func (u Unread) String() string {
	kind := u.Kind
	if u.Group != "" {
		kind += "." + u.Group
	}
	where := "in every namespace"
	if u.Namespace != "" {
		where = "in namespace " + u.Namespace
	}
	return fmt.Sprintf("%s %s could not be read from the cluster: %s", kind, where, u.Reason)
}
