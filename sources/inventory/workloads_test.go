package inventory_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/sources/manifest/manifesttest"
)

const podsAndOwners = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d8f7c9b6d-abcde
  namespace: shop
  labels: {app: web, pod-template-hash: 5d8f7c9b6d}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f7c9b6d, uid: u1, controller: true}]
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: worker-x1
  namespace: shop
  labels: {app: worker}
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: worker, uid: u2, controller: true}]
spec: {containers: [{name: w, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop, labels: {app: debug}}
spec: {containers: [{name: d, image: busybox}]}
`

// TestWorkloadOfPod: a Pod maps to the workload it is part of, through
// owners that are present (the ReplicaSet is absent, its Deployment found by
// the pod-template-hash suffix), to the group of an absent owner, or to
// itself.
func TestWorkloadOfPod(t *testing.T) {
	inv := manifesttest.FromBytes(t, "pods.yaml", []byte(podsAndOwners))
	for _, tc := range []struct{ pod, want string }{
		{"web-5d8f7c9b6d-abcde", "shop/web[Deployment]"},
		{"worker-x1", "shop/worker[Job]"},
		{"debug", "shop/debug[Pod]"},
		{"missing", ""},
	} {
		got := ""
		if w := inv.WorkloadOfPod("shop", tc.pod); w != nil {
			got = w.ID()
		}
		if got != tc.want {
			t.Errorf("WorkloadOfPod(%s) = %q, want %q", tc.pod, got, tc.want)
		}
	}
}
