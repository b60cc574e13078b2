// Package manifesttest loads test manifests for other packages' tests: any
// load error or input warning fails the test, so fixtures stay clean. The
// one exception is an object the API server would reject: such fixtures
// exist on purpose (sources/admission), and the analysis reports them.
package manifesttest

import (
	"testing"

	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// Load reads the paths (files or directories) into an inventory.
func Load(t testing.TB, paths ...string) *inventory.Inventory {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := l.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	failOnWarnings(t, inv)
	return inv
}

// failOnWarnings fails on any warning but those of rejected objects.
func failOnWarnings(t testing.TB, inv *inventory.Inventory) {
	t.Helper()
	rejected := map[inventory.Origin]bool{}
	for _, r := range inv.Rejected {
		rejected[r.Object.Origin] = true
	}
	var other []inventory.Warning
	for _, w := range inv.Warnings {
		if !rejected[w.Origin] {
			other = append(other, w)
		}
	}
	if len(other) > 0 {
		t.Fatalf("input warnings: %v", other)
	}
}

// FromBytes loads one file's content (named name in origins) into an
// inventory.
func FromBytes(t testing.TB, name string, data []byte) *inventory.Inventory {
	t.Helper()
	l, err := manifest.NewLoader(manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	l.LoadBytes(inv, name, data)
	failOnWarnings(t, inv)
	return inv
}
