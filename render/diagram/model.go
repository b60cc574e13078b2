package diagram

import (
	"bytes"
	"encoding/json"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// NodeDetail is what a diagram knows about one drawn node: it is the JSON
// graph export's node, and what the HTML report shows when a node is
// clicked. ID is the DOT node ID, which Graphviz writes as the <title> of
// the node's <g class="node"> element in SVG.
type NodeDetail struct {
	ID         string            `json:"id"`
	Kind       graph.NodeKind    `json:"kind"`
	Namespace  string            `json:"namespace,omitempty"`
	Name       string            `json:"name"`
	Label      string            `json:"label"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Findings are indexes into the analysis result's findings whose
	// witness path passes this node.
	Findings []int `json:"findings,omitempty"`
	// Collapsed counts the nodes a summary node stands for.
	Collapsed int `json:"collapsed,omitempty"`
}

// EdgeDetail is one drawn edge.
type EdgeDetail struct {
	From       string            `json:"from"`
	To         string            `json:"to"`
	Kind       graph.EdgeKind    `json:"kind"`
	State      string            `json:"state"`
	Attributes map[string]string `json:"attributes,omitempty"`
	OnPath     bool              `json:"onPath,omitempty"`
}

// Diagram is a view of the graph ready to draw: the nodes and edges kept by
// the view, in a deterministic order.
type Diagram struct {
	Nodes []NodeDetail `json:"nodes"`
	Edges []EdgeDetail `json:"edges"`
	// Collapsed says, one statement each, what was drawn as summary nodes.
	Collapsed []string `json:"collapsed,omitempty"`
}

// MarshalJSON writes the diagram as plain encoding/json would, then lets
// safetext.JSON write invisible characters and CI log commands found in
// names as \u escapes: the values decode unchanged, and the JSON can be
// printed to a terminal or CI log (graph --format json, the HTML report's
// data).
func (d Diagram) MarshalJSON() ([]byte, error) {
	type plain Diagram
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain(d)); err != nil {
		return nil, err
	}
	return safetext.JSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
