package sensitivepath

import (
	"strings"
	"testing"
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
