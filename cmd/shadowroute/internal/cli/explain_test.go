package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExplain: the ways from the internet to the demo's postgres, each hop
// with the objects that allowed it at file:line; a source that cannot
// reach its target gets the object that refuses the direct connection
// (here a NetworkPolicy without the ambient HBONE port); bad flags are
// input errors.
func TestExplain(t *testing.T) {
	demo := filepath.Join(testdata, "demo")
	code, stdout, stderr := run([]string{"explain", demo, "--from", "internet", "--to", "data/postgres:5432", "-k", "2"}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"2 way(s) shown", "[routed via Ingress payments/payments-legacy", "NetworkPolicy data/postgres-from-apps (", "policies.yaml:35)", "authorization restricted by data/postgres-allow"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explain output lacks %q:\n%s", want, stdout)
		}
	}
	blocked := filepath.Join(testdata, "ambient", "ambient-netpol-app-port-only")
	_, stdout, _ = run([]string{"explain", blocked, "--from", "bookinfo/productpage-v1", "--to", "bookinfo/mongodb-v1"}, "")
	if !strings.Contains(stdout, "0 way(s)") || !strings.Contains(stdout, "NetworkPolicy does not admit the HBONE tunnel") || !strings.Contains(stdout, "bookinfo/mongodb-from-ratings") {
		t.Errorf("blocked explain does not name the NetworkPolicy:\n%s", stdout)
	}
	for _, args := range [][]string{
		{"explain", demo},
		{"explain", demo, "--to", "data/nope"},
		{"explain", demo, "--to", "data/postgres:http"},
		{"explain", demo, "--from", "nonamespace", "--to", "data/postgres"},
	} {
		if code, _, _ := run(args, ""); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
