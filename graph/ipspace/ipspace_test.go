package ipspace

import (
	"strings"
	"testing"
)

func TestBlockContains(t *testing.T) {
	tests := []struct {
		block            Block
		public, private  bool
		coversAllPublic  bool
		coversAllPrivate bool
	}{
		{Block{CIDR: "0.0.0.0/0"}, true, true, true, true},
		{Block{CIDR: "10.0.0.0/8"}, false, true, false, false},
		{Block{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}, true, true, true, false},
		{Block{CIDR: "203.0.113.0/24"}, true, false, false, false},
		{Block{CIDR: "192.168.1.7"}, false, true, false, false},
		{Block{CIDR: "10.0.0.0/8", Except: []string{"10.0.0.0/8"}}, false, false, false, false},
		{Block{CIDR: "::/0"}, true, true, true, true},
		{Block{CIDR: "fd00::/8"}, false, true, false, false},
		{Block{CIDR: "0.0.0.0/1"}, true, true, false, false},
	}
	for _, tt := range tests {
		pub, err := tt.block.Contains(Public)
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := tt.block.Contains(Private)
		allPub, _ := tt.block.CoversAll(Public)
		allPriv, _ := tt.block.CoversAll(Private)
		if pub != tt.public || priv != tt.private || allPub != tt.coversAllPublic || allPriv != tt.coversAllPrivate {
			t.Errorf("%+v: public=%v private=%v coversAllPublic=%v coversAllPrivate=%v, want %v %v %v %v",
				tt.block, pub, priv, allPub, allPriv, tt.public, tt.private, tt.coversAllPublic, tt.coversAllPrivate)
		}
	}
	if _, err := (Block{CIDR: "nope"}).Contains(Public); err == nil {
		t.Error("invalid CIDR accepted")
	}
}

func TestPartition(t *testing.T) {
	b := Block{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}
	parts := Partition(b.Boundaries())
	var got []string
	for _, p := range parts {
		got = append(got, p[0].String()+"-"+p[1].String())
		in, _ := b.ContainsRange(p[0], p[1])
		got[len(got)-1] += map[bool]string{true: " in", false: " out"}[in]
	}
	want := "0.0.0.0-9.255.255.255 in,10.0.0.0-10.255.255.255 out,11.0.0.0-255.255.255.255 in"
	if s := strings.Join(got, ","); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
	if RangeClass(parts[1][0], parts[1][1]) != Private || RangeClass(parts[0][0], parts[0][1]) != Public {
		t.Error("RangeClass wrong")
	}
	// Adjacent and nested excepts make one gap: its inner edges are no cut
	// (netpol-analyzer cuts at the maximal intervals of cidr minus except).
	for _, tc := range []struct {
		block Block
		want  string
	}{
		{Block{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "10.2.0.0/16"}}, "10.0.0.0 10.1.0.0 10.3.0.0 11.0.0.0"},
		{Block{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16", "10.1.128.0/17"}}, "10.0.0.0 10.1.0.0 10.2.0.0 11.0.0.0"},
		{Block{CIDR: "10.0.0.0/8"}, "10.0.0.0 11.0.0.0"},
		{Block{CIDR: "0.0.0.0/0"}, "0.0.0.0"},
		{Block{CIDR: "10.0.0.0/8", Except: []string{"10.0.0.0/8"}}, ""},
	} {
		var got []string
		for _, a := range tc.block.Boundaries() {
			got = append(got, a.String())
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%+v boundaries %q, want %q", tc.block, s, tc.want)
		}
	}
}
