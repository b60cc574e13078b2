package build

import (
	"fmt"

	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/graph/ipspace"
	"github.com/shadowroute/shadowroute/graph/mesh"
	"github.com/shadowroute/shadowroute/graph/model"
)

// ambientHop applies Istio ambient mode to a hop into a pod ztunnel
// captures (https://istio.io/latest/docs/ambient/architecture/data-plane/):
//   - a mesh member (sidecar, gateway, waypoint or another ambient pod)
//     arrives over HBONE, mTLS with its own identity; traffic from outside
//     the mesh arrives in plaintext and is accepted unless the
//     PeerAuthentication in force is STRICT (ambient honours STRICT and
//     PERMISSIVE; DISABLE acts as PERMISSIVE: mesh sources still use HBONE);
//   - traffic an ambient client addresses to a Service with a waypoint (or
//     to a pod with a workload waypoint) passes the waypoint, which applies
//     its targetRefs policies with HTTP semantics and the client's
//     identity; the destination's ztunnel then sees the waypoint's
//     identity. Istio gateways skip the waypoint unless the Service (or
//     its namespace) sets istio.io/ingress-use-waypoint; sidecars and
//     sources outside the mesh always skip it (model.ServiceWaypoint,
//     model.IngressUsesWaypoint);
//   - the destination's ztunnel enforces the selector and namespace
//     policies at L4 only (mesh.ZtunnelDrops).
//
// A NetworkPolicy refusing the HBONE port was decided by evaluate.
func (b *builder) ambientHop(in hopInput, h *hop) {
	dst := in.dst
	pa, ok := b.peerAuth[peerAuthKey{dst, in.port}]
	if !ok {
		pa = b.env.PeerAuthMode(dst.src, in.port)
		b.peerAuth[peerAuthKey{dst, in.port}] = pa
	}
	if pa.Policy != nil {
		h.edge.Evidence = append(h.edge.Evidence, graph.EvidenceOf(pa.Policy))
	}
	req := mesh.Request{Port: in.port, Ztunnel: true, SourceClass: ipspace.Private}
	var wp model.WaypointChoice
	switch {
	case in.src != nil && in.src.mesh.Member:
		h.edge.Auth, h.edge.TLS = graph.AuthMTLS, "mtls"
		wp, h.edge.AuthReason = b.waypointOf(in)
		req.MTLS, req.Principal = true, in.src.principal
		req.Namespace, req.ServiceAccount = in.src.src.Namespace, in.src.src.Namespace+"/"+in.src.src.ServiceAccount()
	case pa.Mode == mesh.ModeStrict:
		srcName, reason := "traffic from outside the cluster", "outside the mesh"
		if in.src != nil {
			srcName = in.src.describe()
			if !in.src.assumed {
				reason = "not in mesh: " + in.src.mesh.Reason
			}
		}
		h.refused, h.strictRefusal = fmt.Sprintf("%s refuses plaintext from %s (%s) at the ztunnel of %s", pa, srcName, reason, dst.describe()), true
		return
	default:
		h.edge.Auth = graph.AuthPlaintext
		if in.src == nil {
			req.SourceClass = in.class
			h.edge.AuthReason = fmt.Sprintf("traffic from outside the cluster, accepted in plaintext by the ztunnel of an ambient pod (%s)", pa)
		} else {
			h.edge.AuthReason = fmt.Sprintf("the source is outside the mesh; the ambient pod's ztunnel accepts plaintext (%s)", pa)
		}
	}
	if gw := wp.Gateway; gw != nil && in.svc != nil {
		wreq := req
		wreq.Ztunnel, wreq.HTTP = false, in.http
		d := b.env.AuthorizeAtWaypoint(gw.Obj.Namespace, gw.Obj.Name, in.svc.obj.Namespace, in.svc.obj.Name, wreq)
		if !d.Allowed {
			h.refused = fmt.Sprintf("AuthorizationPolicy at waypoint %s: %s", gw.Key, d.Reason)
			return
		}
		b.recordAuthz(h, d)
		// The waypoint does not impersonate the client: the destination's
		// ztunnel sees the waypoint's identity
		// (https://istio.io/latest/docs/ambient/usage/authorization-policy/).
		req.Principal, req.Namespace, req.ServiceAccount = b.waypointIdentity(gw)
	}
	d := b.env.Authorize(dst.src, req)
	if !d.Allowed {
		h.refused = "AuthorizationPolicy at ztunnel: " + d.Reason
		return
	}
	b.recordAuthz(h, d)
}

// waypointOf is the waypoint a mesh client's hop into an ambient pod
// passes, and the hop's reason text.
func (b *builder) waypointOf(in hopInput) (model.WaypointChoice, string) {
	var svcChoice model.WaypointChoice
	var ms *model.Service
	if in.svc != nil {
		ms = b.m.Service(in.svc.obj.Namespace, in.svc.obj.Name)
		if ms != nil {
			svcChoice = b.m.ServiceWaypoint(ms)
		}
	}
	src := in.src
	switch {
	case src.mesh.Ambient && ms != nil:
		if svcChoice.Gateway != nil {
			return svcChoice, "HBONE through waypoint " + svcChoice.Gateway.Key + ": " + svcChoice.Reason
		}
		if svcChoice.Missing {
			return svcChoice, "HBONE straight to the pod: " + svcChoice.Reason
		}
		return svcChoice, "HBONE"
	case src.mesh.Ambient:
		// Addressed to the pod itself (a reached workload connecting on
		// its own): only a workload waypoint applies.
		wc := b.m.WorkloadWaypoint(in.dst.src)
		if wc.Gateway != nil {
			return wc, "HBONE through waypoint " + wc.Gateway.Key + ": " + wc.Reason
		}
		return wc, "HBONE straight to the pod address, which no Service waypoint sees"
	case src.mesh.Gateway && ms != nil && svcChoice.Gateway != nil:
		if b.m.IngressUsesWaypoint(ms) {
			return svcChoice, "HBONE through waypoint " + svcChoice.Gateway.Key + " (istio.io/ingress-use-waypoint)"
		}
		return model.WaypointChoice{}, fmt.Sprintf("HBONE straight to the pod: an Istio gateway skips waypoint %s of Service %s (no istio.io/ingress-use-waypoint), so the waypoint's policies do not apply", svcChoice.Gateway.Key, ms.Key)
	case ms != nil && svcChoice.Gateway != nil:
		return model.WaypointChoice{}, fmt.Sprintf("HBONE straight to the pod: a sidecar skips waypoint %s of Service %s, so the waypoint's policies do not apply", svcChoice.Gateway.Key, ms.Key)
	}
	return model.WaypointChoice{}, "HBONE"
}

// waypointIdentity is the identity the waypoint's proxies present
// (model.APIGateway.ProxyServiceAccount).
func (b *builder) waypointIdentity(gw *model.APIGateway) (principal, namespace, serviceAccount string) {
	sa := gw.ProxyServiceAccount()
	return b.env.Principal(gw.Obj.Namespace, sa), gw.Obj.Namespace, gw.Obj.Namespace + "/" + sa
}
