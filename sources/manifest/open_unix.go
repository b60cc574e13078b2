//go:build unix

package manifest

import (
	"errors"
	"os"
	"syscall"
)

// openNoFollow opens path read-only, failing on a symbolic link (O_NOFOLLOW)
// and not blocking on a FIFO (O_NONBLOCK; regular files ignore it).
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// isSymlinkLoop reports the error O_NOFOLLOW gives for a symbolic link.
func isSymlinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
