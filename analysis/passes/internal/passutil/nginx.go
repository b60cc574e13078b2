package passutil

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// NginxAnnotationPrefix is the prefix of ingress-nginx annotations
// (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/).
const NginxAnnotationPrefix = "nginx.ingress.kubernetes.io/"

// nonNginxClassNames are class names that, without an IngressClass object,
// name a controller other than ingress-nginx (the legacy
// kubernetes.io/ingress.class values of the common controllers).
var nonNginxClassNames = map[string]bool{
	"traefik": true, "haproxy": true, "contour": true, "kong": true, "istio": true,
	"gce": true, "gce-internal": true, "alb": true, "azure/application-gateway": true, "cilium": true,
}

// ServedByIngressNginx reports whether ingress-nginx may serve the Ingress,
// so that its nginx.ingress.kubernetes.io/ annotations take effect. It is
// false only when the class resolves (spec.ingressClassName, the legacy
// annotation, or the default IngressClass) to a controller known not to be
// ingress-nginx: an IngressClass whose spec.controller is not a k8s.io/…nginx
// value (ingress-nginx's --controller-class, default k8s.io/ingress-nginx), or
// a well-known class name of another controller. An Ingress without any class
// may still be served by ingress-nginx (--watch-ingress-without-class).
func ServedByIngressNginx(inv *inventory.Inventory, ing *networkingv1.Ingress) bool {
	name := ""
	switch {
	case ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName != "":
		name = *ing.Spec.IngressClassName
	case ing.Annotations["kubernetes.io/ingress.class"] != "":
		name = ing.Annotations["kubernetes.io/ingress.class"]
	default:
		for _, c := range inv.Objects(inventory.IngressClass) {
			if c.Obj.GetAnnotations()["ingressclass.kubernetes.io/is-default-class"] == "true" {
				name = c.Key.Name
				break
			}
		}
	}
	if name == "" {
		return true
	}
	if o := inv.Get(inventory.IngressClass, "", name); o != nil {
		if ic, ok := o.Obj.(*networkingv1.IngressClass); ok {
			return isNginxController(ic.Spec.Controller)
		}
	}
	return !nonNginxClassNames[strings.ToLower(name)]
}

// isNginxController: ingress-nginx controller-class values are k8s.io/
// names containing "nginx" (k8s.io/ingress-nginx and the variants charts use
// for several installations); NGINX Inc's controller (nginx.org/…) reads
// nginx.org/ annotations, not these.
func isNginxController(controller string) bool {
	return strings.HasPrefix(controller, "k8s.io/") && strings.Contains(controller, "nginx")
}
