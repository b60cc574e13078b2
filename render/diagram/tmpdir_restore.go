package diagram

import "github.com/shadowroute/shadowroute/render/diagram/internal/wasmcache"

// init undoes wasmcache's redirection of TMPDIR. This package imports
// go-graphviz, so by the Go specification ("Package initialization": a
// package is initialised only once all the packages it imports are) this
// runs after go-graphviz's init has compiled its WASM module with the
// private cache directory. From here on the program, and every process it
// starts, sees the user's own TMPDIR again; a temporary fallback directory
// is removed.
func init() {
	wasmcache.Restore()
}
