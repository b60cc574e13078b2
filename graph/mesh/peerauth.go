package mesh

import (
	"fmt"

	securityapi "istio.io/api/security/v1beta1"
	istiosecv1 "istio.io/client-go/pkg/apis/security/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Mode is an effective PeerAuthentication mTLS mode.
type Mode string

// Modes.
const (
	ModeStrict     Mode = "STRICT"
	ModePermissive Mode = "PERMISSIVE"
	ModeDisable    Mode = "DISABLE"
)

// PeerAuthDecision is the effective mode of a workload port and the policy
// that decided it (nil when no policy applies: the PERMISSIVE default).
type PeerAuthDecision struct {
	Mode   Mode
	Policy *inventory.Object
	// Level is workload, namespace, mesh or default.
	Level string
}

func (d PeerAuthDecision) String() string {
	if d.Policy == nil {
		return fmt.Sprintf("%s (no PeerAuthentication applies: Istio's default)", d.Mode)
	}
	return fmt.Sprintf("%s (PeerAuthentication %s/%s, %s level)", d.Mode, d.Policy.Key.Namespace, d.Policy.Key.Name, d.Level)
}

type peerAuth = inventory.TypedObject[*istiosecv1.PeerAuthentication]

// PeerAuthMode returns the effective mode for a workload's container port:
// workload policy (selector, outside the root namespace) > namespace policy
// (no selector) > mesh policy (root namespace, no selector); UNSET inherits;
// no policy means PERMISSIVE; a selector policy in the root namespace is
// ignored; portLevelMtls is keyed by container port
// (istio/istio pilot/pkg/security/authn/policy_applier.go;
// https://istio.io/latest/docs/reference/config/security/peer_authentication/).
func (e Env) PeerAuthMode(w *inventory.Workload, port int32) PeerAuthDecision {
	all := e.peerAuthentications(w.Namespace)
	var workloadLevel, namespaceLevel, meshLevel []peerAuth
	podLabels := labels.Set(w.Labels())
	for _, pa := range all {
		ns := pa.Obj.Namespace
		sel := pa.Obj.Spec.GetSelector()
		if len(sel.GetMatchLabels()) == 0 {
			// istiod treats an empty selector like none (policy_applier.go).
			sel = nil
		}
		switch {
		case ns == e.RootNamespace && sel == nil:
			meshLevel = append(meshLevel, pa)
		case ns == e.RootNamespace:
			// A selector policy in the root namespace is ignored by istiod.
		case ns != w.Namespace:
		case sel == nil:
			namespaceLevel = append(namespaceLevel, pa)
		case labels.SelectorFromSet(sel.GetMatchLabels()).Matches(podLabels):
			workloadLevel = append(workloadLevel, pa)
		}
	}
	for _, l := range [][]peerAuth{workloadLevel, namespaceLevel, meshLevel} {
		oldestFirst(l)
	}
	// The workload policy can set a port-level mode; that wins for the port.
	if len(workloadLevel) > 0 {
		pa := workloadLevel[0]
		if plm, ok := pa.Obj.Spec.GetPortLevelMtls()[uint32(port)]; ok {
			if m := modeOf(plm.GetMode()); m != "" {
				return PeerAuthDecision{Mode: m, Policy: pa.Entry, Level: fmt.Sprintf("workload, port %d", port)}
			}
		}
	}
	levels := []struct {
		name string
		list []peerAuth
	}{{"workload", workloadLevel}, {"namespace", namespaceLevel}, {"mesh", meshLevel}}
	for _, l := range levels {
		if len(l.list) == 0 {
			continue
		}
		pa := l.list[0]
		if m := modeOf(pa.Obj.Spec.GetMtls().GetMode()); m != "" {
			return PeerAuthDecision{Mode: m, Policy: pa.Entry, Level: l.name}
		}
		// UNSET (or no mtls block): inherit from the next level.
	}
	return PeerAuthDecision{Mode: ModePermissive, Level: "default"}
}

func modeOf(m securityapi.PeerAuthentication_MutualTLS_Mode) Mode {
	switch m {
	case securityapi.PeerAuthentication_MutualTLS_STRICT:
		return ModeStrict
	case securityapi.PeerAuthentication_MutualTLS_PERMISSIVE:
		return ModePermissive
	case securityapi.PeerAuthentication_MutualTLS_DISABLE:
		return ModeDisable
	}
	return ""
}
