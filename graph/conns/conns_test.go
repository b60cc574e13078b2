package conns

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSetString(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	s := Ports(tcp, 443, 443)
	s.Add(tcp, 80, 80)
	s.Add(udp, 53, 53)
	tests := []struct {
		set  Set
		want string
	}{
		{All(), "All Connections"},
		{Set{}, "No Connections"},
		{s, "TCP 80,443,UDP 53"},
		{Ports(tcp, 5000, 6000), "TCP 5000-6000"},
		{Ports(tcp, 5000, 6000).Union(Ports(tcp, 6001, 6002)), "TCP 5000-6002"},
		{All().Subtract(Ports(tcp, 80, 80)), "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"},
		{All().Intersect(s), "TCP 80,443,UDP 53"},
		{Ports(tcp, 1, 100).Intersect(Ports(tcp, 50, 200)), "TCP 50-100"},
		{All().Subtract(All()), "No Connections"},
	}
	for _, tt := range tests {
		if got := tt.set.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if !s.Contains(tcp, 443) || s.Contains(tcp, 444) || s.Contains(udp, 80) {
		t.Error("Contains is wrong")
	}
}
