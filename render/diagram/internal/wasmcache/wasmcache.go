// Package wasmcache keeps go-graphviz's WASM compilation cache out of
// directories that other users can write.
//
// # The problem
//
// github.com/goccy/go-graphviz v0.2.10 compiles its embedded Graphviz WASM
// module in a package init function, with a wazero compilation cache in
// os.TempDir()/go-graphviz. It creates that directory 0755 when it is
// missing and uses it as it finds it otherwise, whoever owns it. wazero loads
// native code from the cache and only checks a CRC that anyone can
// recompute. On a shared machine, a user who creates /tmp/go-graphviz first
// has their code run by every later process that links go-graphviz, and a
// foreign directory we cannot write makes go-graphviz panic during init.
// Because this happens in init, it happens for every command, not only for
// the ones that draw.
//
// # What this package does
//
// Its init function points the temporary-directory environment variable
// (TMPDIR on Unix) at a directory that only the current user can write, so
// that go-graphviz's init puts its cache there. Restore, called from an init
// function of render/diagram, puts the user's own value back (or unsets it
// when it was unset) once go-graphviz is initialised, so that the rest of
// the program and every child process see the user's real TMPDIR.
//
// The directory is chosen in this order (see Choice and Kind):
//
//  1. Persistent: <cache>/graphviz-wasm, where <cache> is
//     $SHADOWROUTE_CACHE_DIR when set, else os.UserCacheDir()/shadowroute
//     (~/.cache/shadowroute on Linux). It is reused across runs, which is
//     what makes start-up fast. It is used only when it and everything in
//     it is ours and private, and every directory above it can be changed
//     only by us or by root (see the Unix implementation for the exact
//     rules). Missing directories are created 0700; a directory that exists
//     with the wrong owner or mode is never repaired, only refused.
//  2. Temporary: a fresh directory made by os.MkdirTemp (0700, random name)
//     under the user's original temporary directory. Nothing is reused, so
//     go-graphviz compiles from scratch, but nobody else can have put
//     anything in it. Restore removes it.
//  3. NoCache: when even that is impossible, TMPDIR points at /dev/null.
//     go-graphviz cannot stat or create /dev/null/go-graphviz (a path under
//     a device is not a directory), so it runs with no compilation cache at
//     all, which is slow but loads nothing from disk.
//
// Nothing here panics: every failure moves on to the next choice, and the
// reason is recorded in Chosen for a verbose or debug path to print.
//
// # Why the init order works
//
// The Go specification, section "Package initialization" (Go 1.21 and
// later), says: "Given the list of all packages, sorted by import path, in
// each step the first uninitialized package in the list for which all
// imports (if any) are already initialized is initialized." So for this
// package's init to run before go-graphviz's internal/wasm init, it is
// enough that
//
//   - its import path sorts before "github.com/tetratelabs/wazero", which
//     go-graphviz's internal/wasm imports and so must wait for
//     ("github.com/shadowroute/..." < "github.com/tetratelabs/..."), and
//   - it imports only packages that wazero itself (directly or not)
//     imports, so that it is ready no later than wazero is.
//
// Then, at the step where wazero becomes ready, this package is ready too
// and comes first in the sorted list. The second condition is why this
// package imports only a handful of low-level standard-library packages
// (not even fmt). TestImportsAreWazeroDeps checks that condition, and
// render/diagram's end-to-end test checks the order the linker actually
// produced (with GODEBUG=inittrace=1).
package wasmcache

import (
	"os"
	"path/filepath"
	"sync"
)

// Kind says which directory go-graphviz was given for its compilation cache.
type Kind int

const (
	// Unchanged: the environment was left as it was (go-graphviz's own
	// default applies). Only on systems without owner checks, or if the
	// environment could not be set at all.
	Unchanged Kind = iota
	// Persistent: the per-user cache directory, reused across runs.
	Persistent
	// Temporary: a fresh private directory, removed by Restore.
	Temporary
	// NoCache: no directory at all; go-graphviz compiles without a cache.
	NoCache
)

func (k Kind) String() string {
	switch k {
	case Persistent:
		return "persistent"
	case Temporary:
		return "temporary"
	case NoCache:
		return "no-cache"
	default:
		return "unchanged"
	}
}

// Choice records what init decided. It is set once, by init, and never
// changed afterwards.
type Choice struct {
	Kind Kind
	// Dir is the directory the environment variable pointed at while
	// go-graphviz initialised; go-graphviz's cache is Dir/go-graphviz.
	// Empty for NoCache and Unchanged. A Temporary Dir no longer exists
	// once Restore has run.
	Dir string
	// Reason says why this choice was made: where a Persistent directory
	// came from, or why the better choices were refused.
	Reason string
	// EnvVar is the environment variable that was redirected (TMPDIR on
	// Unix, TMP on Windows).
	EnvVar string
}

// String is a one-line description for verbose output.
func (c Choice) String() string {
	s := "graphviz wasm cache: " + c.Kind.String()
	if c.Dir != "" {
		s += " " + c.Dir
	}
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	return s
}

// CacheDirEnv names the environment variable that overrides shadowroute's
// cache directory (default os.UserCacheDir()/shadowroute). The directory
// it names must pass the same checks as the default one.
const CacheDirEnv = "SHADOWROUTE_CACHE_DIR"

// state is what start did, so that restore can undo it.
type state struct {
	choice    Choice
	origValue string
	origSet   bool
	changed   bool // the environment variable was modified
}

var (
	current     *state
	restoreOnce sync.Once
)

func init() {
	current = start()
}

// Chosen returns the decision made at start-up.
func Chosen() Choice {
	return current.choice
}

// Restore puts the environment variable back as the user had it (unsetting
// it if it was unset) and removes a Temporary directory. It is meant to be
// called from an init function of a package that imports go-graphviz, and
// so runs after go-graphviz's init; go-graphviz consults the cache only
// there (it compiles its module once, at init), so the directory is no
// longer needed. Calls after the first do nothing.
func Restore() {
	restoreOnce.Do(current.restore)
}

// start chooses the directory and redirects the environment variable.
func start() *state {
	s := &state{}
	s.origValue, s.origSet = os.LookupEnv(envVar)
	// The user's own temporary directory, read before we change anything.
	origTmp := os.TempDir()

	c := Choice{EnvVar: envVar}
	if dir, why, err := persistentDir(); err == nil {
		c.Kind, c.Dir, c.Reason = Persistent, dir, why
	} else {
		c.Reason = "persistent cache refused: " + err.Error()
		if dir, err := temporaryDir(origTmp); err == nil {
			c.Kind, c.Dir = Temporary, dir
		} else {
			c.Reason += "; temporary directory refused: " + err.Error()
			c.Kind = NoCache
		}
	}

	target := c.Dir
	if c.Kind == NoCache {
		target = deadEnd
		if target == "" {
			c.Kind = Unchanged
			c.Reason += "; environment left unchanged"
		}
	}
	if target != "" {
		if err := os.Setenv(envVar, target); err != nil {
			if c.Kind == Temporary {
				_ = os.Remove(c.Dir)
			}
			c.Kind, c.Dir = Unchanged, ""
			c.Reason += "; cannot set " + envVar + ": " + err.Error()
		} else {
			s.changed = true
		}
	}
	s.choice = c
	return s
}

// restore undoes start.
func (s *state) restore() {
	if s.changed {
		if s.origSet {
			_ = os.Setenv(envVar, s.origValue)
		} else {
			_ = os.Unsetenv(envVar)
		}
	}
	if s.choice.Kind == Temporary {
		// Safe to remove recursively: temporaryDir made it with
		// os.MkdirTemp under a directory only we or root can change, and
		// RemoveAll does not follow symbolic links.
		_ = os.RemoveAll(s.choice.Dir)
	}
}

// joinCache returns the persistent directory inside shadowroute's cache
// directory.
func joinCache(base string) string {
	return filepath.Join(base, "graphviz-wasm")
}
