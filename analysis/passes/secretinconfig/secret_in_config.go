package secretinconfig

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/shadowroute/shadowroute/analysis/passes/internal/passutil"
	"github.com/shadowroute/shadowroute/graph/model"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Rule reports credentials written as literal values where
// Kubernetes does not treat them as secrets: container env values (not
// valueFrom), and Ingress and Service annotations. Those are readable by
// everyone who can read the object, end up in Git, CI logs and `kubectl
// describe`, and are not covered by Secret RBAC or encryption at rest
// (https://kubernetes.io/docs/concepts/security/secrets-good-practices/,
// https://cwe.mitre.org/data/definitions/798.html). Findings name the
// object, the container and the key, never the value. ConfigMap data keys
// are checked too (the loader keeps ConfigMap data for this).
var Rule = &analysis.Rule{
	Slug:     "secret-in-config",
	Severity: analysis.High,
	Title:    "Credential written in plain configuration",
	Summary:  "a password, token, key or connection string with a password as a literal env value, Ingress/Service annotation or ConfigMap entry",
	Doc:      "docs/rules/secret-in-config.md",
	Messages: []analysis.Message{
		{Code: "SR1301", Level: analysis.High, Summary: "credentials written as literal container env values"},
		{Code: "SR1302", Level: analysis.High, Summary: "credentials in the annotations of an Ingress or Service"},
		{Code: "SR1303", Level: analysis.High, Summary: "credentials in a ConfigMap"},
	},
	Run: runSecretInConfig,
}

// sicHit is one credential-like entry: where it is and why it looks like a
// credential. It never holds the value.
type sicHit struct {
	where string
	why   string
}

func runSecretInConfig(p *analysis.Pass) []analysis.Finding {
	var out []analysis.Finding
	for _, w := range p.Model.Workloads() {
		var hits []sicHit
		spec := w.Template.Spec
		containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
		for _, c := range containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil {
					continue
				}
				if why := sicCredential(e.Name, e.Value, false); why != "" {
					hits = append(hits, sicHit{where: fmt.Sprintf("container %s env %s", c.Name, e.Name), why: why})
				}
			}
		}
		if len(hits) == 0 {
			continue
		}
		out = append(out, p.Finding("SR1301", passutil.WorkloadRef(w),
			fmt.Sprintf("%s %s/%s has credentials written as literal env values: %s; anyone who can read the %s (or its manifest in Git and CI logs) gets them, and Secret RBAC and encryption at rest do not cover them: move them to a Secret and use valueFrom.secretKeyRef",
				w.Kind, w.Namespace, w.Name, sicList(hits), w.Kind),
			graph.EvidenceOf(w.Object)))
	}
	annotated := func(kind string, entry *inventory.Object, ann map[string]string) {
		var hits []sicHit
		keys := make([]string, 0, len(ann))
		for k := range ann {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == sicLastApplied {
				continue // a copy of the object, checked field by field
			}
			if why := sicCredential(k, ann[k], true); why != "" {
				hits = append(hits, sicHit{where: "annotation " + k, why: why})
			}
		}
		if len(hits) == 0 {
			return
		}
		out = append(out, p.Finding("SR1302", passutil.Ref(entry),
			fmt.Sprintf("%s %s/%s has credentials in its annotations: %s; annotations are readable by anyone who can get the %s and are not protected like Secrets (RBAC on secrets, encryption at rest): keep the credential in a Secret and reference the Secret instead",
				kind, entry.Key.Namespace, entry.Key.Name, sicList(hits), kind),
			graph.EvidenceOf(entry)))
	}
	for _, ing := range p.Model.IngressObjects() {
		annotated("Ingress", ing.Entry, ing.Obj.Annotations)
	}
	for _, s := range p.Model.Services() {
		annotated("Service", s.Entry, s.Obj.Annotations)
	}
	for _, cm := range sicConfigMaps(p.Model) {
		var hits []sicHit
		keys := make([]string, 0, len(cm.Data))
		for k := range cm.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if why := sicCredential(k, cm.Data[k], false); why != "" {
				hits = append(hits, sicHit{where: "key " + k, why: why})
			}
		}
		if len(hits) == 0 {
			continue
		}
		ev := graph.Evidence{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name, File: cm.Origin.File, Line: cm.Origin.Line}
		out = append(out, p.Finding("SR1303", analysis.Ref{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name},
			fmt.Sprintf("ConfigMap %s/%s holds credentials: %s; ConfigMaps are readable by anyone who can read the namespace's configuration and are not protected like Secrets: move them to a Secret",
				cm.Namespace, cm.Name, sicList(hits)), ev))
	}
	return out
}

const sicLastApplied = "kubectl.kubernetes.io/last-applied-configuration"

func sicList(hits []sicHit) string {
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = h.where + " (" + h.why + ")"
	}
	return strings.Join(parts, ", ")
}

// Reasons a value is credential-like.
const (
	sicWhyConnString = "connection string with a password"
	sicWhyPEM        = "PEM private key"
	sicWhyJWT        = "JSON Web Token"
	sicWhyKeyName    = "credential-named key with a literal value"
	sicWhyEntropy    = "high-entropy value that looks like a generated key or token"
)

var (
	// scheme://user:password@host; the password is group 1.
	sicConnString = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s:@/]*:([^\s@/]+)@`)
	// A value made only of variable references: ${VAR}, $(VAR), $VAR,
	// {{ template }}.
	sicReference = regexp.MustCompile(`\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}`)
	sicJWT       = regexp.MustCompile(`^eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*$`)
	sicUUID      = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	// A Kubernetes object reference: name or namespace/name.
	sicObjectRef = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$`)
	sicBase64    = regexp.MustCompile(`^[A-Za-z0-9+/=_\-]+$`)
)

// sicCredential says why a key/value pair looks like a credential, or "".
// Annotation keys are judged by their name part (after the last '/'), and an
// annotation named *-secret whose value is an object name is a reference to
// a Secret (nginx.ingress.kubernetes.io/auth-secret), not a credential.
func sicCredential(key, value string, annotation bool) string {
	v := strings.TrimSpace(value)
	if v == "" {
		return ""
	}
	if m := sicConnString.FindStringSubmatch(v); m != nil && !sicIsReference(m[1]) {
		return sicWhyConnString
	}
	if strings.Contains(v, "-----BEGIN") && strings.Contains(v, "PRIVATE KEY-----") {
		return sicWhyPEM
	}
	if sicIsReference(v) {
		return ""
	}
	if sicJWT.MatchString(v) {
		return sicWhyJWT
	}
	name := key
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if words := sicWords(name); sicCredentialKey(words) && sicLiteral(v) {
		last := words[len(words)-1]
		if !(annotation && (last == "secret" || last == "secrets") && sicObjectRef.MatchString(v)) {
			return sicWhyKeyName
		}
	}
	for _, field := range strings.FieldsFunc(sicWithoutPublicPEM(v), func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' || r == '"' || r == '\'' }) {
		if sicHighEntropy(field) {
			return sicWhyEntropy
		}
	}
	return ""
}

// sicPublicPEM are PEM block types that hold nothing secret: a CA bundle
// (the API server's extension-apiserver-authentication, Istio's
// istio-ca-root-cert in every namespace) is configuration, and its base64 is
// high-entropy by nature.
var sicPublicPEM = map[string]bool{"CERTIFICATE": true, "TRUSTED CERTIFICATE": true, "PUBLIC KEY": true, "RSA PUBLIC KEY": true, "X509 CRL": true, "CERTIFICATE REQUEST": true}

// sicWithoutPublicPEM is the value without its public PEM blocks, so only
// what surrounds them is judged by entropy.
func sicWithoutPublicPEM(v string) string {
	if !strings.Contains(v, "-----BEGIN ") {
		return v
	}
	var out strings.Builder
	rest := []byte(v)
	for {
		i := bytes.Index(rest, []byte("-----BEGIN "))
		if i < 0 {
			break
		}
		block, after := pem.Decode(rest[i:])
		if block == nil {
			break
		}
		out.Write(rest[:i])
		if !sicPublicPEM[block.Type] {
			out.Write(rest[i : len(rest)-len(after)])
		}
		rest = after
	}
	out.Write(rest)
	return out.String()
}

// sicIsReference: the value consists only of variable references (and
// punctuation between them), resolved at run time from somewhere else.
func sicIsReference(v string) bool {
	if !strings.ContainsAny(v, "${") {
		return false
	}
	rest := sicReference.ReplaceAllString(v, "")
	return strings.TrimFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) == ""
}

// sicLiteral rules out values under a credential-named key that are not
// credentials: booleans, file paths, and URLs without a password.
func sicLiteral(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled":
		return false
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") {
		return false
	}
	if strings.Contains(v, "://") {
		return false // a URL; one with a password is caught as a connection string
	}
	return true
}

// sicWords splits a key into lower-case words at non-alphanumerics and
// camelCase boundaries: "dbPassword" and "DB_PASSWORD" give [db password],
// "APIKey" gives [api key].
func sicWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

var (
	sicCredentialWords = map[string]bool{
		"password": true, "passwords": true, "passwd": true, "pwd": true, "passphrase": true,
		"secret": true, "secrets": true, "token": true, "tokens": true,
		"credential": true, "credentials": true,
		"apikey": true, "accesskey": true, "privatekey": true,
	}
	sicKeyQualifiers = map[string]bool{"api": true, "access": true, "private": true}
	// sicMetadataWords end keys that describe a credential rather than hold
	// it: DB_PASSWORD_FILE, TOKEN_URL, SECRET_NAME, AWS_ACCESS_KEY_ID.
	sicMetadataWords = map[string]bool{
		"file": true, "files": true, "path": true, "dir": true, "url": true, "uri": true, "endpoint": true,
		"name": true, "ref": true, "id": true, "user": true, "username": true,
		"ttl": true, "timeout": true, "expiry": true, "expiration": true, "expires": true, "lifetime": true, "age": true,
		"duration": true, "interval": true, "period": true, "seconds": true, "days": true,
		"enabled": true, "enable": true, "disabled": true, "required": true, "mode": true, "type": true,
		"header": true, "headers": true, "length": true, "size": true, "min": true, "max": true,
		"host": true, "port": true, "issuer": true, "audience": true, "provider": true, "method": true,
		"algorithm": true, "version": true, "format": true, "realm": true, "scope": true, "scopes": true,
		"policy": true, "rotation": true, "namespace": true, "field": true, "prefix": true, "suffix": true,
	}
)

// sicCredentialKey: the key names a credential (a credential word, "api
// key", "access key", "private key", or "auth" as the last word) and does not
// end in a word that makes it metadata about one.
func sicCredentialKey(words []string) bool {
	if len(words) == 0 || sicMetadataWords[words[len(words)-1]] {
		return false
	}
	for i, w := range words {
		if sicCredentialWords[w] {
			return true
		}
		if w == "key" && i > 0 && sicKeyQualifiers[words[i-1]] {
			return true
		}
	}
	return words[len(words)-1] == "auth"
}

// sicHighEntropy: a base64- or hex-like token of at least 20 characters
// with Shannon entropy of at least 4.0 bits per character. Base64-like
// tokens must mix upper case, lower case and digits (identifiers and words
// do not); file paths and UUIDs are not tokens.
func sicHighEntropy(s string) bool {
	if len(s) < 20 || !sicBase64.MatchString(s) || strings.HasPrefix(s, "/") || sicUUID.MatchString(s) {
		return false
	}
	hex := strings.Trim(s, "0123456789abcdefABCDEF") == ""
	if !hex {
		var upper, lower, digit bool
		for _, r := range s {
			switch {
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsLower(r):
				lower = true
			case unicode.IsDigit(r):
				digit = true
			}
		}
		if !upper || !lower || !digit {
			return false
		}
	}
	return sicEntropy(s) >= 4.0
}

// sicEntropy is the Shannon entropy of s in bits per character.
func sicEntropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	if n == 0 {
		return 0
	}
	freq := make([]int, 0, len(counts))
	for _, c := range counts {
		freq = append(freq, c)
	}
	sort.Ints(freq) // a fixed summation order: the result never depends on map order
	var h float64
	for _, c := range freq {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// sicConfigMaps returns the inventory's ConfigMaps sorted by namespace and
// name; a later definition of the same ConfigMap replaces the earlier one.
func sicConfigMaps(m *model.Model) []inventory.ConfigMapData {
	byKey := map[string]inventory.ConfigMapData{}
	for _, cm := range m.ConfigMaps() {
		byKey[cm.Namespace+"/"+cm.Name] = cm
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]inventory.ConfigMapData, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}
