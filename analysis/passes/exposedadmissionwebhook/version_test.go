package exposedadmissionwebhook

import "testing"

// TestWebhookPatched: CVE-2025-1974 is fixed in v1.11.5 and v1.12.1
// (https://kubernetes.io/blog/2025/03/24/ingress-nginx-cve-2025-1974/).
func TestWebhookPatched(t *testing.T) {
	for tag, want := range map[string]bool{
		"v1.10.6": false, "v1.11.4": false, "v1.11.5": true, "v1.11.8": true,
		"v1.12.0": false, "v1.12.0-beta.0": false, "v1.12.1": true, "v1.13.0": true, "v1.15.1": true, "v2.0.0": true,
		"1.12.1": true, "v0.49.3": false,
	} {
		if got := webhookPatched(tag); got != want {
			t.Errorf("webhookPatched(%s) = %v, want %v", tag, got, want)
		}
	}
	for _, tag := range []string{"latest", "v1.12", "main"} {
		if _, _, _, ok := webhookSemver(tag); ok {
			t.Errorf("%s read as a version", tag)
		}
	}
}
