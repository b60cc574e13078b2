package wasmcache

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain undoes this package's own init before the tests run, as
// render/diagram does in real binaries, so that t.TempDir and the tests'
// expectations see the real temporary directory.
func TestMain(m *testing.M) {
	Restore()
	os.Exit(m.Run())
}

const (
	selfPath   = "github.com/shadowroute/shadowroute/render/diagram/internal/wasmcache"
	wazeroPath = "github.com/tetratelabs/wazero"
)

// TestImportsAreWazeroDeps guards the two conditions under which the Go
// specification ("Package initialization") runs this package's init before
// wazero's, and so before go-graphviz's: the import path sorts before
// wazero's, and every package imported here is also a dependency of wazero.
// If someone adds an import wazero does not have (fmt is fine today,
// net/http would not be), this package might be initialised after
// go-graphviz, which would silently bring the shared cache back.
func TestImportsAreWazeroDeps(t *testing.T) {
	if !(selfPath < wazeroPath) {
		t.Fatalf("%s must sort before %s", selfPath, wazeroPath)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found:", err)
	}
	list := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command(goTool, append([]string{"list"}, args...)...).Output()
		if err != nil {
			t.Skipf("go list %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	deps := map[string]bool{}
	for _, p := range list("-deps", wazeroPath) {
		deps[p] = true
	}
	imports := list("-f", `{{join .Imports " "}}`, selfPath)
	if len(imports) == 0 {
		t.Fatal("go list found no imports")
	}
	for _, p := range imports {
		if !deps[p] {
			t.Errorf("imports %s, which %s does not depend on: this package's init could then run after go-graphviz's", p, wazeroPath)
		}
	}
}

func TestChoiceString(t *testing.T) {
	c := Choice{Kind: Temporary, Dir: "/tmp/x", Reason: "why", EnvVar: "TMPDIR"}
	if got, want := c.String(), "graphviz wasm cache: temporary /tmp/x (why)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for k, want := range map[Kind]string{Unchanged: "unchanged", Persistent: "persistent", Temporary: "temporary", NoCache: "no-cache"} {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), want)
		}
	}
}
