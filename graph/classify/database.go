// Package classify decides which workloads hold data: databases by image
// family, well-known port or label, plus user-named sensitive workloads.
package classify

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// imageFamilies are matched against the image's repository name (registry
// and tag stripped); a family matches the last path element or, for operator
// images, the full repository.
var imageFamilies = []string{
	"postgres", "postgresql", "mysql", "mariadb", "percona", "percona-server", "percona-xtradb-cluster",
	"mongo", "mongodb", "redis", "redis-stack", "redis-stack-server", "valkey", "keydb", "memcached",
	"cassandra", "scylla", "cockroach", "elasticsearch", "opensearch", "clickhouse", "clickhouse-server",
	"couchdb", "neo4j", "influxdb", "timescaledb", "timescaledb-ha", "yugabyte", "tidb", "etcd", "vitess",
	"vttablet", "spilo", "crunchy-postgres",
}

// operatorImages are repositories of database operators' data-plane images.
var operatorImages = []string{
	"cloudnative-pg/postgresql", "cloudnative-pg/postgis", "zalando/spilo", "crunchydata/crunchy-postgres",
	"crunchy-data/crunchy-postgres",
}

// dbPorts are well-known database ports.
var dbPorts = map[int32]string{
	5432: "PostgreSQL", 3306: "MySQL", 27017: "MongoDB", 6379: "Redis", 9042: "Cassandra", 26257: "CockroachDB",
	9200: "Elasticsearch", 8123: "ClickHouse HTTP", 9000: "ClickHouse native", 5984: "CouchDB", 7687: "Neo4j Bolt",
	2379: "etcd", 11211: "memcached",
}

// Options adjust classification.
type Options struct {
	// NoDefaults turns off the built-in image, port and label rules.
	NoDefaults bool
	// Sensitive are user rules "NAMESPACE/SELECTOR" (namespace "*" for any).
	Sensitive []SensitiveRule
}

// SensitiveRule marks workloads matching Selector in Namespace as sensitive.
type SensitiveRule struct {
	Namespace string
	Selector  labels.Selector
	Text      string
}

// ParseSensitive parses "NAMESPACE/SELECTOR" (e.g. "data/app=ledger",
// "*/tier=db").
func ParseSensitive(s string) (SensitiveRule, error) {
	ns, sel, ok := strings.Cut(s, "/")
	if !ok || ns == "" || sel == "" {
		return SensitiveRule{}, fmt.Errorf("--sensitive %q: want NAMESPACE/LABEL-SELECTOR, e.g. data/app=ledger", s)
	}
	parsed, err := labels.Parse(sel)
	if err != nil {
		return SensitiveRule{}, fmt.Errorf("--sensitive %q: %w", s, err)
	}
	return SensitiveRule{Namespace: ns, Selector: parsed, Text: s}, nil
}

// Database returns why w is a database or sensitive workload, or "".
func Database(w *inventory.Workload, opts Options) string {
	for _, r := range opts.Sensitive {
		if (r.Namespace == "*" || r.Namespace == w.Namespace) && r.Selector.Matches(labels.Set(w.Labels())) {
			return "matches --sensitive " + r.Text
		}
	}
	if opts.NoDefaults {
		return ""
	}
	for _, image := range w.Images() {
		if fam := imageFamily(image); fam != "" {
			return fmt.Sprintf("image %s (%s)", image, fam)
		}
	}
	// Proxies (gateways, ingress controllers) listen on whatever port they
	// forward: a 5432 listener does not make a gateway a database.
	for _, p := range w.Ports() {
		if isProxy(w) {
			break
		}
		if name, ok := dbPorts[p.Port]; ok {
			return fmt.Sprintf("container port %d (%s)", p.Port, name)
		}
	}
	l := w.Labels()
	if l["app.kubernetes.io/component"] == "database" {
		return "label app.kubernetes.io/component=database"
	}
	if l["shadowroute.io/sensitive"] == "true" {
		return "label shadowroute.io/sensitive=true"
	}
	if w.Object != nil {
		if ol := w.Object.Obj.GetLabels(); ol["app.kubernetes.io/component"] == "database" || ol["shadowroute.io/sensitive"] == "true" {
			return "controller labels mark it as a database"
		}
	}
	return ""
}

// repository strips registry, tag and digest: "docker.io/bitnami/redis:7" →
// "bitnami/redis".
func repository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	parts := strings.Split(image, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	return strings.ToLower(strings.Join(parts, "/"))
}

func imageFamily(image string) string {
	repo := repository(image)
	for _, op := range operatorImages {
		if strings.HasSuffix(repo, op) {
			return op
		}
	}
	last := repo[strings.LastIndex(repo, "/")+1:]
	for _, fam := range imageFamilies {
		if last == fam || strings.HasPrefix(last, fam+"-") {
			// Exporters and clients ship as "<db>-exporter": not databases.
			if strings.Contains(last, "exporter") || strings.Contains(last, "operator") {
				return ""
			}
			return fam
		}
	}
	return ""
}

// proxyImages are data-plane proxies and ingress controllers.
var proxyImages = []string{"proxyv2", "envoy", "ingress-nginx", "nginx-ingress", "haproxy", "traefik", "kong", "contour"}

func isProxy(w *inventory.Workload) bool {
	for _, image := range w.Images() {
		repo := repository(image)
		for _, p := range proxyImages {
			if strings.Contains(repo, p) {
				return true
			}
		}
	}
	return false
}
