// Package ipspace answers the one question NetworkPolicy ipBlocks and
// AuthorizationPolicy ipBlocks pose for sources shadowroute models as a whole:
// does a CIDR (minus its exceptions) contain public addresses, private ones,
// or both?
package ipspace

import (
	"fmt"
	"math/big"
	"net/netip"
)

// Class is a source address class.
type Class int

// Address classes.
const (
	// Public is the internet: anything not private and not special.
	Public Class = iota
	// Private is RFC 1918, RFC 6598 shared space and IPv6 ULA.
	Private
)

func (c Class) String() string {
	if c == Private {
		return "private"
	}
	return "public"
}

var (
	privateRanges = mustPrefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
	// special ranges are neither internet nor private network sources.
	specialRanges = mustPrefixes("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fe80::/10", "ff00::/8")
)

func mustPrefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// IsPrivate reports whether every address of p is in private space.
func IsPrivate(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// interval is a closed range of addresses of one family as big integers.
type interval struct{ lo, hi *big.Int }

func toInterval(p netip.Prefix) interval {
	p = p.Masked()
	lo := new(big.Int).SetBytes(p.Addr().AsSlice())
	size := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits()))
	hi := new(big.Int).Sub(new(big.Int).Add(lo, size), big.NewInt(1))
	return interval{lo, hi}
}

// subtract removes b from every interval of set.
func subtract(set []interval, b interval) []interval {
	var out []interval
	one := big.NewInt(1)
	for _, a := range set {
		if b.hi.Cmp(a.lo) < 0 || b.lo.Cmp(a.hi) > 0 {
			out = append(out, a)
			continue
		}
		if a.lo.Cmp(b.lo) < 0 {
			out = append(out, interval{a.lo, new(big.Int).Sub(b.lo, one)})
		}
		if a.hi.Cmp(b.hi) > 0 {
			out = append(out, interval{new(big.Int).Add(b.hi, one), a.hi})
		}
	}
	return out
}

// Block is a CIDR with exceptions, as in a NetworkPolicy ipBlock.
type Block struct {
	CIDR   string
	Except []string
}

// addresses returns the block's prefix and its addresses minus the
// exceptions of the same family.
func (b Block) addresses() (netip.Prefix, []interval, error) {
	p, err := parsePrefix(b.CIDR)
	if err != nil {
		return netip.Prefix{}, nil, err
	}
	set := []interval{toInterval(p)}
	for _, e := range b.Except {
		ep, err := parsePrefix(e)
		if err != nil {
			return netip.Prefix{}, nil, err
		}
		if ep.Addr().Is4() == p.Addr().Is4() {
			set = subtract(set, toInterval(ep))
		}
	}
	return p, set, nil
}

// Contains reports whether the block (minus its exceptions) holds any address
// of class c.
func (b Block) Contains(c Class) (bool, error) {
	p, set, err := b.addresses()
	if err != nil {
		return false, err
	}
	is4 := p.Addr().Is4()
	if c == Private {
		for _, r := range privateRanges {
			if r.Addr().Is4() != is4 {
				continue
			}
			if intersects(set, toInterval(r)) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, r := range append(append([]netip.Prefix{}, privateRanges...), specialRanges...) {
		if r.Addr().Is4() == is4 {
			set = subtract(set, toInterval(r))
		}
	}
	return len(set) > 0, nil
}

// CoversAll reports whether the block (minus exceptions) holds every address
// of class c (used for notIpBlocks: a "not" block excludes a whole class only
// when it covers all of it).
func (b Block) CoversAll(c Class) (bool, error) {
	p, set, err := b.addresses()
	if err != nil {
		return false, err
	}
	// The block covers class c of its family when nothing of c is left after
	// removing the block from the whole family.
	var family interval
	if p.Addr().Is4() {
		family = toInterval(netip.MustParsePrefix("0.0.0.0/0"))
	} else {
		family = toInterval(netip.MustParsePrefix("::/0"))
	}
	rest := []interval{family}
	for _, iv := range set {
		rest = subtract(rest, iv)
	}
	if c == Private {
		for _, r := range privateRanges {
			if r.Addr().Is4() == p.Addr().Is4() && intersects(rest, toInterval(r)) {
				return false, nil
			}
		}
		return true, nil
	}
	for _, r := range append(append([]netip.Prefix{}, privateRanges...), specialRanges...) {
		if r.Addr().Is4() == p.Addr().Is4() {
			rest = subtract(rest, toInterval(r))
		}
	}
	return len(rest) == 0, nil
}

// UnionCoversAll reports whether the union of CIDRs (or bare addresses, as
// Istio ipBlocks allow) holds every address of class c in each address
// family the CIDRs name (as CoversAll judges one block in its family): the
// question for a list of ORed blocks, which may cover a class only
// together (0.0.0.0/1 and 128.0.0.0/1).
func UnionCoversAll(cidrs []string, c Class) (bool, error) {
	rest := map[bool][]interval{}
	for _, cidr := range cidrs {
		p, err := parsePrefix(cidr)
		if err != nil {
			return false, err
		}
		is4 := p.Addr().Is4()
		if _, ok := rest[is4]; !ok {
			family := "::/0"
			if is4 {
				family = "0.0.0.0/0"
			}
			rest[is4] = []interval{toInterval(netip.MustParsePrefix(family))}
		}
		rest[is4] = subtract(rest[is4], toInterval(p))
	}
	if len(rest) == 0 {
		return false, nil
	}
	for _, is4 := range []bool{true, false} {
		left, named := rest[is4]
		if !named {
			continue
		}
		if c == Private {
			for _, r := range privateRanges {
				if r.Addr().Is4() == is4 && intersects(left, toInterval(r)) {
					return false, nil
				}
			}
			continue
		}
		for _, r := range append(append([]netip.Prefix{}, privateRanges...), specialRanges...) {
			if r.Addr().Is4() == is4 {
				left = subtract(left, toInterval(r))
			}
		}
		if len(left) > 0 {
			return false, nil
		}
	}
	return true, nil
}

func intersects(set []interval, b interval) bool {
	for _, a := range set {
		if !(b.hi.Cmp(a.lo) < 0 || b.lo.Cmp(a.hi) > 0) {
			return true
		}
	}
	return false
}

// parsePrefix accepts a CIDR or a bare address (Istio ipBlocks allow both).
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParsePrefix is parsePrefix for callers that classify load-balancer source
// ranges.
func ParsePrefix(s string) (netip.Prefix, error) { return parsePrefix(s) }

// Overlaps reports whether the block (minus its exceptions) holds some
// address of prefix q.
func (b Block) Overlaps(q netip.Prefix) (bool, error) {
	p, set, err := b.addresses()
	if err != nil {
		return false, err
	}
	if p.Addr().Is4() != q.Addr().Is4() {
		return false, nil
	}
	return intersects(set, toInterval(q)), nil
}

// Covers reports whether the block (minus its exceptions) holds every
// address of prefix q.
func (b Block) Covers(q netip.Prefix) (bool, error) {
	iv := toInterval(q)
	return b.ContainsRange(addrOf(iv.lo, q.Addr().Is4()), addrOf(iv.hi, q.Addr().Is4()))
}

func addrOf(n *big.Int, is4 bool) netip.Addr {
	if is4 {
		return addr4(n)
	}
	var b [16]byte
	n.FillBytes(b[:])
	return netip.AddrFrom16(b)
}

// ContainsRange reports whether every address from lo to hi (one family) is
// in the block minus its exceptions.
func (b Block) ContainsRange(lo, hi netip.Addr) (bool, error) {
	p, set, err := b.addresses()
	if err != nil {
		return false, err
	}
	if p.Addr().Is4() != lo.Is4() {
		return false, nil
	}
	want := interval{new(big.Int).SetBytes(lo.AsSlice()), new(big.Int).SetBytes(hi.AsSlice())}
	for _, iv := range set {
		if iv.lo.Cmp(want.lo) <= 0 && iv.hi.Cmp(want.hi) >= 0 {
			return true, nil
		}
	}
	return false, nil
}

// Boundaries returns the IPv4 addresses where a block starts and where the
// address after its end lies, for its CIDR and every exception: the cut
// points that partition the IPv4 space into ranges every block either
// fully contains or fully excludes. IPv6 blocks contribute nothing.
func (b Block) Boundaries() []netip.Addr {
	// The edges of the maximal intervals of cidr minus except, as
	// netpol-analyzer cuts the address space: adjacent or nested excepts
	// make one gap, and an except edge inside it is no cut.
	p, set, err := b.addresses()
	if err != nil || !p.Addr().Is4() {
		return nil
	}
	var out []netip.Addr
	for _, iv := range set {
		out = append(out, addr4(iv.lo))
		if next := new(big.Int).Add(iv.hi, big.NewInt(1)); next.Cmp(big.NewInt(1<<32)) < 0 {
			out = append(out, addr4(next))
		}
	}
	return out
}

func addr4(n *big.Int) netip.Addr {
	var b [4]byte
	n.FillBytes(b[:])
	return netip.AddrFrom4(b)
}

// Partition cuts 0.0.0.0-255.255.255.255 at the given boundaries and
// returns the ranges in order, as [lo, hi] pairs.
func Partition(cuts []netip.Addr) [][2]netip.Addr {
	set := map[netip.Addr]bool{netip.AddrFrom4([4]byte{}): true}
	for _, c := range cuts {
		if c.Is4() {
			set[c] = true
		}
	}
	starts := make([]netip.Addr, 0, len(set))
	for a := range set {
		starts = append(starts, a)
	}
	sortAddrs(starts)
	out := make([][2]netip.Addr, 0, len(starts))
	for i, s := range starts {
		hi := netip.AddrFrom4([4]byte{255, 255, 255, 255})
		if i+1 < len(starts) {
			hi = starts[i+1].Prev()
		}
		out = append(out, [2]netip.Addr{s, hi})
	}
	return out
}

func sortAddrs(a []netip.Addr) {
	// Few cut points: insertion sort keeps this dependency-free and stable.
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Less(a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// RangeClass says whether a range is all private (else it is treated as
// reaching the internet).
func RangeClass(lo, hi netip.Addr) Class {
	for _, r := range privateRanges {
		iv := toInterval(r)
		if r.Addr().Is4() == lo.Is4() && iv.lo.Cmp(new(big.Int).SetBytes(lo.AsSlice())) <= 0 && iv.hi.Cmp(new(big.Int).SetBytes(hi.AsSlice())) >= 0 {
			return Private
		}
	}
	return Public
}
