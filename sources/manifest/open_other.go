//go:build !unix

package manifest

import "os"

// openNoFollow opens path read-only; on systems without O_NOFOLLOW the
// walk's own check (and the Stat after opening) keeps links and special
// files out.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

func isSymlinkLoop(error) bool { return false }
