package inventory

import "k8s.io/apimachinery/pkg/runtime/schema"

// The kinds shadowroute models. Istio kinds are stored in their networking/v1
// and security/v1 struct whatever version the input used: in istio.io/api
// the v1alpha3/v1beta1/v1 specs are the same Go types (aliases).
var (
	Namespace             = schema.GroupKind{Kind: "Namespace"}
	Pod                   = schema.GroupKind{Kind: "Pod"}
	Service               = schema.GroupKind{Kind: "Service"}
	ServiceAccount        = schema.GroupKind{Kind: "ServiceAccount"}
	Secret                = schema.GroupKind{Kind: "Secret"}
	ReplicationController = schema.GroupKind{Kind: "ReplicationController"}
	Deployment            = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	StatefulSet           = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	DaemonSet             = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
	ReplicaSet            = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	Job                   = schema.GroupKind{Group: "batch", Kind: "Job"}
	CronJob               = schema.GroupKind{Group: "batch", Kind: "CronJob"}
	EndpointSlice         = schema.GroupKind{Group: "discovery.k8s.io", Kind: "EndpointSlice"}
	Ingress               = schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}
	IngressClass          = schema.GroupKind{Group: "networking.k8s.io", Kind: "IngressClass"}
	NetworkPolicy         = schema.GroupKind{Group: "networking.k8s.io", Kind: "NetworkPolicy"}

	Gateway               = schema.GroupKind{Group: "networking.istio.io", Kind: "Gateway"}
	VirtualService        = schema.GroupKind{Group: "networking.istio.io", Kind: "VirtualService"}
	DestinationRule       = schema.GroupKind{Group: "networking.istio.io", Kind: "DestinationRule"}
	ServiceEntry          = schema.GroupKind{Group: "networking.istio.io", Kind: "ServiceEntry"}
	Sidecar               = schema.GroupKind{Group: "networking.istio.io", Kind: "Sidecar"}
	PeerAuthentication    = schema.GroupKind{Group: "security.istio.io", Kind: "PeerAuthentication"}
	AuthorizationPolicy   = schema.GroupKind{Group: "security.istio.io", Kind: "AuthorizationPolicy"}
	RequestAuthentication = schema.GroupKind{Group: "security.istio.io", Kind: "RequestAuthentication"}

	// Kubernetes Gateway API (sigs.k8s.io/gateway-api); objects of older
	// versions (v1beta1, v1alpha2, v1alpha3) are stored in their v1 struct.
	APIGateway     = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "Gateway"}
	GatewayClass   = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "GatewayClass"}
	HTTPRoute      = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute"}
	GRPCRoute      = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "GRPCRoute"}
	TLSRoute       = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "TLSRoute"}
	TCPRoute       = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "TCPRoute"}
	ReferenceGrant = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "ReferenceGrant"}
	// BackendTLSPolicy makes clients of a Service originate TLS.
	BackendTLSPolicy = schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "BackendTLSPolicy"}
)

// KindInfo describes a modelled kind.
type KindInfo struct {
	// Versions lists the API versions decoded for this kind. Other versions
	// of a modelled kind are reported, not guessed at.
	Versions []string
	// ClusterScoped kinds never receive a default namespace.
	ClusterScoped bool
}

// Modelled lists every kind the loader keeps.
var Modelled = map[schema.GroupKind]KindInfo{
	Namespace:             {Versions: []string{"v1"}, ClusterScoped: true},
	Pod:                   {Versions: []string{"v1"}},
	Service:               {Versions: []string{"v1"}},
	ServiceAccount:        {Versions: []string{"v1"}},
	Secret:                {Versions: []string{"v1"}},
	ReplicationController: {Versions: []string{"v1"}},
	Deployment:            {Versions: []string{"v1"}},
	StatefulSet:           {Versions: []string{"v1"}},
	DaemonSet:             {Versions: []string{"v1"}},
	ReplicaSet:            {Versions: []string{"v1"}},
	Job:                   {Versions: []string{"v1"}},
	CronJob:               {Versions: []string{"v1"}},
	EndpointSlice:         {Versions: []string{"v1"}},
	Ingress:               {Versions: []string{"v1"}},
	IngressClass:          {Versions: []string{"v1"}, ClusterScoped: true},
	NetworkPolicy:         {Versions: []string{"v1"}},
	Gateway:               {Versions: []string{"v1", "v1beta1", "v1alpha3"}},
	VirtualService:        {Versions: []string{"v1", "v1beta1", "v1alpha3"}},
	DestinationRule:       {Versions: []string{"v1", "v1beta1", "v1alpha3"}},
	ServiceEntry:          {Versions: []string{"v1", "v1beta1", "v1alpha3"}},
	Sidecar:               {Versions: []string{"v1", "v1beta1", "v1alpha3"}},
	PeerAuthentication:    {Versions: []string{"v1", "v1beta1"}},
	AuthorizationPolicy:   {Versions: []string{"v1", "v1beta1"}},
	RequestAuthentication: {Versions: []string{"v1", "v1beta1"}},
	APIGateway:            {Versions: []string{"v1", "v1beta1"}},
	GatewayClass:          {Versions: []string{"v1", "v1beta1"}, ClusterScoped: true},
	HTTPRoute:             {Versions: []string{"v1", "v1beta1"}},
	GRPCRoute:             {Versions: []string{"v1", "v1alpha2"}},
	TLSRoute:              {Versions: []string{"v1", "v1alpha3", "v1alpha2"}},
	TCPRoute:              {Versions: []string{"v1", "v1alpha2"}},
	ReferenceGrant:        {Versions: []string{"v1", "v1beta1"}},
	BackendTLSPolicy:      {Versions: []string{"v1", "v1alpha3"}},
}

// Legacy maps kinds from API groups that were retired (extensions,
// apps/v1beta*) to the modelled kind, so such documents get a clear warning
// instead of being counted as unknown.
var Legacy = map[schema.GroupKind]schema.GroupKind{
	{Group: "extensions", Kind: "Ingress"}:       Ingress,
	{Group: "extensions", Kind: "NetworkPolicy"}: NetworkPolicy,
	{Group: "extensions", Kind: "Deployment"}:    Deployment,
	{Group: "extensions", Kind: "DaemonSet"}:     DaemonSet,
	{Group: "extensions", Kind: "ReplicaSet"}:    ReplicaSet,
}
