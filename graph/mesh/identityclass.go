package mesh

import (
	"sort"
	"strconv"
	"strings"

	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// IdentityVocabulary is what the input's AuthorizationPolicies can tell
// apart in a source's mesh identity: the principal and service-account
// patterns they name (from.source principals, notPrincipals,
// serviceAccounts, notServiceAccounts, and when conditions on
// source.principal). Two identities matching the same patterns, with the
// same trust domain and namespace, are decided alike by every policy
// (matchSource and matchWhen compare identities only through MatchValue).
type IdentityVocabulary struct {
	principals, serviceAccounts patternSet
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
	identityPatterns(inventory.Typed[*istiosecv1.AuthorizationPolicy](e.Inv, inventory.AuthorizationPolicy), func(p IdentityPattern) {
		switch p.Field {
		case FieldPrincipal:
			v.principals.add(p.Value)
		case FieldServiceAccount:
			v.serviceAccounts.add(p.Value)
		}
	})
	return v
}

// Key projects a source identity (SPIFFE principal, "namespace/name"
// service account) onto the vocabulary. The trust domain is kept whole
// (source.trustDomain, trustDomains); the namespace is the caller's to
// add.
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

// IdentityField names what of a source identity a pattern is matched
// against.
type IdentityField int

// The identity fields AuthorizationPolicy sources and conditions read.
const (
	FieldPrincipal IdentityField = iota
	FieldServiceAccount
	FieldNamespace
)

// IdentityPattern is one pattern an AuthorizationPolicy matches a source
// identity against (service accounts qualified with the policy's
// namespace, as matchSource does).
type IdentityPattern struct {
	Field IdentityField
	Value string
}

// Matches reports whether the pattern matches a source identity.
func (p IdentityPattern) Matches(principal, namespace, serviceAccount string) bool {
	switch p.Field {
	case FieldPrincipal:
		return MatchValue(p.Value, principal)
	case FieldServiceAccount:
		return MatchValue(p.Value, serviceAccount)
	}
	return MatchValue(p.Value, namespace)
}

// IdentityPatternsFor lists, once each, the principal, service-account
// and namespace patterns of the AuthorizationPolicies that apply to a
// workload (policiesFor, what Authorize decides with): two sources of the
// same trust domain matching the same of them are authorized alike there.
func (e Env) IdentityPatternsFor(w *inventory.Workload) []IdentityPattern {
	var out []IdentityPattern
	seen := map[IdentityPattern]bool{}
	identityPatterns(e.policiesFor(w), func(p IdentityPattern) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	})
	return out
}

// identityPatterns calls add for every identity pattern of the policies,
// in order: from.source principals, notPrincipals, serviceAccounts and
// notServiceAccounts (qualified with the policy's namespace, as
// matchSource reads them), namespaces and notNamespaces, and the values of
// when conditions on source.principal and source.namespace (matchWhen).
func identityPatterns(policies []authzPolicy, add func(IdentityPattern)) {
	each := func(f IdentityField, values ...string) {
		for _, v := range values {
			add(IdentityPattern{f, v})
		}
	}
	for _, ap := range policies {
		ns := ap.Obj.Namespace
		for _, r := range ap.Obj.Spec.GetRules() {
			for _, f := range r.GetFrom() {
				s := f.GetSource()
				each(FieldPrincipal, s.GetPrincipals()...)
				each(FieldPrincipal, s.GetNotPrincipals()...)
				each(FieldServiceAccount, qualifyServiceAccounts(s.GetServiceAccounts(), ns)...)
				each(FieldServiceAccount, qualifyServiceAccounts(s.GetNotServiceAccounts(), ns)...)
				each(FieldNamespace, s.GetNamespaces()...)
				each(FieldNamespace, s.GetNotNamespaces()...)
			}
			for _, c := range r.GetWhen() {
				switch c.GetKey() {
				case "source.principal":
					each(FieldPrincipal, c.GetValues()...)
					each(FieldPrincipal, c.GetNotValues()...)
				case "source.namespace":
					each(FieldNamespace, c.GetValues()...)
					each(FieldNamespace, c.GetNotValues()...)
				}
			}
		}
	}
}
