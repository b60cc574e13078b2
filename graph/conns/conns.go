// Package conns represents sets of connections (protocol × port ranges) and
// prints them the way np-guard's netpol-analyzer does: "All Connections",
// "No Connections", or "TCP 80,443,UDP 53" (protocols alphabetical, ports
// as single numbers or ranges).
package conns

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MinPort and MaxPort bound the port space.
const (
	MinPort = 1
	MaxPort = 65535
)

// Protocols are the protocols NetworkPolicy knows, in print order.
var Protocols = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}

// Range is an inclusive port range.
type Range struct{ Lo, Hi int32 }

// Set is a set of (protocol, port) pairs. The zero value is empty.
type Set struct {
	ports map[corev1.Protocol][]Range
}

// All returns every protocol on every port.
func All() Set {
	s := Set{ports: map[corev1.Protocol][]Range{}}
	for _, p := range Protocols {
		s.ports[p] = []Range{{MinPort, MaxPort}}
	}
	return s
}

// Ports returns one protocol on the given range.
func Ports(p corev1.Protocol, lo, hi int32) Set {
	s := Set{}
	s.Add(p, lo, hi)
	return s
}

// Add adds a range, keeping ranges sorted and merged.
func (s *Set) Add(p corev1.Protocol, lo, hi int32) {
	if lo < MinPort {
		lo = MinPort
	}
	if hi > MaxPort {
		hi = MaxPort
	}
	if lo > hi {
		return
	}
	if s.ports == nil {
		s.ports = map[corev1.Protocol][]Range{}
	}
	rs := append(s.ports[p], Range{lo, hi})
	sort.Slice(rs, func(i, j int) bool { return rs[i].Lo < rs[j].Lo })
	merged := rs[:0]
	for _, r := range rs {
		if n := len(merged); n > 0 && r.Lo <= merged[n-1].Hi+1 {
			if r.Hi > merged[n-1].Hi {
				merged[n-1].Hi = r.Hi
			}
			continue
		}
		merged = append(merged, r)
	}
	s.ports[p] = merged
}

// Union returns s ∪ o.
func (s Set) Union(o Set) Set {
	out := s.Clone()
	for p, rs := range o.ports {
		for _, r := range rs {
			out.Add(p, r.Lo, r.Hi)
		}
	}
	return out
}

// Intersect returns s ∩ o.
func (s Set) Intersect(o Set) Set {
	out := Set{}
	for p, rs := range s.ports {
		for _, a := range rs {
			for _, b := range o.ports[p] {
				lo, hi := max(a.Lo, b.Lo), min(a.Hi, b.Hi)
				if lo <= hi {
					out.Add(p, lo, hi)
				}
			}
		}
	}
	return out
}

// Subtract returns s minus o.
func (s Set) Subtract(o Set) Set {
	out := Set{}
	for p, rs := range s.ports {
		for _, a := range rs {
			pieces := []Range{a}
			for _, b := range o.ports[p] {
				var next []Range
				for _, x := range pieces {
					if b.Hi < x.Lo || b.Lo > x.Hi {
						next = append(next, x)
						continue
					}
					if x.Lo < b.Lo {
						next = append(next, Range{x.Lo, b.Lo - 1})
					}
					if x.Hi > b.Hi {
						next = append(next, Range{b.Hi + 1, x.Hi})
					}
				}
				pieces = next
			}
			for _, x := range pieces {
				out.Add(p, x.Lo, x.Hi)
			}
		}
	}
	return out
}

// Clone copies the set.
func (s Set) Clone() Set {
	out := Set{}
	for p, rs := range s.ports {
		for _, r := range rs {
			out.Add(p, r.Lo, r.Hi)
		}
	}
	return out
}

// Contains reports whether the set holds a protocol port.
func (s Set) Contains(p corev1.Protocol, port int32) bool {
	for _, r := range s.ports[p] {
		if port >= r.Lo && port <= r.Hi {
			return true
		}
	}
	return false
}

// Empty reports whether the set holds nothing.
func (s Set) Empty() bool {
	for _, rs := range s.ports {
		if len(rs) > 0 {
			return false
		}
	}
	return true
}

// IsAll reports whether the set holds every protocol and port.
func (s Set) IsAll() bool {
	for _, p := range Protocols {
		rs := s.ports[p]
		if len(rs) != 1 || rs[0].Lo != MinPort || rs[0].Hi != MaxPort {
			return false
		}
	}
	return true
}

// Ranges returns the ranges of one protocol.
func (s Set) Ranges(p corev1.Protocol) []Range { return s.ports[p] }

// Equal reports set equality.
func (s Set) Equal(o Set) bool { return s.String() == o.String() }

// String prints the set in netpol-analyzer's notation.
func (s Set) String() string {
	if s.IsAll() {
		return "All Connections"
	}
	if s.Empty() {
		return "No Connections"
	}
	var parts []string
	for _, p := range Protocols {
		rs := s.ports[p]
		if len(rs) == 0 {
			continue
		}
		var ports []string
		for _, r := range rs {
			if r.Lo == r.Hi {
				ports = append(ports, fmt.Sprint(r.Lo))
			} else {
				ports = append(ports, fmt.Sprintf("%d-%d", r.Lo, r.Hi))
			}
		}
		parts = append(parts, string(p)+" "+strings.Join(ports, ","))
	}
	return strings.Join(parts, ",")
}
