//go:build unix

package wasmcache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// foreignUID owns the directories that play another user's.
const foreignUID = 12345

// tempDir is t.TempDir with symbolic links resolved (the checks compare
// resolved paths), skipping the test when the machine's own temporary
// directory would not pass the ancestor checks.
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkChain(d); err != nil {
		t.Skipf("the test's temporary directory is not trusted on this machine: %v", err)
	}
	return d
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a directory owned by another uid")
	}
}

func mkdir(t *testing.T, p string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(p, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // Chmod is not subject to umask
		t.Fatal(err)
	}
	return p
}

func chown(t *testing.T, p string, uid int) {
	t.Helper()
	if err := os.Lchown(p, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// A directory for checkPrivate, and whether it should be accepted.
type dirCase struct {
	name   string
	make   func(t *testing.T, root string) string
	ok     bool
	root   bool   // needs root
	errHas string // part of the error message
}

func TestCheckPrivate(t *testing.T) {
	cases := []dirCase{
		{name: "0700", ok: true, make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o700) }},
		{name: "0755", errHas: "mode 0755", make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o755) }},
		{name: "0777", errHas: "mode 0777", make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o777) }},
		{name: "0710", errHas: "mode 0710", make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o710) }},
		{name: "symlink to a good dir", errHas: "symbolic link", make: func(t *testing.T, r string) string {
			good := mkdir(t, filepath.Join(r, "good"), 0o700)
			l := filepath.Join(r, "link")
			if err := os.Symlink(good, l); err != nil {
				t.Fatal(err)
			}
			return l
		}},
		{name: "regular file", errHas: "not a directory", make: func(t *testing.T, r string) string {
			f := filepath.Join(r, "f")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{name: "missing", make: func(t *testing.T, r string) string { return filepath.Join(r, "nope") }},
		{name: "0700 owned by another uid", root: true, errHas: "owned by uid 12345", make: func(t *testing.T, r string) string {
			d := mkdir(t, filepath.Join(r, "d"), 0o700)
			chown(t, d, foreignUID)
			return d
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				requireRoot(t)
			}
			err := checkPrivate(c.make(t, tempDir(t)))
			checkResult(t, err, c.ok, c.errHas)
		})
	}
}

func TestCheckTrusted(t *testing.T) {
	cases := []dirCase{
		{name: "0700", ok: true, make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o700) }},
		{name: "0755", ok: true, make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o755) }},
		{name: "1777 sticky, ours", ok: true, make: func(t *testing.T, r string) string {
			return mkdir(t, filepath.Join(r, "d"), 0o777|os.ModeSticky)
		}},
		{name: "0777", errHas: "writable by group or others (mode 0777)", make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o777) }},
		{name: "0775", errHas: "mode 0775", make: func(t *testing.T, r string) string { return mkdir(t, filepath.Join(r, "d"), 0o775) }},
		{name: "symlink", errHas: "symbolic link", make: func(t *testing.T, r string) string {
			l := filepath.Join(r, "link")
			if err := os.Symlink(mkdir(t, filepath.Join(r, "good"), 0o755), l); err != nil {
				t.Fatal(err)
			}
			return l
		}},
		{name: "0755 owned by another uid", root: true, errHas: "owned by uid 12345", make: func(t *testing.T, r string) string {
			d := mkdir(t, filepath.Join(r, "d"), 0o755)
			chown(t, d, foreignUID)
			return d
		}},
		{name: "1777 sticky owned by another uid", root: true, errHas: "owned by uid 12345", make: func(t *testing.T, r string) string {
			d := mkdir(t, filepath.Join(r, "d"), 0o777|os.ModeSticky)
			chown(t, d, foreignUID)
			return d
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				requireRoot(t)
			}
			err := checkTrusted(c.make(t, tempDir(t)))
			checkResult(t, err, c.ok, c.errHas)
		})
	}
}

func checkResult(t *testing.T, err error, ok bool, errHas string) {
	t.Helper()
	switch {
	case ok && err != nil:
		t.Errorf("refused: %v", err)
	case !ok && err == nil:
		t.Error("accepted")
	case !ok && !strings.Contains(err.Error(), errHas):
		t.Errorf("error %q does not mention %q", err, errHas)
	}
}

func TestCheckChain(t *testing.T) {
	r := tempDir(t)
	good := mkdir(t, filepath.Join(r, "a", "b"), 0o700)
	if err := checkChain(good); err != nil {
		t.Errorf("good chain refused: %v", err)
	}
	// A group/other-writable directory anywhere above makes everything
	// below it untrustworthy, however private the leaf is.
	mkdir(t, filepath.Join(r, "a"), 0o777)
	if err := checkChain(good); err == nil || !strings.Contains(err.Error(), filepath.Join(r, "a")+":") {
		t.Errorf("chain through a 0777 directory: err = %v", err)
	}
}

// TestPersistentDir runs the whole persistent choice against cache roots
// laid out in a temporary directory (XDG_CACHE_HOME or CacheDirEnv).
func TestPersistentDir(t *testing.T) {
	cases := []struct {
		name string
		root bool
		// setup lays out the directory r and sets the environment; it
		// returns the directory expected on success ("" for refusal) and
		// a path that must not exist afterwards ("" for none).
		setup  func(t *testing.T, r string) (want, absent string)
		errHas string
	}{
		{name: "fresh XDG_CACHE_HOME", setup: func(t *testing.T, r string) (string, string) {
			t.Setenv("XDG_CACHE_HOME", r)
			return filepath.Join(r, "shadowroute", "graphviz-wasm"), ""
		}},
		{name: "missing XDG_CACHE_HOME is created", setup: func(t *testing.T, r string) (string, string) {
			t.Setenv("XDG_CACHE_HOME", filepath.Join(r, "x", "y"))
			return filepath.Join(r, "x", "y", "shadowroute", "graphviz-wasm"), ""
		}},
		{name: "XDG_CACHE_HOME through a symlink is resolved", setup: func(t *testing.T, r string) (string, string) {
			real := mkdir(t, filepath.Join(r, "real"), 0o700)
			if err := os.Symlink(real, filepath.Join(r, "link")); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", filepath.Join(r, "link"))
			return filepath.Join(real, "shadowroute", "graphviz-wasm"), ""
		}},
		{name: "existing warm cache is accepted", setup: func(t *testing.T, r string) (string, string) {
			d := mkdir(t, filepath.Join(r, "shadowroute", "graphviz-wasm"), 0o700)
			v := mkdir(t, filepath.Join(d, "go-graphviz", "wazero-v0-amd64-linux"), 0o755)
			if err := os.WriteFile(filepath.Join(v, "0123"), []byte("compiled"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", r)
			return d, ""
		}},
		{name: "override", setup: func(t *testing.T, r string) (string, string) {
			t.Setenv("XDG_CACHE_HOME", filepath.Join(r, "unused"))
			t.Setenv(CacheDirEnv, filepath.Join(r, "mine"))
			return filepath.Join(r, "mine", "graphviz-wasm"), filepath.Join(r, "unused")
		}},
		{name: "relative override", errHas: "not an absolute path", setup: func(t *testing.T, r string) (string, string) {
			t.Setenv(CacheDirEnv, "rel/dir")
			return "", ""
		}},
		{name: "graphviz-wasm 0755 is refused, not repaired", errHas: "mode 0755", setup: func(t *testing.T, r string) (string, string) {
			mkdir(t, filepath.Join(r, "shadowroute", "graphviz-wasm"), 0o755)
			t.Setenv("XDG_CACHE_HOME", r)
			return "", ""
		}},
		{name: "graphviz-wasm symlink", errHas: "symbolic link", setup: func(t *testing.T, r string) (string, string) {
			mkdir(t, filepath.Join(r, "shadowroute"), 0o700)
			if err := os.Symlink(mkdir(t, filepath.Join(r, "elsewhere"), 0o700), filepath.Join(r, "shadowroute", "graphviz-wasm")); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", r)
			return "", ""
		}},
		{name: "shadowroute symlink", errHas: "symbolic link", setup: func(t *testing.T, r string) (string, string) {
			mkdir(t, filepath.Join(r, "cache"), 0o700)
			if err := os.Symlink(mkdir(t, filepath.Join(r, "elsewhere"), 0o700), filepath.Join(r, "cache", "shadowroute")); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", filepath.Join(r, "cache"))
			return "", filepath.Join(r, "elsewhere", "graphviz-wasm")
		}},
		{name: "symlink inside the cache", errHas: "neither a directory nor a regular file", setup: func(t *testing.T, r string) (string, string) {
			d := mkdir(t, filepath.Join(r, "shadowroute", "graphviz-wasm"), 0o700)
			if err := os.Symlink("/tmp", filepath.Join(d, "go-graphviz")); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", r)
			return "", ""
		}},
		{name: "group-writable file inside the cache", errHas: "writable by group or others", setup: func(t *testing.T, r string) (string, string) {
			d := mkdir(t, filepath.Join(r, "shadowroute", "graphviz-wasm", "go-graphviz"), 0o755)
			f := filepath.Join(d, "x")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(f, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(r, "shadowroute", "graphviz-wasm"), 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", r)
			return "", ""
		}},
		{name: "cache root 0777 owned by another uid", root: true, errHas: "owned by uid 12345", setup: func(t *testing.T, r string) (string, string) {
			x := mkdir(t, filepath.Join(r, "xdg"), 0o777)
			chown(t, x, foreignUID)
			t.Setenv("XDG_CACHE_HOME", x)
			return "", filepath.Join(x, "shadowroute")
		}},
		{name: "missing cache root under a foreign directory is not created", root: true, errHas: "owned by uid 12345", setup: func(t *testing.T, r string) (string, string) {
			home := mkdir(t, filepath.Join(r, "alice"), 0o755)
			chown(t, home, foreignUID)
			t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			return "", filepath.Join(home, ".cache")
		}},
		{name: "planted shadowroute dir owned by another uid", root: true, errHas: "owned by uid 12345", setup: func(t *testing.T, r string) (string, string) {
			s := mkdir(t, filepath.Join(r, "shadowroute"), 0o755)
			chown(t, s, foreignUID)
			t.Setenv("XDG_CACHE_HOME", r)
			return "", filepath.Join(s, "graphviz-wasm")
		}},
		{name: "planted cache file owned by another uid", root: true, errHas: "owned by uid 12345", setup: func(t *testing.T, r string) (string, string) {
			d := mkdir(t, filepath.Join(r, "shadowroute", "graphviz-wasm", "go-graphviz"), 0o755)
			f := filepath.Join(d, "evil")
			if err := os.WriteFile(f, []byte("native code"), 0o600); err != nil {
				t.Fatal(err)
			}
			chown(t, f, foreignUID)
			if err := os.Chmod(filepath.Join(r, "shadowroute", "graphviz-wasm"), 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CACHE_HOME", r)
			return "", ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				requireRoot(t)
			}
			r := tempDir(t)
			t.Setenv(CacheDirEnv, "")
			want, absent := c.setup(t, r)
			got, why, err := persistentDir()
			if want != "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got != want {
					t.Errorf("dir = %q, want %q", got, want)
				}
				if why == "" {
					t.Error("no reason recorded")
				}
				if err := checkPrivate(got); err != nil {
					t.Errorf("returned directory is not private: %v", err)
				}
			} else {
				checkResult(t, err, false, c.errHas)
			}
			if absent != "" {
				if _, err := os.Lstat(absent); err == nil {
					t.Errorf("%s was created", absent)
				}
			}
		})
	}
}

func TestTemporaryDir(t *testing.T) {
	t.Run("private, under the given directory", func(t *testing.T) {
		r := tempDir(t)
		d, err := temporaryDir(r)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(d) != r || !strings.HasPrefix(filepath.Base(d), "shadowroute-graphviz-") {
			t.Errorf("dir = %q, want shadowroute-graphviz-* in %q", d, r)
		}
		if err := checkPrivate(d); err != nil {
			t.Error(err)
		}
	})
	t.Run("relative", func(t *testing.T) {
		_, err := temporaryDir("tmp")
		checkResult(t, err, false, "not an absolute path")
	})
	t.Run("group-writable, not sticky", func(t *testing.T) {
		r := mkdir(t, filepath.Join(tempDir(t), "shared"), 0o777)
		_, err := temporaryDir(r)
		checkResult(t, err, false, "writable by group or others")
		if ents, _ := os.ReadDir(r); len(ents) != 0 {
			t.Errorf("left %d entries in %s", len(ents), r)
		}
	})
	t.Run("sticky, like /tmp", func(t *testing.T) {
		r := mkdir(t, filepath.Join(tempDir(t), "sticky"), 0o777|os.ModeSticky)
		if _, err := temporaryDir(r); err != nil {
			t.Errorf("refused: %v", err)
		}
	})
}

// TestStartRestore runs start and restore as init and render/diagram do,
// in each of the three outcomes.
func TestStartRestore(t *testing.T) {
	cases := []struct {
		name     string
		unset    bool // TMPDIR unset before start
		badCache bool // persistent cache unusable
		badTmp   bool // TMPDIR unusable too
		want     Kind
	}{
		{name: "persistent", want: Persistent},
		{name: "persistent, TMPDIR unset", unset: true, want: Persistent},
		{name: "temporary", badCache: true, want: Temporary},
		{name: "no cache", badCache: true, badTmp: true, want: NoCache},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tempDir(t)
			tmp := mkdir(t, filepath.Join(r, "tmp"), 0o700)
			if c.badTmp {
				tmp = mkdir(t, tmp, 0o777)
			}
			t.Setenv(CacheDirEnv, filepath.Join(r, "cache"))
			if c.badCache {
				t.Setenv(CacheDirEnv, "relative")
			}
			t.Setenv("TMPDIR", tmp)
			if c.unset {
				os.Unsetenv("TMPDIR") // t.Setenv above restores it afterwards
			}

			s := start()
			if s.choice.Kind != c.want {
				t.Fatalf("kind = %v (%s), want %v", s.choice.Kind, s.choice, c.want)
			}
			during := os.Getenv("TMPDIR")
			switch c.want {
			case Persistent:
				if during != filepath.Join(r, "cache", "graphviz-wasm") || s.choice.Dir != during {
					t.Errorf("TMPDIR = %q, dir = %q", during, s.choice.Dir)
				}
			case Temporary:
				if filepath.Dir(during) != tmp || s.choice.Dir != during {
					t.Errorf("TMPDIR = %q, dir = %q, want a directory in %s", during, s.choice.Dir, tmp)
				}
				if !strings.Contains(s.choice.Reason, "persistent cache refused") {
					t.Errorf("reason = %q", s.choice.Reason)
				}
			case NoCache:
				if during != deadEnd || s.choice.Dir != "" {
					t.Errorf("TMPDIR = %q, dir = %q", during, s.choice.Dir)
				}
				if !strings.Contains(s.choice.Reason, "temporary directory refused") {
					t.Errorf("reason = %q", s.choice.Reason)
				}
				// What go-graphviz does with it must fail, so that it runs
				// without a cache.
				gg := filepath.Join(os.TempDir(), "go-graphviz")
				if _, err := os.Stat(gg); err == nil {
					t.Errorf("%s exists", gg)
				}
				if err := os.Mkdir(gg, 0o755); err == nil {
					t.Errorf("%s could be created", gg)
				}
			}

			s.restore()
			after, set := os.LookupEnv("TMPDIR")
			if c.unset {
				if set {
					t.Errorf("TMPDIR = %q after restore, want unset", after)
				}
			} else if after != tmp {
				t.Errorf("TMPDIR = %q after restore, want %q", after, tmp)
			}
			if c.want == Temporary {
				if _, err := os.Lstat(s.choice.Dir); err == nil {
					t.Errorf("temporary directory %s not removed", s.choice.Dir)
				}
			}
		})
	}
}
