package routeconflict

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
)

func TestConflictMatchKey(t *testing.T) {
	prefix := func(p string) *networkingapi.StringMatch {
		return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Prefix{Prefix: p}}
	}
	exact := func(p string) *networkingapi.StringMatch {
		return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Exact{Exact: p}}
	}
	api := &networkingapi.HTTPMatchRequest{Uri: prefix("/api")}
	apiNamed := &networkingapi.HTTPMatchRequest{Name: "api", Uri: prefix("/api")}
	apiGateways := &networkingapi.HTTPMatchRequest{Uri: prefix("/api"), Gateways: []string{"istio-system/public"}}
	apiExact := &networkingapi.HTTPMatchRequest{Uri: exact("/api")}
	apiHeader := &networkingapi.HTTPMatchRequest{Uri: prefix("/api"), Headers: map[string]*networkingapi.StringMatch{"x-canary": exact("true")}}
	apiHeader2 := &networkingapi.HTTPMatchRequest{Uri: prefix("/api"), Headers: map[string]*networkingapi.StringMatch{"x-canary": exact("true")}}
	key := func(m *networkingapi.HTTPMatchRequest) string { k, _ := conflictMatchKey(m); return k }
	for _, tc := range []struct {
		name string
		a, b *networkingapi.HTTPMatchRequest
		same bool
	}{
		{"name ignored", api, apiNamed, true},
		{"gateways ignored", api, apiGateways, true},
		{"prefix vs exact", api, apiExact, false},
		{"extra header", api, apiHeader, false},
		{"same header", apiHeader, apiHeader2, true},
		{"no match vs empty match", nil, &networkingapi.HTTPMatchRequest{}, true},
		{"no match vs /api", nil, api, false},
	} {
		if got := key(tc.a) == key(tc.b); got != tc.same {
			t.Errorf("%s: same key = %v, want %v (%q vs %q)", tc.name, got, tc.same, key(tc.a), key(tc.b))
		}
	}
	if _, human := conflictMatchKey(apiHeader); human != "/api (with further match conditions)" {
		t.Errorf("human form of a header match: %q", human)
	}
	if _, human := conflictMatchKey(apiExact); human != "/api (exact)" {
		t.Errorf("human form of an exact match: %q", human)
	}
}
