package model_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/graph/model"
)

const ingresses = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: internal}
spec: {controller: k8s.io/ingress-nginx-internal}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx-inc}
spec: {controller: nginx.org/ingress-controller}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
    spec: {containers: [{name: c, image: registry.k8s.io/ingress-nginx/controller:v1.12.1, args: [--ingress-class=legacy-public]}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: by-field, namespace: a}
spec: {ingressClassName: internal}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: by-annotation, namespace: a, annotations: {kubernetes.io/ingress.class: legacy-public}}
spec: {ingressClassName: ""}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: by-default, namespace: a}
spec: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: field-wins, namespace: a, annotations: {kubernetes.io/ingress.class: traefik}}
spec: {ingressClassName: nginx-inc}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other-controller, namespace: a, annotations: {kubernetes.io/ingress.class: traefik}}
spec: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: unknown, namespace: a, annotations: {kubernetes.io/ingress.class: public}}
spec: {}
`

// TestIngressClasses: spec.ingressClassName, then the legacy annotation,
// then the default IngressClass; the controller from the IngressClass, a
// well-known name or ingress-nginx's --ingress-class; whether ingress-nginx
// serves it.
func TestIngressClasses(t *testing.T) {
	m := model.New(load(t, ingresses), model.Options{})
	want := map[string]struct {
		class, from, controller string
		served, assumed         bool
	}{
		"by-field":         {"internal", "spec.ingressClassName", "k8s.io/ingress-nginx-internal", true, false},
		"by-annotation":    {"legacy-public", "annotation kubernetes.io/ingress.class", model.NginxController, true, false},
		"by-default":       {"nginx", "default IngressClass", model.NginxController, true, false},
		"field-wins":       {"nginx-inc", "spec.ingressClassName", "nginx.org/ingress-controller", false, false},
		"other-controller": {"traefik", "annotation kubernetes.io/ingress.class", "traefik.io/ingress-controller", false, false},
		"unknown":          {"public", "annotation kubernetes.io/ingress.class", "", true, true},
	}
	for _, ing := range m.Ingresses() {
		w, ok := want[ing.Obj.Name]
		if !ok {
			t.Fatalf("unexpected Ingress %s", ing.Obj.Name)
		}
		if ing.Class == nil {
			t.Errorf("%s: no class", ing.Obj.Name)
			continue
		}
		served, assumed := ing.ServedByNginx()
		if ing.Class.Name != w.class || ing.ClassFrom != w.from || ing.Class.Controller != w.controller || served != w.served || assumed != w.assumed {
			t.Errorf("%s: class %q from %q controller %q served %v assumed %v, want %+v", ing.Obj.Name, ing.Class.Name, ing.ClassFrom, ing.Class.Controller, served, assumed, w)
		}
	}
	byName := map[string]*model.Ingress{}
	for _, ing := range m.Ingresses() {
		byName[ing.Obj.Name] = ing
	}
	if got := names(byName["by-annotation"].Class.Controllers); got != "ingress-nginx/ingress-nginx-controller" {
		t.Errorf("legacy-public controllers %q", got)
	}
	if got := names(byName["by-field"].Class.Controllers); got != "" {
		t.Errorf("internal class: --ingress-class=legacy-public narrows the controller away, got %q", got)
	}
	noDefault := model.New(load(t, `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: classless, namespace: a}
spec: {}
`), model.Options{})
	if c := noDefault.Ingresses()[0]; c.Class != nil {
		t.Errorf("a class-less Ingress without default IngressClass resolved to %q", c.Class.Name)
	} else if served, _ := c.ServedByNginx(); served {
		t.Error("a class-less Ingress is served by ingress-nginx")
	}
}
