package hosts

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"shop.example.com", "shop.example.com", true},
		{"*.example.com", "shop.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", true},
		{"*", "anything.io", true},
		{"*.example.com", "*.b.example.com", true},
		{"*.example.com", "*.other.com", false},
		{"shop.example.com", "pay.example.com", false},
		{"SHOP.example.com", "shop.EXAMPLE.com", true},
	}
	for _, tt := range tests {
		if got := Match(tt.a, tt.b); got != tt.want {
			t.Errorf("Match(%q,%q) = %v", tt.a, tt.b, got)
		}
		if got := Match(tt.b, tt.a); got != tt.want {
			t.Errorf("Match(%q,%q) = %v (reversed)", tt.b, tt.a, got)
		}
	}
}

// TestResolveShortnameAndVisible: istio/istio pkg/config/model.go
// ResolveShortnameToFQDN, and exportTo visibility.
func TestResolveShortnameAndVisible(t *testing.T) {
	for _, tt := range []struct{ host, ns, want string }{
		{"db", "data", "db.data.svc.cluster.local"},
		{"db.data", "shop", "db.data"}, // has a dot: literal, not the Service
		{"db.data.svc.cluster.local", "shop", "db.data.svc.cluster.local"},
		{"api.example.com", "shop", "api.example.com"},
		{"*.example.com", "shop", "*.example.com"},
		{"*", "shop", "*"},
		{"", "shop", ""},
		{"10.0.0.1", "shop", "10.0.0.1"},
		{"::1", "shop", "::1"},
		{"db", "", "db.svc.cluster.local"},
	} {
		if got := ResolveShortname(tt.host, tt.ns); got != tt.want {
			t.Errorf("ResolveShortname(%q,%q) = %q, want %q", tt.host, tt.ns, got, tt.want)
		}
	}
	for _, tt := range []struct {
		exportTo      []string
		owner, viewer string
		want          bool
	}{
		{nil, "a", "b", true},
		{[]string{"."}, "a", "b", false},
		{[]string{"."}, "a", "a", true},
		{[]string{"*"}, "a", "b", true},
		{[]string{"istio-system"}, "a", "istio-system", true},
		{[]string{"~"}, "a", "a", false},
	} {
		if got := Visible(tt.exportTo, tt.owner, tt.viewer); got != tt.want {
			t.Errorf("Visible(%v,%s,%s) = %v", tt.exportTo, tt.owner, tt.viewer, got)
		}
	}
	if h := ParseServerHost("./shop.example.com"); !h.AllowsNamespace("edge", "edge") || h.AllowsNamespace("shop", "edge") {
		t.Errorf("./ host: %+v", h)
	}
	if h := ParseServerHost("shop.example.com"); !h.AllowsNamespace("x", "y") {
		t.Errorf("bare host must allow any namespace")
	}
}

// TestResolveGatewayRef follows istio/istio pilot/pkg/model/config.go
// resolveGatewayName.
func TestResolveGatewayRef(t *testing.T) {
	for _, tc := range []struct {
		ref, vsNS, want string
	}{
		{"public", "shop", "shop/public"},
		{"istio-system/public", "shop", "istio-system/public"},
		{"./public", "shop", "shop/public"},
		{"public.istio-system.svc.cluster.local", "shop", "istio-system/public"},
		{"public.istio-system", "shop", "istio-system/public"},
		{"*/public", "shop", "*/public"},
	} {
		if got := GatewayKey(tc.ref, tc.vsNS); got != tc.want {
			t.Errorf("GatewayKey(%q, %q) = %s, want %s", tc.ref, tc.vsNS, got, tc.want)
		}
	}
}
