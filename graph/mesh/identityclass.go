package mesh

import (
	"sort"
	"strconv"
	"strings"

	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// IdentityVocabulary is what the input's AuthorizationPolicies can tell
// apart in a source's mesh identity: the principal, service-account and
// namespace patterns they name (from.source principals, notPrincipals,
// serviceAccounts, notServiceAccounts, namespaces, notNamespaces, and when
// conditions on source.principal and source.namespace). Two identities
// matching the same patterns, with the same trust domain, are decided
// alike by every policy (matchSource and matchWhen compare identities only
// through MatchValue).
type IdentityVocabulary struct {
	principals, serviceAccounts, namespaces patternSet
}

type patternSet struct {
	exact    map[string]int
	wildcard []string // each with its index after the exact ones
}

func (s *patternSet) add(p string) {
	if s.exact == nil {
		s.exact = map[string]int{}
	}
	if !strings.Contains(p, "*") {
		if _, ok := s.exact[p]; !ok {
			s.exact[p] = len(s.exact)
		}
		return
	}
	for _, w := range s.wildcard {
		if w == p {
			return
		}
	}
	s.wildcard = append(s.wildcard, p)
}

// matched lists the patterns a value matches, by index.
func (s *patternSet) matched(value string) []int {
	var out []int
	if i, ok := s.exact[value]; ok {
		out = append(out, i)
	}
	for i, w := range s.wildcard {
		if MatchValue(w, value) {
			out = append(out, len(s.exact)+i)
		}
	}
	return out
}

// IdentityVocabulary collects the identity patterns of every
// AuthorizationPolicy in the input, whichever workload or waypoint it
// applies to.
func (e Env) IdentityVocabulary() IdentityVocabulary {
	var v IdentityVocabulary
	for _, ap := range inventory.Typed[*istiosecv1.AuthorizationPolicy](e.Inv, inventory.AuthorizationPolicy) {
		ns := ap.Obj.Namespace
		for _, r := range ap.Obj.Spec.GetRules() {
			for _, f := range r.GetFrom() {
				s := f.GetSource()
				for _, p := range append(append([]string(nil), s.GetPrincipals()...), s.GetNotPrincipals()...) {
					v.principals.add(p)
				}
				for _, p := range append(append([]string(nil), s.GetServiceAccounts()...), s.GetNotServiceAccounts()...) {
					v.serviceAccounts.add(qualifyServiceAccount(p, ns))
				}
				for _, p := range append(append([]string(nil), s.GetNamespaces()...), s.GetNotNamespaces()...) {
					v.namespaces.add(p)
				}
			}
			for _, c := range r.GetWhen() {
				set := map[string]*patternSet{"source.principal": &v.principals, "source.namespace": &v.namespaces}[c.GetKey()]
				if set == nil {
					continue
				}
				for _, p := range append(append([]string(nil), c.GetValues()...), c.GetNotValues()...) {
					set.add(p)
				}
			}
		}
	}
	return v
}

// Key projects a source identity (SPIFFE principal, "namespace/name"
// service account) onto the vocabulary. The trust domain is kept whole
// (source.trustDomain, trustDomains); the namespace is NamespaceKey's.
func (v IdentityVocabulary) Key(principal, serviceAccount string) string {
	var b strings.Builder
	trustDomain, _, _ := strings.Cut(principal, "/ns/")
	b.WriteString(strconv.Itoa(len(trustDomain)))
	b.WriteByte(':')
	b.WriteString(trustDomain)
	for _, set := range []struct {
		patterns *patternSet
		value    string
	}{{&v.principals, principal}, {&v.serviceAccounts, serviceAccount}} {
		ids := set.patterns.matched(set.value)
		sort.Ints(ids)
		b.WriteByte('|')
		for _, i := range ids {
			b.WriteString(strconv.Itoa(i))
			b.WriteByte(',')
		}
	}
	return b.String()
}

// NamespaceKey projects a source namespace onto the namespace patterns.
func (v IdentityVocabulary) NamespaceKey(namespace string) string {
	var b strings.Builder
	for _, i := range v.namespaces.matched(namespace) {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
	}
	return b.String()
}
