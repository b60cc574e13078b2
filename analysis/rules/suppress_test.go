package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
)

// TestSuppressionAnnotations: shadowroute.io/ignore with a reason on the
// target, or for a path rule on an object of the path, suppresses the
// finding (it stays in the output, marked, and does not count); without
// shadowroute.io/ignore-reason it is a warning and not honoured.
func TestSuppressionAnnotations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		suppressed bool
		object     string
		warning    string
	}{
		{"target-with-reason", true, "StatefulSet data/postgres", ""},
		{"target-without-reason", false, "", "shadowroute.io/ignore without shadowroute.io/ignore-reason is not honoured"},
		{"path-object-with-reason", true, "Ingress shop/shop", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("../../testdata/suppression", tc.name)
			res := analysistest.Run(t, dir, PathRules())
			analysistest.Check(t, dir, res)
			f := res.Findings[0]
			if got := f.Suppression != nil; got != tc.suppressed {
				t.Fatalf("suppressed %v, want %v", got, tc.suppressed)
			}
			if tc.suppressed {
				if f.Suppression.Object != tc.object || f.Suppression.Reason == "" || res.Summary.Findings != 0 || res.Summary.Suppressed != 1 || res.MaxSeverity() != "" {
					t.Errorf("suppression %+v, summary %+v", *f.Suppression, res.Summary)
				}
			} else if res.Summary.Findings != 1 || res.MaxSeverity() == "" {
				t.Errorf("an unhonoured ignore must still count: %+v", res.Summary)
			}
			if tc.warning != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warning) {
				t.Errorf("warnings %q lack %q", res.Warnings, tc.warning)
			}
		})
	}
}
