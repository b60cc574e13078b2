package blastradius

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/shadowroute/shadowroute/render/safetext"
)

// RouteText renders a route as "`/path` on host (Ingress ns/name)"; a route
// without a path (TCP, TLS passthrough) by its label. The result holds raw
// input: callers escape it for their output.
func RouteText(r RouteRef) string {
	if r.Path == "" {
		return r.Label
	}
	host, owner := routeParts(r)
	return fmt.Sprintf("`%s` on %s (%s)", r.Path, host, owner)
}

// routeParts returns the host ("any host" for none or "*") and the owning
// object of a route.
func routeParts(r RouteRef) (host, owner string) {
	host = r.Host
	if host == "" || host == "*" {
		host = "any host"
	}
	owner = r.Owner.Kind + " " + r.Owner.Name
	if r.Owner.Namespace != "" {
		owner = r.Owner.Kind + " " + r.Owner.Namespace + "/" + r.Owner.Name
	}
	return host, owner
}

// HeldText renders a credential as "ns/name [key, key]".
func HeldText(c Credential) string {
	if len(c.Keys) == 0 {
		return c.Secret
	}
	return c.Secret + " [" + strings.Join(c.Keys, ", ") + "]"
}

// UsedByText renders who uses a credential, from the holder's point of view.
func UsedByText(holder string, c Credential) string {
	if len(c.UsedByDatabases) == 0 {
		return "no database in the input uses it"
	}
	parts := make([]string, 0, len(c.UsedByDatabases))
	for _, d := range c.UsedByDatabases {
		role := "used by " + d.Database
		if d.Admin {
			role = "admin credential of " + d.Database
		}
		if d.Database == holder {
			role = "its own credential"
			if d.Admin {
				role = "its own admin credential"
			}
			parts = append(parts, role)
			continue
		}
		parts = append(parts, role+" as "+d.Use)
	}
	return strings.Join(parts, "; ")
}

// Text writes one line per credential a reached workload holds, and one per
// routed workload holding none:
//
//	`/public` on shop.example.com (Ingress shop/web) reaches shop/web[Deployment], which holds shop/shop-db-admin [password] as env DB_PASSWORD from key password (admin credential of shop/postgres[StatefulSet] as env POSTGRES_PASSWORD from key password)
//
// It writes nothing for no entries; the caller adds any heading. Values
// from the input are escaped with safetext (one line each, no terminal
// escapes), the route that starts each line with safetext.LineStart.
func Text(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	for _, e := range entries {
		route := safetext.LineStart(RouteText(e.Route))
		for _, r := range e.Reaches {
			who := r.Workload
			if r.How != Routed {
				who += " (" + r.How + ")"
			}
			who = safetext.Text(who)
			if len(r.Credentials) == 0 {
				fmt.Fprintf(bw, "%s reaches %s, which holds no database credential\n", route, who)
				continue
			}
			for _, c := range r.Credentials {
				fmt.Fprintf(bw, "%s reaches %s, which holds %s as %s (%s)\n", route, who, safetext.Text(HeldText(c)), safetext.Text(c.Use),
					safetext.Text(UsedByText(r.Workload, c)))
			}
		}
	}
	return bw.Flush()
}

// Markdown writes a table with one row per credential a reached workload
// holds (a routed workload holding none gets one row with "—"). It writes
// nothing for no entries; the caller adds any heading. Cells are escaped
// with safetext.Markdown (paths as safetext.MarkdownCode), so a value can
// neither add markup nor break the row.
func Markdown(w io.Writer, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "| Route | Workload | How | Credential | Held as | Used by databases |")
	fmt.Fprintln(bw, "| --- | --- | --- | --- | --- | --- |")
	for _, e := range entries {
		route := routeMarkdown(e.Route)
		for _, r := range e.Reaches {
			if len(r.Credentials) == 0 {
				fmt.Fprintf(bw, "| %s | %s | %s | — | — | — |\n", route, safetext.Markdown(r.Workload), safetext.Markdown(r.How))
				continue
			}
			for _, c := range r.Credentials {
				var used []string
				for _, d := range c.UsedByDatabases {
					if d.Database == r.Workload {
						own := "its own"
						if d.Admin {
							own = "its own, **admin**"
						}
						used = append(used, own)
						continue
					}
					role := safetext.Markdown(d.Database)
					if d.Admin {
						role = "**admin** of " + role
					}
					used = append(used, role+" ("+safetext.Markdown(d.Use)+")")
				}
				usedCell := "none in the input"
				if len(used) > 0 {
					usedCell = strings.Join(used, "<br>")
				}
				fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", route, safetext.Markdown(r.Workload), safetext.Markdown(r.How),
					safetext.Markdown(HeldText(c)), safetext.Markdown(c.Use), usedCell)
			}
		}
	}
	return bw.Flush()
}

// routeMarkdown is RouteText as a Markdown table cell: the path as inline
// code, the rest as text.
func routeMarkdown(r RouteRef) string {
	if r.Path == "" {
		return safetext.Markdown(r.Label)
	}
	host, owner := routeParts(r)
	return safetext.MarkdownCode(r.Path) + " on " + safetext.Markdown(host) + " (" + safetext.Markdown(owner) + ")"
}
