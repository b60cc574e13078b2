package riskyannotation

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/protocol"
)

// raBreakout lists the characters of an annotation value that end or escape
// the nginx directive the controller writes the value into: ";" ends the
// directive, newlines and "#" (comment) cut it, braces open or close blocks,
// quotes and backslashes break the quoting. withDollar also reports "$"
// (an nginx variable) for values that are plain names.
func raBreakout(value string, withDollar bool) []string {
	var out []string
	add := func(cond bool, desc string) {
		if cond {
			out = append(out, desc)
		}
	}
	add(strings.Contains(value, ";"), `";"`)
	add(strings.ContainsAny(value, "\n\r"), "a newline")
	add(strings.ContainsAny(value, "{}"), "a brace")
	add(strings.Contains(value, "#"), `"#"`)
	add(strings.ContainsAny(value, `"'`), "a quote")
	add(strings.Contains(value, `\`), "a backslash")
	add(withDollar && strings.Contains(value, "$"), `"$" (an nginx variable)`)
	return out
}

// raCaptureRef matches a regex capture reference ($1 … $9) in a rewrite
// target.
var raCaptureRef = regexp.MustCompile(`\$[0-9]`)

// raCatchAllCapture reports whether a regex Ingress path matches every URI and
// captures the client's path: after the leading "/" it is made only of
// match-anything tokens, with at least one capturing group of ".*" or ".+"
// ("/(.*)", "/?(.*)", "^/(.*)$", "/(/|$)(.*)"). A plain "/" has no group: a
// rewrite with $1 then sends every request to the same URI, which is not
// reported.
func raCatchAllCapture(path string) bool {
	p := strings.TrimPrefix(strings.TrimSpace(path), "^")
	p = strings.TrimSuffix(p, "$")
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "?") // "/?": the leading slash is optional
	captures := false
	for _, tok := range []string{"(/.*)?", "(.*)?", "(/.*)", "(.*)", "(.+)"} {
		if strings.Contains(rest, tok) {
			captures = true
			rest = strings.ReplaceAll(rest, tok, "")
		}
	}
	for _, tok := range []string{"(/|$)", "(/?)", "/?", ".*", ".+", "/"} {
		rest = strings.ReplaceAll(rest, tok, "")
	}
	return captures && rest == ""
}

// raAllowsAllPublic reports which address families an ingress-nginx source
// allowlist (comma-separated CIDRs) admits completely: "IPv4" when the
// entries together cover every public IPv4 address (0.0.0.0/0, or e.g.
// 0.0.0.0/1 plus 128.0.0.0/1), "IPv6" likewise for ::/0. Invalid entries are
// ignored (ingress-nginx rejects the annotation).
func raAllowsAllPublic(value string) []string {
	var v4, v6 []string
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		p, err := ipspace.ParsePrefix(f)
		if err != nil {
			continue
		}
		if p.Addr().Is4() {
			v4 = append(v4, f)
		} else {
			v6 = append(v6, f)
		}
	}
	var out []string
	// The whole family minus the entries: when no public address is left,
	// the entries admit the entire internet of that family.
	if len(v4) > 0 {
		if left, err := (ipspace.Block{CIDR: "0.0.0.0/0", Except: v4}).Contains(ipspace.Public); err == nil && !left {
			out = append(out, "IPv4")
		}
	}
	if len(v6) > 0 {
		if left, err := (ipspace.Block{CIDR: "::/0", Except: v6}).Contains(ipspace.Public); err == nil && !left {
			out = append(out, "IPv6")
		}
	}
	return out
}

// Wire classes of a port as Istio sees it, and of what nginx sends.
const (
	raWireHTTP   = "cleartext HTTP"
	raWireTLS    = "TLS"
	raWireTCP    = "opaque TCP"
	raWireBinary = "a binary non-HTTP protocol"
)

// raIstioPortProtocol is Istio's protocol selection for a Service port
// (graph/protocol): the protocol, what decided it, and its wire class (""
// when Istio detects the protocol itself or does not proxy it, so nothing
// can disagree).
func raIstioPortProtocol(port graph.ServicePort) (proto, how, class string) {
	sel := protocol.ForServicePort(port.Port, port.Name, corev1.Protocol(port.Protocol), port.AppProtocol)
	proto, how = sel.Protocol.String(), string(sel.By)
	switch p := sel.Protocol; {
	case p.IsHTTP():
		return proto, how, raWireHTTP
	case p.IsTLS():
		return proto, how, raWireTLS
	case p.IsTCP():
		return proto, how, raWireTCP
	}
	return proto, how, ""
}

// raBackendWire maps an ingress-nginx backend-protocol value to what nginx
// puts on the wire.
func raBackendWire(v string) string {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "HTTP", "GRPC":
		return raWireHTTP
	case "HTTPS", "GRPCS":
		return raWireTLS
	case "AJP", "FCGI":
		return raWireBinary
	}
	return ""
}

// raProtocolConflict explains why what nginx sends disagrees with the
// protocol the backend's sidecar applies to the port, or returns "".
func raProtocolConflict(sent, port string) string {
	switch {
	case port == "" || sent == "":
		return ""
	case sent == raWireTLS && port == raWireHTTP:
		return "the sidecar expects cleartext HTTP on that port, so the TLS nginx originates is not parsed as HTTP: HTTP routing, HTTP AuthorizationPolicy fields and request telemetry do not apply to it, or the request fails"
	case sent == raWireHTTP && port == raWireTLS:
		return "the port is declared as TLS terminated by the application, but nginx sends cleartext"
	case sent == raWireHTTP && port == raWireTCP:
		return "the sidecar proxies that port as opaque TCP, so HTTP fields of AuthorizationPolicies (paths, methods, JWT claims) are not enforced as written on these requests"
	case sent == raWireBinary && port == raWireHTTP:
		return "the sidecar parses that port as HTTP and cannot carry the binary protocol"
	}
	return ""
}
