package mesh

import (
	"fmt"

	networkingapi "istio.io/api/networking/v1alpha3"
	istionetv1 "istio.io/client-go/pkg/apis/networking/v1"

	"github.com/shadowroute/shadowroute/graph/hosts"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// DestinationRuleTLS finds the DestinationRule a client in clientNS uses for
// the service host (FQDN) and port, and reports whether it turns TLS off.
// Lookup order follows istiod: the client's namespace, then the service's
// namespace, then the root namespace; exportTo is honoured
// (https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration).
func (e Env) DestinationRuleTLS(clientNS, serviceNS, fqdn string, port int32) (disabled bool, dr *inventory.Object) {
	rules := inventory.Typed[*istionetv1.DestinationRule](e.Inv, inventory.DestinationRule)
	for _, ns := range []string{clientNS, serviceNS, e.RootNamespace} {
		for _, r := range rules {
			if r.Obj.Namespace != ns || !hosts.Visible(r.Obj.Spec.GetExportTo(), ns, clientNS) {
				continue
			}
			if !hosts.Match(hosts.Qualify(r.Obj.Spec.GetHost(), ns), fqdn) {
				continue
			}
			tp := r.Obj.Spec.GetTrafficPolicy()
			mode := tp.GetTls().GetMode()
			for _, pls := range tp.GetPortLevelSettings() {
				if pls.GetPort().GetNumber() == uint32(port) && pls.GetTls() != nil {
					mode = pls.GetTls().GetMode()
				}
			}
			return mode == networkingapi.ClientTLSSettings_DISABLE, r.Entry
		}
	}
	return false, nil
}

// DescribeDR names a DestinationRule for messages.
func DescribeDR(dr *inventory.Object) string {
	return fmt.Sprintf("DestinationRule %s/%s sets tls.mode DISABLE", dr.Key.Namespace, dr.Key.Name)
}
