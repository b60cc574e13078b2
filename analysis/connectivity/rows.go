// Package connectivity reads the connectivity view of the graph as a table:
// one row per connected pair (and, with mesh outcomes, per authentication
// and authorization state), plus the exposure rows.
package connectivity

import (
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/graph"
)

// Row is one connection.
type Row struct {
	Src  string `json:"src"`
	Dst  string `json:"dst"`
	Conn string `json:"conn"`
	// Auth and Authz are set in the mesh view.
	Auth  graph.AuthState  `json:"auth,omitempty"`
	Authz graph.AuthzState `json:"authz,omitempty"`
	// Conditions, in the mesh view, are the request conditions the
	// connection is admitted (or partly denied) under: the row holds for
	// some requests only and is tagged conditional.
	Conditions []string `json:"conditions,omitempty"`
	// SrcNamespace and DstNamespace group peers in diagrams.
	SrcNamespace string         `json:"-"`
	DstNamespace string         `json:"-"`
	SrcKind      graph.NodeKind `json:"-"`
	DstKind      graph.NodeKind `json:"-"`
}

// ExposureRow is one exposure line: a workload and what it is exposed to
// (Direction "=>" egress, "<=" ingress).
type ExposureRow struct {
	Workload  string `json:"workload"`
	Direction string `json:"direction"`
	Peer      string `json:"peer"`
	Conn      string `json:"conn"`
}

// Table is the whole view.
type Table struct {
	Rows     []Row
	Egress   []ExposureRow
	Ingress  []ExposureRow
	Mesh     bool
	Exposure bool
}

// Name is how a node appears in the table: ns/name[Kind] for workloads,
// the label for everything else.
func Name(n *graph.Node) string {
	if n.Kind == graph.KindWorkload && n.UID != "" {
		return n.UID
	}
	return n.Label
}

// Read builds the table from a connectivity graph. focus keeps only rows
// touching one workload ("ns/name" or "name").
func Read(g *graph.Graph, mesh, exposure bool, focus string) Table {
	t := Table{Mesh: mesh, Exposure: exposure}
	for _, e := range g.Edges() {
		if e.Kind != graph.EdgeNetwork || e.Conns.Empty() {
			continue
		}
		from, to := e.FromNode(), e.ToNode()
		if focus != "" && !matchesFocus(from, focus) && !matchesFocus(to, focus) {
			continue
		}
		switch {
		case to.Kind == graph.KindCluster:
			t.Egress = append(t.Egress, ExposureRow{Workload: Name(from), Direction: "=>", Peer: Name(to), Conn: connText(e, mesh)})
			continue
		case from.Kind == graph.KindCluster:
			t.Ingress = append(t.Ingress, ExposureRow{Workload: Name(to), Direction: "<=", Peer: Name(from), Conn: connText(e, mesh)})
			continue
		}
		r := Row{Src: Name(from), Dst: Name(to), Conn: e.Conns.String(), SrcNamespace: from.Namespace, DstNamespace: to.Namespace,
			SrcKind: from.Kind, DstKind: to.Kind}
		if mesh {
			r.Auth = e.Auth
			if e.Authz != nil {
				r.Authz, r.Conditions = e.Authz.State, e.Authz.Narrowing
			}
		}
		t.Rows = append(t.Rows, r)
		if exposure && from.Kind == graph.KindExternal {
			t.Ingress = append(t.Ingress, ExposureRow{Workload: r.Dst, Direction: "<=", Peer: r.Src, Conn: connText(e, mesh)})
		}
		if exposure && to.Kind == graph.KindExternal {
			t.Egress = append(t.Egress, ExposureRow{Workload: r.Src, Direction: "=>", Peer: r.Dst, Conn: connText(e, mesh)})
		}
	}
	sort.Slice(t.Rows, func(i, j int) bool { return t.Rows[i].Line(mesh) < t.Rows[j].Line(mesh) })
	for _, list := range [][]ExposureRow{t.Egress, t.Ingress} {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.Workload != b.Workload {
				return a.Workload < b.Workload
			}
			if a.Peer != b.Peer {
				return a.Peer < b.Peer
			}
			return a.Conn < b.Conn
		})
	}
	return t
}

func connText(e *graph.Edge, mesh bool) string {
	s := e.Conns.String()
	if mesh && e.Auth != "" {
		state := graph.AuthzUnrestricted
		if e.Authz != nil && e.Authz.State != "" {
			state = e.Authz.State
		}
		s += " [" + string(e.Auth) + ", " + string(state) + conditionalTag(e.Authz != nil && len(e.Authz.Narrowing) > 0) + "]"
	}
	return s
}

func conditionalTag(conditional bool) string {
	if conditional {
		return ", conditional"
	}
	return ""
}

// ConnText is the row's connection column, with the mesh tag in the mesh
// view.
func (r Row) ConnText() string {
	if r.Auth == "" {
		return r.Conn
	}
	state := r.Authz
	if state == "" {
		state = graph.AuthzUnrestricted
	}
	return r.Conn + " [" + string(r.Auth) + ", " + string(state) + conditionalTag(len(r.Conditions) > 0) + "]"
}

// Line is the netpol-analyzer txt line.
func (r Row) Line(mesh bool) string {
	return r.Src + " => " + r.Dst + " : " + r.ConnText()
}

func matchesFocus(n *graph.Node, focus string) bool {
	if n.Kind != graph.KindWorkload {
		return false
	}
	nsName := n.Namespace + "/" + n.Name
	return focus == nsName || focus == n.Name || focus == Name(n) || strings.EqualFold(focus, n.Label)
}
