package analysis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// markUnread names, in Not seen, every part of a live cluster the
// credentials could not read (and the namespaces a -n read left out), and
// adds to each finding an assumption for every unread kind in a namespace
// its target or path touches, in the mesh root namespace (whose Istio
// policies apply mesh-wide), or in every namespace: the verdict was
// computed as if no object of that kind existed there, which the control
// plane may not agree with.
func markUnread(res *Result, m *model.Model) {
	inv := m.Inventory
	res.NotSeen = append(res.NotSeen, NotReadLines(inv)...)
	if len(inv.Unread) == 0 {
		return
	}
	groups := unreadGroups(inv.Unread)
	root := m.Options.RootNamespace
	for i := range res.Findings {
		f := &res.Findings[i]
		touched := map[string]bool{f.Target.Namespace: true, root: true}
		for _, h := range f.Path {
			touched[h.Node.Namespace] = true
		}
		for _, g := range groups {
			if g.namespace == "" || touched[g.namespace] {
				f.Assumptions = append(f.Assumptions, "assumes no object beyond what was read: "+g.String())
			}
		}
	}
}

// NotReadLines are the Not seen lines for what the input left out: the
// scope of a restricted live read, then what could not be read, one line
// per namespace and reason.
func NotReadLines(inv *inventory.Inventory) []string {
	out := append([]string{}, inv.Scope...)
	for _, g := range unreadGroups(inv.Unread) {
		out = append(out, g.String()+"; verdicts that depend on it are marked as assumptions")
	}
	return out
}

// unreadGroup is the kinds unread in one namespace for one reason.
type unreadGroup struct {
	namespace, reason string
	kinds             []string
}

func (g unreadGroup) String() string {
	where := "in every namespace"
	if g.namespace != "" {
		where = "in namespace " + g.namespace
	}
	return fmt.Sprintf("%s %s could not be read from the cluster: %s", strings.Join(g.kinds, ", "), where, g.reason)
}

// unreadGroups folds the unread kinds by namespace and reason, so a
// namespace the credentials cannot read is one line, not one per kind.
func unreadGroups(unread []inventory.Unread) []unreadGroup {
	byKey := map[[2]string]*unreadGroup{}
	var out []*unreadGroup
	for _, u := range unread {
		k := [2]string{u.Namespace, u.Reason}
		g, ok := byKey[k]
		if !ok {
			g = &unreadGroup{namespace: u.Namespace, reason: u.Reason}
			byKey[k] = g
			out = append(out, g)
		}
		kind := u.Kind
		if u.Group != "" {
			kind += "." + u.Group
		}
		g.kinds = append(g.kinds, kind)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].namespace != out[j].namespace {
			return out[i].namespace < out[j].namespace
		}
		return out[i].reason < out[j].reason
	})
	res := make([]unreadGroup, len(out))
	for i, g := range out {
		sort.Strings(g.kinds)
		res[i] = *g
	}
	return res
}
