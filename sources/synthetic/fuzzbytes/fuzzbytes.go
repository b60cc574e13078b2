// Package fuzzbytes turns a fuzzer's input into a stream of choices, so a
// structured generator (an inventory, a set of policies) can be driven by
// `go test -fuzz`: each byte picks one option, and past the end of the input
// every choice is the first option, so every input decodes to something and
// short inputs are complete.
package fuzzbytes

// Reader hands out the input a byte at a time.
type Reader struct{ b []byte }

// New reads data.
func New(data []byte) *Reader { return &Reader{b: data} }

// Byte returns the next byte, or 0 past the end.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Intn returns a choice in [0, n).
func (r *Reader) Intn(n int) int { return int(r.Byte()) % n }

// Bool returns a yes/no choice.
func (r *Reader) Bool() bool { return r.Byte()&1 == 1 }

// Choose returns one of the options.
func (r *Reader) Choose(options ...string) string { return options[r.Intn(len(options))] }
