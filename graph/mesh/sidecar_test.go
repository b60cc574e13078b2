package mesh

import "testing"

func sidecar(name, ns, selector, hostList, policy string) string {
	s := "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n"
	if selector != "" {
		s += "  workloadSelector: {labels: {" + selector + "}}\n"
	}
	if hostList != "" {
		s += "  egress: [{hosts: [" + hostList + "]}]\n"
	}
	if policy != "" {
		s += "  outboundTrafficPolicy: {mode: " + policy + "}\n"
	}
	return s
}

// TestEgress is the table of Sidecar selection and egress import for a shop
// client addressing db.data.svc.cluster.local
// (https://istio.io/latest/docs/reference/config/networking/sidecar/).
func TestEgress(t *testing.T) {
	const fqdn = "db.data.svc.cluster.local"
	for _, tc := range []struct {
		name, sidecars    string
		imported, blocked bool
		decidedBy         string
	}{
		{"no Sidecar", "", true, false, ""},
		{"Sidecar without egress", sidecar("s", "shop", "", "", ""), true, false, ""},
		{"own namespace only", sidecar("s", "shop", "", `"./*"`, ""), false, false, "s"},
		{"data imported", sidecar("s", "shop", "", `"./*", "data/*"`, ""), true, false, "s"},
		{"any namespace", sidecar("s", "shop", "", `"*/*"`, ""), true, false, "s"},
		{"exact host", sidecar("s", "shop", "", `"data/db.data.svc.cluster.local"`, ""), true, false, "s"},
		{"wildcard host in any namespace", sidecar("s", "shop", "", `"*/*.data.svc.cluster.local"`, ""), true, false, "s"},
		{"other host", sidecar("s", "shop", "", `"data/other.data.svc.cluster.local"`, ""), false, false, "s"},
		{"tilde imports nothing", sidecar("s", "shop", "", `"~/*"`, ""), false, false, "s"},
		{"REGISTRY_ONLY blocks", sidecar("s", "shop", "", `"./*"`, "REGISTRY_ONLY"), false, true, "s"},
		{"ALLOW_ANY passes through", sidecar("s", "shop", "", `"./*"`, "ALLOW_ANY"), false, false, "s"},
		{"workload selector wins", sidecar("ns", "shop", "", `"*/*"`, "") + sidecar("api", "shop", "app: api", `"./*"`, ""), false, false, "api"},
		{"selector for another workload", sidecar("other", "shop", "app: other", `"./*"`, ""), true, false, ""},
		{"root namespace default", sidecar("mesh", "istio-system", "", `"./*"`, ""), false, false, "mesh"},
		{"namespace default before root", sidecar("mesh", "istio-system", "", `"./*"`, "") + sidecar("ns", "shop", "", `"*/*"`, ""), true, false, "ns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := envFrom(t, client+tc.sidecars)
			d := e.Egress(workload(t, e, "shop", "api"), fqdn, "data")
			by := ""
			if d.Sidecar != nil {
				by = d.Sidecar.Key.Name
			}
			if d.Imported != tc.imported || d.Blocked != tc.blocked || by != tc.decidedBy {
				t.Errorf("imported %v blocked %v by %q, want %v %v %q", d.Imported, d.Blocked, by, tc.imported, tc.blocked, tc.decidedBy)
			}
		})
	}
}
