package conns

import (
	"fmt"
	"math/bits"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// refSet is the obviously-correct model of a Set: one bit per (protocol,
// port), ports 0..65535 (bit 0 is never set: MinPort is 1).
type refSet [3][1024]uint64

func protoIndex(p corev1.Protocol) int {
	for i, q := range Protocols {
		if q == p {
			return i
		}
	}
	panic("unknown protocol " + p)
}

func (r *refSet) add(p corev1.Protocol, lo, hi int32) {
	lo, hi = max(lo, MinPort), min(hi, MaxPort)
	words := &r[protoIndex(p)]
	for port := lo; port <= hi; {
		if port%64 == 0 && port+63 <= hi {
			words[port/64] = ^uint64(0) // a whole word at once
			port += 64
			continue
		}
		words[port/64] |= 1 << (port % 64)
		port++
	}
}

func (r *refSet) has(p corev1.Protocol, port int32) bool {
	if port < 0 || port > MaxPort {
		return false
	}
	return r[protoIndex(p)][port/64]&(1<<(port%64)) != 0
}

func (r refSet) combine(o refSet, op func(a, b uint64) uint64) refSet {
	var out refSet
	for i := range r {
		for w := range r[i] {
			out[i][w] = op(r[i][w], o[i][w])
		}
	}
	return out
}

func (r refSet) count() int {
	n := 0
	for i := range r {
		for _, w := range r[i] {
			n += bits.OnesCount64(w)
		}
	}
	return n
}

// runs lists the maximal runs of set ports of one protocol, scanning a word
// at a time.
func (r *refSet) runs(p corev1.Protocol) []Range {
	words := &r[protoIndex(p)]
	// skip returns the first port >= port whose bit is want (or MaxPort+1).
	skip := func(port int32, want bool) int32 {
		for port <= MaxPort {
			off := port % 64
			w := words[port/64]
			if !want {
				w = ^w
			}
			// Bits of ports below port are shifted out; the zeros shifted in
			// at the top mean "continue in the next word".
			n := int32(bits.TrailingZeros64(w >> off))
			if n >= 64-off {
				port += 64 - off
				continue
			}
			return port + n
		}
		return MaxPort + 1
	}
	var out []Range
	for port := skip(MinPort, true); port <= MaxPort; port = skip(port, true) {
		end := skip(port, false)
		out = append(out, Range{port, end - 1})
		port = end
	}
	return out
}

// refString is netpol-analyzer's notation computed from the bitmap.
func (r *refSet) refString() string {
	if r.count() == len(Protocols)*MaxPort {
		return "All Connections"
	}
	if r.count() == 0 {
		return "No Connections"
	}
	var parts []string
	for _, p := range Protocols {
		var ports []string
		for _, run := range r.runs(p) {
			if run.Lo == run.Hi {
				ports = append(ports, fmt.Sprint(run.Lo))
			} else {
				ports = append(ports, fmt.Sprintf("%d-%d", run.Lo, run.Hi))
			}
		}
		if len(ports) > 0 {
			parts = append(parts, string(p)+" "+strings.Join(ports, ","))
		}
	}
	return strings.Join(parts, ",")
}

// fuzzPort maps a byte to a port bound: mostly small ports (so ranges
// overlap and touch), plus the edges and out-of-range values that Add clamps.
func fuzzPort(b byte) int32 {
	switch b {
	case 250:
		return MaxPort
	case 251:
		return MaxPort - 1
	case 252:
		return MaxPort + 1
	case 253:
		return -7
	case 254:
		return 32768
	case 255:
		return 1 << 20
	}
	return int32(b % 40)
}

// decodeSet builds a Set and its model from bytes: every 3 bytes are one
// operation (at most 12); the first picks the operation and protocol.
func decodeSet(data []byte) (Set, refSet) {
	var s Set
	var r refSet
	for n := 0; len(data) >= 3 && n < 12; n++ {
		op, lo, hi := data[0], fuzzPort(data[1]), fuzzPort(data[2])
		data = data[3:]
		p := Protocols[int(op)%len(Protocols)]
		switch (op / 3) % 8 {
		case 0:
			s = All()
			for _, q := range Protocols {
				r.add(q, MinPort, MaxPort)
			}
		case 1:
			// Ports replaces the set, like All.
			s, r = Ports(p, lo, hi), refSet{}
			r.add(p, lo, hi)
		default:
			s.Add(p, lo, hi)
			r.add(p, lo, hi)
		}
	}
	return s, r
}

// checkSet compares a Set with its model: membership on every port,
// canonical ranges, Empty, IsAll and String.
func checkSet(t *testing.T, what string, s Set, r refSet) {
	t.Helper()
	for _, p := range Protocols {
		got, want := s.Ranges(p), r.runs(p)
		if len(got) != len(want) {
			t.Fatalf("%s: %s ranges %v, want %v", what, p, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %s ranges %v, want %v", what, p, got, want)
			}
		}
		// Contains on the range edges and their neighbours, and out of range.
		probes := []int32{-1, 0, MinPort, MaxPort, MaxPort + 1}
		for _, rg := range want {
			probes = append(probes, rg.Lo-1, rg.Lo, rg.Hi, rg.Hi+1)
		}
		for _, port := range probes {
			if got, want := s.Contains(p, port), r.has(p, port); got != want {
				t.Fatalf("%s: Contains(%s, %d) = %v, want %v", what, p, port, got, want)
			}
		}
	}
	if got, want := s.Empty(), r.count() == 0; got != want {
		t.Fatalf("%s: Empty() = %v, want %v", what, got, want)
	}
	if got, want := s.IsAll(), r.count() == len(Protocols)*MaxPort; got != want {
		t.Fatalf("%s: IsAll() = %v, want %v", what, got, want)
	}
	if got, want := s.String(), r.refString(); got != want {
		t.Fatalf("%s: String() = %q, want %q", what, got, want)
	}
}

// FuzzSetAlgebra: Add, All, Ports, Union, Intersect, Subtract, Clone,
// Contains, Equal, Empty, IsAll and String agree with a bitmap over every
// protocol and port, and the operations leave their operands unchanged.
func FuzzSetAlgebra(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0, 0, 0}, []byte{1, 80 % 40, 80 % 40})                   // All vs one TCP port
	f.Add([]byte{7, 1, 10, 7, 11, 20}, []byte{7, 5, 15})                  // adjacent ranges merge
	f.Add([]byte{7, 1, 10, 7, 12, 20}, []byte{7, 11, 11})                 // a one-port gap
	f.Add([]byte{6, 253, 252}, []byte{6, 250, 250})                       // clamping to 1..65535
	f.Add([]byte{0, 0, 0}, []byte{0, 0, 0})                               // All - All
	f.Add([]byte{8, 30, 5}, []byte{9, 1, 39})                             // lo > hi adds nothing
	f.Add([]byte{6, 1, 255, 7, 1, 254, 8, 251, 250}, []byte{7, 254, 254}) // large ranges
	f.Add([]byte{3, 5, 9, 7, 1, 3}, []byte{4, 2, 8, 4, 30, 31})           // Ports then Add
	f.Fuzz(func(t *testing.T, a, b []byte) {
		sa, ra := decodeSet(a)
		sb, rb := decodeSet(b)
		checkSet(t, "a", sa, ra)
		checkSet(t, "b", sb, rb)
		checkSet(t, "a ∪ b", sa.Union(sb), ra.combine(rb, func(x, y uint64) uint64 { return x | y }))
		checkSet(t, "a ∩ b", sa.Intersect(sb), ra.combine(rb, func(x, y uint64) uint64 { return x & y }))
		checkSet(t, "a - b", sa.Subtract(sb), ra.combine(rb, func(x, y uint64) uint64 { return x &^ y }))
		checkSet(t, "b - a", sb.Subtract(sa), rb.combine(ra, func(x, y uint64) uint64 { return x &^ y }))
		checkSet(t, "clone a", sa.Clone(), ra)
		if got, want := sa.Equal(sb), ra == rb; got != want {
			t.Fatalf("Equal = %v, want %v (a=%s b=%s)", got, want, sa, sb)
		}
		// The operations above must not have changed their operands.
		checkSet(t, "a after the operations", sa, ra)
		checkSet(t, "b after the operations", sb, rb)
	})
}
