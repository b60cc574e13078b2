package diagram_test

// End-to-end check of render/diagram/internal/wasmcache: the test binary is
// started again as a child process, with TMPDIR and XDG_CACHE_HOME pointing
// at prepared directories, so that go-graphviz's package init (which
// compiles its WASM module) really runs under them. Linux only: it relies
// on XDG_CACHE_HOME deciding os.UserCacheDir, and on inotify.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/shadowroute/shadowroute/render/diagram"
	"github.com/shadowroute/shadowroute/render/diagram/internal/wasmcache"
)

const (
	childEnv        = "SHADOWROUTE_TEST_WASMCACHE_CHILD"
	childWantTmp    = "SHADOWROUTE_TEST_WANT_TMPDIR"       // TMPDIR the child must see after init
	childWantUnset  = "SHADOWROUTE_TEST_WANT_TMPDIR_UNSET" // "1": the child must see TMPDIR unset
	choiceLinePrefx = "WASMCACHE-CHOICE "
	foreignUID      = 12345
)

// TestHelperWasmCacheChild is the child process of TestWasmCacheEndToEnd,
// not a test of its own.
func TestHelperWasmCacheChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("child process of TestWasmCacheEndToEnd")
	}
	c := wasmcache.Chosen()
	b, _ := json.Marshal(c)
	fmt.Println(choiceLinePrefx + string(b))

	got, set := os.LookupEnv("TMPDIR")
	if os.Getenv(childWantUnset) == "1" {
		if set {
			t.Errorf("TMPDIR = %q after init, want it unset as it was", got)
		}
	} else if want := os.Getenv(childWantTmp); got != want {
		t.Errorf("TMPDIR = %q after init, want the original %q", got, want)
	}
	if c.Kind == wasmcache.Temporary {
		if _, err := os.Lstat(c.Dir); err == nil {
			t.Errorf("temporary cache directory %s still exists after init", c.Dir)
		}
	}
	svg, err := diagram.Layout(context.Background(), []byte(`digraph { a -> b }`), diagram.FormatSVG, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("not SVG: %.200s", svg)
	}
}

// childResult is what one child run produced.
type childResult struct {
	choice wasmcache.Choice
	inits  []string // packages in initialisation order (GODEBUG=inittrace=1)
}

// runChild starts the helper with TMPDIR = tmp ("" for unset) and
// XDG_CACHE_HOME = xdg, and fails the test if the child fails.
func runChild(t *testing.T, tmp, xdg string) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWasmCacheChild$", "-test.count=1")
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "TMPDIR", "XDG_CACHE_HOME", wasmcache.CacheDirEnv, "GODEBUG", childEnv, childWantTmp, childWantUnset:
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, childEnv+"=1", "GODEBUG=inittrace=1", "XDG_CACHE_HOME="+xdg)
	if tmp == "" {
		cmd.Env = append(cmd.Env, childWantUnset+"=1")
	} else {
		cmd.Env = append(cmd.Env, "TMPDIR="+tmp, childWantTmp+"="+tmp)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	err := cmd.Run()

	var res childResult
	initLine := regexp.MustCompile(`^init (\S+) @`)
	var other []string
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if m := initLine.FindStringSubmatch(sc.Text()); m != nil {
			res.inits = append(res.inits, m[1])
		} else {
			other = append(other, sc.Text())
		}
	}
	if err != nil {
		t.Fatalf("child failed: %v\nstdout:\n%s\nstderr (without inittrace):\n%s", err, stdout.String(), strings.Join(other, "\n"))
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, choiceLinePrefx); ok {
			if err := json.Unmarshal([]byte(rest), &res.choice); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res.choice.EnvVar == "" {
		t.Fatalf("child printed no choice:\n%s", stdout.String())
	}
	checkInitOrder(t, res.inits)
	return res
}

// checkInitOrder asserts what the package comment of wasmcache derives from
// the Go specification ("Package initialization"): wasmcache is initialised
// before go-graphviz's internal/wasm (whose init compiles the module and
// opens the cache), and render/diagram (which restores TMPDIR) after it.
func checkInitOrder(t *testing.T, inits []string) {
	t.Helper()
	order := []string{
		"github.com/shadowroute/shadowroute/render/diagram/internal/wasmcache",
		"github.com/goccy/go-graphviz/internal/wasm",
		"github.com/shadowroute/shadowroute/render/diagram",
	}
	last := -1
	for _, p := range order {
		i := slices.Index(inits, p)
		if i < 0 {
			t.Fatalf("inittrace does not list %s (got %d packages)", p, len(inits))
		}
		if i < last {
			t.Fatalf("init order: %s ran before %s, want %v", p, order[slices.Index(order, p)-1], order)
		}
		last = i
	}
}

// plant creates dir/go-graphviz as another user's cache would be: owned by
// foreignUID (when we are root), mode 0777, with junk under the given
// relative file names.
func plant(t *testing.T, dir string, files []string) string {
	t.Helper()
	root := filepath.Join(dir, "go-graphviz")
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not wazero's code: "+f), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o666)
		if d.IsDir() {
			mode = 0o777
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			return os.Lchown(p, foreignUID, foreignUID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// snapshot describes everything under root, down to ctime and content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v uid=%d size=%d mtime=%d ctime=%d.%d", fi.Mode(), st.Uid, fi.Size(), fi.ModTime().UnixNano(), st.Ctim.Sec, st.Ctim.Nsec)
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += " sha256=" + hex.EncodeToString(sum[:])
		}
		rel, _ := filepath.Rel(root, p)
		snap[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// watchMask is what the watcher listens for: open, read, create, write,
// delete, attribute change, rename.
//
// Close events are left out on purpose: a child process forked by a
// parallel subtest holds a copy of every descriptor the parent had open at
// that instant until it execs, so the parent's own snapshot reads can
// deliver a late close event with no open before it. Anything the child
// itself does to the planted files starts with an open, create, delete or
// attribute event, which are all watched.
const watchMask = syscall.IN_ALL_EVENTS &^ (syscall.IN_CLOSE_WRITE | syscall.IN_CLOSE_NOWRITE)

// watcher records those events on a set of directories.
type watcher struct {
	fd   int
	dirs map[int32]string
}

func watchTree(t *testing.T, root string) *watcher {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Logf("inotify unavailable (%v): only comparing snapshots", err)
		return nil
	}
	// List the directories first: walking reads them, which the watches
	// would report.
	var dirs []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	w := &watcher{fd: fd, dirs: map[int32]string{}}
	for _, d := range dirs {
		if err != nil {
			break
		}
		var wd int
		wd, err = syscall.InotifyAddWatch(fd, d, watchMask)
		w.dirs[int32(wd)] = d
	}
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	return w
}

// events returns what happened since watchTree and stops watching. The
// kernel queues an event when the operation happens, so everything the
// (finished) child did is already there.
func (w *watcher) events() []string {
	if w == nil {
		return nil
	}
	defer syscall.Close(w.fd)
	var evs []string
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(w.fd, buf)
		if err != nil || n <= 0 {
			return evs
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+nameLen]), "\x00")
			if mask&syscall.IN_IGNORED == 0 {
				evs = append(evs, fmt.Sprintf("%s mask=%#x", filepath.Join(w.dirs[wd], name), mask))
			}
			off += syscall.SizeofInotifyEvent + nameLen
		}
	}
}

// untouched runs fn and asserts that nothing under root was opened,
// changed, created or removed meanwhile.
func untouched(t *testing.T, root string, fn func()) {
	t.Helper()
	before := snapshot(t, root)
	w := watchTree(t, root)
	fn()
	if evs := w.events(); len(evs) > 0 {
		t.Errorf("the planted cache %s was accessed:\n%s", root, strings.Join(evs, "\n"))
	}
	if after := snapshot(t, root); !mapsEqual(before, after) {
		t.Errorf("the planted cache %s changed:\nbefore %v\nafter  %v", root, before, after)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// cacheFiles lists the regular files under dir (relative names) with their
// size and mtime.
func cacheFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files[rel] = fmt.Sprintf("size=%d mtime=%d", fi.Size(), fi.ModTime().UnixNano())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func resolved(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWasmCacheEndToEnd(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("in the child")
	}
	if os.Geteuid() != 0 {
		t.Log("not root: planted directories are 0777 but owned by us rather than by another uid")
	}
	// Junk where wazero would look for version v1.10.1's cache, and beside it.
	junk := []string{"README", "wazero-v1.10.1-amd64-linux/00000000000000000000000000000000000000000000000000000000deadbeef"}

	t.Run("persistent", func(t *testing.T) {
		t.Parallel()
		xdg := resolved(t, t.TempDir())
		wantDir := filepath.Join(xdg, "shadowroute", "graphviz-wasm")
		var warm map[string]string

		t.Run("cold, beside a planted /tmp/go-graphviz", func(t *testing.T) {
			tmp := resolved(t, t.TempDir())
			planted := plant(t, tmp, junk)
			var res childResult
			untouched(t, planted, func() { res = runChild(t, tmp, xdg) })
			if res.choice.Kind != wasmcache.Persistent || res.choice.Dir != wantDir {
				t.Fatalf("choice = %+v, want persistent %s", res.choice, wantDir)
			}
			warm = cacheFiles(t, filepath.Join(wantDir, "go-graphviz"))
			var compiled []string
			for f := range warm {
				if regexp.MustCompile(`^wazero-[^/]+/[0-9a-f]{64}$`).MatchString(f) {
					compiled = append(compiled, f)
				}
			}
			if len(compiled) == 0 {
				t.Fatalf("no wazero cache file under %s: %v", wantDir, warm)
			}
			t.Logf("compiled module cached as %v", compiled)
		})
		if warm == nil {
			return
		}

		t.Run("warm, planted junk under wazero's own file names", func(t *testing.T) {
			tmp := resolved(t, t.TempDir())
			planted := plant(t, tmp, append(slices.Sorted(func(yield func(string) bool) {
				for f := range warm {
					if !yield(f) {
						return
					}
				}
			}), junk...))
			untouched(t, planted, func() { runChild(t, tmp, xdg) })
			// Nothing new was written: the compiled module came from our cache.
			if now := cacheFiles(t, filepath.Join(wantDir, "go-graphviz")); !mapsEqual(now, warm) {
				t.Errorf("cache changed on a warm run:\nbefore %v\nafter  %v", warm, now)
			}
		})

		t.Run("warm, TMPDIR unset stays unset", func(t *testing.T) {
			res := runChild(t, "", xdg)
			if res.choice.Kind != wasmcache.Persistent {
				t.Errorf("choice = %+v, want persistent", res.choice)
			}
		})
	})

	t.Run("unusable cache root falls back to a temporary directory", func(t *testing.T) {
		t.Parallel()
		tmp := resolved(t, t.TempDir())
		planted := plant(t, tmp, junk)
		// XDG_CACHE_HOME as another user might leave it: theirs and 0777.
		xdg := filepath.Join(resolved(t, t.TempDir()), "xdg")
		if err := os.Mkdir(xdg, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(xdg, 0o777); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(xdg, foreignUID, foreignUID); err != nil {
				t.Fatal(err)
			}
		}
		var res childResult
		untouched(t, planted, func() { res = runChild(t, tmp, xdg) })
		c := res.choice
		if c.Kind != wasmcache.Temporary || filepath.Dir(c.Dir) != tmp || !strings.Contains(c.Reason, xdg) {
			t.Errorf("choice = %+v, want a temporary directory in %s and a reason naming %s", c, tmp, xdg)
		}
		// The child checked that the directory was removed after init;
		// nothing else was left behind, in TMPDIR or in the refused root.
		for dir, want := range map[string][]string{tmp: {"go-graphviz"}, xdg: nil} {
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if !slices.Equal(names, want) {
				t.Errorf("%s holds %v, want %v", dir, names, want)
			}
		}
	})

	t.Run("nothing usable runs without a cache", func(t *testing.T) {
		t.Parallel()
		// TMPDIR shared and not sticky; the cache root unusable likewise.
		tmp := filepath.Join(resolved(t, t.TempDir()), "shared")
		if err := os.Mkdir(tmp, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tmp, 0o777); err != nil {
			t.Fatal(err)
		}
		planted := plant(t, tmp, junk)
		var res childResult
		untouched(t, planted, func() { res = runChild(t, tmp, tmp) })
		if res.choice.Kind != wasmcache.NoCache {
			t.Errorf("choice = %+v, want no-cache", res.choice)
		}
	})
}
