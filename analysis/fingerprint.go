package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// FingerprintVersion names the fingerprint scheme, so a later change of
// what goes in is a new key rather than a silent change of values.
const FingerprintVersion = "shadowroute/v1"

// Fingerprint identifies a finding across runs: its code, its target and
// the signature of its witness path (the kind, namespace and name of each
// hop, the edge kind between hops), never file names or line numbers, so
// it survives moved lines, renamed files and unrelated changes, and changes
// when the finding is about another object or another way in. Baselines
// and SARIF partialFingerprints use it.
func Fingerprint(f Finding) string {
	var b strings.Builder
	b.WriteString(f.Code)
	b.WriteString("\x00")
	b.WriteString(f.Target.String())
	for _, h := range f.Path {
		b.WriteString("\x00")
		if h.Edge != nil {
			b.WriteString(string(h.Edge.Kind) + ">")
		}
		b.WriteString(string(h.Node.Kind) + ":" + h.Node.Namespace + "/" + h.Node.Name)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}
