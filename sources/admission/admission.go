// Package admission decides which objects of a manifest the Kubernetes API
// server would reject. A rejected object never exists in a cluster, so the
// loader keeps it out of the inventory and reports it: analysing it as
// written would read a policy the cluster does not have (a NetworkPolicy
// whose /33 ipBlock matched nothing would look like a tight allow-list
// while the real namespace has no policy at all).
//
// The checks follow the API server's validation of the fields shadowroute
// reads, after defaulting, as in kubernetes/kubernetes
// pkg/apis/networking/validation/validation.go (ValidateNetworkPolicy,
// ValidateNetworkPolicyPort, ValidateNetworkPolicyPeer, ValidateIPBlock) and
// pkg/apis/core/validation/validation.go (ValidateService,
// validateServicePort, ValidatePortNumOrName, validateContainerPorts),
// with apimachinery's own helpers for labels, selectors, ports and CIDRs. StrictIPCIDRValidation is an alpha gate that is off by default, so
// CIDRs are parsed the legacy way (leading zeros and host bits accepted).
// Fields shadowroute does not read are not validated; istiod's validating
// webhook for Istio kinds is not modelled (docs/limits.md).
package admission

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// Check returns the errors the API server would report creating obj; none
// for an object it admits or a kind not checked here. Only spec fields that
// decide traffic are checked: an object's own name, labels and annotations
// change no verdict, and an oddly named object that is analysed errs on the
// side of reporting.
func Check(obj runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *networkingv1.NetworkPolicy:
		return NetworkPolicySpec(&o.Spec, field.NewPath("spec"))
	case *corev1.Service:
		return ServiceSpec(&o.Spec, field.NewPath("spec"))
	case *corev1.Pod:
		return podSpec(&o.Spec, field.NewPath("spec"))
	case *appsv1.Deployment:
		return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	case *appsv1.StatefulSet:
		return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	case *appsv1.DaemonSet:
		return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	case *appsv1.ReplicaSet:
		return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
		}
	case *batchv1.Job:
		return podSpec(&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec"))
	case *batchv1.CronJob:
		return podSpec(&o.Spec.JobTemplate.Spec.Template.Spec, field.NewPath("spec", "jobTemplate", "spec", "template", "spec"))
	}
	return nil
}

// NetworkPolicySpec is ValidateNetworkPolicySpec: selectors, every port and
// peer of every rule, and policyTypes.
func NetworkPolicySpec(spec *networkingv1.NetworkPolicySpec, path *field.Path) field.ErrorList {
	opts := metavalidation.LabelSelectorValidationOptions{}
	errs := metavalidation.ValidateLabelSelector(&spec.PodSelector, opts, path.Child("podSelector"))
	for i, rule := range spec.Ingress {
		errs = append(errs, networkPolicyRule(rule.Ports, rule.From, path.Child("ingress").Index(i), "from")...)
	}
	for i, rule := range spec.Egress {
		errs = append(errs, networkPolicyRule(rule.Ports, rule.To, path.Child("egress").Index(i), "to")...)
	}
	types := []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}
	if len(spec.PolicyTypes) > len(types) {
		return append(errs, field.Invalid(path.Child("policyTypes"), spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(path.Child("policyTypes").Index(i), t, types))
		}
	}
	return errs
}

// networkPolicyRule checks one ingress or egress rule: its ports and its
// peers (peerField is "from" or "to").
func networkPolicyRule(ports []networkingv1.NetworkPolicyPort, peers []networkingv1.NetworkPolicyPeer, rulePath *field.Path, peerField string) field.ErrorList {
	var errs field.ErrorList
	for j := range ports {
		errs = append(errs, networkPolicyPort(&ports[j], rulePath.Child("ports").Index(j))...)
	}
	for j := range peers {
		errs = append(errs, networkPolicyPeer(&peers[j], rulePath.Child(peerField).Index(j))...)
	}
	return errs
}

// networkPolicyPort is ValidateNetworkPolicyPort.
func networkPolicyPort(p *networkingv1.NetworkPolicyPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Protocol != nil {
		errs = append(errs, protocol(*p.Protocol, path.Child("protocol"))...)
	}
	switch {
	case p.Port == nil:
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(path.Child("endPort"), *p.EndPort, "may not be specified when `port` is not specified"))
		}
	case p.Port.Type == intstr.Int:
		errs = append(errs, portNumber(p.Port.IntVal, path.Child("port"))...)
		if p.EndPort != nil {
			if *p.EndPort < p.Port.IntVal {
				errs = append(errs, field.Invalid(path.Child("endPort"), *p.EndPort, "must be greater than or equal to `port`"))
			}
			errs = append(errs, portNumber(*p.EndPort, path.Child("endPort"))...)
		}
	default:
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(path.Child("endPort"), *p.EndPort, "may not be specified when `port` is non-numeric"))
		}
		for _, msg := range validation.IsValidPortName(p.Port.StrVal) {
			errs = append(errs, field.Invalid(path.Child("port"), p.Port.StrVal, msg))
		}
	}
	return errs
}

// networkPolicyPeer is ValidateNetworkPolicyPeer: at least one peer type,
// and ipBlock never combined with a selector.
func networkPolicyPeer(peer *networkingv1.NetworkPolicyPeer, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	opts := metavalidation.LabelSelectorValidationOptions{}
	kinds := 0
	if peer.PodSelector != nil {
		kinds++
		errs = append(errs, metavalidation.ValidateLabelSelector(peer.PodSelector, opts, path.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		kinds++
		errs = append(errs, metavalidation.ValidateLabelSelector(peer.NamespaceSelector, opts, path.Child("namespaceSelector"))...)
	}
	if peer.IPBlock != nil {
		kinds++
		errs = append(errs, ipBlock(peer.IPBlock, path.Child("ipBlock"))...)
	}
	switch {
	case kinds == 0:
		errs = append(errs, field.Required(path, "must specify a peer"))
	case kinds > 1 && peer.IPBlock != nil:
		errs = append(errs, field.Forbidden(path, "may not specify both ipBlock and another peer"))
	}
	return errs
}

// ipBlock is ValidateIPBlock: a CIDR, and every except a strict subset of
// it.
func ipBlock(b *networkingv1.IPBlock, path *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(path.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDRForLegacyField(path.Child("cidr"), b.CIDR, false, nil)
	_, cidr, err := netutils.ParseCIDRSloppy(b.CIDR)
	if err != nil {
		return errs
	}
	cidrBits, _ := cidr.Mask.Size()
	for i, except := range b.Except {
		exceptPath := path.Child("except").Index(i)
		errs = append(errs, validation.IsValidCIDRForLegacyField(exceptPath, except, false, nil)...)
		_, ex, err := netutils.ParseCIDRSloppy(except)
		if err != nil {
			continue
		}
		exBits, _ := ex.Mask.Size()
		if !cidr.Contains(ex.IP) || cidrBits >= exBits {
			errs = append(errs, field.Invalid(exceptPath, except, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// ServiceSpec checks what validateServicePort, the selector and the
// ExternalName checks of ValidateService say about the fields shadowroute
// reads. Defaults come first: protocol TCP, targetPort = port.
func ServiceSpec(spec *corev1.ServiceSpec, path *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabels(spec.Selector, path.Child("selector"))
	if spec.Type == corev1.ServiceTypeExternalName {
		if spec.ExternalName == "" {
			errs = append(errs, field.Required(path.Child("externalName"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(strings.TrimSuffix(spec.ExternalName, ".")) {
				errs = append(errs, field.Invalid(path.Child("externalName"), spec.ExternalName, msg))
			}
		}
	}
	names := map[string]bool{}
	for i := range spec.Ports {
		sp := &spec.Ports[i]
		portPath := path.Child("ports").Index(i)
		switch {
		case len(spec.Ports) > 1 && sp.Name == "":
			errs = append(errs, field.Required(portPath.Child("name"), ""))
		case sp.Name != "":
			for _, msg := range validation.IsDNS1123Label(sp.Name) {
				errs = append(errs, field.Invalid(portPath.Child("name"), sp.Name, msg))
			}
			if names[sp.Name] {
				errs = append(errs, field.Duplicate(portPath.Child("name"), sp.Name))
			}
			names[sp.Name] = true
		}
		errs = append(errs, portNumber(sp.Port, portPath.Child("port"))...)
		if sp.Protocol != "" {
			errs = append(errs, protocol(sp.Protocol, portPath.Child("protocol"))...)
		}
		target := sp.TargetPort
		if (target.Type == intstr.Int && target.IntVal == 0) || (target.Type == intstr.String && target.StrVal == "") {
			target = intstr.FromInt32(sp.Port)
		}
		errs = append(errs, portNumOrName(target, portPath.Child("targetPort"))...)
	}
	return errs
}

// podSpec checks the container ports (validateContainerPorts): number,
// host port, protocol and name.
func podSpec(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(containers []corev1.Container, listPath *field.Path) {
		for i, c := range containers {
			for j, p := range c.Ports {
				portPath := listPath.Index(i).Child("ports").Index(j)
				if p.Name != "" {
					for _, msg := range validation.IsValidPortName(p.Name) {
						errs = append(errs, field.Invalid(portPath.Child("name"), p.Name, msg))
					}
				}
				errs = append(errs, portNumber(p.ContainerPort, portPath.Child("containerPort"))...)
				if p.HostPort != 0 {
					errs = append(errs, portNumber(p.HostPort, portPath.Child("hostPort"))...)
				}
				if p.Protocol != "" {
					errs = append(errs, protocol(p.Protocol, portPath.Child("protocol"))...)
				}
			}
		}
	}
	check(spec.InitContainers, path.Child("initContainers"))
	check(spec.Containers, path.Child("containers"))
	return errs
}

func portNumber(port int32, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(path, port, msg))
	}
	return errs
}

// portNumOrName is ValidatePortNumOrName.
func portNumOrName(port intstr.IntOrString, path *field.Path) field.ErrorList {
	if port.Type == intstr.Int {
		return portNumber(port.IntVal, path)
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(path, port.StrVal, msg))
	}
	return errs
}

var protocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}

func protocol(p corev1.Protocol, path *field.Path) field.ErrorList {
	switch p {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	}
	return field.ErrorList{field.NotSupported(path, p, protocols)}
}

// Describe words a rejection as the API server does, one error after the
// other in field order: "spec.x: Invalid value: ...; spec.y: ...".
func Describe(errs field.ErrorList) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}
