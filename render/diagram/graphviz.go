package diagram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/goccy/go-graphviz"

	// Gives go-graphviz's init a private directory for its WASM compilation
	// cache instead of a shared os.TempDir()/go-graphviz; tmpdir_restore.go
	// undoes the redirection afterwards. See the package's documentation.
	_ "github.com/shadowroute/shadowroute/render/diagram/internal/wasmcache"
)

// layoutMu serialises every use of go-graphviz: v0.2.10 runs Graphviz as a
// single WASM module shared by the whole process, and concurrent renders
// corrupt each other. This is the one piece of process-wide state in the
// project, and it exists because the library's is.
var layoutMu sync.Mutex

// Layout formats go-graphviz produces correctly. Its PNG output is broken in
// v0.2.10 (outlines and edges missing), so PNG is painted by this package
// from the "json" layout instead.
const (
	FormatSVG  = "svg"
	FormatJSON = "json" // xdot drawing operations with coordinates
)

// ErrTimeout is returned when a layout takes longer than allowed.
var ErrTimeout = errors.New("graph layout timed out")

// Layout runs Graphviz's dot layout on DOT text and renders it as SVG or
// as xdot JSON. A layout that exceeds timeout is abandoned (the WASM call
// cannot be interrupted, so it finishes in the background while the caller
// gets ErrTimeout and the lock stays held until it is done).
func Layout(ctx context.Context, dot []byte, format string, timeout time.Duration) ([]byte, error) {
	if format != FormatSVG && format != FormatJSON {
		return nil, fmt.Errorf("unsupported layout format %q", format)
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		layoutMu.Lock()
		defer layoutMu.Unlock()
		out, err := layout(ctx, dot, format)
		done <- result{out, err}
	}()
	if timeout <= 0 {
		r := <-done
		return r.out, r.err
	}
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(timeout):
		return nil, fmt.Errorf("%w after %s", ErrTimeout, timeout)
	}
}

func layout(ctx context.Context, dot []byte, format string) ([]byte, error) {
	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting graphviz: %w", err)
	}
	defer gv.Close()
	g, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("parsing DOT: %w", err)
	}
	defer g.Close()
	var buf bytes.Buffer
	if err := gv.Render(ctx, g, graphviz.Format(format), &buf); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", format, err)
	}
	return buf.Bytes(), nil
}
