package manifest

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// TestParallelWalkIsSequentialLoad: a directory decoded in parallel gives
// the inventory a sequential load gives (objects with their origins,
// warnings in order, skipped kinds, rejections, unmodelled objects,
// ConfigMaps), under tight and default alias budgets, with duplicates and
// broken documents across files, and on every case folder of the
// repository.
func TestParallelWalkIsSequentialLoad(t *testing.T) {
	type input struct {
		name   string
		files  map[string]string
		limits Limits
	}
	bombs := map[string]string{
		"a.yaml": aliasBomb("one", 1000, 10) + "---\n" + fmt.Sprintf(serviceAccount, "dup"),
		"b.yaml": aliasBomb("two", 1000, 10) + "---\nnot: [valid\n---\n" + fmt.Sprintf(serviceAccount, "dup"),
		"c.yaml": aliasBomb("three", 1<<20, 900) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: shop}\ndata: {k: v}\n",
		"d.yaml": "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: bad name, namespace: shop}\n",
		"e.yaml": aliasBomb("four", 1000, 3),
	}
	inputs := []input{
		{"default limits", bombs, Limits{}},
		{"run budget spent across files", bombs, Limits{MaxAliasBytesTotal: 15_000}},
		{"run budget below the per-document limit", bombs, Limits{MaxAliasBytesTotal: 25_000, MaxAliasBytesPerDocument: 12_000}},
		{"per-document limit", bombs, Limits{MaxAliasBytesPerDocument: 5_000}},
	}
	for _, tt := range inputs {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			compareLoads(t, dir, tt.limits)
		})
	}
	var dirs []string
	err := filepath.WalkDir(filepath.Join("..", "..", "testdata"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "expect.txt" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return err
	})
	if err != nil || len(dirs) < 100 {
		t.Fatalf("case folders: %d, %v", len(dirs), err)
	}
	for _, dir := range dirs {
		compareLoads(t, dir, Limits{})
	}
}

func compareLoads(t *testing.T, dir string, limits Limits) {
	t.Helper()
	load := func(sequential bool) string {
		l, err := NewLoader(Options{Limits: limits})
		if err != nil {
			t.Fatal(err)
		}
		l.sequentialWalk = sequential
		inv, err := l.Load([]string{dir})
		if err != nil {
			return "error: " + err.Error()
		}
		return dumpInventory(inv)
	}
	want, got := load(true), load(false)
	if got != want {
		t.Errorf("%s: parallel load differs:\n got %s\nwant %s", dir, got, want)
	}
	if !strings.Contains(want, "object ") && !strings.Contains(want, "warning ") {
		t.Errorf("%s: nothing loaded: %s", dir, want)
	}
}

func dumpInventory(inv *inventory.Inventory) string {
	var b strings.Builder
	var kinds []schema.GroupKind
	for gk := range inventory.Modelled {
		kinds = append(kinds, gk)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].String() < kinds[j].String() })
	for _, gk := range kinds {
		for _, o := range inv.Objects(gk) {
			fmt.Fprintf(&b, "object %s at %s\n", o.Key, o.Origin)
		}
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(&b, "warning %s: %s\n", w.Origin, w.Message)
	}
	fmt.Fprintf(&b, "skipped %v\nrejected %d\nunmodelled %d\n", inv.Skipped, len(inv.Rejected), len(inv.UnmodelledObjects))
	for _, r := range inv.Rejected {
		fmt.Fprintf(&b, "rejected %s: %s\n", r.Object.Key, r.Reason)
	}
	for _, u := range inv.UnmodelledObjects {
		fmt.Fprintf(&b, "unmodelled %+v\n", u)
	}
	for _, c := range inv.ConfigMaps {
		fmt.Fprintf(&b, "configmap %+v\n", c)
	}
	return b.String()
}
