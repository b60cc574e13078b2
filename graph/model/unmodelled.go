package model

import "github.com/shadowroute/shadowroute/sources/inventory"

// Unmodelled lists the input's objects of kinds that carry, expose or
// filter traffic and that shadowroute does not read (inventory.Unmodelled):
// every report names them under Not seen, so a path through an OpenShift
// Route or a Cilium policy is never silently absent.
func (m *Model) Unmodelled() []inventory.UnmodelledObject {
	return m.Inventory.UnmodelledObjects
}
