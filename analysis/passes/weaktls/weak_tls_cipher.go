package weaktls

import (
	"strings"
)

// wtCipherClass is one family of weak cipher suites, with the OpenSSL
// keywords whose negation ("!RC4") removes it from a cipher string.
type wtCipherClass struct {
	Name    string
	Negated []string
}

var (
	wtNull   = wtCipherClass{"no encryption or no authentication (NULL)", []string{"NULL", "ENULL", "ANULL", "COMPLEMENTOFDEFAULT"}}
	wtAnon   = wtCipherClass{"anonymous key exchange", []string{"ANULL", "ADH", "AECDH"}}
	wtExport = wtCipherClass{"export-grade", []string{"EXP", "EXPORT", "EXPORT40", "EXPORT56", "LOW"}}
	wtRC4    = wtCipherClass{"RC4", []string{"RC4"}}
	wtDES    = wtCipherClass{"DES/3DES, Sweet32 CVE-2016-2183", []string{"DES", "3DES", "LOW", "MEDIUM"}}
	wtMD5    = wtCipherClass{"MD5 MAC", []string{"MD5"}}
	wtLow    = wtCipherClass{"LOW strength", []string{"LOW"}}
	wtCBCSHA = wtCipherClass{"CBC with SHA-1 MAC", []string{"SHA1", "SHA"}}
)

// wtClassify returns the weak family a cipher suite or OpenSSL cipher-string
// element belongs to, or nil. Names are OpenSSL/BoringSSL style
// ("ECDHE-RSA-AES128-SHA") or IANA style ("TLS_RSA_WITH_AES_128_CBC_SHA").
func wtClassify(name string) *wtCipherClass {
	n := strings.ToUpper(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "_", "-")
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '+' })
	has := func(words ...string) bool {
		for _, p := range parts {
			for _, w := range words {
				if p == w {
					return true
				}
			}
		}
		return false
	}
	contains := func(s string) bool { return strings.Contains(n, s) }
	switch {
	case contains("NULL"):
		if contains("ANULL") {
			return &wtAnon
		}
		return &wtNull
	case has("ADH", "AECDH", "ANON") || strings.HasPrefix(n, "ADH") || strings.HasPrefix(n, "AECDH"):
		return &wtAnon
	case has("EXP", "EXPORT", "EXPORT40", "EXPORT56", "EXPORT1024") || strings.HasPrefix(n, "EXP"):
		return &wtExport
	case contains("RC4"):
		return &wtRC4
	case contains("DES"): // DES-CBC-SHA, DES-CBC3-SHA, 3DES-EDE, EDH-RSA-DES-CBC3-SHA
		return &wtDES
	case has("MD5"):
		return &wtMD5
	case n == "LOW":
		return &wtLow
	case n == "SHA1" || n == "SHA":
		return &wtCBCSHA
	case strings.HasSuffix(n, "-SHA") && !contains("GCM") && !contains("CHACHA20") && !contains("CCM"):
		// AES128-SHA, ECDHE-RSA-AES256-SHA, TLS_RSA_WITH_AES_128_CBC_SHA:
		// CBC mode with an HMAC-SHA1 MAC (Lucky13 class padding oracles).
		return &wtCBCSHA
	}
	return nil
}

// wtSplitCipherString splits an OpenSSL cipher string ("A:B:!C", also with
// spaces or commas) into its elements.
func wtSplitCipherString(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
}

// wtWeakCipherList returns the weak elements of a cipher list, each as
// "name (family)". With openssl set, elements prefixed "!" or "-" remove
// ciphers: they are not reported, and a weak element whose family a "!"
// keyword removes is not reported either. Envoy's equal-preference groups
// "[A|B]" are unfolded.
func wtWeakCipherList(list []string, openssl bool) []string {
	negated := map[string]bool{}
	var positive []string
	for _, raw := range list {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if openssl && (strings.HasPrefix(e, "!") || strings.HasPrefix(e, "-")) {
			if strings.HasPrefix(e, "!") {
				negated[strings.ToUpper(strings.TrimLeft(e, "!"))] = true
			}
			continue
		}
		if openssl && (strings.HasPrefix(e, "@") || strings.HasPrefix(e, "+")) {
			continue // @STRENGTH, @SECLEVEL and +X only reorder
		}
		e = strings.Trim(e, "[]")
		positive = append(positive, strings.Split(e, "|")...)
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range positive {
		c := wtClassify(e)
		if c == nil || seen[e] {
			continue
		}
		removed := negated[strings.ToUpper(e)]
		for _, k := range c.Negated {
			removed = removed || negated[k]
		}
		if removed {
			continue
		}
		seen[e] = true
		out = append(out, e+" ("+c.Name+")")
	}
	return out
}
