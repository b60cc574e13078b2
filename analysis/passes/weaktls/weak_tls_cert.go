package weaktls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
)

// wtCertCheck holds the clock and the expiry warning window.
type wtCertCheck struct {
	Now  time.Time
	Warn time.Duration
}

// wtCertConfig reads Config.Now (zero: the current time) and
// Config.CertExpiryWarn (zero: 30 days).
func wtCertConfig(c analysis.Config) wtCertCheck {
	cc := wtCertCheck{Now: c.Now, Warn: c.CertExpiryWarn}
	if cc.Now.IsZero() {
		cc.Now = time.Now()
	}
	if cc.Warn <= 0 {
		cc.Warn = 30 * 24 * time.Hour
	}
	return cc
}

// wtProblem is one certificate problem; High marks the ones that break or
// weaken TLS now (an expiring certificate is medium).
type wtProblem struct {
	High bool
	Text string
}

// wtParseChain parses the CERTIFICATE blocks of a PEM bundle, leaf first.
// Other blocks (a private key pasted by mistake) are skipped unread.
func wtParseChain(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// check measures a chain: the leaf's validity window, and the key size and
// signature algorithm of every certificate but a self-signed root (whose
// signature nobody verifies).
func (cc wtCertCheck) check(chain []*x509.Certificate) []wtProblem {
	var out []wtProblem
	leaf := chain[0]
	day := 24 * time.Hour
	switch {
	case cc.Now.After(leaf.NotAfter):
		out = append(out, wtProblem{High: true, Text: fmt.Sprintf("the certificate expired on %s (%d days ago), so validating clients refuse the connection", leaf.NotAfter.UTC().Format("2006-01-02"), int(cc.Now.Sub(leaf.NotAfter)/day))})
	case leaf.NotAfter.Sub(cc.Now) < cc.Warn:
		out = append(out, wtProblem{Text: fmt.Sprintf("the certificate expires on %s (in %d days, within the %d-day warning window): renew it before validating clients start refusing it", leaf.NotAfter.UTC().Format("2006-01-02"), int(leaf.NotAfter.Sub(cc.Now)/day), int(cc.Warn/day))})
	}
	if cc.Now.Before(leaf.NotBefore) {
		out = append(out, wtProblem{High: true, Text: fmt.Sprintf("the certificate is not valid before %s, so validating clients refuse it until then", leaf.NotBefore.UTC().Format("2006-01-02"))})
	}
	for i, c := range chain {
		if i > 0 && wtSelfSigned(c) {
			continue
		}
		which := "the certificate"
		if i > 0 {
			which = fmt.Sprintf("chain certificate %d (%s)", i+1, wtSubject(c))
		}
		if weak := wtWeakKey(c); weak != "" {
			out = append(out, wtProblem{High: true, Text: fmt.Sprintf("%s has %s, too short to resist a well-funded attacker recovering the private key and impersonating the server (disallowed by NIST SP 800-131A since 2013)", which, weak)})
		}
		if wtWeakSignature(c.SignatureAlgorithm) {
			out = append(out, wtProblem{High: true, Text: fmt.Sprintf("%s is signed with %s, a hash with practical collisions (%s), so a forged certificate can carry the same signature; browsers and Go reject it", which, c.SignatureAlgorithm, wtCollision(c.SignatureAlgorithm))})
		}
	}
	return out
}

// wtWeakKey describes a public key below 2048-bit RSA or a 256-bit curve,
// or returns "".
func wtWeakKey(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("a %d-bit RSA key (minimum 2048)", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fmt.Sprintf("a %d-bit ECDSA key (minimum P-256)", n)
		}
	}
	return ""
}

// wtWeakSignature: SHA-1 and MD5 (and MD2) based signatures.
func wtWeakSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// wtCollision cites the public collision attack on a signature's hash.
func wtCollision(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA:
		return "MD5: rogue CA certificate 2008, CVE-2004-2761"
	}
	return "SHA-1: SHAttered 2017, chosen-prefix 2020"
}

// wtSelfSigned: subject equals issuer and the certificate's own key verifies
// its signature.
func wtSelfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawSubject, c.RawIssuer) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil || wtWeakSignature(c.SignatureAlgorithm)
}

// wtUncoveredHosts returns the host names the leaf does not cover
// (x509.VerifyHostname: SAN DNS names with one-label wildcards; a wildcard
// host needs the same wildcard in the certificate). "*" is never checked.
func wtUncoveredHosts(leaf *x509.Certificate, names []string) []string {
	var out []string
	for _, h := range names {
		if h == "" || h == "*" {
			continue
		}
		if leaf.VerifyHostname(h) != nil {
			out = append(out, h)
		}
	}
	return out
}

// wtNames renders the names a certificate covers.
func wtNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no subjectAltName"
	}
	return strings.Join(names, ", ")
}

// wtSubject names a certificate by its common name (or whole subject).
func wtSubject(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	if s := c.Subject.String(); s != "" {
		return s
	}
	return "with empty subject"
}
