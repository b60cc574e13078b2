package blastradius

import (
	"path"
	"sort"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// --- Which names look like database credentials -----------------------------

// dbSubstrings match anywhere in the lower-cased name: they are long enough
// not to occur by accident ("mysql" in "mysql-root", "password" in
// "smtpPassword").
var dbSubstrings = []string{
	"database", "postgres", "mysql", "mariadb", "mongo", "redis", "valkey", "cassandra", "scylla",
	"clickhouse", "elasticsearch", "opensearch", "cockroach", "couchdb", "neo4j", "influxdb", "sql",
	"jdbc", "password", "passwd", "credential", "connection",
}

// dbTokens match a whole token (the name split at non-alphanumerics and
// camelCase boundaries): too short to match as substrings ("db" is in
// "feedback", "pg" in "jpg").
var dbTokens = map[string]bool{
	"db": true, "pg": true, "pwd": true, "dsn": true, "creds": true, "cred": true, "pass": true,
	"rds": true, "pgpass": true, "dbpass": true,
}

// dbCompoundTails complete a token that starts with "db" or "pg" ("dbuser",
// "pghost", "pgpassword").
var dbCompoundTails = map[string]bool{
	"pass": true, "password": true, "passwd": true, "pwd": true, "user": true, "username": true,
	"host": true, "url": true, "uri": true, "conn": true, "creds": true, "cred": true, "admin": true,
	"root": true, "secret": true, "auth": true, "dsn": true, "name": true,
}

// notDB are tokens that make an otherwise matching name something else: a
// Sentry DSN is a client key for an error tracker, not a database DSN.
var notDB = map[string]bool{"sentry": true}

// LooksLikeDBCredential reports whether a Secret name, a key, an environment
// variable name or a mount path looks like it carries a database credential
// or connection string. URL and URI words count only together with a
// database word ("DATABASE_URL", "mongo-uri"; not "api-url").
func LooksLikeDBCredential(name string) bool {
	toks := tokens(name)
	for _, t := range toks {
		if notDB[t] {
			return false
		}
	}
	low := strings.ToLower(name)
	for _, w := range dbSubstrings {
		if strings.Contains(low, w) {
			return true
		}
	}
	for _, t := range toks {
		if dbTokens[t] {
			return true
		}
		for _, head := range []string{"db", "pg"} {
			if tail, ok := strings.CutPrefix(t, head); ok && dbCompoundTails[tail] {
				return true
			}
		}
		// appdb, userdb, ordersdb
		if len(t) > 3 && strings.HasSuffix(t, "db") {
			return true
		}
	}
	return false
}

// tokens splits a name at non-alphanumerics and lower→upper camelCase
// boundaries, lower-cased.
func tokens(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && i > 0 && unicode.IsLower(runes[i-1]) {
			flush()
		}
		cur = append(cur, unicode.ToLower(r))
	}
	flush()
	return out
}

// --- Which environment variables initialise a database's admin account -------

// adminEnv are variables whose value becomes the password (or the whole
// credential) of the database's superuser in the official and Bitnami images
// and the common operators.
var adminEnv = map[string]bool{
	"POSTGRES_PASSWORD":                 true, // postgres: superuser POSTGRES_USER (default postgres)
	"POSTGRESQL_POSTGRES_PASSWORD":      true, // bitnami/postgresql: the postgres user
	"PGPASSWORD_SUPERUSER":              true, // zalando spilo
	"MYSQL_ROOT_PASSWORD":               true,
	"MARIADB_ROOT_PASSWORD":             true,
	"MONGO_INITDB_ROOT_PASSWORD":        true,
	"MONGODB_ROOT_PASSWORD":             true, // bitnami/mongodb
	"REDIS_PASSWORD":                    true, // bitnami/redis: the only (default) user
	"VALKEY_PASSWORD":                   true, // bitnami/valkey
	"ELASTIC_PASSWORD":                  true, // elasticsearch: the elastic superuser
	"OPENSEARCH_INITIAL_ADMIN_PASSWORD": true,
	"CLICKHOUSE_PASSWORD":               true, // clickhouse-server: CLICKHOUSE_USER gets access management
	"COUCHDB_PASSWORD":                  true, // couchdb: the admin
	"NEO4J_AUTH":                        true, // neo4j: neo4j/<password>
	"DOCKER_INFLUXDB_INIT_PASSWORD":     true,
	"DOCKER_INFLUXDB_INIT_ADMIN_TOKEN":  true,
	"CASSANDRA_PASSWORD":                true, // bitnami/cassandra: the superuser
	"MSSQL_SA_PASSWORD":                 true,
	"SA_PASSWORD":                       true,
}

// adminSuffixes: Bitnami and operator naming (ETCD_ROOT_PASSWORD,
// CLICKHOUSE_ADMIN_PASSWORD, POSTGRES_SUPERUSER_PASSWORD).
var adminSuffixes = []string{"_ROOT_PASSWORD", "_ADMIN_PASSWORD", "_SUPERUSER_PASSWORD"}

// containerEnv is what admin detection needs of a container's environment:
// which variables are set, and the literal values of the plain ones.
type containerEnv struct {
	set     map[string]bool
	literal map[string]string
}

func envOf(c *corev1.Container) containerEnv {
	ce := containerEnv{set: map[string]bool{}, literal: map[string]string{}}
	for _, e := range c.Env {
		ce.set[e.Name] = true
		if e.ValueFrom == nil {
			ce.literal[e.Name] = e.Value
		}
	}
	return ce
}

func (ce containerEnv) has(names ...string) bool {
	for _, n := range names {
		if ce.set[n] || ce.set[n+"_FILE"] {
			return true
		}
	}
	return false
}

// isAdminEnv reports whether a variable (without a _FILE suffix) of a
// database container carries its admin credential.
func isAdminEnv(name string, ce containerEnv) bool {
	if adminEnv[name] {
		return true
	}
	for _, s := range adminSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	switch name {
	case "POSTGRES_USER": // the superuser's name, with its password
		return ce.has("POSTGRES_PASSWORD")
	case "MONGO_INITDB_ROOT_USERNAME":
		return ce.has("MONGO_INITDB_ROOT_PASSWORD")
	case "PGPASSWORD": // libpq: the superuser's unless PGUSER names another
		u, set := ce.literal["PGUSER"]
		return !ce.set["PGUSER"] || (set && u == "postgres")
	case "POSTGRESQL_PASSWORD": // bitnami: postgres's unless POSTGRESQL_USERNAME names another
		u, set := ce.literal["POSTGRESQL_USERNAME"]
		return !ce.set["POSTGRESQL_USERNAME"] || (set && u == "postgres")
	}
	if strings.HasSuffix(name, "_ROOT_USER") || strings.HasSuffix(name, "_ROOT_USERNAME") {
		for n := range ce.set {
			if strings.HasSuffix(strings.TrimSuffix(n, "_FILE"), "_ROOT_PASSWORD") {
				return true
			}
		}
	}
	return false
}

// adminWords in a Secret's name mark an envFrom source of a database
// container as its admin credential (the key names are not kept, so the
// variables it sets are unknown).
var adminWords = []string{"admin", "root", "superuser", "master"}

func adminName(name string) bool {
	for _, t := range tokens(name) {
		for _, w := range adminWords {
			if t == w {
				return true
			}
		}
	}
	return false
}

// --- How a workload holds Secrets --------------------------------------------

// secretUse is one way a workload's pods get a Secret.
type secretUse struct {
	// secret is namespace/name.
	secret string
	keys   []string
	use    string
	// signals are the names the credential heuristic looks at besides the
	// Secret name: keys, variable names, mount paths.
	signals []string
	// admin is set, for database workloads, when the use initialises the
	// admin account.
	admin bool
}

// secretUses lists how the workload's containers (init containers included)
// get Secrets: env valueFrom.secretKeyRef, envFrom secretRef, and mounted
// secret and projected volumes. db turns on admin detection. Volumes no
// container mounts are not held by any process and are left out.
func secretUses(w *inventory.Workload, db bool) []secretUse {
	spec := &w.Template.Spec
	containers := make([]*corev1.Container, 0, len(spec.InitContainers)+len(spec.Containers))
	for i := range spec.InitContainers {
		containers = append(containers, &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		containers = append(containers, &spec.Containers[i])
	}
	volumes := map[string]*corev1.Volume{}
	for i := range spec.Volumes {
		volumes[spec.Volumes[i].Name] = &spec.Volumes[i]
	}
	id := func(name string) string { return w.Namespace + "/" + name }
	var out []secretUse
	for _, c := range containers {
		in := ""
		if len(containers) > 1 {
			in = " in container " + c.Name
		}
		ce := envOf(c)
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "" {
				ref := e.ValueFrom.SecretKeyRef
				out = append(out, secretUse{secret: id(ref.Name), keys: []string{ref.Key},
					use: "env " + e.Name + " from key " + ref.Key + in, signals: []string{e.Name, ref.Key},
					admin: db && isAdminEnv(e.Name, ce)})
				continue
			}
			// POSTGRES_PASSWORD_FILE=/run/secrets/pg/password: the image reads
			// the variable's value from a file of a mounted Secret.
			base, isFile := strings.CutSuffix(e.Name, "_FILE")
			if !isFile || e.ValueFrom != nil || !strings.HasPrefix(e.Value, "/") {
				continue
			}
			for _, f := range secretFiles(c, volumes, path.Clean(e.Value)) {
				out = append(out, secretUse{secret: id(f.secret), keys: []string{f.key},
					use:     "env " + e.Name + "=" + e.Value + ", key " + f.key + " of volume " + f.volume + in,
					signals: []string{base, f.key, e.Value}, admin: db && isAdminEnv(base, ce)})
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef == nil || ef.SecretRef.Name == "" {
				continue
			}
			use := "envFrom (all keys)"
			if ef.Prefix != "" {
				use = "envFrom (all keys, prefix " + ef.Prefix + ")"
			}
			out = append(out, secretUse{secret: id(ef.SecretRef.Name), use: use + in,
				signals: []string{ef.Prefix}, admin: db && adminName(ef.SecretRef.Name)})
		}
		for _, m := range c.VolumeMounts {
			v := volumes[m.Name]
			if v == nil {
				continue
			}
			for _, src := range volumeSecrets(v) {
				keys := src.keys
				where := "at " + m.MountPath
				if m.SubPath != "" {
					keys = []string{src.keyAt(m.SubPath)}
					where = "file " + m.MountPath
				}
				kind := "volume "
				if v.Projected != nil {
					kind = "projected volume "
				}
				out = append(out, secretUse{secret: id(src.name), keys: keys,
					use: kind + v.Name + " mounted " + where + in, signals: append([]string{m.MountPath}, keys...)})
			}
		}
	}
	return out
}

// volumeSecret is a Secret a volume projects, with its items (path → key).
type volumeSecret struct {
	name  string
	keys  []string
	paths map[string]string
}

// keyAt returns the key a file path inside the volume holds.
func (s volumeSecret) keyAt(p string) string {
	if k, ok := s.paths[p]; ok {
		return k
	}
	return p
}

func newVolumeSecret(name string, items []corev1.KeyToPath) volumeSecret {
	s := volumeSecret{name: name, paths: map[string]string{}}
	for _, it := range items {
		s.keys = append(s.keys, it.Key)
		s.paths[path.Clean(it.Path)] = it.Key
	}
	return s
}

func volumeSecrets(v *corev1.Volume) []volumeSecret {
	var out []volumeSecret
	if v.Secret != nil && v.Secret.SecretName != "" {
		out = append(out, newVolumeSecret(v.Secret.SecretName, v.Secret.Items))
	}
	if v.Projected != nil {
		for _, src := range v.Projected.Sources {
			if src.Secret != nil && src.Secret.Name != "" {
				out = append(out, newVolumeSecret(src.Secret.Name, src.Secret.Items))
			}
		}
	}
	return out
}

// secretFile is a file of a mounted Secret volume.
type secretFile struct {
	secret, key, volume string
}

// secretFiles returns the Secret key(s) a file path inside the container
// reads: the mount covering the path, then the item mapping the relative
// path (a projected volume without items may hold the file in any of its
// Secrets).
func secretFiles(c *corev1.Container, volumes map[string]*corev1.Volume, file string) []secretFile {
	var out []secretFile
	for _, m := range c.VolumeMounts {
		v := volumes[m.Name]
		if v == nil {
			continue
		}
		mount := path.Clean(m.MountPath)
		var rel string
		switch {
		case m.SubPath != "" && file == mount:
			rel = path.Clean(m.SubPath)
		case m.SubPath == "" && strings.HasPrefix(file, mount+"/"):
			rel = strings.TrimPrefix(file, mount+"/")
		default:
			continue
		}
		srcs := volumeSecrets(v)
		matched := false
		for _, s := range srcs {
			if k, ok := s.paths[rel]; ok {
				out = append(out, secretFile{secret: s.name, key: k, volume: v.Name})
				matched = true
			}
		}
		if matched {
			continue
		}
		for _, s := range srcs {
			if len(s.paths) == 0 {
				out = append(out, secretFile{secret: s.name, key: rel, volume: v.Name})
			}
		}
	}
	return out
}

// --- Operator-managed admin Secrets --------------------------------------------

// operatorAdminSecrets names the superuser Secrets database operators create
// for a cluster, which the operator (not a pod reference) uses:
// CloudNativePG `<cluster>-superuser`
// (https://cloudnative-pg.io/documentation/current/applications/)
// and Zalando postgres-operator
// `postgres.<cluster>.credentials.postgresql.acid.zalan.do`. CloudNativePG's
// `<cluster>-app` is the application user's (not admin).
func operatorAdminSecrets(w *inventory.Workload) []dbSecretRef {
	labels := w.Labels()
	var out []dbSecretRef
	cnpg := labels["cnpg.io/cluster"]
	if cnpg == "" && w.Kind == "Cluster" && w.OwnerMissing {
		for _, img := range w.Images() {
			if strings.Contains(img, "cloudnative-pg/") {
				cnpg = w.Name
			}
		}
	}
	if cnpg != "" {
		out = append(out,
			dbSecretRef{secret: cnpg + "-superuser", use: "CloudNativePG superuser Secret of cluster " + cnpg, admin: true},
			dbSecretRef{secret: cnpg + "-app", use: "CloudNativePG application user Secret of cluster " + cnpg})
	}
	if z := labels["cluster-name"]; z != "" && labels["application"] == "spilo" {
		out = append(out, dbSecretRef{secret: "postgres." + z + ".credentials.postgresql.acid.zalan.do",
			use: "Zalando postgres-operator superuser Secret of cluster " + z, admin: true})
	}
	return out
}

type dbSecretRef struct {
	secret string
	use    string
	admin  bool
}

// --- Secret copies ---------------------------------------------------------------

// copyAnnotations mark a Secret as a copy kept in sync with another one
// (namespace/name): emberstack reflector and mittwald replicator.
var copyAnnotations = []struct{ key, tool string }{
	{"reflector.v1.k8s.emberstack.com/reflects", "reflector"},
	{"replicator.v1.mittwald.de/replicate-from", "replicator"},
}

// canonical follows copy annotations to the source Secret (a few levels, to
// stop on loops); it returns the source and the tool that copies it.
func canonical(inv *inventory.Inventory, id string) (string, string) {
	if inv == nil {
		return id, ""
	}
	tool := ""
	for range 4 {
		ns, name, _ := strings.Cut(id, "/")
		o := inv.Get(inventory.Secret, ns, name)
		if o == nil {
			break
		}
		next := ""
		for _, a := range copyAnnotations {
			if v := strings.TrimSpace(o.Obj.GetAnnotations()[a.key]); v != "" {
				if !strings.Contains(v, "/") {
					v = ns + "/" + v
				}
				next, tool = v, a.tool
				break
			}
		}
		if next == "" || next == id {
			break
		}
		id = next
	}
	return id, tool
}

func sortedUnique(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
