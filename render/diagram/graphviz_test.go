package diagram

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLayoutSVGAndJSON(t *testing.T) {
	dot := []byte(`digraph { rankdir=LR; subgraph cluster_ns { label="data"; db [shape=cylinder label="data/postgres"]; } web -> db [color="#c0392b"]; }`)
	svg, err := Layout(context.Background(), dot, FormatSVG, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "data/postgres", "#c0392b", "cluster_ns"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	js, err := Layout(context.Background(), dot, FormatJSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"_draw_"`) {
		t.Error("JSON layout has no drawing operations")
	}
	if _, err := Layout(context.Background(), []byte("digraph {"), FormatSVG, 0); err == nil {
		t.Error("broken DOT accepted")
	}
}
