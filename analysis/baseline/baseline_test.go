package baseline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/baseline"
	"github.com/shadowroute/shadowroute/analysis/rules"
)

func demo(t *testing.T) *analysis.Result {
	t.Helper()
	return analysistest.RunInputs(t, "../../testdata/demo", rules.All())
}

// TestBaselineSuppressesUntilItExpires: with a fixed clock, a baseline of
// the demo suppresses every finding (nothing counts, --fail-on has nothing
// to trip on), an entry whose expires date has come counts again with a
// warning, and an entry no finding matches is reported stale.
func TestBaselineSuppressesUntilItExpires(t *testing.T) {
	b := baseline.From(demo(t))
	if len(b.Entries) == 0 {
		t.Fatal("empty baseline")
	}
	b.Entries[0].Reason, b.Entries[0].Expires = "accepted until the migration", "2026-12-01"
	for i := 1; i < len(b.Entries); i++ {
		b.Entries[i].Expires = "2027-01-01"
	}
	b.Entries = append(b.Entries, baseline.Entry{Fingerprint: "0000", Code: "SR0101", Target: "StatefulSet gone/db"})
	var buf bytes.Buffer
	if err := baseline.Write(&buf, b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := baseline.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		now       time.Time
		counted   int
		warnings  []string
		suppressd int
	}{
		{"before every end date", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), 0, []string{"matches no finding any more"}, len(b.Entries) - 1},
		{"on the first entry's end date", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 1, []string{"expired on 2026-12-01 (reason: accepted until the migration)", "matches no finding any more"}, len(b.Entries) - 2},
		{"after every end date", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), len(b.Entries) - 1, []string{"expired on 2027-01-01"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := demo(t)
			baseline.Apply(res, loaded, tc.now)
			if res.Summary.Findings != tc.counted || res.Summary.Suppressed != tc.suppressd {
				t.Errorf("counted %d suppressed %d, want %d / %d", res.Summary.Findings, res.Summary.Suppressed, tc.counted, tc.suppressd)
			}
			if tc.counted == 0 && res.MaxSeverity() != "" {
				t.Errorf("max severity %q with nothing counted", res.MaxSeverity())
			}
			all := strings.Join(res.Warnings, "\n")
			for _, w := range tc.warnings {
				if !strings.Contains(all, w) {
					t.Errorf("no warning contains %q:\n%s", w, all)
				}
			}
		})
	}
}

// TestLoadRefusesWhatItCannotRead: another version, another fingerprint
// scheme, a date that is not YYYY-MM-DD, an entry without fingerprint.
func TestLoadRefusesWhatItCannotRead(t *testing.T) {
	for name, body := range map[string]string{
		"version":     `{"version": 2, "fingerprint": "shadowroute/v1", "findings": []}`,
		"scheme":      `{"version": 1, "fingerprint": "other/v9", "findings": []}`,
		"date":        `{"version": 1, "fingerprint": "shadowroute/v1", "findings": [{"fingerprint": "ab", "expires": "31/12/2026"}]}`,
		"fingerprint": `{"version": 1, "fingerprint": "shadowroute/v1", "findings": [{"code": "SR0101"}]}`,
		"json":        `{"version": 1,`,
	} {
		path := filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := baseline.Load(path); err == nil {
			t.Errorf("%s: loaded", name)
		} else if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}
