// Package diagram draws the reachability graph: DOT written by this
// package (stable IDs, deterministic order, layered left to right), SVG and
// layout through go-graphviz, PNG painted from the layout, and Mermaid.
package diagram
