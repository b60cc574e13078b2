package analysis

import (
	"container/heap"
	"encoding/binary"
	"math"

	gonum "gonum.org/v1/gonum/graph"

	"github.com/shadowroute/shadowroute/graph"
)

// loopFreeBudget bounds the partial paths the loop-free search queues. A
// shortest path in the state graph may pass one node of the reachability
// graph twice (in two states: before and after a plaintext hop, or entered
// on two ports), which no real request does: a witness path never re-enters
// a proxy it passed. Finding the cheapest path without such a repeat is a
// search over partial paths, exponential in the worst case; it is bounded,
// and a search that stops at the bound keeps the shortest path, which
// AssumptionsOf then names.
const loopFreeBudget = 200000

// revisited returns the first node a sequence of states passes twice (or
// passes at all, for avoid), or nil.
func (s *stateGraph) revisited(nodes []gonum.Node, avoid *graph.Node) *graph.Node {
	seen := make(map[*graph.Node]bool, len(nodes))
	for _, gn := range nodes {
		n := s.nodes[gn.ID()]
		if seen[n] || n == avoid {
			return n
		}
		seen[n] = true
	}
	return nil
}

// treeOrLoopFree returns the shortest-path tree's path to the cheapest of
// targets when it passes no node twice and not avoid; otherwise the
// cheapest loop-free path to one of them, or nil when there is none. When
// the bounded search cannot decide, it returns the tree's path.
func (q *Search) treeOrLoopFree(targets []int64, avoid *graph.Node) []gonum.Node {
	bestID, best := int64(-1), math.Inf(1)
	for _, id := range targets {
		if d := q.tree.WeightTo(id); d < best {
			bestID, best = id, d
		}
	}
	if math.IsInf(best, 1) {
		return nil
	}
	nodes, _ := q.tree.To(bestID)
	if q.s.revisited(nodes, avoid) == nil {
		return nodes
	}
	found, decided := q.loopFree(targets, avoid)
	if !decided {
		return nodes
	}
	return found
}

// partialPath is a path of the loop-free search, kept as a chain back to
// the source (paths are short; checking the chain is cheaper than a set).
type partialPath struct {
	id     int64
	node   *graph.Node
	cost   float64
	parent *partialPath
	// visited is the set of reachability-graph nodes the path passes, a
	// bitset by node ID (IDs are dense).
	visited []uint64
}

func (p *partialPath) passes(n *graph.Node) bool {
	id := n.ID()
	w := int(id / 64)
	return w < len(p.visited) && p.visited[w]&(1<<(id%64)) != 0
}

// extend is the path followed by one more state.
func (p *partialPath) extend(id int64, n *graph.Node, cost float64) *partialPath {
	nid := n.ID()
	size := max(len(p.visited), int(nid/64)+1)
	visited := make([]uint64, size)
	copy(visited, p.visited)
	visited[nid/64] |= 1 << (nid % 64)
	return &partialPath{id: id, node: n, cost: cost, parent: p, visited: visited}
}

// key identifies what matters of a partial path for the rest of the
// search: the state it is in and the nodes it may no longer pass. Two paths
// with the same key have the same loop-free continuations, so only the
// cheaper (the first taken) needs expanding: the search explores sets of
// passed nodes, not their orders.
func (p *partialPath) key() string {
	b := make([]byte, 8+8*len(p.visited))
	binary.LittleEndian.PutUint64(b, uint64(p.id))
	for i, w := range p.visited {
		binary.LittleEndian.PutUint64(b[8+8*i:], w)
	}
	return string(b)
}

// loopFree is an A* search over partial paths that never pass a node of
// the reachability graph twice nor avoid, guided by the exact distance to
// the targets in the state graph (a lower bound for any loop-free path), so
// the first target taken is the cheapest loop-free path. decided is false
// when the budget (partial paths queued, so a node with many lateral
// neighbours cannot multiply it) ran out first.
func (q *Search) loopFree(targets []int64, avoid *graph.Node) (nodes []gonum.Node, decided bool) {
	toTarget := q.s.distancesTo(targets)
	isTarget := make(map[int64]bool, len(targets))
	for _, id := range targets {
		isTarget[id] = true
	}
	start := q.s.id(q.src, 0, false, false)
	h, ok := toTarget[start]
	if !ok {
		return nil, true
	}
	open := &minHeap[queued]{less: byPriority}
	heap.Push(open, queued{(&partialPath{}).extend(start, q.src, 0), h})
	expanded := map[string]bool{}
	for pushed := 1; open.Len() > 0; {
		p := heap.Pop(open).(queued).path
		if k := p.key(); expanded[k] {
			continue
		} else {
			expanded[k] = true
		}
		if isTarget[p.id] {
			var out []gonum.Node
			for ; p != nil; p = p.parent {
				out = append(out, q.s.node(p.id))
			}
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
			return out, true
		}
		next := q.s.From(p.id)
		for next.Next() {
			succ := next.Node().ID()
			n := q.s.nodes[succ]
			rest, ok := toTarget[succ]
			if !ok || n == avoid || p.passes(n) {
				continue
			}
			if pushed == q.s.loopBudget {
				return nil, false
			}
			pushed++
			w, _ := q.s.Weight(p.id, succ)
			child := p.extend(succ, n, p.cost+w)
			heap.Push(open, queued{child, child.cost + rest})
		}
	}
	return nil, true
}

// distancesTo is the cheapest cost from every state that can reach one of
// targets to the nearest of them (Dijkstra over incoming edges).
func (s *stateGraph) distancesTo(targets []int64) map[int64]float64 {
	dist := map[int64]float64{}
	open := &minHeap[distItem]{less: func(a, b distItem) bool { return a.d < b.d }}
	for _, id := range targets {
		dist[id] = 0
		heap.Push(open, distItem{id, 0})
	}
	for open.Len() > 0 {
		it := heap.Pop(open).(distItem)
		if it.d > dist[it.id] {
			continue
		}
		// An in-arc names the edge of the out-arc it mirrors, whose
		// cost it is.
		for _, a := range s.inArcs()[it.id] {
			from, w := int64(a.state), s.weight(a)
			if d, ok := dist[from]; !ok || it.d+w < d {
				dist[from] = it.d + w
				heap.Push(open, distItem{from, it.d + w})
			}
		}
	}
	return dist
}

type queued struct {
	path     *partialPath
	priority float64
}

type distItem struct {
	id int64
	d  float64
}

// minHeap is a container/heap of items ordered by less (both searches of
// this file use one).
type minHeap[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *minHeap[T]) Len() int           { return len(h.items) }
func (h *minHeap[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *minHeap[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *minHeap[T]) Push(x any)         { h.items = append(h.items, x.(T)) }
func (h *minHeap[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// byPriority orders partial paths by cost plus bound, then state id.
func byPriority(a, b queued) bool {
	if a.priority != b.priority {
		return a.priority < b.priority
	}
	return a.path.id < b.path.id
}
