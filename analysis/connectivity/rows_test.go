package connectivity_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	conn "github.com/shadowroute/shadowroute/analysis/connectivity"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/connectivity"
	"github.com/shadowroute/shadowroute/render/golden"
	"github.com/shadowroute/shadowroute/sources/manifest"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const cases = "../../testdata/connectivity"

func buildDir(t *testing.T, dir string, copts build.ConnectivityOptions) *graph.Graph {
	t.Helper()
	inv := manifesttest.Load(t, filepath.Join(dir, "input.yaml"))
	g, err := build.Connectivity(model.New(inv, connectivityOptions(t, dir)), copts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// connectivityOptions are the connectivity command's model options with a
// case folder's flags file.
func connectivityOptions(t *testing.T, dir string) model.Options {
	t.Helper()
	opts, err := options.ParseConnectivity(analysistest.Flags(t, dir), rules.All())
	if err != nil {
		t.Fatalf("%s/flags: %v", dir, err)
	}
	return opts.Model
}

func expected(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// TestConnectivityCases compares the txt output with connectivity written by
// hand from the Kubernetes NetworkPolicy spec (expect.txt), the --mesh
// table with a hand-written expect-mesh.txt where a case has one, and keeps
// the mesh and exposure views as reviewed goldens.
func TestConnectivityCases(t *testing.T) {
	dirs, err := os.ReadDir(cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(cases, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			g := buildDir(t, dir, build.ConnectivityOptions{})
			var out bytes.Buffer
			if err := connectivity.Write(&out, conn.Read(g, false, false, ""), "txt"); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.TrimRight(out.String(), "\n"), expected(t, filepath.Join(dir, "expect.txt")); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			// expect-mesh.txt, where a case has one, is the --mesh table
			// written by hand from Istio's semantics.
			if _, err := os.Stat(filepath.Join(dir, "expect-mesh.txt")); err == nil {
				gmo := buildDir(t, dir, build.ConnectivityOptions{Mesh: true})
				var meshOnly bytes.Buffer
				if err := connectivity.Write(&meshOnly, conn.Read(gmo, true, false, ""), "txt"); err != nil {
					t.Fatal(err)
				}
				if got, want := strings.TrimRight(meshOnly.String(), "\n"), expected(t, filepath.Join(dir, "expect-mesh.txt")); got != want {
					t.Errorf("--mesh got:\n%s\nwant:\n%s", got, want)
				}
			}
			gm := buildDir(t, dir, build.ConnectivityOptions{Mesh: true, Exposure: true})
			var mesh bytes.Buffer
			if err := connectivity.Write(&mesh, conn.Read(gm, true, true, ""), "txt"); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join(dir, "mesh-exposure.golden"), mesh.Bytes())
		})
	}
}

// TestTableMatchesGraph: every row is a network edge of the graph and every
// network edge with connections is a row (one semantics, two views).
func TestTableMatchesGraph(t *testing.T) {
	for _, dir := range []string{"../../testdata/demo", filepath.Join(cases, "no-policies")} {
		for _, mesh := range []bool{false, true} {
			l, _ := manifest.NewLoader(manifest.Options{})
			inv, err := l.Load([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			g, err := build.Connectivity(model.New(inv, connectivityOptions(t, dir)), build.ConnectivityOptions{Mesh: mesh})
			if err != nil {
				t.Fatal(err)
			}
			table := conn.Read(g, mesh, false, "")
			rows := map[string]int{}
			for _, r := range table.Rows {
				rows[r.Line(mesh)]++
			}
			edges := 0
			for _, e := range g.Edges() {
				if e.Kind != graph.EdgeNetwork || e.Conns.Empty() {
					continue
				}
				edges++
				r := conn.Row{Src: conn.Name(e.FromNode()), Dst: conn.Name(e.ToNode()), Conn: e.Conns.String(), Auth: e.Auth}
				if e.Authz != nil {
					r.Authz = e.Authz.State
				}
				if rows[r.Line(mesh)] == 0 {
					t.Errorf("%s mesh=%v: edge %s has no row", dir, mesh, r.Line(mesh))
				}
			}
			if edges != len(table.Rows) || edges == 0 {
				t.Errorf("%s mesh=%v: %d edges, %d rows", dir, mesh, edges, len(table.Rows))
			}
			for line, n := range rows {
				if n > 1 {
					t.Errorf("%s: row %s appears %d times", dir, line, n)
				}
			}
		}
	}
}
