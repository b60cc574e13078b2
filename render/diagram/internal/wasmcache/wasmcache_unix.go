//go:build unix

package wasmcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// envVar is what os.TempDir reads on Unix.
const envVar = "TMPDIR"

// deadEnd is the NoCache target. /dev/null is a character device on every
// Unix system and only root can change /dev, so go-graphviz's
// os.Stat("/dev/null/go-graphviz") and os.Mkdir of the same path both fail
// (ENOTDIR) and it goes on without a compilation cache.
const deadEnd = "/dev/null"

// maxTreeEntries bounds the walk over the persistent directory. A healthy
// cache holds a few entries per go-graphviz/wazero version; far more means
// something else is using the directory, and we would rather not trust it
// (or spend start-up time walking it).
const maxTreeEntries = 512

// The rules, for a directory at path P that we are about to hand to
// go-graphviz:
//
//   - P itself (graphviz-wasm) must be a real directory (not a symbolic
//     link), owned by our effective uid, with no permission bits for group
//     or others (checkPrivate).
//   - Everything below P must be a plain directory or regular file owned by
//     us and not writable by group or others (checkTree): P being private
//     now does not prove it always was.
//   - Every directory from / down to P's parent must be "trusted": owned by
//     us or root, and either not writable by group or others or sticky
//     (checkTrusted). Whoever can write a directory can rename what is in
//     it and put their own in its place, so one foreign-writable ancestor
//     is enough to defeat the checks below it. The sticky bit (as on /tmp)
//     stops others from renaming or removing entries they do not own, so a
//     sticky ancestor is fine as long as the entry below it is checked too.
//     The ancestor's owner must still be us or root, since the owner of a
//     sticky directory can remove anything in it.
//
// Symbolic links are followed only in the part of the path that the user
// (or the OS default) gave as the cache root: that part is resolved with
// filepath.EvalSymlinks once and every directory of the resolved path is
// checked, and go-graphviz is given the resolved path. The two directories
// we add (shadowroute, graphviz-wasm) must not be links.
//
// Because the checks cover every ancestor, their result cannot be undone
// by another non-root user between the check and go-graphviz's use of the
// directory a moment later: nobody else can rename, replace or write into
// any directory on the path. A process running as root refuses directories
// owned by other users (for example a sudo that kept the invoking user's
// HOME) and falls back to a temporary directory.

// persistentDir prepares and checks <cache>/graphviz-wasm and returns it
// with a note on where it came from.
func persistentDir() (dir, why string, err error) {
	base := os.Getenv(CacheDirEnv)
	why = "from " + CacheDirEnv
	if base == "" {
		root, err := os.UserCacheDir()
		if err != nil {
			return "", "", err
		}
		base = filepath.Join(root, "shadowroute")
		why = "per-user cache directory"
	}
	if !filepath.IsAbs(base) {
		return "", "", errors.New(strconv.Quote(base) + " is not an absolute path")
	}
	base = filepath.Clean(base)
	name := filepath.Base(base)
	if name == string(filepath.Separator) {
		return "", "", errors.New("cache directory must not be /")
	}
	parent, err := trustedDirAll(filepath.Dir(base))
	if err != nil {
		return "", "", err
	}
	base = filepath.Join(parent, name)
	if err := mkdirChecked(base, checkTrusted); err != nil {
		return "", "", err
	}
	dir = joinCache(base)
	if err := mkdirChecked(dir, checkPrivate); err != nil {
		return "", "", err
	}
	if err := checkTree(dir); err != nil {
		return "", "", err
	}
	return dir, why, nil
}

// temporaryDir makes a fresh private directory under the user's temporary
// directory.
func temporaryDir(tmp string) (string, error) {
	if !filepath.IsAbs(tmp) {
		return "", errors.New("temporary directory " + strconv.Quote(tmp) + " is not an absolute path")
	}
	real, err := filepath.EvalSymlinks(tmp)
	if err != nil {
		return "", err
	}
	if err := checkChain(real); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(real, "shadowroute-graphviz-")
	if err != nil {
		return "", err
	}
	if err := checkPrivate(dir); err != nil {
		// Remove only an empty directory: if the check failed, what is
		// there may not be ours.
		_ = os.Remove(dir)
		return "", err
	}
	return dir, nil
}

// trustedDirAll returns p with symbolic links resolved, after checking that
// every directory from / down to it is trusted. Missing directories are
// created (0700) only below a trusted one, so nothing is created inside a
// directory that belongs to someone else.
func trustedDirAll(p string) (string, error) {
	p = filepath.Clean(p)
	existing := p
	var missing []string
	for {
		_, err := os.Lstat(existing)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		up := filepath.Dir(existing)
		if up == existing {
			return "", err
		}
		missing = append(missing, filepath.Base(existing))
		existing = up
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", err
	}
	if err := checkChain(real); err != nil {
		return "", err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		real = filepath.Join(real, missing[i])
		if err := mkdirChecked(real, checkTrusted); err != nil {
			return "", err
		}
	}
	return real, nil
}

// mkdirChecked creates dir (0700) unless it exists, then checks it.
func mkdirChecked(dir string, check func(string) error) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return check(dir)
}

// checkChain checks every directory from / down to p, which must be an
// absolute path without symbolic links.
func checkChain(p string) error {
	var chain []string
	for d := filepath.Clean(p); ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if err := checkTrusted(chain[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkTrusted: a directory only we or root can change (see above).
func checkTrusted(dir string) error {
	fi, uid, err := lstatDir(dir)
	if err != nil {
		return err
	}
	if uid != uint32(os.Geteuid()) && uid != 0 {
		return problem(dir, "owned by uid "+strconv.FormatUint(uint64(uid), 10)+", neither us nor root")
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return problem(dir, "writable by group or others (mode "+modeString(fi.Mode())+")")
	}
	return nil
}

// checkPrivate: a directory that is ours and closed to everyone else.
func checkPrivate(dir string) error {
	fi, uid, err := lstatDir(dir)
	if err != nil {
		return err
	}
	if uid != uint32(os.Geteuid()) {
		return problem(dir, "owned by uid "+strconv.FormatUint(uint64(uid), 10)+", not by us")
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return problem(dir, "open to group or others (mode "+modeString(fi.Mode())+"); want 0700")
	}
	return nil
}

// checkTree checks everything below dir: plain directories and regular
// files, ours, not writable by group or others.
func checkTree(dir string) error {
	n := 0
	euid := uint32(os.Geteuid())
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile by another of our processes
			}
			return err
		}
		if p == dir {
			return nil
		}
		if n++; n > maxTreeEntries {
			return problem(dir, "holds more than "+strconv.Itoa(maxTreeEntries)+" entries")
		}
		fi, err := d.Info() // lstat: WalkDir does not follow links
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if t := fi.Mode().Type(); t != 0 && t != fs.ModeDir {
			return problem(p, "neither a directory nor a regular file")
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return problem(p, "no owner information")
		}
		if st.Uid != euid {
			return problem(p, "owned by uid "+strconv.FormatUint(uint64(st.Uid), 10)+", not by us")
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return problem(p, "writable by group or others (mode "+modeString(fi.Mode())+")")
		}
		return nil
	})
}

// lstatDir returns dir's information and owner; dir must be a directory
// and not a symbolic link.
func lstatDir(dir string) (fs.FileInfo, uint32, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, 0, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, 0, problem(dir, "is a symbolic link")
	}
	if !fi.IsDir() {
		return nil, 0, problem(dir, "is not a directory")
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, 0, problem(dir, "no owner information")
	}
	return fi, st.Uid, nil
}

func problem(path, what string) error {
	return errors.New(path + ": " + what)
}

// modeString prints permission bits in octal, with the sticky bit as 1000.
func modeString(m fs.FileMode) string {
	v := uint64(m.Perm())
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return "0" + strconv.FormatUint(v, 8)
}
