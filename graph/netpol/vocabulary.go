package netpol

import (
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LabelVocabulary is what a set of label selectors can tell apart in a
// pod's labels: the label values they name and, for the other values of a
// key they read, only that the key is present. Two label sets with the same
// Key are matched alike by every selector added (matchLabels, In and NotIn
// compare named values; Exists and DoesNotExist read presence), so whatever
// is decided only through those selectors is decided once per key.
type LabelVocabulary struct {
	// named holds, per label key some selector reads, the values it names;
	// every value of a key in whole matters (an operator the selector
	// language does not define: the selector is invalid, its outcome is
	// left to the code reading it).
	named map[string]map[string]bool
	whole map[string]bool
}

// NewLabelVocabulary returns an empty vocabulary: every label set has the
// same key until selectors are added.
func NewLabelVocabulary() *LabelVocabulary {
	return &LabelVocabulary{named: map[string]map[string]bool{}, whole: map[string]bool{}}
}

func (v *LabelVocabulary) name(key, value string, named bool) {
	if v.named[key] == nil {
		v.named[key] = map[string]bool{}
	}
	if named {
		v.named[key][value] = true
	}
}

// AddSelector adds what a label selector reads (nil reads nothing).
func (v *LabelVocabulary) AddSelector(s *metav1.LabelSelector) {
	if s == nil {
		return
	}
	v.AddLabels(s.MatchLabels)
	for _, r := range s.MatchExpressions {
		switch r.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			v.name(r.Key, "", false)
			for _, value := range r.Values {
				v.name(r.Key, value, true)
			}
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			v.name(r.Key, "", false)
		default:
			v.name(r.Key, "", false)
			v.whole[r.Key] = true
		}
	}
}

// AddLabels adds an equality selector (matchLabels, a workloadSelector).
func (v *LabelVocabulary) AddLabels(m map[string]string) {
	for k, value := range m {
		v.name(k, value, true)
	}
}

// Key projects a label set onto the vocabulary: the keys some selector
// reads, each with its value when a selector names it, else as present.
func (v *LabelVocabulary) Key(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if _, read := v.named[k]; read {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	part := func(s string) { // length-prefixed: no text imitates a split
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	for _, k := range keys {
		part(k)
		if value := labels[k]; v.whole[k] || v.named[k][value] {
			b.WriteByte('=')
			part(value)
		} else {
			b.WriteByte('+')
		}
	}
	return b.String()
}

// AddSourceSelectors adds the selectors that read a pod opening a
// connection. Into pods: the podSelector of every policy isolating egress
// (it decides which egress rules apply) and the podSelector of every
// ingress rule's peers (it decides whether the pod is one of them). Into
// namespaces: the namespaceSelector of every ingress rule's peers, what is
// read of the namespace a connection comes from besides whether it is the
// policy's own (a podSelector peer alone).
func (e *Evaluator) AddSourceSelectors(pods, namespaces *LabelVocabulary) {
	for _, policies := range e.byNamespace {
		for _, c := range policies {
			if c.egress {
				pods.AddSelector(&c.policy.Spec.PodSelector)
			}
			if !c.ingress {
				continue
			}
			for _, rule := range c.policy.Spec.Ingress {
				for _, peer := range rule.From {
					pods.AddSelector(peer.PodSelector)
					namespaces.AddSelector(peer.NamespaceSelector)
				}
			}
		}
	}
}

// EgressIsolated reports whether some NetworkPolicy selects the pod for
// egress, so that its connections depend on its own egress rules.
func (e *Evaluator) EgressIsolated(p Peer) bool {
	return len(e.selectingPolicies(p, p.Namespace, false)) > 0
}
