package weaktls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestWtClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // class name prefix, "" for not weak
	}{
		{"ECDHE-ECDSA-AES128-GCM-SHA256", ""},
		{"ECDHE-RSA-CHACHA20-POLY1305", ""},
		{"TLS_AES_128_GCM_SHA256", ""},
		{"AES128-SHA256", ""},
		{"HIGH", ""},
		{"kEDH+AESGCM", ""},
		{"ECDHE-RSA-AES128-SHA", "CBC with SHA-1"},
		{"AES256-SHA", "CBC with SHA-1"},
		{"TLS_RSA_WITH_AES_128_CBC_SHA", "CBC with SHA-1"},
		{"SHA1", "CBC with SHA-1"},
		{"DES-CBC3-SHA", "DES/3DES"},
		{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES/3DES"},
		{"EDH-RSA-DES-CBC-SHA", "DES/3DES"},
		{"RC4-SHA", "RC4"},
		{"RC4+RSA", "RC4"},
		{"ECDHE-RSA-RC4-SHA", "RC4"},
		{"EXP-RC4-MD5", "export"},
		{"EXPORT", "export"},
		{"NULL-SHA256", "no encryption"},
		{"eNULL", "no encryption"},
		{"aNULL", "anonymous"},
		{"ADH-AES128-GCM-SHA256", "anonymous"},
		{"TLS_DH_anon_WITH_AES_128_GCM_SHA256", "anonymous"},
		{"MD5", "MD5"},
		{"LOW", "LOW"},
	} {
		c := wtClassify(tc.name)
		got := ""
		if c != nil {
			got = c.Name
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("wtClassify(%q) = %q, want prefix %q", tc.name, got, tc.want)
		}
	}
}

func TestWtWeakCipherList(t *testing.T) {
	for _, tc := range []struct {
		list    string
		openssl bool
		want    []string // names reported, in order
	}{
		{"ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:DES-CBC3-SHA:!aNULL:!MD5", true, []string{"AES128-SHA", "DES-CBC3-SHA"}},
		// "!" removes a family for good, whatever precedes it.
		{"RC4-SHA:DES-CBC3-SHA:!RC4:!3DES", true, nil},
		{"ECDHE-RSA-AES128-SHA:!SHA1", true, nil},
		{"AES128-SHA:-AES128-SHA:!AES128-SHA", true, nil},
		// "+X" and "@..." only reorder or set levels.
		{"HIGH:+LOW:@STRENGTH", true, nil},
		{"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP", true, []string{"RC4+RSA"}},
		{"ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-SHA", true, []string{"ECDHE-RSA-AES128-SHA"}},
		// Envoy lists: no negation; equal-preference groups are unfolded.
		{"[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-AES128-SHA]", false, []string{"ECDHE-ECDSA-AES128-SHA"}},
	} {
		var in []string
		if tc.openssl {
			in = wtSplitCipherString(tc.list)
		} else {
			in = strings.Split(tc.list, ",")
		}
		var got []string
		for _, s := range wtWeakCipherList(in, tc.openssl) {
			got = append(got, strings.SplitN(s, " (", 2)[0])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("wtWeakCipherList(%q) = %v, want %v", tc.list, got, tc.want)
		}
	}
}

func TestWtWeakProtocols(t *testing.T) {
	for in, want := range map[string]string{
		"TLSv1.2 TLSv1.3":             "",
		"TLSv1 TLSv1.1 TLSv1.2":       "TLSv1,TLSv1.1",
		"  SSLv3   tlsv1.2 ":          "SSLv3",
		"TLSv1.3":                     "",
		"SSLv2 SSLv3 TLSv1 TLSv1.1":   "SSLv2,SSLv3,TLSv1,TLSv1.1",
		"TLSv1.0 TLSv1.2 unknown-ver": "TLSv1.0",
	} {
		if got := strings.Join(wtWeakProtocols(in), ","); got != want {
			t.Errorf("wtWeakProtocols(%q) = %q, want %q", in, got, want)
		}
	}
}

// testCert issues a certificate; parent nil means self-signed.
type testIssuer struct {
	cert *x509.Certificate
	key  any
}

func issue(t *testing.T, cn string, sans []string, nb, na time.Time, pub, priv any, parent *testIssuer, sig x509.SignatureAlgorithm, ca bool) (*x509.Certificate, []byte) {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, DNSNames: sans,
		NotBefore: nb, NotAfter: na, SignatureAlgorithm: sig, IsCA: ca, BasicConstraintsValid: ca}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	}
	parentCert, signer := tmpl, priv
	if parent != nil {
		parentCert, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, der
}

func TestWtCertCheck(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	long := now.AddDate(2, 0, 0)
	past := now.AddDate(-1, 0, 0)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)

	// A SHA-1 self-signed root is skipped; a SHA-1 intermediate is not.
	root, _ := issue(t, "root", nil, past, long, &rsa2048.PublicKey, rsa2048, nil, x509.SHA1WithRSA, true)
	inter, _ := issue(t, "intermediate", nil, past, long, &ec.PublicKey, nil, &testIssuer{root, rsa2048}, x509.SHA1WithRSA, true)
	goodLeaf, _ := issue(t, "leaf", []string{"a.example.com"}, past, long, &ec.PublicKey, nil, &testIssuer{inter, ec}, x509.ECDSAWithSHA256, false)

	cc := wtCertCheck{Now: now, Warn: 30 * 24 * time.Hour}
	texts := func(ps []wtProblem) string {
		var s []string
		for _, p := range ps {
			mark := "medium"
			if p.High {
				mark = "high"
			}
			s = append(s, mark+": "+p.Text)
		}
		return strings.Join(s, "\n")
	}
	got := cc.check([]*x509.Certificate{goodLeaf, inter, root})
	if len(got) != 1 || !strings.Contains(got[0].Text, "chain certificate 2 (CN=intermediate) is signed with SHA1-RSA") {
		t.Errorf("chain: got\n%s", texts(got))
	}
	if got := cc.check([]*x509.Certificate{goodLeaf}); len(got) != 0 {
		t.Errorf("good leaf: got\n%s", texts(got))
	}

	expiring, _ := issue(t, "soon", nil, past, now.Add(29*24*time.Hour), &ec.PublicKey, ec, nil, x509.ECDSAWithSHA256, false)
	if got := cc.check([]*x509.Certificate{expiring}); len(got) != 1 || got[0].High || !strings.Contains(got[0].Text, "in 29 days") {
		t.Errorf("expiring: got\n%s", texts(got))
	}
	if got := (wtCertCheck{Now: now, Warn: 7 * 24 * time.Hour}).check([]*x509.Certificate{expiring}); len(got) != 0 {
		t.Errorf("expiring outside a 7-day window: got\n%s", texts(got))
	}
	expired, _ := issue(t, "old", nil, past, now.Add(-time.Hour), &ec.PublicKey, ec, nil, x509.ECDSAWithSHA256, false)
	if got := cc.check([]*x509.Certificate{expired}); len(got) != 1 || !got[0].High || !strings.Contains(got[0].Text, "expired") {
		t.Errorf("expired: got\n%s", texts(got))
	}
	future, _ := issue(t, "future", nil, now.AddDate(0, 1, 0), long, &ec.PublicKey, ec, nil, x509.ECDSAWithSHA256, false)
	if got := cc.check([]*x509.Certificate{future}); len(got) != 1 || !strings.Contains(got[0].Text, "not valid before") {
		t.Errorf("not yet valid: got\n%s", texts(got))
	}
	small, _ := issue(t, "p224", nil, past, long, &p224.PublicKey, p224, nil, x509.ECDSAWithSHA256, false)
	if got := cc.check([]*x509.Certificate{small}); len(got) != 1 || !strings.Contains(got[0].Text, "224-bit ECDSA key") {
		t.Errorf("P-224: got\n%s", texts(got))
	}
}

func TestWtUncoveredHosts(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	leaf, _ := issue(t, "x", []string{"shop.example.com", "*.api.example.com"}, now, now.Add(time.Hour), &ec.PublicKey, ec, nil, x509.ECDSAWithSHA256, false)
	got := wtUncoveredHosts(leaf, []string{"shop.example.com", "v1.api.example.com", "a.b.api.example.com", "*.api.example.com", "*.example.com", "*", "", "other.example.com"})
	want := "a.b.api.example.com,*.example.com,other.example.com"
	if strings.Join(got, ",") != want {
		t.Errorf("uncovered = %v, want %s", got, want)
	}
}

func TestWtParseChain(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	_, der := issue(t, "x", nil, now, now.Add(time.Hour), &ec.PublicKey, ec, nil, x509.ECDSAWithSHA256, false)
	bundle := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not read")}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	chain, err := wtParseChain(bundle)
	if err != nil || len(chain) != 1 || chain[0].Subject.CommonName != "x" {
		t.Errorf("chain = %v, %v", chain, err)
	}
	if chain, err := wtParseChain([]byte("cert")); err != nil || len(chain) != 0 {
		t.Errorf("not PEM: %v, %v", chain, err)
	}
	if _, err := wtParseChain(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})); err == nil {
		t.Error("garbage DER accepted")
	}
}
