// Package manifesttest loads test manifests for other packages' tests: any
// load error or input warning fails the test, so fixtures stay clean.
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
	if len(inv.Warnings) > 0 {
		t.Fatalf("input warnings: %v", inv.Warnings)
	}
	return inv
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
	if len(inv.Warnings) > 0 {
		t.Fatalf("input warnings: %v", inv.Warnings)
	}
	return inv
}
