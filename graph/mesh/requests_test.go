package mesh

import (
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/graph/ipspace"
)

func TestRequestsPaths(t *testing.T) {
	prefix := Requests{Path: "/admin"}
	exact := Requests{Path: "/metrics", Exact: true}
	for _, c := range []struct {
		pat  string
		rs   Requests
		want bool
	}{
		{"*", prefix, true},
		{"/admin", prefix, true},
		{"/admin/users", prefix, true},
		{"/public/*", prefix, false},
		{"/ad*", prefix, true},
		{"/admin/*", prefix, true},
		{"*.json", prefix, true},
		{"/metrics", exact, true},
		{"/metrics/*", exact, false},
		{"*.json", exact, false},
		{"/other", exact, false},
	} {
		if got := c.rs.MayMatchPath(c.pat); got != c.want {
			t.Errorf("%+v.MayMatchPath(%q) = %v, want %v", c.rs, c.pat, got, c.want)
		}
	}
	segments := Requests{Path: "/admin", Segments: true}
	for _, c := range []struct {
		pats []string
		rs   Requests
		want bool
	}{
		{[]string{"*"}, prefix, true},
		{[]string{"/admin*"}, prefix, true},
		{[]string{"/ad*"}, prefix, true},
		{[]string{"/admin/*"}, prefix, false},           // "/admin" itself stays open
		{[]string{"/admin", "/admin/*"}, prefix, false}, // a character prefix also holds /adminx
		{[]string{"/admin"}, prefix, false},
		{[]string{"/admin", "/admin/*"}, segments, true}, // Ingress Prefix: /admin, /admin/, /admin/x
		{[]string{"/admin/", "/admin/*"}, segments, false},
		{[]string{"/admin"}, segments, false},
		{[]string{"/admin/*"}, segments, false},
		{[]string{"/metrics"}, exact, true},
		{[]string{"/metrics/"}, exact, false}, // exact patterns match exactly
		{[]string{"/metrics/*"}, exact, false},
		{[]string{"*rics"}, exact, true},
		{nil, exact, false},
	} {
		if got := c.rs.PathsCover(c.pats); got != c.want {
			t.Errorf("%+v.PathsCover(%v) = %v, want %v", c.rs, c.pats, got, c.want)
		}
	}
}

// TestAuthorizeAnonymousRequests: the requests a route sends to /admin
// without a JWT, as the gateway proxy receives them from the internet
// (plaintext, no peer identity) and as a backend sidecar receives them from
// the gateway (mTLS with the gateway's identity). Rules are matched against
// that set: requestPrincipals and request.auth.* with values never match,
// notRequestPrincipals always does; a paths field decides when it matches
// none or all of the set's paths (istio/api security/v1beta1
// authorization_policy.proto; istio/istio
// pilot/pkg/security/authz/matcher PathMatcher).
func TestAuthorizeAnonymousRequests(t *testing.T) {
	// The route matches /admin as an Ingress pathType Prefix does (whole
	// path elements).
	admin := &Requests{Path: "/admin", Segments: true, Anonymous: true}
	edge := Request{SourceClass: ipspace.Public, Port: 5432, HTTP: true, Requests: admin}
	vsEdge := edge
	vsEdge.Requests = &Requests{Path: "/admin", Anonymous: true} // a VirtualService uri.prefix: /adminx too
	backend := Request{MTLS: true, Principal: "cluster.local/ns/istio-system/sa/istio-ingressgateway", Namespace: "istio-system",
		ServiceAccount: "istio-system/istio-ingressgateway", SourceClass: ipspace.Private, Port: 5432, HTTP: true, Requests: admin}
	rule := func(from, paths string) string {
		r := "  rules: [{"
		var parts []string
		if from != "" {
			parts = append(parts, "from: [{source: {"+from+"}}]")
		}
		if paths != "" {
			parts = append(parts, "to: [{operation: {paths: ["+paths+"]}}]")
		}
		return r + strings.Join(parts, ", ") + "}]\n"
	}
	const (
		jwt  = `requestPrincipals: ["*"]`
		anon = `notRequestPrincipals: ["*"]`
		gw   = `principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway]`
	)
	for _, c := range []struct {
		name, policies string
		req            Request
		keepsOut       bool
	}{
		{"no policy", "", backend, false},
		{"allow requires a JWT", ap("jwt", "", "", rule(jwt, "")), backend, true},
		{"allow nothing", ap("nothing", "", "", "  rules: []\n"), backend, true},
		{"allow all", ap("all", "", "", "  rules: [{}]\n"), backend, false},
		{"allow JWT for admin, anonymous elsewhere", ap("split", "", "", "  rules:\n  - {from: [{source: {"+jwt+"}}], to: [{operation: {paths: [/admin, /admin/*]}}]}\n  - {to: [{operation: {paths: [/public/*]}}]}\n"), backend, true},
		{"allow anonymous under admin", ap("leak", "", "", "  rules:\n  - {from: [{source: {"+jwt+"}}], to: [{operation: {paths: [/admin/*]}}]}\n  - {to: [{operation: {paths: [/admin/health]}}]}\n"), backend, false},
		{"allow the gateway's principal on the backend", ap("gw", "", "", rule(gw, "")), backend, false},
		{"allow the gateway's principal at the edge: plaintext has none", ap("gw", "", "", rule(gw, "")), edge, true},
		{"allow the gateway's principal on other paths only", ap("gw", "", "", rule(gw, "/public/*")), backend, true},
		{"allow with a JWT claim condition", ap("claims", "", "", "  rules: [{when: [{key: \"request.auth.claims[groups]\", values: [admins]}]}]\n"), backend, true},
		{"deny anonymous on admin", ap("deny", "DENY", "", rule(anon, "/admin, /admin/*")), edge, true},
		{"deny anonymous on admin, VirtualService prefix: /adminx stays open", ap("deny", "DENY", "", rule(anon, "/admin, /admin/*")), vsEdge, false},
		{"deny anonymous on admin subpaths only", ap("deny", "DENY", "", rule(anon, "/admin/*")), edge, false},
		{"deny anonymous on /admin/ and subpaths leaves /admin open", ap("deny", "DENY", "", rule(anon, "/admin/, /admin/*")), edge, false},
		{"deny anonymous everywhere", ap("deny", "DENY", "", rule(anon, "")), backend, true},
		{"deny anonymous GET only", ap("deny", "DENY", "", "  rules: [{from: [{source: {"+anon+"}}], to: [{operation: {paths: [/admin*], methods: [GET]}}]}]\n"), edge, false},
		{"deny JWT holders does not touch anonymous requests", ap("deny", "DENY", "", rule(jwt, "")), edge, false},
		{"deny outside admin", ap("deny", "DENY", "", "  rules: [{to: [{operation: {notPaths: [/admin*]}}]}]\n"), edge, false},
		// The backend sees the gateway's namespace, so a DENY on other
		// namespaces refuses what the gateway forwards.
		{"deny other namespaces refuses the gateway's requests", ap("deny", "DENY", "", rule("notNamespaces: [shop]", "/admin*")), backend, true},
		{"deny other namespaces at the edge: plaintext has none", ap("deny", "DENY", "", rule("notNamespaces: [shop]", "/admin*")), edge, true},
		{"custom ext-authz on admin", ap("ext", "CUSTOM", "", "  provider: {name: ext-authz}\n"+rule("", "/admin*")), edge, true},
		{"custom ext-authz elsewhere", ap("ext", "CUSTOM", "", "  provider: {name: ext-authz}\n"+rule("", "/api/*")), edge, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := envFrom(t, dbPod+c.policies)
			d := e.Authorize(workload(t, e, "data", "db"), c.req)
			if got := !d.Allowed || d.Custom; got != c.keepsOut {
				t.Errorf("keeps anonymous requests out = %v (allowed %v, custom %v, %s; %s), want %v", got, d.Allowed, d.Custom, d.Reason, strings.Join(d.Narrowing, "; "), c.keepsOut)
			}
		})
	}
}
