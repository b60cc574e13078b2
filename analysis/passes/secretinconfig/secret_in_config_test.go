package secretinconfig

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"

	"github.com/shadowroute/shadowroute/render/report"
)

func TestSecretInConfigWords(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want []string
	}{
		{"DB_PASSWORD", []string{"db", "password"}},
		{"dbPassword", []string{"db", "password"}},
		{"APIKey", []string{"api", "key"}},
		{"apiKey", []string{"api", "key"}},
		{"OAUTH2_CLIENT_SECRET", []string{"oauth2", "client", "secret"}},
		{"auth-secret", []string{"auth", "secret"}},
		{"x.y/z", []string{"x", "y", "z"}},
		{"", nil},
	} {
		if got := sicWords(tc.key); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("sicWords(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestSecretInConfigCredential(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		annotation bool
		want       string
	}{
		// Credential-named keys with literal values.
		{"DB_PASSWORD", "postgres", false, sicWhyKeyName},
		{"ADMIN_PASSWORD", "changeme", false, sicWhyKeyName}, // a default password is still a password
		{"dbPassword", "hunter2", false, sicWhyKeyName},
		{"GITHUB_TOKEN", "abc", false, sicWhyKeyName},
		{"STRIPE_API_KEY", "k", false, sicWhyKeyName},
		{"apiKey", "k", false, sicWhyKeyName},
		{"AWS_SECRET_ACCESS_KEY", "k", false, sicWhyKeyName},
		{"SSH_PRIVATE_KEY", "k", false, sicWhyKeyName},
		{"REGISTRY_CREDENTIALS", "u:p", false, sicWhyKeyName},
		{"BASIC_AUTH", "admin:admin", false, sicWhyKeyName},
		{"RAILS_SECRET_KEY_BASE", "x", false, sicWhyKeyName},
		{"PWD", "x", false, sicWhyKeyName},
		// Not credentials: empty, references, metadata keys, booleans, paths, plain URLs.
		{"DB_PASSWORD", "", false, ""},
		{"DB_PASSWORD", "${DB_PASSWORD}", false, ""},
		{"DB_PASSWORD", "$(DB_PASSWORD)", false, ""},
		{"DB_PASSWORD_FILE", "/run/secrets/db", false, ""},
		{"SECRET", "/var/run/secrets/token", false, ""},
		{"TOKEN_URL", "https://auth.example.com/token", false, ""},
		{"TOKEN_TTL", "3600", false, ""},
		{"JWT_SECRET_NAME", "jwt", false, ""},
		{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", false, ""},
		{"AUTH_ENABLED", "true", false, ""},
		{"ENABLE_AUTH", "true", false, ""},
		{"AUTHOR", "jane", false, ""},
		{"OAUTH_CLIENT_ID", "shop", false, ""},
		{"LOG_LEVEL", "debug", false, ""},
		// Connection strings.
		{"DATABASE_URL", "postgres://app:s3cr3t@postgres.data:5432/app", false, sicWhyConnString},
		{"DATABASE_URL", "postgres://app:$(DB_PASSWORD)@postgres.data:5432/app", false, ""},
		{"DATABASE_URL", "postgres://app@postgres.data:5432/app", false, ""},
		{"REDIS", "redis://:pass@redis:6379/0", false, sicWhyConnString},
		// High entropy, under any key.
		{"SETTINGS_BLOB", "q7Lm/Xv2Rt9Kp4Zw8Nc3Hb6Jd1Fs5Gy0AeTu", false, sicWhyEntropy},
		{"HEADER", "Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdI", false, sicWhyEntropy},
		{"REQUEST_NS", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", false, ""},
		{"DATA_DIR", "/var/lib/postgresql/data/pgdata", false, ""},
		{"MAIN_CLASS", "ThisIsALongCamelCaseIdentifier", false, ""},
		{"GIT_SHA", "3f2a9c1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8a9b", false, ""},
		{"JAVA_OPTS", "-Xmx512m -XX:+UseG1GC -Dspring.profiles.active=prod", false, ""},
		// Other shapes.
		{"SAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", false, sicWhyJWT},
		{"TLS", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", false, sicWhyPEM},
		// A CA bundle is public (every cluster's extension-apiserver-authentication,
		// Istio's istio-ca-root-cert); a token beside it is not.
		{"client-ca-file", "-----BEGIN CERTIFICATE-----\nMIIBejCCAR+gAwIBAgIUElMaHQNk4XMrdfHbgyw228qsuagwCgYIKoZIzj0EAwIw\nEjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDIxNTU2NTBaFw0yNjEyMDMxNTU2\nNTBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\nAARnPh/YnFztOwd5dbnoNqJBHl0H3+Vw5KGwsxb6inPuIt++4fc4Xf8pxCuWibxK\n32Ni1KKcQzX6M+gRKWjxSSb+o1MwUTAdBgNVHQ4EFgQUqQLBbvc3bk41YeKmCfyN\nTDqgDq8wHwYDVR0jBBgwFoAUqQLBbvc3bk41YeKmCfyNTDqgDq8wDwYDVR0TAQH/\nBAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwzsTwW8tTKi52dREB8AuZx1hCADF\nYQlOijIx47zHGKECIQCmPymQc6G9OW7DtkjwwXpJRBqMB6Et3b3ONybPic/uAA==\n-----END CERTIFICATE-----\n", false, ""},
		{"root-cert.pem", "-----BEGIN CERTIFICATE-----\nMIIBejCCAR+gAwIBAgIUElMaHQNk4XMrdfHbgyw228qsuagwCgYIKoZIzj0EAwIw\nEjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDIxNTU2NTBaFw0yNjEyMDMxNTU2\nNTBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\nAARnPh/YnFztOwd5dbnoNqJBHl0H3+Vw5KGwsxb6inPuIt++4fc4Xf8pxCuWibxK\n32Ni1KKcQzX6M+gRKWjxSSb+o1MwUTAdBgNVHQ4EFgQUqQLBbvc3bk41YeKmCfyN\nTDqgDq8wHwYDVR0jBBgwFoAUqQLBbvc3bk41YeKmCfyNTDqgDq8wDwYDVR0TAQH/\nBAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwzsTwW8tTKi52dREB8AuZx1hCADF\nYQlOijIx47zHGKECIQCmPymQc6G9OW7DtkjwwXpJRBqMB6Et3b3ONybPic/uAA==\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBejCCAR+gAwIBAgIUElMaHQNk4XMrdfHbgyw228qsuagwCgYIKoZIzj0EAwIw\nEjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDIxNTU2NTBaFw0yNjEyMDMxNTU2\nNTBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\nAARnPh/YnFztOwd5dbnoNqJBHl0H3+Vw5KGwsxb6inPuIt++4fc4Xf8pxCuWibxK\n32Ni1KKcQzX6M+gRKWjxSSb+o1MwUTAdBgNVHQ4EFgQUqQLBbvc3bk41YeKmCfyN\nTDqgDq8wHwYDVR0jBBgwFoAUqQLBbvc3bk41YeKmCfyNTDqgDq8wDwYDVR0TAQH/\nBAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwzsTwW8tTKi52dREB8AuZx1hCADF\nYQlOijIx47zHGKECIQCmPymQc6G9OW7DtkjwwXpJRBqMB6Et3b3ONybPic/uAA==\n-----END CERTIFICATE-----\n", false, ""},
		{"bundle", "-----BEGIN CERTIFICATE-----\nMIIBejCCAR+gAwIBAgIUElMaHQNk4XMrdfHbgyw228qsuagwCgYIKoZIzj0EAwIw\nEjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDIxNTU2NTBaFw0yNjEyMDMxNTU2\nNTBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\nAARnPh/YnFztOwd5dbnoNqJBHl0H3+Vw5KGwsxb6inPuIt++4fc4Xf8pxCuWibxK\n32Ni1KKcQzX6M+gRKWjxSSb+o1MwUTAdBgNVHQ4EFgQUqQLBbvc3bk41YeKmCfyN\nTDqgDq8wHwYDVR0jBBgwFoAUqQLBbvc3bk41YeKmCfyNTDqgDq8wDwYDVR0TAQH/\nBAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwzsTwW8tTKi52dREB8AuZx1hCADF\nYQlOijIx47zHGKECIQCmPymQc6G9OW7DtkjwwXpJRBqMB6Et3b3ONybPic/uAA==\n-----END CERTIFICATE-----\ntoken q7Lm/Xv2Rt9Kp4Zw8Nc3Hb6Jd1Fs5Gy0AeTu", false, sicWhyEntropy},
		// Annotations: Secret references are not credentials; literal values are.
		{"nginx.ingress.kubernetes.io/auth-secret", "basic-auth", true, ""},
		{"nginx.ingress.kubernetes.io/auth-tls-secret", "ingress-nginx/ca-secret", true, ""},
		{"nginx.ingress.kubernetes.io/auth-type", "basic", true, ""},
		{"nginx.ingress.kubernetes.io/auth-url", "https://auth.example.com/oauth2/auth", true, ""},
		{"nginx.ingress.kubernetes.io/auth-cache-key", "$remote_user$http_authorization", true, ""},
		{"nginx.ingress.kubernetes.io/enable-global-auth", "false", true, ""},
		{"example.com/api-token", "tok-3a9f", true, sicWhyKeyName},
		{"example.com/upstream-password", "p@ss w0rd", true, sicWhyKeyName},
	} {
		if got := sicCredential(tc.key, tc.value, tc.annotation); got != tc.want {
			t.Errorf("sicCredential(%q, %q, %v) = %q, want %q", tc.key, tc.value, tc.annotation, got, tc.want)
		}
	}
}

// TestSecretInConfigNeverPrintsValues runs the positive cases and checks
// that no credential value, nor any long part of one, reaches the JSON or
// text output.
func TestSecretInConfigNeverPrintsValues(t *testing.T) {
	secrets := map[string][]string{
		"env-literal":        {"Pg-Adm1n-Pa55", "changeme", "ak-9aF3kQ2xL7mZ4pW8rT1vB6nY", "s3cr3t-DSN-pass", "Zq8VhN2rK5tLw9XbC4mJ7pDf"},
		"annotation-literal": {"tok-7Hq2-Lm9X-vR4c", "Rq7Ln2Xv9Kw4Tz8Bc3Mh6Jd5"},
	}
	for dir, values := range secrets {
		res := analysistest.Run(t, filepath.Join("testdata", dir), []*analysis.Rule{Rule})
		if len(res.Findings) == 0 {
			t.Fatalf("%s: no findings", dir)
		}
		var js, text bytes.Buffer
		if err := report.JSON(&js, res); err != nil {
			t.Fatal(err)
		}
		if err := report.Text(&text, res); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			for _, out := range []string{js.String(), text.String()} {
				if strings.Contains(out, v) {
					t.Errorf("%s: output contains the credential value %q", dir, v)
				}
				// Not even partially: no 6-character window of the value.
				for i := 0; i+6 <= len(v); i++ {
					if part := v[i : i+6]; strings.Contains(out, part) {
						t.Errorf("%s: output contains %q, part of the credential value %q", dir, part, v)
					}
				}
			}
		}
	}
}
