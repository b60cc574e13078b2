package rules

import "testing"

func TestDanglingGatewayKey(t *testing.T) {
	for _, tc := range []struct {
		ref, vsNS, wantNS, wantName string
	}{
		{"public", "shop", "shop", "public"},
		{"istio-system/public", "shop", "istio-system", "public"},
		{"./public", "shop", "shop", "public"},
		{"public.istio-system.svc.cluster.local", "shop", "istio-system", "public"},
		{"public.istio-system", "shop", "istio-system", "public"},
		{"*/public", "shop", "*", "public"},
	} {
		ns, name := danglingGatewayKey(tc.ref, tc.vsNS)
		if ns != tc.wantNS || name != tc.wantName {
			t.Errorf("danglingGatewayKey(%q, %q) = %s/%s, want %s/%s", tc.ref, tc.vsNS, ns, name, tc.wantNS, tc.wantName)
		}
	}
}
