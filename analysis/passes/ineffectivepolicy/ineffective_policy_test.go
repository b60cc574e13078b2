package ineffectivepolicy

import (
	"reflect"
	"testing"

	securityapi "istio.io/api/security/v1beta1"
	corev1 "k8s.io/api/core/v1"
)

func TestIneffectivePolicyPortClass(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		port corev1.ServicePort
		want string
	}{
		{corev1.ServicePort{Name: "http"}, polProtoHTTP},
		{corev1.ServicePort{Name: "http-web"}, polProtoHTTP},
		{corev1.ServicePort{Name: "grpc-api"}, polProtoHTTP},
		{corev1.ServicePort{Name: "HTTP2"}, polProtoHTTP},
		{corev1.ServicePort{Name: "tcp-postgres"}, polProtoTCP},
		{corev1.ServicePort{Name: "https"}, polProtoTCP}, // TLS the sidecar does not terminate
		{corev1.ServicePort{Name: "mongo"}, polProtoTCP},
		{corev1.ServicePort{Name: "redis-main"}, polProtoTCP},
		{corev1.ServicePort{Name: "web"}, polProtoUnknown},   // sniffed
		{corev1.ServicePort{Name: ""}, polProtoUnknown},      // sniffed
		{corev1.ServicePort{Name: "httpx"}, polProtoUnknown}, // prefix must be followed by '-'
		{corev1.ServicePort{Name: "tcp-x", AppProtocol: str("http")}, polProtoHTTP},
		{corev1.ServicePort{Name: "http", AppProtocol: str("tcp")}, polProtoTCP},
		{corev1.ServicePort{Name: "web", AppProtocol: str("kubernetes.io/h2c")}, polProtoHTTP},
		{corev1.ServicePort{Name: "web", AppProtocol: str("kubernetes.io/wss")}, polProtoTCP}, // HTTPS: TLS the app terminates
		{corev1.ServicePort{Name: "db", Port: 3306}, polProtoTCP},                             // well-known server-first port
		{corev1.ServicePort{Name: "http", Protocol: corev1.ProtocolUDP}, polProtoUnknown},     // not proxied
	} {
		if got := polPortClass(tc.port); got != tc.want {
			t.Errorf("polPortClass(%+v) = %q, want %q", tc.port, got, tc.want)
		}
	}
}

func TestIneffectivePolicyIdentity(t *testing.T) {
	src := func(s *securityapi.Source) *securityapi.Rule_From { return &securityapi.Rule_From{Source: s} }
	for _, tc := range []struct {
		name     string
		rule     *securityapi.Rule
		positive int
		negative int
		needs    bool
	}{
		{"empty", &securityapi.Rule{}, 0, 0, false},
		{"namespaces", &securityapi.Rule{From: []*securityapi.Rule_From{src(&securityapi.Source{Namespaces: []string{"legacy"}})}}, 1, 0, true},
		{"principals+serviceAccounts", &securityapi.Rule{From: []*securityapi.Rule_From{src(&securityapi.Source{Principals: []string{"a"}, ServiceAccounts: []string{"ns/sa"}})}}, 2, 0, true},
		{"notNamespaces only", &securityapi.Rule{From: []*securityapi.Rule_From{src(&securityapi.Source{NotNamespaces: []string{"legacy"}})}}, 0, 1, false},
		{"notNamespaces with namespaces *", &securityapi.Rule{From: []*securityapi.Rule_From{src(&securityapi.Source{Namespaces: []string{"*"}, NotNamespaces: []string{"legacy"}})}}, 1, 0, true},
		{"identity or ipBlocks", &securityapi.Rule{From: []*securityapi.Rule_From{
			src(&securityapi.Source{Principals: []string{"a"}}), src(&securityapi.Source{IpBlocks: []string{"10.0.0.0/8"}})}}, 1, 0, false},
		{"when source.namespace", &securityapi.Rule{When: []*securityapi.Condition{{Key: "source.namespace", Values: []string{"x"}}}}, 1, 0, true},
		{"when source.principal notValues", &securityapi.Rule{When: []*securityapi.Condition{{Key: "source.principal", NotValues: []string{"x"}}}}, 0, 1, false},
		{"when request.headers", &securityapi.Rule{When: []*securityapi.Condition{{Key: "request.headers[x]", Values: []string{"x"}}}}, 0, 0, false},
	} {
		if got := len(polPositiveIdentity(tc.rule)); got != tc.positive {
			t.Errorf("%s: %d positive identity fields, want %d", tc.name, got, tc.positive)
		}
		if got := len(polNegativeOnlyIdentity(tc.rule)); got != tc.negative {
			t.Errorf("%s: %d negative-only identity fields, want %d", tc.name, got, tc.negative)
		}
		if got := polNeedsIdentity(tc.rule); got != tc.needs {
			t.Errorf("%s: needs identity = %v, want %v", tc.name, got, tc.needs)
		}
	}
}

func TestIneffectivePolicyHTTPFields(t *testing.T) {
	rule := &securityapi.Rule{
		From: []*securityapi.Rule_From{{Source: &securityapi.Source{RequestPrincipals: []string{"*"}}}},
		To: []*securityapi.Rule_To{
			{Operation: &securityapi.Operation{Ports: []string{"5432"}}},
			{Operation: &securityapi.Operation{Ports: []string{"8080"}, Methods: []string{"GET"}, NotPaths: []string{"/x"}}},
		},
		When: []*securityapi.Condition{{Key: "request.auth.claims[iss]", Values: []string{"a"}}, {Key: "source.ip", Values: []string{"10.0.0.1"}}},
	}
	got := polHTTPFields(rule)
	want := []polHTTPField{
		{names: []string{"requestPrincipals", "when request.auth.claims[iss]"}, ports: []int32{5432, 8080}},
		{names: []string{"methods", "notPaths"}, ports: []int32{8080}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("polHTTPFields = %+v, want %+v", got, want)
	}
	if got := polHTTPFields(&securityapi.Rule{To: []*securityapi.Rule_To{{Operation: &securityapi.Operation{Ports: []string{"80"}}}}}); len(got) != 0 {
		t.Errorf("ports only: %+v, want none", got)
	}
	if !polEmptyRule(&securityapi.Rule{}) || polEmptyRule(rule) {
		t.Error("polEmptyRule")
	}
}
