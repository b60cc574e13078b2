package blastradius

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/golden"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

func TestLooksLikeDBCredential(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		// database words, anywhere
		{"shop-db-admin", true},
		{"postgres-superuser", true},
		{"pg-main-superuser", true},
		{"mysql-root", true},
		{"mariadb", true},
		{"mongodb-uri", true},
		{"MONGO_URI", true},
		{"redis-auth", true},
		{"REDIS_URL", true},
		{"DATABASE_URL", true},
		{"postgresql://", true},
		{"JDBC_URL", true},
		{"clickhouse-users", true},
		{"SQLALCHEMY_DATABASE_URI", true},
		// credential words
		{"password", true},
		{"SMTP_PASSWORD", true}, // a password, even if not a database's
		{"passwd", true},
		{"DB_PWD", true},
		{"app-credentials", true},
		{"creds", true},
		{"connection-string", true},
		{"ConnectionStrings__Default", true},
		{"dsn", true},
		{"PG_DSN", true},
		{"pass", true},
		// compounds and camelCase
		{"dbPassword", true},
		{"dbuser", true},
		{"pghost", true},
		{"pgpass", true},
		{"ordersdb", true},
		{"orders-rds", true},
		// not database credentials
		{"feedback-api-token", false}, // "db" inside a word
		{"image.jpg", false},
		{"pgp-private-key", false},
		{"stripe", false},
		{"api-key", false},
		{"STRIPE_API_KEY", false},
		{"tls.crt", false},
		{"orders-tls", false},
		{"jwt-signing-key", false},
		{"oauth-client-secret", false},
		{"registry-url", false}, // url without a database word
		{"API_URI", false},
		{"SENTRY_DSN", false}, // an error tracker's client key
		{"bypass-token", false},
		{"/var/run/orders", false},
		{"", false},
	} {
		if got := LooksLikeDBCredential(tc.name); got != tc.want {
			t.Errorf("LooksLikeDBCredential(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsAdminEnv(t *testing.T) {
	env := func(vars ...string) containerEnv {
		ce := containerEnv{set: map[string]bool{}, literal: map[string]string{}}
		for _, v := range vars {
			name, value, literal := strings.Cut(v, "=")
			ce.set[name] = true
			if literal {
				ce.literal[name] = value
			}
		}
		return ce
	}
	for _, tc := range []struct {
		name string
		env  containerEnv
		want bool
	}{
		{"POSTGRES_PASSWORD", env(), true},
		{"POSTGRES_USER", env("POSTGRES_PASSWORD"), true},
		{"POSTGRES_USER", env("POSTGRES_PASSWORD_FILE"), true},
		{"POSTGRES_USER", env(), false}, // a name alone initialises nothing
		{"POSTGRES_DB", env("POSTGRES_PASSWORD"), false},
		{"POSTGRESQL_POSTGRES_PASSWORD", env(), true},
		{"POSTGRESQL_PASSWORD", env(), true}, // bitnami: user defaults to postgres
		{"POSTGRESQL_PASSWORD", env("POSTGRESQL_USERNAME=postgres"), true},
		{"POSTGRESQL_PASSWORD", env("POSTGRESQL_USERNAME=shop"), false},
		{"PGPASSWORD", env(), true},
		{"PGPASSWORD", env("PGUSER=postgres"), true},
		{"PGPASSWORD", env("PGUSER=replicator"), false},
		{"PGPASSWORD", env("PGUSER"), false}, // PGUSER from a Secret: unknown user
		{"PGPASSWORD_SUPERUSER", env(), true},
		{"PGPASSWORD_STANDBY", env(), false},
		{"MYSQL_ROOT_PASSWORD", env(), true},
		{"MYSQL_PASSWORD", env("MYSQL_USER=shop"), false},
		{"MARIADB_ROOT_PASSWORD", env(), true},
		{"MARIADB_PASSWORD", env(), false},
		{"MONGO_INITDB_ROOT_PASSWORD", env(), true},
		{"MONGO_INITDB_ROOT_USERNAME", env("MONGO_INITDB_ROOT_PASSWORD"), true},
		{"MONGO_INITDB_ROOT_USERNAME", env(), false},
		{"MONGODB_ROOT_USER", env("MONGODB_ROOT_PASSWORD"), true},
		{"MONGODB_PASSWORD", env(), false},
		{"REDIS_PASSWORD", env(), true},
		{"VALKEY_PASSWORD", env(), true},
		{"ELASTIC_PASSWORD", env(), true},
		{"CLICKHOUSE_PASSWORD", env(), true},
		{"CLICKHOUSE_ADMIN_PASSWORD", env(), true},
		{"ETCD_ROOT_PASSWORD", env(), true},
		{"NEO4J_AUTH", env(), true},
		{"MSSQL_SA_PASSWORD", env(), true},
		{"APP_PASSWORD", env(), false},
		{"SHOP_APP_PASSWORD", env("POSTGRES_PASSWORD"), false},
	} {
		if got := isAdminEnv(tc.name, tc.env); got != tc.want {
			t.Errorf("isAdminEnv(%q, %v) = %v, want %v", tc.name, tc.env.set, got, tc.want)
		}
	}
}

func TestSecretUses(t *testing.T) {
	ref := func(name, key string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
	}
	w := &inventory.Workload{Kind: "StatefulSet", Namespace: "data", Name: "postgres", Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "postgres"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", EnvFrom: []corev1.EnvFromSource{{Prefix: "INIT_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "pg-root"}}}}}},
			Containers: []corev1.Container{{
				Name: "postgres",
				Env: []corev1.EnvVar{
					{Name: "POSTGRES_USER", ValueFrom: ref("pg-admin", "username")},
					{Name: "POSTGRES_PASSWORD_FILE", Value: "/run/secrets/pg/superuser-password"},
					{Name: "POSTGRES_DB", Value: "shop"},
					{Name: "APP_PASSWORD", ValueFrom: ref("pg-app", "password")},
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "admin", MountPath: "/run/secrets/pg"},
					{Name: "bundle", MountPath: "/etc/bundle"},
					{Name: "cert", MountPath: "/etc/tls/tls.crt", SubPath: "tls.crt"},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "admin", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "pg-admin",
					Items: []corev1.KeyToPath{{Key: "password", Path: "superuser-password"}}}}},
				{Name: "bundle", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "pg-app"}}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}},
				}}}},
				{Name: "cert", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "pg-tls"}}},
				{Name: "unmounted", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "never-seen"}}},
			},
		},
	}}
	var got []string
	for _, u := range secretUses(w, true) {
		got = append(got, fmt.Sprintf("%s %v admin=%v: %s", u.secret, u.keys, u.admin, u.use))
	}
	want := []string{
		"data/pg-root [] admin=true: envFrom (all keys, prefix INIT_) in container init",
		"data/pg-admin [username] admin=true: env POSTGRES_USER from key username in container postgres",
		"data/pg-admin [password] admin=true: env POSTGRES_PASSWORD_FILE=/run/secrets/pg/superuser-password, key password of volume admin in container postgres",
		"data/pg-app [password] admin=false: env APP_PASSWORD from key password in container postgres",
		"data/pg-admin [password] admin=false: volume admin mounted at /run/secrets/pg in container postgres",
		"data/pg-app [] admin=false: projected volume bundle mounted at /etc/bundle in container postgres",
		"data/pg-tls [tls.crt] admin=false: volume cert mounted file /etc/tls/tls.crt in container postgres",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secretUses:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Not a database: nothing is admin.
	for _, u := range secretUses(w, false) {
		if u.admin {
			t.Errorf("non-database use marked admin: %+v", u)
		}
	}
}

func load(t *testing.T, dir string) (*graph.Graph, *inventory.Inventory) {
	t.Helper()
	inv := manifesttest.Load(t, filepath.Join(dir, "input.yaml"))
	g, err := build.Build(model.New(inv, model.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return g, inv
}

// flatten renders entries one line per held credential:
// "host+path | workload how | secret [keys] | databases".
func flatten(entries []Entry) []string {
	out := []string{}
	for _, e := range entries {
		route := e.Route.Host + e.Route.Path
		for _, r := range e.Reaches {
			who := r.Workload + " " + r.How
			if len(r.Credentials) == 0 {
				out = append(out, route+" | "+who+" | -")
				continue
			}
			for _, c := range r.Credentials {
				var dbs []string
				for _, d := range c.UsedByDatabases {
					if d.Admin {
						dbs = append(dbs, "admin "+d.Database)
					} else {
						dbs = append(dbs, d.Database)
					}
				}
				used := "none"
				if len(dbs) > 0 {
					used = strings.Join(dbs, ", ")
				}
				out = append(out, fmt.Sprintf("%s | %s | %s [%s] | %s", route, who, c.Secret, strings.Join(c.Keys, ", "), used))
			}
		}
	}
	return out
}

const rulesDir = "../passes/privilegedcredential/testdata"

// TestCompute checks the blast radius of hand-analysed inputs (the rule's
// case folders and testdata/blastradius).
func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{rulesDir + "/app-holds-db-admin", []string{
			"shop.example.com/public | shop/web[Deployment] routed | shop/shop-db-admin [password] | admin shop/postgres[StatefulSet]",
			// no NetworkPolicy: web may connect to postgres, which holds its own Secret
			"shop.example.com/public | shop/postgres[StatefulSet] pivot via shop/web | shop/shop-db-admin [password] | admin shop/postgres[StatefulSet]",
		}},
		{rulesDir + "/separate-app-user", []string{
			"shop.example.com/public | shop/web[Deployment] routed | shop/shop-db-app [password, username] | shop/postgres[StatefulSet]",
			"shop.example.com/public | shop/postgres[StatefulSet] pivot via shop/web | shop/shop-db-admin [password] | admin shop/postgres[StatefulSet]",
			"shop.example.com/public | shop/postgres[StatefulSet] pivot via shop/web | shop/shop-db-app [password] | shop/postgres[StatefulSet]",
		}},
		// internal load balancer: no route is public
		{rulesDir + "/internal-route", []string{}},
		{rulesDir + "/pivot", []string{
			// frontend's Secret stripe (STRIPE_API_KEY) is not a database credential
			"shop.example.com/ | shop/frontend[Deployment] routed | -",
			"shop.example.com/ | shop/orders-worker[Deployment] pivot via shop/frontend | shop/shop-db-admin [] | admin shop/postgres[StatefulSet]",
			"shop.example.com/ | shop/postgres[StatefulSet] pivot via shop/frontend | shop/shop-db-admin [password, username] | admin shop/postgres[StatefulSet]",
		}},
		// default-deny: frontend reaches neither the worker nor postgres
		{rulesDir + "/pivot-blocked", []string{
			"shop.example.com/ | shop/frontend[Deployment] routed | -",
		}},
		{rulesDir + "/password-file", []string{
			"blog.example.com/ | blog/cms[Deployment] routed | blog/pg-superuser [] | admin blog/postgres[StatefulSet]",
			"blog.example.com/ | blog/postgres[StatefulSet] pivot via blog/cms | blog/pg-superuser [password] | admin blog/postgres[StatefulSet]",
		}},
		{rulesDir + "/cnpg-superuser", []string{
			"analytics.example.com/api | analytics/api[Deployment] routed | analytics/pg-main-app [uri] | analytics/pg-main[Cluster]",
			"analytics.example.com/api | analytics/reporting[Deployment] pivot via analytics/api | analytics/pg-main-superuser [] | admin analytics/pg-main[Cluster]",
			"analytics.example.com/reports | analytics/reporting[Deployment] routed | analytics/pg-main-superuser [] | admin analytics/pg-main[Cluster]",
			"analytics.example.com/reports | analytics/api[Deployment] pivot via analytics/reporting | analytics/pg-main-app [uri] | analytics/pg-main[Cluster]",
		}},
		{rulesDir + "/replicated-secret", []string{
			"shop.example.com/ | shop/web[Deployment] routed | shop/shop-db [password] | admin data/mysql[StatefulSet]",
			"shop.example.com/ | data/mysql[StatefulSet] pivot via shop/web | data/mysql-root [password] | admin data/mysql[StatefulSet]",
		}},
		{"../../testdata/blastradius/nginx-to-gateway", []string{
			// the Ingress in front of the gateway: routed to the gateway, which may connect to orders-api
			"shop.example.com/ | istio-system/istio-ingressgateway[Deployment] routed | -",
			"shop.example.com/ | shop/orders-api[Deployment] pivot via istio-system/istio-ingressgateway | shop/orders-db-readonly [password] | none",
			"shop.example.com/ | shop/orders-api[Deployment] pivot via istio-system/istio-ingressgateway | shop/orders-rds [url] | none",
			// the VirtualService route, public through the Ingress; orders-tls is not a database credential
			"shop.example.com/orders | shop/orders-api[Deployment] routed | shop/orders-db-readonly [password] | none",
			"shop.example.com/orders | shop/orders-api[Deployment] routed | shop/orders-rds [url] | none",
		}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			g, inv := load(t, tc.dir)
			got := flatten(Compute(g, inv, AnyPivots))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("blast radius:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestRender pins the text, Markdown and JSON forms, checks the output is
// deterministic and that no Secret value (the inputs hold
// "not-a-real-password") leaks.
func TestRender(t *testing.T) {
	for _, dir := range []string{
		rulesDir + "/app-holds-db-admin",
		rulesDir + "/cnpg-superuser",
		rulesDir + "/replicated-secret",
		rulesDir + "/password-file",
		"../../testdata/blastradius/nginx-to-gateway",
	} {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			g, inv := load(t, dir)
			entries := Compute(g, inv, AnyPivots)
			var text, md bytes.Buffer
			if err := Text(&text, entries); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&md, entries); err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(entries, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range [][]byte{text.Bytes(), md.Bytes(), js} {
				if bytes.Contains(out, []byte("not-a-real-password")) {
					t.Errorf("a Secret value leaked:\n%s", out)
				}
			}
			golden.Assert(t, filepath.Join("../../testdata/blastradius/golden", name+".txt"), text.Bytes())
			golden.Assert(t, filepath.Join("../../testdata/blastradius/golden", name+".md"), md.Bytes())
			golden.Assert(t, filepath.Join("../../testdata/blastradius/golden", name+".json"), append(js, '\n'))
			g2, inv2 := load(t, dir)
			if again := Compute(g2, inv2, AnyPivots); !reflect.DeepEqual(again, entries) {
				t.Error("Compute is not deterministic")
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	if got := Compute(nil, nil, AnyPivots); got == nil || len(got) != 0 {
		t.Errorf("Compute(nil) = %#v, want empty", got)
	}
	var buf bytes.Buffer
	if err := Text(&buf, nil); err != nil || buf.Len() != 0 {
		t.Errorf("Text(nil) wrote %q, %v", buf.String(), err)
	}
	if err := Markdown(&buf, nil); err != nil || buf.Len() != 0 {
		t.Errorf("Markdown(nil) wrote %q, %v", buf.String(), err)
	}
	js, _ := json.Marshal(Compute(graph.New(), inventory.New(), AnyPivots))
	if string(js) != "[]" {
		t.Errorf("JSON of no entries = %s, want []", js)
	}
}

// TestComputeFollowsLateralBound: the blast radius follows as many pivot
// hops as --lateral allows the path search: none under off (only what the
// route delivers to), chains of one hop under 1.
func TestComputeFollowsLateralBound(t *testing.T) {
	g, inv := load(t, rulesDir+"/pivot")
	if got := flatten(Compute(g, inv, 0)); !reflect.DeepEqual(got, []string{"shop.example.com/ | shop/frontend[Deployment] routed | -"}) {
		t.Errorf("no pivots: %v", got)
	}
	one, anyLen := flatten(Compute(g, inv, 1)), flatten(Compute(g, inv, AnyPivots))
	if !reflect.DeepEqual(one, anyLen) || len(one) != 3 {
		t.Errorf("one pivot hop: %v, any: %v (every chain of this case is one hop long)", one, anyLen)
	}
	for _, s := range one {
		if strings.Contains(s, " → ") {
			t.Errorf("a chain longer than one hop under a bound of 1: %s", s)
		}
	}
}

// adminOnly is Compute's answer with every credential that is not another
// database's admin credential removed (and reaches and routes left holding
// none): what ComputeAdminHolders must return.
func adminOnly(entries []Entry) []Entry {
	out := []Entry{}
	for _, e := range entries {
		kept := Entry{Route: e.Route, Reaches: []Reach{}}
		held := false
		for _, r := range e.Reaches {
			creds := []Credential{}
			for _, c := range r.Credentials {
				if len(c.AdminOf(r.Workload)) > 0 {
					creds = append(creds, c)
				}
			}
			if r.How != Routed && len(creds) == 0 {
				continue
			}
			held = held || len(creds) > 0
			kept.Reaches = append(kept.Reaches, Reach{Workload: r.Workload, How: r.How, Credentials: creds})
		}
		if held {
			out = append(out, kept)
		}
	}
	return out
}

// The cut blast radius (the rule's, when no report wants the whole) is the
// whole one restricted to admin credentials, chains included, on every case
// folder and pivot bound.
func TestComputeAdminHolders(t *testing.T) {
	dirs, err := filepath.Glob(rulesDir + "/*")
	if err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, "../../testdata/blastradius/nginx-to-gateway")
	holding := 0
	for _, dir := range dirs {
		for _, bound := range []int{0, 1, AnyPivots} {
			t.Run(fmt.Sprintf("%s/pivots=%d", filepath.Base(dir), bound), func(t *testing.T) {
				g, inv := load(t, dir)
				want := adminOnly(Compute(g, inv, bound))
				got := ComputeAdminHolders(g, inv, bound)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("ComputeAdminHolders:\n%s\nwant:\n%s", strings.Join(flatten(got), "\n"), strings.Join(flatten(want), "\n"))
				}
				holding += len(got)
			})
		}
	}
	if holding == 0 {
		t.Error("no case folder holds an admin credential: the comparison proves nothing")
	}
}

func TestAdminOf(t *testing.T) {
	pg := DBUse{Database: "shop/postgres[StatefulSet]", Admin: true}
	replica := DBUse{Database: "shop/replica[StatefulSet]", Admin: true}
	reader := DBUse{Database: "shop/reports[StatefulSet]"}
	for _, tc := range []struct {
		name   string
		holder string
		uses   []DBUse
		want   int
	}{
		{"an app holding a database's admin Secret", "shop/web[Deployment]", []DBUse{pg}, 1},
		{"an app holding a non-admin Secret", "shop/web[Deployment]", []DBUse{reader}, 0},
		{"two databases' admin Secret", "shop/web[Deployment]", []DBUse{pg, replica, reader}, 2},
		{"a database holding its own admin Secret", "shop/postgres[StatefulSet]", []DBUse{pg}, 0},
		{"a replica holding its primary's Secret it is initialised from", "shop/replica[StatefulSet]", []DBUse{pg, replica}, 0},
		{"no database uses it", "shop/web[Deployment]", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(Credential{UsedByDatabases: tc.uses}.AdminOf(tc.holder)); got != tc.want {
				t.Errorf("AdminOf(%s) lists %d databases, want %d", tc.holder, got, tc.want)
			}
		})
	}
}
