package sensitivepath

import (
	"strings"
	"testing"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

func TestSpLiteralPrefix(t *testing.T) {
	cases := map[string]string{
		"^/admin(/|$)(.*)": "/admin",
		`/\.env`:           "/.env",
		"/.git/.*":         "/.git/",
		"/.env":            "/.env",
		"/actuator.*":      "/actuator",
		"/(.*)":            "/",
		"/api/v[0-9]+":     "/api/v",
		"/metrics$":        "/metrics",
	}
	for in, want := range cases {
		if got := spLiteralPrefix(in); got != want {
			t.Errorf("spLiteralPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpMatch(t *testing.T) {
	list := spSensitiveList(nil)
	cases := map[string]string{
		"/admin":              "/admin",
		"/Admin/users":        "/admin",
		"/administrator":      "/admin",
		"/actuator/health":    "/actuator",
		"/.git/config":        "/.git",
		"/swagger-ui/":        "/swagger",
		"/":                   "",
		"/api":                "",
		"/shop/admin":         "",
		"/v3/api-docs":        "",
		"/manager/html/list":  "/manager/html",
		"/manager/status":     "",
		"/graphql-playground": "/graphql",
	}
	for in, want := range cases {
		if got := spMatch(list, in); got != want {
			t.Errorf("spMatch(%q) = %q, want %q", in, got, want)
		}
	}
	if got := spSensitiveList([]string{" internal ", "", "/", "/ops/"}); strings.Join(got, ",") != "/internal,/ops/" {
		t.Errorf("spSensitiveList = %v", got)
	}
}

func TestSpPatterns(t *testing.T) {
	prefix := spRoutePath{Path: "/admin"}
	exact := spRoutePath{Path: "/metrics", Exact: true}
	may := []struct {
		pat  string
		rp   spRoutePath
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
	}
	for _, c := range may {
		if got := spPatternMayMatch(c.pat, c.rp); got != c.want {
			t.Errorf("spPatternMayMatch(%q, %+v) = %v, want %v", c.pat, c.rp, got, c.want)
		}
	}
	cover := []struct {
		pats []string
		rp   spRoutePath
		want bool
	}{
		{[]string{"*"}, prefix, true},
		{[]string{"/admin*"}, prefix, true},
		{[]string{"/ad*"}, prefix, true},
		{[]string{"/admin/*"}, prefix, false}, // "/admin" itself stays open
		{[]string{"/admin", "/admin/*"}, prefix, true},
		{[]string{"/admin"}, prefix, false},
		{[]string{"/metrics"}, exact, true},
		{[]string{"/metrics/*"}, exact, false},
		{nil, exact, false},
	}
	for _, c := range cover {
		if got := spPatternsCover(c.pats, c.rp); got != c.want {
			t.Errorf("spPatternsCover(%v, %+v) = %v, want %v", c.pats, c.rp, got, c.want)
		}
	}
}

func spPolicy(name string, action securityapi.AuthorizationPolicy_Action, rules ...*securityapi.Rule) inventory.TypedObject[*istiosecv1.AuthorizationPolicy] {
	ap := &istiosecv1.AuthorizationPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
	ap.Spec.Action = action
	ap.Spec.Rules = rules
	return inventory.TypedObject[*istiosecv1.AuthorizationPolicy]{Obj: ap}
}

func spRule(from *securityapi.Source, paths ...string) *securityapi.Rule {
	r := &securityapi.Rule{}
	if from != nil {
		r.From = []*securityapi.Rule_From{{Source: from}}
	}
	if len(paths) > 0 {
		r.To = []*securityapi.Rule_To{{Operation: &securityapi.Operation{Paths: paths}}}
	}
	return r
}

func TestSpAuthenticates(t *testing.T) {
	jwt := &securityapi.Source{RequestPrincipals: []string{"*"}}
	anon := &securityapi.Source{NotRequestPrincipals: []string{"*"}}
	gateway := &securityapi.Source{Principals: []string{"cluster.local/ns/istio-system/sa/istio-ingressgateway"}}
	admin := spRoutePath{Path: "/admin"}
	type ap = inventory.TypedObject[*istiosecv1.AuthorizationPolicy]
	const (
		allow  = securityapi.AuthorizationPolicy_ALLOW
		deny   = securityapi.AuthorizationPolicy_DENY
		custom = securityapi.AuthorizationPolicy_CUSTOM
	)
	cases := []struct {
		name     string
		policies []ap
		edge     bool
		want     bool
	}{
		{"no policy", nil, false, false},
		{"allow requires JWT everywhere", []ap{spPolicy("jwt", allow, spRule(jwt))}, false, true},
		{"allow nothing", []ap{spPolicy("nothing", allow)}, false, true},
		{"allow all", []ap{spPolicy("all", allow, &securityapi.Rule{})}, false, false},
		{"allow JWT for admin, anonymous elsewhere", []ap{spPolicy("split", allow, spRule(jwt, "/admin", "/admin/*"), spRule(nil, "/public/*"))}, false, true},
		{"allow anonymous under admin", []ap{spPolicy("leak", allow, spRule(jwt, "/admin/*"), spRule(nil, "/admin/health"))}, false, false},
		{"allow gateway principal on the backend", []ap{spPolicy("gw", allow, spRule(gateway))}, false, false},
		{"allow gateway principal at the edge", []ap{spPolicy("gw", allow, spRule(gateway))}, true, true},
		{"allow with JWT claim condition", []ap{spPolicy("claims", allow, &securityapi.Rule{When: []*securityapi.Condition{{Key: "request.auth.claims[groups]", Values: []string{"admins"}}}})}, false, true},
		{"deny anonymous on admin", []ap{spPolicy("deny", deny, spRule(anon, "/admin", "/admin/*"))}, false, true},
		{"deny anonymous on admin subpaths only", []ap{spPolicy("deny", deny, spRule(anon, "/admin/*"))}, false, false},
		{"deny anonymous everywhere", []ap{spPolicy("deny", deny, spRule(anon))}, false, true},
		{"deny anonymous GET only", []ap{spPolicy("deny", deny, &securityapi.Rule{From: []*securityapi.Rule_From{{Source: anon}},
			To: []*securityapi.Rule_To{{Operation: &securityapi.Operation{Paths: []string{"/admin*"}, Methods: []string{"GET"}}}}})}, false, false},
		{"deny other namespaces", []ap{spPolicy("deny", deny, spRule(&securityapi.Source{NotNamespaces: []string{"shop"}}, "/admin*"))}, false, false},
		{"custom ext-authz on admin", []ap{spPolicy("ext", custom, spRule(nil, "/admin*"))}, false, true},
		{"custom ext-authz elsewhere", []ap{spPolicy("ext", custom, spRule(nil, "/api/*"))}, false, false},
	}
	for _, c := range cases {
		got, by := spAuthenticates(c.policies, admin, c.edge)
		if got != c.want {
			t.Errorf("%s: authenticates = %v (by %q), want %v", c.name, got, by, c.want)
		}
	}
}
