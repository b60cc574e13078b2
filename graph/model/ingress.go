package model

import (
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Annotations of Ingress class selection
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class).
const (
	AnnotationDefaultClass = "ingressclass.kubernetes.io/is-default-class"
	AnnotationLegacyClass  = "kubernetes.io/ingress.class"
)

// wellKnownClassControllers maps legacy class names to IngressClass
// controller strings, for Ingresses whose class has no IngressClass object.
var wellKnownClassControllers = map[string]string{
	"nginx":   NginxController,
	"istio":   "istio.io/ingress-controller",
	"traefik": "traefik.io/ingress-controller",
	"haproxy": "haproxy.org/ingress-controller",
	"contour": "projectcontour.io/ingress-controller",
	"kong":    "ingress-controllers.konghq.com/kong",
	"cilium":  "cilium.io/ingress-controller",
	"alb":     "ingress.k8s.aws/alb",
}

// otherControllerNames are legacy class names of controllers other than
// ingress-nginx whose controller string is not listed above.
var otherControllerNames = map[string]bool{"gce": true, "gce-internal": true, "azure/application-gateway": true}

// NginxController is ingress-nginx's default --controller-class.
const NginxController = "k8s.io/ingress-nginx"

// controllerMatchers recognise controller pods by IngressClass controller
// string: image substrings and labels the upstream charts set.
var controllerMatchers = []struct {
	controllerPrefix string
	images           []string
	labels           map[string]string
}{
	{NginxController, []string{"ingress-nginx/controller", "nginx-ingress-controller"}, map[string]string{"app.kubernetes.io/name": "ingress-nginx"}},
	{"traefik.io/", []string{"traefik"}, map[string]string{"app.kubernetes.io/name": "traefik"}},
	{"haproxy", []string{"haproxy"}, map[string]string{"app.kubernetes.io/name": "kubernetes-ingress"}},
	{"projectcontour.io/", []string{"envoyproxy/envoy"}, map[string]string{"app.kubernetes.io/component": "envoy"}},
	{"ingress-controllers.konghq.com/", []string{"kong"}, map[string]string{"app.kubernetes.io/name": "kong"}},
}

// Ingress is an Ingress with its resolved class.
type Ingress struct {
	Obj   *networkingv1.Ingress
	Entry *inventory.Object
	// Class is nil when the Ingress names no class and no IngressClass is
	// the default: no controller serves it (ingress-nginx, for one, ignores
	// class-less Ingresses unless --watch-ingress-without-class).
	Class *IngressClass
	// ClassFrom says where the class name came from.
	ClassFrom string
}

// IngressClass is a resolved class: its controller string and the
// workloads implementing it.
type IngressClass struct {
	Name string
	// Object is the IngressClass, nil when only the name is known.
	Object *inventory.Object
	// Controller is spec.controller, or for a name without object the
	// controller a well-known class name stands for ("" when unknown).
	Controller string
	// Controllers are the workloads serving the class: --ingress-controller
	// when given for it, else recognised by image and chart labels (and
	// ingress-nginx's --ingress-class / --controller-class arguments).
	Controllers []*inventory.Workload
	// Configured: Controllers come from --ingress-controller.
	Configured bool
}

// ServedByNginx says whether ingress-nginx serves the Ingress, so that its
// nginx.ingress.kubernetes.io/ annotations take effect. ingress-nginx
// controller-class values are k8s.io/ names containing "nginx"
// (k8s.io/ingress-nginx and the variants charts use for several
// installations); NGINX Inc's controller (nginx.org/…) reads nginx.org/
// annotations instead. A class-less Ingress is not served (ingress-nginx
// ignores them unless --watch-ingress-without-class). A class whose
// controller is unknown (no IngressClass in the input, not a well-known
// name) is assumed to be served when no other controller claims the name:
// assumed is then true.
func (ing *Ingress) ServedByNginx() (served, assumed bool) {
	c := ing.Class
	switch {
	case c == nil:
		return false, false
	case c.Controller != "":
		return strings.HasPrefix(c.Controller, "k8s.io/") && strings.Contains(c.Controller, "nginx"), false
	case otherControllerNames[strings.ToLower(c.Name)]:
		return false, false
	}
	return true, true
}

// Ingresses returns every Ingress with its class, in inventory order.
func (m *Model) Ingresses() []*Ingress {
	if m.ingresses == nil {
		m.resolveIngresses()
	}
	return append([]*Ingress(nil), m.ingresses...)
}

// IngressFor returns the resolved Ingress of an Ingress object, or nil.
func (m *Model) IngressFor(obj *networkingv1.Ingress) *Ingress {
	if m.ingresses == nil {
		m.resolveIngresses()
	}
	return m.ingressByObj[obj]
}

// DefaultClasses returns the IngressClasses marked default, by name: more
// than one is refused by the admission plugin, so the first is taken.
func (m *Model) DefaultClasses() []*inventory.Object {
	var out []*inventory.Object
	for _, c := range m.Inventory.Objects(inventory.IngressClass) {
		if c.Obj.GetAnnotations()[AnnotationDefaultClass] == "true" {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Name < out[j].Key.Name })
	return out
}

// resolveIngresses resolves each Ingress's class: spec.ingressClassName,
// else the legacy kubernetes.io/ingress.class annotation, else the default
// IngressClass
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#default-ingress-class),
// else the class --default-ingress-class names (the default class object is
// outside the input).
func (m *Model) resolveIngresses() {
	m.ingresses = []*Ingress{}
	m.ingressByObj = map[*networkingv1.Ingress]*Ingress{}
	classes := map[string]*IngressClass{}
	defaults := m.DefaultClasses()
	for _, ing := range inventory.Typed[*networkingv1.Ingress](m.Inventory, inventory.Ingress) {
		out := &Ingress{Obj: ing.Obj, Entry: ing.Entry}
		name := ""
		switch {
		case ing.Obj.Spec.IngressClassName != nil && *ing.Obj.Spec.IngressClassName != "":
			name, out.ClassFrom = *ing.Obj.Spec.IngressClassName, "spec.ingressClassName"
		case ing.Obj.Annotations[AnnotationLegacyClass] != "":
			name, out.ClassFrom = ing.Obj.Annotations[AnnotationLegacyClass], "annotation "+AnnotationLegacyClass
		case len(defaults) > 0:
			name, out.ClassFrom = defaults[0].Key.Name, "default IngressClass"
		case m.Options.DefaultIngressClass != "":
			name, out.ClassFrom = m.Options.DefaultIngressClass, "--default-ingress-class"
		}
		if name != "" {
			c, ok := classes[name]
			if !ok {
				c = m.resolveClass(name)
				classes[name] = c
			}
			out.Class = c
		}
		m.ingresses = append(m.ingresses, out)
		m.ingressByObj[ing.Obj] = out
	}
}

func (m *Model) resolveClass(name string) *IngressClass {
	c := &IngressClass{Name: name, Object: m.Inventory.Get(inventory.IngressClass, "", name)}
	if c.Object != nil {
		if ic, ok := c.Object.Obj.(*networkingv1.IngressClass); ok {
			c.Controller = ic.Spec.Controller
		}
	} else {
		c.Controller = wellKnownClassControllers[name]
	}
	if sel, ok := m.Options.IngressControllers[name]; ok {
		c.Configured = true
		for _, w := range m.workloads {
			if (sel.Namespace == "" || sel.Namespace == "*" || sel.Namespace == w.Namespace) && sel.Selector.Matches(labels.Set(w.Labels())) {
				c.Controllers = append(c.Controllers, w)
			}
		}
		return c
	}
	if c.Controller == "" {
		// A legacy class name without IngressClass object is served by an
		// ingress-nginx started with --ingress-class=NAME.
		for _, w := range m.workloads {
			if matchesController(w, controllerMatchers[0].images, controllerMatchers[0].labels) && hasArg(w, "--ingress-class="+name) {
				c.Controller = NginxController
				break
			}
		}
	}
	c.Controllers = m.recogniseControllers(c)
	return c
}

func hasArg(w *inventory.Workload, arg string) bool {
	for _, ctr := range w.Template.Spec.Containers {
		for _, a := range append(append([]string{}, ctr.Command...), ctr.Args...) {
			if a == arg {
				return true
			}
		}
	}
	return false
}

// recogniseControllers finds workloads implementing a controller string by
// image and labels; ingress-nginx's --ingress-class/--controller-class
// arguments narrow which installation serves which class. Istio's ingress
// controller is its ingress gateway (istio=ingressgateway proxies).
func (m *Model) recogniseControllers(c *IngressClass) []*inventory.Workload {
	var out []*inventory.Workload
	if c.Controller == "istio.io/ingress-controller" {
		for _, w := range m.workloads {
			if m.Mesh.InjectionStatus(w).Gateway && w.Labels()["istio"] == "ingressgateway" {
				out = append(out, w)
			}
		}
		return out
	}
	for _, cm := range controllerMatchers {
		if !strings.HasPrefix(c.Controller, cm.controllerPrefix) {
			continue
		}
		for _, w := range m.workloads {
			if matchesController(w, cm.images, cm.labels) && argsAllowClass(w, c) {
				out = append(out, w)
			}
		}
	}
	return out
}

func matchesController(w *inventory.Workload, images []string, lbls map[string]string) bool {
	for _, img := range w.Images() {
		for _, want := range images {
			if strings.Contains(img, want) {
				return true
			}
		}
	}
	for k, v := range lbls {
		if w.Labels()[k] == v && (k != "app.kubernetes.io/name" || w.Labels()["app.kubernetes.io/component"] == "" || w.Labels()["app.kubernetes.io/component"] == "controller") {
			return true
		}
	}
	return false
}

func argsAllowClass(w *inventory.Workload, c *IngressClass) bool {
	for _, ctr := range w.Template.Spec.Containers {
		for _, a := range append(append([]string{}, ctr.Command...), ctr.Args...) {
			if v, ok := strings.CutPrefix(a, "--ingress-class="); ok && v != c.Name {
				return false
			}
			if v, ok := strings.CutPrefix(a, "--controller-class="); ok && c.Controller != "" && v != c.Controller {
				return false
			}
		}
	}
	return true
}
