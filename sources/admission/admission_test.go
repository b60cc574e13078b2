package admission

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func policy(rule networkingv1.NetworkPolicyIngressRule, types ...networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "data"},
		Spec:       networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{rule}, PolicyTypes: types},
	}
}

func fromPeer(peer networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{peer}}
}

func onPort(p networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{p}}
}

func block(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

func service(ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "data"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "db"}, Ports: ports}}
}

func deployment(ports ...corev1.ContainerPort) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "data"}}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Ports: ports}}
	return d
}

// TestCheck follows kubernetes pkg/apis/networking/validation
// (ValidateNetworkPolicySpec and its helpers) and pkg/apis/core/validation
// (validateServicePort, validateContainerPorts): each row is one branch.
func TestCheck(t *testing.T) {
	tcp, http := corev1.ProtocolTCP, corev1.Protocol("HTTP")
	labelSel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	for _, tc := range []struct {
		name string
		obj  runtime.Object
		// want is the field path of the one error expected, "" for none.
		want string
	}{
		{"valid ipBlock with except", policy(fromPeer(block("10.0.0.0/8", "10.1.0.0/16"))), ""},
		{"legacy CIDR with host bits is admitted", policy(fromPeer(block("10.0.0.1/8"))), ""},
		{"legacy CIDR with leading zeros is admitted", policy(fromPeer(block("010.0.0.0/8"))), ""},
		{"mask /33", policy(fromPeer(block("10.0.0.0/33"))), "spec.ingress[0].from[0].ipBlock.cidr"},
		{"not a CIDR", policy(fromPeer(block("10.0.0.0"))), "spec.ingress[0].from[0].ipBlock.cidr"},
		{"empty cidr", policy(fromPeer(block(""))), "spec.ingress[0].from[0].ipBlock.cidr"},
		{"except outside cidr", policy(fromPeer(block("10.0.0.0/8", "192.168.0.0/16"))), "spec.ingress[0].from[0].ipBlock.except[0]"},
		{"except equal to cidr", policy(fromPeer(block("10.0.0.0/8", "10.0.0.0/8"))), "spec.ingress[0].from[0].ipBlock.except[0]"},
		{"except invalid", policy(fromPeer(block("10.0.0.0/8", "10.0.0.0/40"))), "spec.ingress[0].from[0].ipBlock.except[0]"},
		{"empty peer", policy(fromPeer(networkingv1.NetworkPolicyPeer{})), "spec.ingress[0].from[0]"},
		{"ipBlock with a selector", policy(fromPeer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}, PodSelector: labelSel})), "spec.ingress[0].from[0]"},
		{"pod and namespace selector together", policy(fromPeer(networkingv1.NetworkPolicyPeer{PodSelector: labelSel, NamespaceSelector: labelSel})), ""},
		{"bad selector operator", policy(fromPeer(networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Equals", Values: []string{"x"}}}}})), "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator"},
		{"bad selector label value", policy(fromPeer(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a b"}}})), "spec.ingress[0].from[0].namespaceSelector.matchLabels"},
		{"port 70000", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(70000))})), "spec.ingress[0].ports[0].port"},
		{"port 0", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(0))})), "spec.ingress[0].ports[0].port"},
		{"endPort below port", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(5432)), EndPort: ptr.To[int32](5000)})), "spec.ingress[0].ports[0].endPort"},
		{"endPort range", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(5000)), EndPort: ptr.To[int32](5432)})), ""},
		{"endPort without port", policy(onPort(networkingv1.NetworkPolicyPort{EndPort: ptr.To[int32](5432)})), "spec.ingress[0].ports[0].endPort"},
		{"endPort with named port", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromString("pg")), EndPort: ptr.To[int32](5432)})), "spec.ingress[0].ports[0].endPort"},
		{"invalid port name", policy(onPort(networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromString("Postgres_SQL"))})), "spec.ingress[0].ports[0].port"},
		{"unknown protocol", policy(onPort(networkingv1.NetworkPolicyPort{Protocol: &http, Port: ptr.To(intstr.FromInt32(80))})), "spec.ingress[0].ports[0].protocol"},
		{"known protocol", policy(onPort(networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(80))})), ""},
		{"policyType unknown", policy(networkingv1.NetworkPolicyIngressRule{}, "Both"), "spec.policyTypes[0]"},
		{"three policyTypes", policy(networkingv1.NetworkPolicyIngressRule{}, "Ingress", "Egress", "Ingress"), "spec.policyTypes"},
		{"egress peer checked too", &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{block("0.0.0.0/-1")}}}}}, "spec.egress[0].to[0].ipBlock.cidr"},
		{"invalid podSelector", &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"-bad": "x"}}}}, "spec.podSelector.matchLabels"},

		{"service valid, targetPort defaults to port", service(corev1.ServicePort{Port: 5432}), ""},
		{"service port 70000", service(corev1.ServicePort{Port: 70000, TargetPort: intstr.FromInt32(5432)}), "spec.ports[0].port"},
		{"service targetPort 70000", service(corev1.ServicePort{Port: 5432, TargetPort: intstr.FromInt32(70000)}), "spec.ports[0].targetPort"},
		{"service targetPort bad name", service(corev1.ServicePort{Port: 5432, TargetPort: intstr.FromString("no_such name")}), "spec.ports[0].targetPort"},
		{"service protocol", service(corev1.ServicePort{Port: 53, Protocol: "ICMP"}), "spec.ports[0].protocol"},
		{"service two ports need names", service(corev1.ServicePort{Name: "a", Port: 1}, corev1.ServicePort{Port: 2}), "spec.ports[1].name"},
		{"service duplicate port names", service(corev1.ServicePort{Name: "a", Port: 1}, corev1.ServicePort{Name: "a", Port: 2}), "spec.ports[1].name"},
		{"service selector value", &corev1.Service{Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "db!"}}}, "spec.selector"},
		{"externalName required", &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}}, "spec.externalName"},
		{"externalName with trailing dot", &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com."}}, ""},

		{"container port valid", deployment(corev1.ContainerPort{Name: "pg", ContainerPort: 5432}), ""},
		{"containerPort 70000", deployment(corev1.ContainerPort{ContainerPort: 70000}), "spec.template.spec.containers[0].ports[0].containerPort"},
		{"hostPort 70000", deployment(corev1.ContainerPort{ContainerPort: 80, HostPort: 70000}), "spec.template.spec.containers[0].ports[0].hostPort"},
		{"container port name too long", deployment(corev1.ContainerPort{Name: "postgresql-primary", ContainerPort: 5432}), "spec.template.spec.containers[0].ports[0].name"},
		{"kinds not checked", &corev1.Secret{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := Check(tc.obj)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("want admitted, got %s", Describe(errs))
			case tc.want != "" && (len(errs) != 1 || errs[0].Field != tc.want):
				t.Fatalf("want one error at %s, got [%s] (%s)", tc.want, strings.Join(got, ", "), Describe(errs))
			}
		})
	}
}
