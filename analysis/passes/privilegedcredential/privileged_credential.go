package privilegedcredential

import (
	"fmt"
	"strings"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports workloads an internet route
// reaches (routed, or by pivot from a routed workload) that hold the Secret a
// database initialises its admin account with: taking over the workload
// gives superuser access to the database, whatever its network isolation.
// The reachability and the credential model are the blast radius
// (analysis/blastradius, docs/blast-radius.md).
var Rule = &analysis.Rule{
	Slug:     "privileged-credential-on-public-route",
	Severity: analysis.Critical,
	Title:    "Workload behind a public route holds a database admin credential",
	Summary:  "a workload an internet route reaches (directly or by pivot) holds the Secret a database uses for its admin account",
	Doc:      "docs/rules/privileged-credential-on-public-route.md",
	Messages: []analysis.Message{
		{Code: "SR1601", Level: analysis.Critical, Summary: "a workload reached from an internet route holds the admin credential of a database"},
	},
	Needs: analysis.NeedBlastRadius,
	Run:   runPrivilegedCredential,
}

// privHeld is one (workload, Secret) pair to report, with every public
// route that reaches the workload.
type privHeld struct {
	workload string
	secret   blastradius.Credential
	dbs      []blastradius.DBUse
	routes   []blastradius.RouteRef
	hows     []string
}

func runPrivilegedCredential(p *analysis.Pass) []analysis.Finding {
	workloads := map[string]*inventory.Workload{} // by ns/name[Kind]
	byName := map[string]*inventory.Workload{}    // by ns/name, the first by key
	for _, n := range p.Graph.SortedNodes() {
		if src := privWorkloadSource(n); src != nil {
			workloads[src.ID()] = src
			if byName[src.Namespace+"/"+src.Name] == nil {
				byName[src.Namespace+"/"+src.Name] = src
			}
		}
	}
	var order []string
	held := map[string]*privHeld{}
	for _, e := range p.AdminCredentialReach() {
		for _, r := range e.Reaches {
			for _, c := range r.Credentials {
				admins := c.AdminOf(r.Workload)
				if len(admins) == 0 {
					continue
				}
				key := r.Workload + "\x00" + c.Secret
				h := held[key]
				if h == nil {
					h = &privHeld{workload: r.Workload, secret: c, dbs: admins}
					held[key] = h
					order = append(order, key)
				}
				h.routes = append(h.routes, e.Route)
				h.hows = append(h.hows, r.How)
			}
		}
	}
	var out []analysis.Finding
	for _, key := range order {
		h := held[key]
		w := workloads[h.workload]
		if w == nil {
			continue
		}
		best := privBestRoute(h)
		f := p.Finding("SR1601", passutil.WorkloadRef(w), privilegedMessage(w, h, best), privilegedEvidence(p, workloads, byName, w, h, best)...)
		f.Details = privilegedDetails(w, h, best)
		out = append(out, f)
	}
	return out
}

// privBestRoute picks the route the message names: one that delivers to
// the workload itself when there is one, else the first.
func privBestRoute(h *privHeld) int {
	for i, how := range h.hows {
		if how == blastradius.Routed {
			return i
		}
	}
	return 0
}

// privilegedMessage says in about 300 characters who holds which key of
// which Secret, how (env variable or mount path), for which database, and
// the route that reaches the holder; the other routes, the pivot chain and
// the database's own use of the Secret are in the details and the blast
// radius.
func privilegedMessage(w *inventory.Workload, h *privHeld, best int) string {
	route := h.routes[best].Label
	if n := privDistinctRoutes(h.routes); n > 1 {
		route += fmt.Sprintf(" (+%d more)", n-1)
	}
	reach := "routed to by internet route " + route
	if h.hows[best] != blastradius.Routed {
		hops := strings.Count(h.hows[best], " → ") + 1
		reach = fmt.Sprintf("reachable from internet route %s by %d pivot hop(s)", route, hops)
	}
	var dbs []string
	for _, d := range h.dbs {
		dbs = append(dbs, d.Database)
	}
	return fmt.Sprintf("%s/%s, %s, holds Secret %s as %s: the admin credential of %s, so taking it over gives superuser access to the database",
		w.Namespace, w.Name, reach, h.secret.Secret, h.secret.Use, strings.Join(dbs, " and "))
}

func privDistinctRoutes(rs []blastradius.RouteRef) int {
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.Label] = true
	}
	return len(seen)
}

// privilegedDetails are the finding's JSON details: the holder, the Secret,
// its keys and how it is held, the databases it is the admin credential of,
// the route named and how it reaches the holder, and every route that does.
func privilegedDetails(w *inventory.Workload, h *privHeld, best int) map[string]any {
	var dbs, routes []string
	for _, d := range h.dbs {
		dbs = append(dbs, d.Database)
	}
	seen := map[string]bool{}
	for _, r := range h.routes {
		if !seen[r.Label] {
			seen[r.Label] = true
			routes = append(routes, r.Label)
		}
	}
	keys := h.secret.Keys
	if keys == nil {
		keys = []string{}
	}
	return map[string]any{
		"holder": w.ID(), "secret": h.secret.Secret, "keys": keys, "use": h.secret.Use,
		"databases": dbs, "route": h.routes[best].Label, "reachedBy": h.hows[best], "routes": routes,
	}
}

// privilegedEvidence: the routing object of the route the message names and
// the workloads of its pivot chain, the holder, the Secret (and the
// database's copy of it when different) if in the input, and the databases:
// only objects on that route (the other routes are in the details).
func privilegedEvidence(p *analysis.Pass, workloads, byName map[string]*inventory.Workload, w *inventory.Workload, h *privHeld, best int) []graph.Evidence {
	var ev []graph.Evidence
	seen := map[graph.Evidence]bool{}
	add := func(e graph.Evidence) {
		if e.Kind != "" && !seen[e] {
			seen[e] = true
			ev = append(ev, e)
		}
	}
	add(h.routes[best].Owner)
	// The workloads the pivot starts from ("pivot via ns/a → ns/b").
	if chain, ok := strings.CutPrefix(h.hows[best], "pivot via "); ok {
		for _, step := range strings.Split(chain, " → ") {
			if src := byName[step]; src != nil {
				add(graph.EvidenceOf(src.Object))
			}
		}
	}
	add(graph.EvidenceOf(w.Object))
	secrets := []string{h.secret.Secret}
	for _, d := range h.dbs {
		if d.Secret != "" {
			secrets = append(secrets, strings.Split(d.Secret, ", ")...)
		}
	}
	for _, s := range secrets {
		ns, name, _ := strings.Cut(s, "/")
		if o := p.Model.Object(inventory.Secret, ns, name); o != nil {
			add(graph.EvidenceOf(o))
		}
	}
	for _, d := range h.dbs {
		if src := workloads[d.Database]; src != nil {
			add(graph.EvidenceOf(src.Object))
		}
	}
	return ev
}

// privWorkloadSource returns the inventory workload of a workload node, or nil.
func privWorkloadSource(n *graph.Node) *inventory.Workload {
	if n.Kind != graph.KindWorkload || n.Workload == nil {
		return nil
	}
	return n.Workload.Source
}
