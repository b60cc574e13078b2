package synthetic_test

import (
	"bytes"
	"testing"

	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/synthetic"
)

// TestGenerateIsDeterministic: the same seed writes the same files, another
// seed other ones (the mistakes move).
func TestGenerateIsDeterministic(t *testing.T) {
	s := synthetic.Sizes["small"]
	a, b, c := synthetic.Generate(s, 1), synthetic.Generate(s, 1), synthetic.Generate(s, 2)
	same, differ := true, false
	for name, data := range a {
		same = same && bytes.Equal(data, b[name])
		differ = differ || !bytes.Equal(data, c[name])
	}
	if !same || !differ {
		t.Errorf("same seed same files: %v; another seed other files: %v", same, differ)
	}
}

// TestGeneratedShape loads the medium size: no warning, and the counts the
// size documents (per namespace 25 workloads and Services, 14
// NetworkPolicies, 7-8 routes, 5 AuthorizationPolicies).
func TestGeneratedShape(t *testing.T) {
	s := synthetic.Sizes["medium"]
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := synthetic.Write(dir, s, 1); err != nil {
		t.Fatal(err)
	}
	inv, err := l.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Warnings) > 0 {
		t.Errorf("warnings: %v", inv.Warnings[0])
	}
	n := s.Namespaces
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"NetworkPolicies", len(inv.Objects(inventory.NetworkPolicy)), 14 * n},
		{"AuthorizationPolicies", len(inv.Objects(inventory.AuthorizationPolicy)), 5 * n},
		{"routes", len(inv.Objects(inventory.Ingress)) + len(inv.Objects(inventory.VirtualService)) + len(inv.Objects(inventory.HTTPRoute)), 15 * n / 2},
		{"team Services", len(inv.Objects(inventory.Service)) - 2, 25 * n}, // less nginx's and the gateway's
	} {
		// The mistakes add an Ingress now and then.
		if c.got < c.want || c.got > c.want+c.want/20 {
			t.Errorf("%s = %d, want about %d", c.what, c.got, c.want)
		}
	}
}
