package manifest

import (
	"bytes"

	yamlv3 "go.yaml.in/yaml/v3"
)

// aliasExpansion returns how many bytes the aliases (*name, and merge keys
// <<: *name) of one YAML document add when the document is expanded into a
// tree, as the YAML-to-JSON conversion does. It parses the document into
// yaml.v3 nodes, which keep an alias as a pointer to its anchor instead of a
// copy, and sums the expanded size of every alias target (memoised per node,
// so the count itself is linear in the document).
//
// Why: the converter's own guard (go-yaml's alias-ratio check) catches the
// nested "billion laughs" form but not one large anchored scalar referenced
// many times (1 MB × 900 aliases: 121 s and 3 GB before this check). The
// caller skips a document above its budget before the converter sees it.
//
// ok is false when the document does not parse here; the converter then
// reports the syntax error itself.
func aliasExpansion(text []byte, limit int64) (added int64, ok bool) {
	if !bytes.ContainsRune(text, '*') {
		return 0, true // no alias can exist without '*'
	}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(text, &root); err != nil {
		return 0, false
	}
	m := &aliasMeter{size: map[*yamlv3.Node]int64{}, limit: limit}
	m.walk(&root)
	return m.added, true
}

type aliasMeter struct {
	size  map[*yamlv3.Node]int64 // expanded size of nodes already measured
	added int64                  // bytes added by aliases so far
	limit int64                  // stop counting once past this
}

// walk visits each node of the document once and adds, for every alias, the
// expanded size of the node it names.
func (m *aliasMeter) walk(n *yamlv3.Node) {
	if n == nil || m.added > m.limit {
		return
	}
	if n.Kind == yamlv3.AliasNode {
		m.added += m.expanded(n.Alias, 0)
		return
	}
	for _, c := range n.Content {
		m.walk(c)
	}
}

// expanded is the size of n with every alias inside it replaced by a copy of
// its target: scalars count their value, collections their children plus a
// byte of punctuation each. Anchors cannot refer to themselves in YAML, but
// depth guards against a malformed tree.
func (m *aliasMeter) expanded(n *yamlv3.Node, depth int) int64 {
	if n == nil || depth > 10_000 {
		return 0
	}
	if s, ok := m.size[n]; ok {
		return s
	}
	var s int64
	switch n.Kind {
	case yamlv3.AliasNode:
		s = m.expanded(n.Alias, depth+1)
	case yamlv3.ScalarNode:
		s = int64(len(n.Value)) + 1
	default:
		s = 2
		for _, c := range n.Content {
			s += m.expanded(c, depth+1) + 1
			if s > m.limit {
				break // past any budget; the exact figure does not matter
			}
		}
	}
	m.size[n] = s
	return s
}
