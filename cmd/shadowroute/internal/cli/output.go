package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// output is where a command writes its result: stdout, or -o FILE written
// atomically. A file is written to a temporary sibling and renamed over the
// target only when the whole write succeeded, so a failed or interrupted run
// leaves the previous file as it was (a CI job never reads half a report).
type output struct {
	w    io.Writer
	tmp  *os.File // nil for stdout
	path string
}

// openOutput opens -o FILE (or stdout for "" and "-").
func openOutput(path string, stdout io.Writer) (*output, error) {
	if path == "" || path == "-" {
		return &output{w: stdout}, nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The temporary file lives beside the target so the rename stays on one
	// file system; CreateTemp makes it 0600 with an unpredictable name.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, inputError("cannot write %s: %v", path, err)
	}
	return &output{w: tmp, tmp: tmp, path: path}, nil
}

// finish completes the output: with writeErr nil the file is synced and put
// in place, otherwise it is discarded. It returns writeErr, or the error of
// putting the file in place.
func (o *output) finish(writeErr error) error {
	if o.tmp == nil {
		return writeErr
	}
	name := o.tmp.Name()
	if writeErr != nil {
		o.tmp.Close()
		os.Remove(name)
		return writeErr
	}
	err := o.tmp.Chmod(0o644)
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, o.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}
