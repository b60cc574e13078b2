// Package diff compares the analysis of two configurations, as a pull
// request changes them: which findings are new, fixed or unchanged (by
// their stable fingerprint, so renamed files and moved lines change
// nothing), and the part of the graph that matters for exposure: workloads
// the internet newly reaches through configured routing, new connections
// into databases, hops that went from mTLS to plaintext, and
// AuthorizationPolicies that no longer apply to any hop.
package diff

import (
	"fmt"
	"sort"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/graph"
)

// Side is one analysed configuration.
type Side struct {
	Result *analysis.Result
	Graph  *graph.Graph
}

// Delta is what changed from base to head.
type Delta struct {
	New       []analysis.Finding `json:"new"`
	Fixed     []analysis.Finding `json:"fixed"`
	Unchanged []analysis.Finding `json:"unchanged"`
	// NewlyExposed are routes from the internet to workloads head has and
	// base did not ("host/path -> namespace/name[Kind]").
	NewlyExposed []string `json:"newlyExposed"`
	// NoLongerExposed is the reverse.
	NoLongerExposed []string `json:"noLongerExposed"`
	// NewDatabaseEdges are connections into database workloads head allows
	// and base did not ("source -> database:port (auth)").
	NewDatabaseEdges []string `json:"newDatabaseEdges"`
	// Downgraded are hops mTLS in base and plaintext in head.
	Downgraded []string `json:"downgraded"`
	// PoliciesStopped are AuthorizationPolicies deciding some hop in base
	// and none in head.
	PoliciesStopped []string `json:"policiesStopped"`
	// Suppressed counts the new findings a baseline or annotation accepts
	// (they are in New, marked).
	Suppressed int `json:"suppressed"`
}

// Compare computes the delta. Suppressed findings of head count as new
// only when no suppression accepts them (they are listed, marked).
func Compare(base, head Side) Delta {
	d := Delta{New: []analysis.Finding{}, Fixed: []analysis.Finding{}, Unchanged: []analysis.Finding{},
		NewlyExposed: []string{}, NoLongerExposed: []string{}, NewDatabaseEdges: []string{}, Downgraded: []string{}, PoliciesStopped: []string{}}
	baseFP := fingerprints(base.Result)
	headFP := fingerprints(head.Result)
	for _, f := range head.Result.Findings {
		if _, ok := baseFP[analysis.Fingerprint(f)]; ok {
			d.Unchanged = append(d.Unchanged, f)
			continue
		}
		d.New = append(d.New, f)
		if !f.Counted() {
			d.Suppressed++
		}
	}
	for _, f := range base.Result.Findings {
		if _, ok := headFP[analysis.Fingerprint(f)]; !ok {
			d.Fixed = append(d.Fixed, f)
		}
	}
	be, he := exposure(base.Graph), exposure(head.Graph)
	d.NewlyExposed, d.NoLongerExposed = minus(he, be), minus(be, he)
	bEdges, hEdges := edges(base.Graph), edges(head.Graph)
	for _, k := range sortedKeys(hEdges) {
		h := hEdges[k]
		b, had := bEdges[k]
		if h.intoDatabase && !had {
			d.NewDatabaseEdges = append(d.NewDatabaseEdges, fmt.Sprintf("%s (%s)", k, h.auth))
		}
		if had && b.auth == graph.AuthMTLS && h.auth == graph.AuthPlaintext {
			d.Downgraded = append(d.Downgraded, fmt.Sprintf("%s: mtls -> plaintext (%s)", k, h.reason))
		}
	}
	d.PoliciesStopped = minus(policies(base.Graph), policies(head.Graph))
	return d
}

// HasNewAtOrAbove reports a new finding that counts at or above sev.
func (d Delta) HasNewAtOrAbove(sev analysis.Severity) bool {
	for _, f := range d.New {
		if f.Counted() && f.Severity.Rank() >= sev.Rank() {
			return true
		}
	}
	return false
}

func fingerprints(r *analysis.Result) map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Findings {
		out[analysis.Fingerprint(f)] = true
	}
	return out
}

// exposure is the configured-routing exposure: internet route → workload
// it delivers to (blast radius, routed only).
func exposure(g *graph.Graph) map[string]bool {
	out := map[string]bool{}
	for _, e := range blastradius.Compute(g, nil, 0) {
		for _, r := range e.Reaches {
			if r.How == blastradius.Routed {
				out[fmt.Sprintf("%s%s -> %s", e.Route.Host, e.Route.Path, r.Workload)] = true
			}
		}
	}
	return out
}

type edgeInfo struct {
	auth         graph.AuthState
	reason       string
	intoDatabase bool
}

// edges are the network hops between workloads, keyed "from -> to:port".
func edges(g *graph.Graph) map[string]edgeInfo {
	out := map[string]edgeInfo{}
	for _, n := range g.SortedNodes() {
		for _, e := range g.EdgesFrom(n) {
			to := e.ToNode()
			if e.Kind != graph.EdgeNetwork || to.Kind != graph.KindWorkload {
				continue
			}
			k := fmt.Sprintf("%s -> %s:%d", n.Label, to.Label, e.Port)
			info := edgeInfo{auth: e.Auth, reason: e.AuthReason, intoDatabase: to.Workload != nil && to.Workload.Database != nil}
			if prev, ok := out[k]; ok && prev.auth == graph.AuthPlaintext {
				continue // keep the weaker of parallel hops
			}
			out[k] = info
		}
	}
	return out
}

// policies are the AuthorizationPolicies some hop's decision names.
func policies(g *graph.Graph) map[string]bool {
	out := map[string]bool{}
	for _, n := range g.SortedNodes() {
		for _, e := range g.EdgesFrom(n) {
			if e.Authz != nil {
				for _, p := range e.Authz.Policies {
					out[p] = true
				}
			}
		}
	}
	return out
}

func minus(a, b map[string]bool) []string {
	out := []string{}
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
