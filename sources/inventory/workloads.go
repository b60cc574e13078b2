package inventory

import (
	"maps"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Workload is a set of identical pods, represented once: a controller with its
// pod template, or a standalone Pod, or the pods of an owner that is not in the
// input grouped under that owner's name.
type Workload struct {
	Kind      string
	Namespace string
	Name      string
	// Origin is the controller's (or first pod's) origin.
	Origin Origin
	// Object is the inventory entry the workload was built from.
	Object *Object
	// Template is the pod template (for standalone pods: the pod's own
	// metadata and spec).
	Template corev1.PodTemplateSpec
	// Replicas is the desired count; DaemonSets count as 1 (nodes unknown).
	Replicas int32
	// OwnerMissing is set when the pods were grouped under an owner reference
	// whose object is not in the input.
	OwnerMissing bool
}

// ID is Kind/namespace/name, unique among workloads.
func (w *Workload) ID() string { return w.Namespace + "/" + w.Name + "[" + w.Kind + "]" }

// Labels returns the pod labels.
func (w *Workload) Labels() map[string]string { return w.Template.Labels }

// Annotations returns the pod annotations.
func (w *Workload) Annotations() map[string]string { return w.Template.Annotations }

// ServiceAccount returns the pods' service account name ("default" when unset).
func (w *Workload) ServiceAccount() string {
	if sa := w.Template.Spec.ServiceAccountName; sa != "" {
		return sa
	}
	if sa := w.Template.Spec.DeprecatedServiceAccount; sa != "" {
		return sa
	}
	return "default"
}

// ContainerPort is one declared container port.
type ContainerPort struct {
	Container string
	Name      string
	Port      int32
	HostPort  int32
	Protocol  corev1.Protocol
}

// Ports returns every declared port of the regular containers, in spec order.
func (w *Workload) Ports() []ContainerPort {
	var out []ContainerPort
	for _, c := range w.Template.Spec.Containers {
		for _, p := range c.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			out = append(out, ContainerPort{Container: c.Name, Name: p.Name, Port: p.ContainerPort, HostPort: p.HostPort, Protocol: proto})
		}
	}
	return out
}

// NamedPort resolves a container port name to its number.
func (w *Workload) NamedPort(name string) (int32, bool) {
	for _, p := range w.Ports() {
		if p.Name == name {
			return p.Port, true
		}
	}
	return 0, false
}

// Images returns the images of all containers, init containers included.
func (w *Workload) Images() []string {
	var out []string
	for _, c := range w.Template.Spec.InitContainers {
		out = append(out, c.Image)
	}
	for _, c := range w.Template.Spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

// workloadKinds are the controllers whose pod template makes a workload, with
// a function extracting template and replicas.
var workloadKinds = []schema.GroupKind{Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, CronJob, Job, Pod}

// Workloads returns the inventory's workloads sorted by namespace, name, kind.
// A ReplicaSet owned by a Deployment in the input, a Job owned by a CronJob in
// the input and a Pod owned by any workload in the input are not workloads of
// their own. A Pod whose ReplicaSet is absent but whose Deployment is present
// (matched through the pod-template-hash label, as the Deployment controller
// names ReplicaSets <deployment>-<hash>) belongs to that Deployment.
func (inv *Inventory) Workloads() []*Workload {
	if inv.workloads != nil {
		return inv.workloads
	}
	var out []*Workload
	orphans := map[Key]*Workload{}
	byObject := map[*Object]*Workload{}
	inv.podWorkload = map[*Object]*Workload{}
	for _, gk := range workloadKinds {
		for _, o := range inv.Objects(gk) {
			if inv.ownedByPresent(o) {
				continue
			}
			if gk == Pod {
				// Pods of an absent owner are grouped under it, but only
				// pods whose labels and ports equal the group's: a pod that
				// differs keeps its own identity. Static (mirror) pods,
				// whose controller is the Node, and references without a
				// kind are pods of their own
				// (https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/).
				if ref := controllerRef(o.Obj); ref != nil && ref.Kind != "" && ref.Kind != "Node" {
					key := Key{Group: groupOf(ref.APIVersion), Kind: ref.Kind, Namespace: o.Key.Namespace, Name: ref.Name}
					pod := fromPod(o)
					if w, ok := orphans[key]; ok {
						if samePods(w, pod) {
							w.Replicas++
							inv.podWorkload[o] = w
						} else {
							out = append(out, pod)
							inv.podWorkload[o] = pod
						}
						continue
					}
					pod.Kind, pod.Name, pod.OwnerMissing = ref.Kind, ref.Name, true
					orphans[key] = pod
					out = append(out, pod)
					inv.podWorkload[o] = pod
					continue
				}
			}
			if w := fromController(o); w != nil {
				out = append(out, w)
				byObject[o] = w
			}
		}
	}
	for _, o := range inv.Objects(Pod) {
		if _, done := inv.podWorkload[o]; !done {
			inv.podWorkload[o] = byObject[inv.topOwner(o)]
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Kind < out[j].Kind
	})
	inv.workloads = out
	return out
}

// samePods: two pods of one absent owner have the same labels and container
// ports, so one workload stands for both.
func samePods(a, b *Workload) bool {
	if !maps.Equal(a.Labels(), b.Labels()) {
		return false
	}
	pa, pb := a.Ports(), b.Ports()
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return false
		}
	}
	return true
}

func controllerRef(obj metav1.Object) *metav1.OwnerReference {
	refs := obj.GetOwnerReferences()
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	if len(refs) > 0 {
		return &refs[0]
	}
	return nil
}

func groupOf(apiVersion string) string {
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// ownedByPresent reports whether the object's owner (or, for a pod of an
// absent ReplicaSet, the ReplicaSet's Deployment) is in the input.
func (inv *Inventory) ownedByPresent(o *Object) bool {
	ref := controllerRef(o.Obj)
	if ref == nil {
		return false
	}
	gk := schema.GroupKind{Group: groupOf(ref.APIVersion), Kind: ref.Kind}
	if _, isWorkload := Modelled[gk]; !isWorkload {
		return false
	}
	if owner := inv.Get(gk, o.Key.Namespace, ref.Name); owner != nil {
		return true
	}
	if gk == ReplicaSet {
		hash := o.Obj.GetLabels()[appsv1.DefaultDeploymentUniqueLabelKey]
		if hash != "" && strings.HasSuffix(ref.Name, "-"+hash) {
			deployment := strings.TrimSuffix(ref.Name, "-"+hash)
			return inv.Get(Deployment, o.Key.Namespace, deployment) != nil
		}
	}
	return false
}

// topOwner follows controller references through the objects present
// (Pod -> ReplicaSet -> Deployment) to the object a workload is built from.
func (inv *Inventory) topOwner(o *Object) *Object {
	for seen := 0; inv.ownedByPresent(o) && seen < 4; seen++ {
		o = inv.presentOwner(o)
	}
	return o
}

// presentOwner is the owner ownedByPresent found.
func (inv *Inventory) presentOwner(o *Object) *Object {
	ref := controllerRef(o.Obj)
	gk := schema.GroupKind{Group: groupOf(ref.APIVersion), Kind: ref.Kind}
	if owner := inv.Get(gk, o.Key.Namespace, ref.Name); owner != nil {
		return owner
	}
	hash := o.Obj.GetLabels()[appsv1.DefaultDeploymentUniqueLabelKey]
	return inv.Get(Deployment, o.Key.Namespace, strings.TrimSuffix(ref.Name, "-"+hash))
}

// WorkloadOfPod returns the workload a Pod of the input is part of (its
// top controller's, the group of its absent owner, or its own), or nil
// when no such Pod was loaded.
func (inv *Inventory) WorkloadOfPod(namespace, name string) *Workload {
	o := inv.Get(Pod, namespace, name)
	if o == nil {
		return nil
	}
	inv.Workloads()
	return inv.podWorkload[o]
}

func fromPod(o *Object) *Workload {
	pod := o.Obj.(*corev1.Pod)
	return &Workload{
		Kind: "Pod", Namespace: o.Key.Namespace, Name: o.Key.Name, Origin: o.Origin, Object: o,
		Template: corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec},
		Replicas: 1,
	}
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func fromController(o *Object) *Workload {
	w := &Workload{Kind: o.Key.Kind, Namespace: o.Key.Namespace, Name: o.Key.Name, Origin: o.Origin, Object: o, Replicas: 1}
	switch obj := o.Obj.(type) {
	case *corev1.Pod:
		return fromPod(o)
	case *appsv1.Deployment:
		w.Template, w.Replicas = obj.Spec.Template, replicas(obj.Spec.Replicas)
	case *appsv1.StatefulSet:
		w.Template, w.Replicas = obj.Spec.Template, replicas(obj.Spec.Replicas)
	case *appsv1.DaemonSet:
		w.Template = obj.Spec.Template
	case *appsv1.ReplicaSet:
		w.Template, w.Replicas = obj.Spec.Template, replicas(obj.Spec.Replicas)
	case *corev1.ReplicationController:
		if obj.Spec.Template != nil {
			w.Template = *obj.Spec.Template
		}
		w.Replicas = replicas(obj.Spec.Replicas)
	case *batchv1.Job:
		w.Template, w.Replicas = obj.Spec.Template, replicas(obj.Spec.Parallelism)
	case *batchv1.CronJob:
		w.Template = obj.Spec.JobTemplate.Spec.Template
		w.Replicas = replicas(obj.Spec.JobTemplate.Spec.Parallelism)
	default:
		return nil
	}
	return w
}

// PodClassKey names the equivalence class of a workload's pods for
// selector questions: pods with the same namespace, pod labels, service
// account and hostNetwork setting get the same answer from every rule that
// selects pods by namespace and labels (NetworkPolicy podSelector,
// AuthorizationPolicy and PeerAuthentication selectors, Service selectors),
// so those answers are computed once per class and shared.
func PodClassKey(w *Workload) string {
	var b strings.Builder
	// Every part is length-prefixed, so no label text can imitate another
	// split of the labels.
	part := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	part(w.Namespace)
	keys := make([]string, 0, len(w.Labels()))
	for k := range w.Labels() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString(strconv.Itoa(len(keys)))
	b.WriteByte(':')
	for _, k := range keys {
		part(k)
		part(w.Labels()[k])
	}
	part(w.ServiceAccount())
	if w.Template.Spec.HostNetwork {
		b.WriteString("hostNetwork")
	}
	return b.String()
}
