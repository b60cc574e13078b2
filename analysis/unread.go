package analysis

import (
	"fmt"
	"sort"

	"github.com/shadowroute/shadowroute/graph/model"
)

// markUnread names, in Not seen, every part of a live cluster the
// credentials could not read (and the namespaces a -n read left out), and
// adds to each finding an assumption for every unread kind in a namespace
// its target or path touches, or in every namespace: the verdict was
// computed as if no object of that kind existed there, which the control
// plane may not agree with.
func markUnread(res *Result, m *model.Model) {
	inv := m.Inventory
	res.NotSeen = append(res.NotSeen, inv.Scope...)
	if len(inv.Unread) == 0 {
		return
	}
	for _, u := range inv.Unread {
		res.NotSeen = append(res.NotSeen, u.String()+"; verdicts that depend on it are marked as assumptions")
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		touched := map[string]bool{f.Target.Namespace: true}
		for _, h := range f.Path {
			touched[h.Node.Namespace] = true
		}
		var add []string
		for _, u := range inv.Unread {
			if u.Namespace != "" && !touched[u.Namespace] {
				continue
			}
			add = append(add, fmt.Sprintf("assumes no %s beyond what was read: %s", u.Kind, u))
		}
		sort.Strings(add)
		f.Assumptions = append(f.Assumptions, add...)
	}
}
