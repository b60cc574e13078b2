//go:build !unix

package wasmcache

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// envVar is what os.TempDir reads first: TMP on Windows (through
// GetTempPath), TMPDIR elsewhere (Plan 9, js/wasm, wasip1).
var envVar = func() string {
	if runtime.GOOS == "windows" {
		return "TMP"
	}
	return "TMPDIR"
}()

// deadEnd is empty: there is no portable path that is certain to make
// go-graphviz give up on its cache, so NoCache becomes Unchanged here.
const deadEnd = ""

// persistentDir is refused without owner checks: there is no portable way
// here to tell who can write a directory, so nothing is reused across runs.
func persistentDir() (dir, why string, err error) {
	return "", "", errors.New("owner checks are not implemented on " + runtime.GOOS)
}

// temporaryDir makes a fresh directory with os.MkdirTemp, which creates it
// with a random name and 0700 permissions (on Windows, the per-user
// temporary directory's access rules apply).
func temporaryDir(tmp string) (string, error) {
	if !filepath.IsAbs(tmp) {
		return "", errors.New("temporary directory " + tmp + " is not an absolute path")
	}
	return os.MkdirTemp(tmp, "shadowroute-graphviz-")
}
