// Package hosts implements Istio host names: wildcard matching, short-name
// qualification and exportTo visibility (istio/istio pkg/config/host/name.go,
// pkg/config/visibility).
package hosts

import (
	"net"
	"strings"
)

// ClusterDomain is the DNS suffix of Services.
const ClusterDomain = "svc.cluster.local"

// Match reports whether two host names overlap: equal, or a wildcard
// ("*.example.com" covers "a.example.com" and "*.b.example.com", not
// "example.com"; "*" covers everything) on either side.
func Match(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b || a == "*" || b == "*" {
		return true
	}
	aw, bw := strings.HasPrefix(a, "*"), strings.HasPrefix(b, "*")
	switch {
	case aw && bw:
		as, bs := a[1:], b[1:]
		return strings.HasSuffix(as, bs) || strings.HasSuffix(bs, as)
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return false
}

// Covers reports whether pattern includes every name host stands for.
func Covers(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if pattern == "*" || pattern == host {
		return true
	}
	if strings.HasPrefix(pattern, "*") {
		suffix := pattern[1:]
		if strings.HasPrefix(host, "*") {
			return strings.HasSuffix(host[1:], suffix)
		}
		return strings.HasSuffix(host, suffix)
	}
	return false
}

// ResolveShortname resolves a host written in Istio configuration of a
// namespace as istiod does (istio/istio pkg/config/model.go
// ResolveShortnameToFQDN): a short name (no dot) becomes
// name.namespace.svc.cluster.local; "*", IP addresses and every name with a
// dot stay as written, so "postgres.data" does not name the Service
// postgres.data.svc.cluster.local.
func ResolveShortname(host, namespace string) string {
	if host == "" || host == "*" || net.ParseIP(host) != nil || strings.Contains(host, ".") {
		return host
	}
	if namespace != "" {
		host += "." + namespace
	}
	return host + "." + ClusterDomain
}

// ServiceFQDN is a Service's cluster host name.
func ServiceFQDN(name, namespace string) string {
	return name + "." + namespace + "." + ClusterDomain
}

// ParseServiceFQDN splits "name.namespace.svc.cluster.local".
func ParseServiceFQDN(fqdn string) (name, namespace string, ok bool) {
	rest, found := strings.CutSuffix(fqdn, "."+ClusterDomain)
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 2 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// Visible reports whether a config with the given exportTo, living in
// ownerNS, is visible from namespace viewer. Empty exportTo means "*";
// "." means the owner's namespace.
func Visible(exportTo []string, ownerNS, viewer string) bool {
	if len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		switch e {
		case "*":
			return true
		case ".":
			if viewer == ownerNS {
				return true
			}
		case "~":
		default:
			if e == viewer {
				return true
			}
		}
	}
	return false
}

// ServerHost is a Gateway server host "namespace/dnsName".
type ServerHost struct {
	// Namespace is "*" (any), "." (the Gateway's), or a namespace name.
	Namespace string
	DNS       string
}

// ParseServerHost splits a Gateway server host; no namespace part means "*".
func ParseServerHost(h string) ServerHost {
	if ns, dns, ok := strings.Cut(h, "/"); ok {
		return ServerHost{Namespace: ns, DNS: dns}
	}
	return ServerHost{Namespace: "*", DNS: h}
}

// AllowsNamespace reports whether a VirtualService in vsNS may bind to this
// server host of a Gateway in gatewayNS.
func (s ServerHost) AllowsNamespace(vsNS, gatewayNS string) bool {
	switch s.Namespace {
	case "*":
		return true
	case ".":
		return vsNS == gatewayNS
	}
	return s.Namespace == vsNS
}

// MeshGateway is the reserved gateways entry that binds a VirtualService to
// the sidecars of the mesh.
const MeshGateway = "mesh"

// ResolveGatewayRef resolves one entry of a VirtualService's `gateways` list
// (or of an HTTP match's) to the namespace and name of the Gateway it means,
// as istiod does (istio/istio pilot/pkg/model/config.go resolveGatewayName):
// "ns/name" as written, "./name" and a bare "name" in the VirtualService's
// namespace, and the legacy FQDN forms "name.ns" and "name.ns.svc.DOMAIN" as
// ns/name. The reserved "mesh" is not a Gateway; callers check MeshGateway
// first.
func ResolveGatewayRef(ref, vsNamespace string) (namespace, name string) {
	if ns, n, ok := strings.Cut(ref, "/"); ok {
		if ns == "." {
			return vsNamespace, n
		}
		return ns, n
	}
	if n, rest, ok := strings.Cut(ref, "."); ok {
		ns, _, _ := strings.Cut(rest, ".")
		return ns, n
	}
	return vsNamespace, ref
}

// GatewayKey is ResolveGatewayRef as "namespace/name".
func GatewayKey(ref, vsNamespace string) string {
	ns, n := ResolveGatewayRef(ref, vsNamespace)
	return ns + "/" + n
}
