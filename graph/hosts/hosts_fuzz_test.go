package hosts

import (
	"strings"
	"testing"
)

// The reference functions below are a direct reading of Istio's host name
// semantics (istio/istio pkg/config/host/name.go, Name.Matches and
// Name.SubsetOf): a name is wildcarded when its first byte is '*'; the
// wildcard stands for any (possibly empty) prefix, so "*" covers everything
// and "*.foo.com" covers "a.foo.com" and "a.b.foo.com" but not "foo.com".
// Istio compares bytes; this package folds case first (its tests pin
// "SHOP.example.com" = "shop.EXAMPLE.com"), so the references fold too.

func refWildcarded(n string) bool { return len(n) > 0 && n[0] == '*' }

// refMatches is Name.Matches: the two names share at least one host.
func refMatches(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	switch aw, bw := refWildcarded(a), refWildcarded(b); {
	case aw && bw:
		// Both wildcards: the longer suffix must end with the shorter one.
		if len(a) < len(b) {
			return strings.HasSuffix(b[1:], a[1:])
		}
		return strings.HasSuffix(a[1:], b[1:])
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	default:
		return a == b
	}
}

// refSubsetOf is Name.SubsetOf: every host that h stands for is covered by o.
func refSubsetOf(h, o string) bool {
	h, o = strings.ToLower(h), strings.ToLower(o)
	switch hw, ow := refWildcarded(h), refWildcarded(o); {
	case hw && ow:
		if len(h) < len(o) {
			return false
		}
		return strings.HasSuffix(h[1:], o[1:])
	case hw:
		// A wildcard is never a subset of a concrete name.
		return false
	case ow:
		return strings.HasSuffix(h, o[1:])
	default:
		return h == o
	}
}

// FuzzHostMatch: Match and Covers agree with Istio's Matches and SubsetOf for
// arbitrary strings, Match is symmetric, and coverage implies overlap.
func FuzzHostMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"shop.example.com", "shop.example.com"},
		{"*.example.com", "shop.example.com"},
		{"*.example.com", "example.com"},
		{"*.example.com", "a.b.example.com"},
		{"*", "anything.io"},
		{"*", "*"},
		{"*.example.com", "*.b.example.com"},
		{"*.b.example.com", "*.example.com"},
		{"*.example.com", "*.other.com"},
		{"*example.com", "badexample.com"},
		{"SHOP.example.com", "shop.EXAMPLE.com"},
		{"", ""},
		{"", "*"},
		{"*", ""},
		{"**", "*"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := Match(a, b), refMatches(a, b); got != want {
			t.Errorf("Match(%q, %q) = %v, Istio Name.Matches = %v", a, b, got, want)
		}
		if Match(a, b) != Match(b, a) {
			t.Errorf("Match(%q, %q) is not symmetric", a, b)
		}
		// Covers(pattern, host) is host.SubsetOf(pattern).
		if got, want := Covers(a, b), refSubsetOf(b, a); got != want {
			t.Errorf("Covers(%q, %q) = %v, Istio Name(%q).SubsetOf(%q) = %v", a, b, got, b, a, want)
		}
		if got, want := Covers(b, a), refSubsetOf(a, b); got != want {
			t.Errorf("Covers(%q, %q) = %v, Istio Name(%q).SubsetOf(%q) = %v", b, a, got, a, b, want)
		}
		if Covers(a, b) && !Match(a, b) {
			t.Errorf("Covers(%q, %q) without Match", a, b)
		}
		if !Covers(a, a) {
			t.Errorf("Covers(%q, %q) = false: a name covers itself", a, a)
		}
	})
}

// FuzzResolveShortname: resolution never panics, is idempotent, and
// leaves every host with a dot as written (ResolveShortnameToFQDN appends
// only to names without one).
func FuzzResolveShortname(f *testing.F) {
	for _, s := range [][2]string{
		{"db", "data"},
		{"db.data", "shop"},
		{"db.data.svc.cluster.local", "shop"},
		{"api.example.com", "shop"},
		{"*.example.com", "shop"},
		{"*", "shop"},
		{"", "shop"},
		{"db", ""},
		{"::1", "shop"},
		{"10.0.0.1", "shop"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, host, namespace string) {
		q := ResolveShortname(host, namespace)
		if again := ResolveShortname(q, namespace); again != q {
			t.Errorf("ResolveShortname(%q, %q) = %q, but ResolveShortname(%q) = %q", host, namespace, q, q, again)
		}
		if strings.Contains(host, ".") && q != host {
			t.Errorf("ResolveShortname(%q, %q) = %q: a host with a dot changed", host, namespace, q)
		}
	})
}

// refVisible reads exportTo as Istio documents it (networking/v1 Service
// Entry / VirtualService exportTo, istio/istio pkg/config/visibility): no
// entry means the mesh default "*"; "*" is every namespace, "." the owner's,
// "~" none, anything else names one namespace. Entries are unioned.
func refVisible(exportTo []string, owner, viewer string) bool {
	if len(exportTo) == 0 {
		exportTo = []string{"*"}
	}
	visible := false
	for _, e := range exportTo {
		switch e {
		case "*":
			visible = true
		case ".":
			visible = visible || owner == viewer
		case "~":
		default:
			visible = visible || e == viewer
		}
	}
	return visible
}

// FuzzVisible: exportTo is the comma-separated list (empty string: no
// exportTo at all).
func FuzzVisible(f *testing.F) {
	for _, s := range [][3]string{
		{"", "a", "b"},
		{".", "a", "b"},
		{".", "a", "a"},
		{"*", "a", "b"},
		{"istio-system", "a", "istio-system"},
		{"~", "a", "a"},
		{"~,.", "a", "a"},
		{"b,c", "a", "c"},
		{",", "a", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, list, owner, viewer string) {
		var exportTo []string
		if list != "" {
			exportTo = strings.Split(list, ",")
		}
		if got, want := Visible(exportTo, owner, viewer), refVisible(exportTo, owner, viewer); got != want {
			t.Errorf("Visible(%q, %q, %q) = %v, want %v", exportTo, owner, viewer, got, want)
		}
	})
}

// refAllowsNamespace reads a Gateway server host the way the Gateway API of
// Istio documents it (networking/v1 Server.hosts): "namespace/dnsName",
// where namespace is "*" (any), "." (the Gateway's own) or a name; a host
// without "/" is "*/host". The host is split at its first "/".
func refAllowsNamespace(h, vsNS, gatewayNS string) (ns, dns string, allowed bool) {
	parts := strings.SplitN(h, "/", 2)
	if len(parts) == 1 {
		return "*", h, true
	}
	ns, dns = parts[0], parts[1]
	switch ns {
	case "*":
		allowed = true
	case ".":
		allowed = vsNS == gatewayNS
	default:
		allowed = ns == vsNS
	}
	return ns, dns, allowed
}

func FuzzServerHost(f *testing.F) {
	for _, s := range [][3]string{
		{"./shop.example.com", "edge", "edge"},
		{"./shop.example.com", "shop", "edge"},
		{"shop.example.com", "x", "y"},
		{"*/shop.example.com", "x", "y"},
		{"shop/shop.example.com", "shop", "edge"},
		{"shop/shop.example.com", "other", "edge"},
		{"a/b/c", "a", "z"},
		{"/", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, h, vsNS, gatewayNS string) {
		sh := ParseServerHost(h)
		ns, dns, allowed := refAllowsNamespace(h, vsNS, gatewayNS)
		if sh.Namespace != ns || sh.DNS != dns {
			t.Errorf("ParseServerHost(%q) = %+v, want namespace %q dns %q", h, sh, ns, dns)
		}
		if got := sh.AllowsNamespace(vsNS, gatewayNS); got != allowed {
			t.Errorf("ParseServerHost(%q).AllowsNamespace(%q, %q) = %v, want %v", h, vsNS, gatewayNS, got, allowed)
		}
	})
}
