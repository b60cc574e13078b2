// Package blastradius answers, for every route the internet reaches, what an
// attacker who takes over a workload behind it gets: the workloads the route
// delivers to, the workloads those may pivot to, and the database credentials
// (Secrets) any of them hold, joined with the databases that use the same
// Secret and whether as their admin account.
//
// It reads the reachability graph (graph/build) and the workloads' pod
// templates; Secret values are never read (the loader keeps none). The model
// and its limits are documented in docs/blast-radius.md.
package blastradius

import (
	"slices"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Entry is the blast radius of one internet-reachable route.
type Entry struct {
	Route RouteRef `json:"route"`
	// Reaches lists the workloads the route delivers to ("routed"), then
	// the workloads reachable from those by pivot that hold a database
	// credential.
	Reaches []Reach `json:"reaches"`
}

// RouteRef names a route: its graph label, host and path (for a
// VirtualService, the URI match), and the routing object.
type RouteRef struct {
	Label string         `json:"label"`
	Host  string         `json:"host"`
	Path  string         `json:"path"`
	Owner graph.Evidence `json:"owner"`
}

// Reach is a workload the route's traffic reaches, and the database
// credentials it holds.
type Reach struct {
	// Workload is namespace/name[Kind].
	Workload string `json:"workload"`
	// How is "routed", or "pivot via ns/a → ns/b" (the workloads the
	// connection chain starts from, first the routed one).
	How         string       `json:"how"`
	Credentials []Credential `json:"credentials"`
}

// Credential is a Secret the workload holds that looks like a database
// credential or that a database workload uses.
type Credential struct {
	// Secret is namespace/name.
	Secret string `json:"secret"`
	// Keys are the keys the workload references (empty: all keys, as with
	// envFrom or a whole-Secret volume).
	Keys []string `json:"keys"`
	// Use says how the workload holds it ("env DB_PASSWORD from key
	// password; volume creds mounted at /etc/db").
	Use string `json:"use"`
	// UsedByDatabases are the database workloads using the same Secret
	// (same namespace and name, or a reflector/replicator copy of it). A
	// database holding its own Secret lists itself.
	UsedByDatabases []DBUse `json:"usedByDatabases"`
}

// DBUse is how a database workload uses a Secret.
type DBUse struct {
	// Database is namespace/name[Kind].
	Database string `json:"database"`
	Use      string `json:"use"`
	// Secret is the Secret the database references (namespace/name) when
	// it is not the credential's own but a reflector/replicator copy of it
	// or its source; empty otherwise.
	Secret string `json:"secret,omitempty"`
	// Admin is set when the database initialises its admin/superuser
	// account from the Secret (POSTGRES_PASSWORD, MYSQL_ROOT_PASSWORD, an
	// operator's superuser Secret, ...).
	Admin bool `json:"admin"`
}

// Routed is the How of a workload the route delivers to.
const Routed = "routed"

// AnyPivots lets the blast radius follow pivot chains of any length.
const AnyPivots = -1

// Compute returns the blast radius of every internet-reachable route, sorted
// by host, path and label. Routes that deliver to no workload are left out.
// inv may be nil: Secret copies are then not followed. maxPivots bounds the
// pivot hops (lateral movement) followed from a route's backends, as
// --lateral bounds the path search: 0 follows none, AnyPivots no limit.
func Compute(g *graph.Graph, inv *inventory.Inventory, maxPivots int) []Entry {
	return compute(g, inv, maxPivots, nil)
}

// ComputeAdminHolders is Compute keeping only the credentials a workload
// holds that are another database's admin credential (Credential.AdminOf):
// routed reaches keep those alone, pivots that hold none are left out, and
// so are routes none of whose reaches holds one.
// What it returns is Compute's answer with everything else removed, and it
// costs far less when few workloads hold such a credential: the walk from a
// route stops once every holder is found, and is skipped when there is
// none.
func ComputeAdminHolders(g *graph.Graph, inv *inventory.Inventory, maxPivots int) []Entry {
	return compute(g, inv, maxPivots, func(holder string, c Credential) bool { return len(c.AdminOf(holder)) > 0 })
}

// AdminOf lists the databases other than the holder (namespace/name[Kind])
// that initialise their admin account from the credential. A database
// holding the Secret it is initialised from holds it by design (its own
// admin account, or a replica holding its primary's superuser and
// replication passwords): then none is listed.
func (c Credential) AdminOf(holder string) []DBUse {
	var admins []DBUse
	for _, d := range c.UsedByDatabases {
		if d.Database == holder {
			return nil
		}
		if d.Admin {
			admins = append(admins, d)
		}
	}
	return admins
}

// compute is Compute keeping, when filter is set, only the credentials it
// accepts.
func compute(g *graph.Graph, inv *inventory.Inventory, maxPivots int, filter func(holder string, c Credential) bool) []Entry {
	if g == nil || g.Internet == nil {
		return []Entry{}
	}
	idx := newIndex(g, inv)
	credentials := func(n *graph.Node) []Credential {
		all := idx.credentials(n)
		if filter == nil {
			return all
		}
		out := []Credential{}
		for _, c := range all {
			if filter(n.Workload.Source.ID(), c) {
				out = append(out, c)
			}
		}
		return out
	}
	holders := newHolderSet(g, func(n *graph.Node) bool { return len(credentials(n)) > 0 })
	routes := publicRoutes(g)
	pivotCache := map[string][]pivot{}
	out := []Entry{}
	for _, r := range routes {
		e := Entry{Route: RouteRef{Label: r.node.Label, Owner: r.node.Route.Owner, Host: r.node.Route.Host, Path: r.node.Route.Path}, Reaches: []Reach{}}
		for _, w := range r.backends {
			e.Reaches = append(e.Reaches, Reach{Workload: w.Workload.Source.ID(), How: Routed, Credentials: credentials(w)})
		}
		key := nodeKeys(r.backends)
		pv, ok := pivotCache[key]
		if !ok {
			pv = pivots(g, r.backends, maxPivots, holders)
			pivotCache[key] = pv
		}
		for _, p := range pv {
			e.Reaches = append(e.Reaches, Reach{Workload: p.node.Workload.Source.ID(), How: "pivot via " + p.via, Credentials: credentials(p.node)})
		}
		if len(e.Reaches) == 0 {
			continue
		}
		if filter != nil && !holdsAny(e.Reaches) {
			continue
		}
		sort.SliceStable(e.Reaches, func(i, j int) bool {
			a, b := e.Reaches[i], e.Reaches[j]
			if (a.How == Routed) != (b.How == Routed) {
				return a.How == Routed
			}
			if a.Workload != b.Workload {
				return a.Workload < b.Workload
			}
			return a.How < b.How
		})
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Route, out[j].Route
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Label < b.Label
	})
	return out
}

// publicRoute is a route the internet reaches and the workloads it delivers
// to (sorted by key).
type publicRoute struct {
	node     *graph.Node
	backends []*graph.Node
}

// publicRoutes finds the routes the internet reaches: internet → exposes →
// (entrypoint → forwards →) controller or gateway workload → forwards →
// route. A workload a public route delivers to that itself forwards to
// routes (an Istio gateway behind ingress-nginx, say) makes those routes
// public too. Backends are the destinations of routed network edges from
// those front workloads through the route (route → Service → selected pods,
// as evaluated by the builder: refused hops are absent).
func publicRoutes(g *graph.Graph) []publicRoute {
	// fronts maps each front workload to the ports the internet enters it
	// on (nil: any, for an assumed controller); a routed edge counts only
	// when it admits one of them (Edge.AdmitsEntry).
	fronts := map[*graph.Node][]int32{}
	anyPort := map[*graph.Node]bool{}
	var queue []*graph.Node
	addFront := func(n *graph.Node, port int32, any bool) {
		if n.Kind != graph.KindWorkload {
			return
		}
		// A front is (re)visited whenever it is entered on a port it was
		// not known to be entered on: its routes are judged with every
		// port (the queue ends: ports are finite).
		switch {
		case any && !anyPort[n]:
			anyPort[n] = true
		case !any && !anyPort[n] && !slices.Contains(fronts[n], port):
			fronts[n] = append(fronts[n], port)
		default:
			return
		}
		queue = append(queue, n)
	}
	for _, e := range g.EdgesFrom(g.Internet) {
		if e.Kind != graph.EdgeExposes {
			continue
		}
		to := e.ToNode()
		switch to.Kind {
		case graph.KindWorkload:
			addFront(to, 0, true) // an assumed Ingress controller
		case graph.KindEntrypoint:
			for _, e2 := range g.EdgesFrom(to) {
				if e2.Kind == graph.EdgeForwards {
					addFront(e2.ToNode(), e2.Port, false)
				}
			}
		}
	}
	admitted := func(f *graph.Node, e *graph.Edge) bool {
		if anyPort[f] {
			return true
		}
		for _, p := range fronts[f] {
			if e.AdmitsEntry(p) {
				return true
			}
		}
		return false
	}
	routes := map[*graph.Node]map[*graph.Node]bool{}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		forwards := map[*graph.Node]bool{}
		for _, e := range g.EdgesFrom(f) {
			if e.Kind == graph.EdgeForwards && e.ToNode().Kind == graph.KindRoute && e.ToNode().Route != nil {
				forwards[e.ToNode()] = true
			}
		}
		for _, e := range g.EdgesFrom(f) {
			if e.Kind != graph.EdgeNetwork || !e.Routed || len(e.Via) == 0 || !forwards[e.Via[0]] || !admitted(f, e) {
				continue
			}
			dst := e.ToNode()
			if dst.Workload == nil || dst.Workload.Source == nil {
				continue
			}
			if routes[e.Via[0]] == nil {
				routes[e.Via[0]] = map[*graph.Node]bool{}
			}
			routes[e.Via[0]][dst] = true
			for _, e2 := range g.EdgesFrom(dst) {
				if e2.Kind == graph.EdgeForwards && e2.ToNode().Kind == graph.KindRoute {
					addFront(dst, e.Port, false)
					break
				}
			}
		}
	}
	out := make([]publicRoute, 0, len(routes))
	for r, dsts := range routes {
		pr := publicRoute{node: r}
		for d := range dsts {
			pr.backends = append(pr.backends, d)
		}
		sortNodes(pr.backends)
		out = append(out, pr)
	}
	// Sort by node key, each key built once (Key concatenates strings).
	keys := make(map[*graph.Node]string, len(out))
	for _, p := range out {
		keys[p.node] = p.node.Key()
	}
	sort.Slice(out, func(i, j int) bool { return keys[out[i].node] < keys[out[j].node] })
	return out
}

// pivot is a workload reached from a route's backends over network edges.
type pivot struct {
	node *graph.Node
	// via is the chain of workloads before it, " → " separated.
	via string
}

// holderSet marks the workloads whose credentials a computation keeps, by
// node ID.
type holderSet struct {
	is    []bool
	count int
}

func newHolderSet(g *graph.Graph, holds func(*graph.Node) bool) holderSet {
	h := holderSet{is: make([]bool, g.IDBound())}
	for _, n := range g.SortedNodes() {
		if n.Kind == graph.KindWorkload && n.Workload != nil && n.Workload.Source != nil && holds(n) {
			h.is[n.ID()] = true
			h.count++
		}
	}
	return h
}

// holdsAny: some reach holds a kept credential.
func holdsAny(reaches []Reach) bool {
	for _, r := range reaches {
		if len(r.Credentials) > 0 {
			return true
		}
	}
	return false
}

// pivots walks non-routed network edges breadth-first from the backends,
// at most maxPivots hops deep (AnyPivots: no limit): each workload is
// visited once, at its shortest chain, so the walk is linear in the graph
// and deterministic (starts sorted, edges in insertion order). The graph
// only holds pivot edges the builder allowed (NetworkPolicy, mesh
// authentication, authorization).
//
// Only the holders are returned (their chains are built; the walk still
// passes through the others), and the walk stops once every holder other
// than the starts is found: the chains of those found are the same.
func pivots(g *graph.Graph, starts []*graph.Node, maxPivots int, holders holderSet) []pivot {
	// Per-node state in slices by node ID (dense), not maps: the walk
	// passes every lateral edge once per distinct start set, and map
	// lookups were most of its cost on large graphs.
	bound := g.IDBound()
	left := holders.count
	seen := make([]bool, bound)
	for _, s := range starts {
		if !seen[s.ID()] && holders.is[s.ID()] {
			left--
		}
		seen[s.ID()] = true
	}
	if left == 0 {
		return nil
	}
	parent := make([]*graph.Node, bound)
	depth := make([]int32, bound)
	queue := append([]*graph.Node{}, starts...)
	var found []*graph.Node
walk:
	for head := 0; head < len(queue); head++ {
		n := queue[head]
		if maxPivots != AnyPivots && int(depth[n.ID()]) >= maxPivots {
			continue
		}
		for _, e := range g.EdgesFrom(n) {
			if e.Kind != graph.EdgeNetwork || e.Routed {
				continue
			}
			to := e.ToNode()
			if to.Kind != graph.KindWorkload || seen[to.ID()] {
				continue
			}
			seen[to.ID()] = true
			parent[to.ID()] = n
			depth[to.ID()] = depth[n.ID()] + 1
			queue = append(queue, to)
			if holders.is[to.ID()] {
				found = append(found, to)
				if left--; left == 0 {
					break walk
				}
			}
		}
	}
	var out []pivot
	for _, n := range found {
		var chain []string
		for p := parent[n.ID()]; p != nil; p = parent[p.ID()] {
			chain = append(chain, name(p))
		}
		slices.Reverse(chain)
		out = append(out, pivot{node: n, via: strings.Join(chain, " → ")})
	}
	// Sort by node key, each key built once (Key concatenates strings).
	keys := make(map[*graph.Node]string, len(out))
	for _, p := range out {
		keys[p.node] = p.node.Key()
	}
	sort.Slice(out, func(i, j int) bool { return keys[out[i].node] < keys[out[j].node] })
	return out
}

// name is ns/name of a workload node (its label for assumed ones).
func name(n *graph.Node) string {
	if n.Workload != nil && n.Workload.Source != nil {
		return n.Workload.Source.Namespace + "/" + n.Workload.Source.Name
	}
	return n.Label
}

func sortNodes(ns []*graph.Node) {
	sort.Slice(ns, func(i, j int) bool { return ns[i].Key() < ns[j].Key() })
}

func nodeKeys(ns []*graph.Node) string {
	keys := make([]string, len(ns))
	for i, n := range ns {
		keys[i] = n.Key()
	}
	return strings.Join(keys, "\x00")
}

// index holds, per workload, the Secrets it holds, and per source Secret the
// database workloads using it.
type index struct {
	inv   *inventory.Inventory
	dbUse map[string][]dbUse // canonical secret → uses
	cache map[*graph.Node][]Credential
}

type dbUse struct {
	db     string // ns/name[Kind]
	secret string // the Secret the database references (may be a copy)
	use    string
	admin  bool
}

func newIndex(g *graph.Graph, inv *inventory.Inventory) *index {
	idx := &index{inv: inv, dbUse: map[string][]dbUse{}, cache: map[*graph.Node][]Credential{}}
	for _, n := range g.SortedNodes() {
		if n.Kind != graph.KindWorkload || n.Workload == nil || n.Workload.Database == nil || n.Workload.Source == nil {
			continue
		}
		w := n.Workload.Source
		for _, u := range secretUses(w, true) {
			c, _ := canonical(inv, u.secret)
			idx.dbUse[c] = append(idx.dbUse[c], dbUse{db: w.ID(), secret: u.secret, use: u.use, admin: u.admin})
		}
		for _, r := range operatorAdminSecrets(w) {
			id := w.Namespace + "/" + r.secret
			c, _ := canonical(inv, id)
			idx.dbUse[c] = append(idx.dbUse[c], dbUse{db: w.ID(), secret: id, use: r.use, admin: r.admin})
		}
	}
	return idx
}

// credentials returns the database credentials a workload holds, merged
// per Secret and sorted.
func (idx *index) credentials(n *graph.Node) []Credential {
	if c, ok := idx.cache[n]; ok {
		return c
	}
	w := n.Workload.Source
	type held struct {
		keys, uses, signals []string
	}
	bySecret := map[string]*held{}
	var order []string
	for _, u := range secretUses(w, false) {
		h := bySecret[u.secret]
		if h == nil {
			h = &held{}
			bySecret[u.secret] = h
			order = append(order, u.secret)
		}
		h.keys = append(h.keys, u.keys...)
		h.uses = append(h.uses, u.use)
		h.signals = append(h.signals, u.signals...)
	}
	out := []Credential{}
	for _, s := range order {
		h := bySecret[s]
		c, _ := canonical(idx.inv, s)
		dbs := idx.databasesUsing(c, s)
		looks := false
		for _, sig := range append([]string{secretName(s)}, h.signals...) {
			if LooksLikeDBCredential(sig) {
				looks = true
				break
			}
		}
		if !looks && len(dbs) == 0 {
			continue
		}
		out = append(out, Credential{Secret: s, Keys: sortedUnique(h.keys), Use: strings.Join(sortedUnique(h.uses), "; "), UsedByDatabases: dbs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Secret < out[j].Secret })
	idx.cache[n] = out
	return out
}

// databasesUsing merges the uses of one source Secret per database; a use
// through a different copy than the holder's names that copy.
func (idx *index) databasesUsing(canon, held string) []DBUse {
	type merged struct {
		uses, secrets []string
		admin         bool
	}
	byDB := map[string]*merged{}
	for _, u := range idx.dbUse[canon] {
		m := byDB[u.db]
		if m == nil {
			m = &merged{}
			byDB[u.db] = m
		}
		text := u.use
		if u.secret != held {
			text += " of " + u.secret + ", " + copyRelation(idx.inv, held, u.secret, canon)
			m.secrets = append(m.secrets, u.secret)
		}
		m.uses = append(m.uses, text)
		m.admin = m.admin || u.admin
	}
	out := []DBUse{}
	for db, m := range byDB {
		out = append(out, DBUse{Database: db, Use: strings.Join(sortedUnique(m.uses), "; "), Secret: strings.Join(sortedUnique(m.secrets), ", "), Admin: m.admin})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Database < out[j].Database })
	return out
}

func secretName(id string) string {
	_, n, _ := strings.Cut(id, "/")
	return n
}

// copyRelation says how the Secret a database references relates to the one
// the holder references when they differ: one is a reflector/replicator copy
// of the other, or both are copies of the same source.
func copyRelation(inv *inventory.Inventory, held, dbSecret, canon string) string {
	_, heldTool := canonical(inv, held)
	_, dbTool := canonical(inv, dbSecret)
	switch canon {
	case dbSecret:
		return "of which " + held + " is a " + heldTool + " copy"
	case held:
		return "a " + dbTool + " copy of " + held
	}
	return "a " + dbTool + " copy of " + canon + " as is " + held
}
