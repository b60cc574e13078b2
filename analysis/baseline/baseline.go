// Package baseline accepts known findings: a baseline file lists findings
// by their stable fingerprint (analysis.Fingerprint), each with an optional
// reason and end date; a finding in it is suppressed (it stays in the
// output, marked, and does not count), an entry past its end date stops
// suppressing and is reported, and an entry no finding matches any more is
// reported as stale, so the file shrinks as risks are fixed.
package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/shadowroute/shadowroute/analysis"
)

// Version is the file format version.
const Version = 1

// File is a baseline file.
type File struct {
	Version int `json:"version"`
	// Fingerprint names the fingerprint scheme (analysis.FingerprintVersion).
	Fingerprint string  `json:"fingerprint"`
	Entries     []Entry `json:"findings"`
}

// Entry is one accepted finding; Code, Target and Message are there for
// the reader, the fingerprint decides.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
	Target      string `json:"target"`
	Message     string `json:"message,omitempty"`
	// Reason says why the risk is accepted.
	Reason string `json:"reason,omitempty"`
	// Expires (YYYY-MM-DD) ends the acceptance: from that day on the
	// finding counts again.
	Expires string `json:"expires,omitempty"`
}

// dateLayout is the Expires format.
const dateLayout = "2006-01-02"

// From builds the baseline of every finding of a result that counts.
func From(res *analysis.Result) File {
	f := File{Version: Version, Fingerprint: analysis.FingerprintVersion, Entries: []Entry{}}
	for _, x := range res.Findings {
		if !x.Counted() {
			continue
		}
		f.Entries = append(f.Entries, Entry{Fingerprint: analysis.Fingerprint(x), Code: x.Code, Target: x.Target.String(), Message: x.Message})
	}
	sort.SliceStable(f.Entries, func(i, j int) bool { return f.Entries[i].Fingerprint < f.Entries[j].Fingerprint })
	return f
}

// Write writes a baseline file.
func Write(w io.Writer, f File) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// Load reads a baseline file, refusing other versions, other fingerprint
// schemes and malformed dates.
func Load(path string) (File, error) {
	var f File
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("baseline: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("baseline %s: %w", path, err)
	}
	if f.Version != Version {
		return f, fmt.Errorf("baseline %s: version %d, this shadowroute reads version %d", path, f.Version, Version)
	}
	if f.Fingerprint != analysis.FingerprintVersion {
		return f, fmt.Errorf("baseline %s: fingerprints %q, this shadowroute computes %q (write a new baseline)", path, f.Fingerprint, analysis.FingerprintVersion)
	}
	for i, e := range f.Entries {
		if e.Fingerprint == "" {
			return f, fmt.Errorf("baseline %s: findings[%d] has no fingerprint", path, i)
		}
		if e.Expires != "" {
			if _, err := time.Parse(dateLayout, e.Expires); err != nil {
				return f, fmt.Errorf("baseline %s: findings[%d] (%s %s): expires %q is not YYYY-MM-DD", path, i, e.Code, e.Target, e.Expires)
			}
		}
	}
	return f, nil
}

// Apply suppresses the findings the baseline accepts at time now, and
// reports (as result warnings) entries that expired and entries no
// finding matches; it recounts the summary.
func Apply(res *analysis.Result, f File, now time.Time) {
	byFP := map[string]Entry{}
	for _, e := range f.Entries {
		byFP[e.Fingerprint] = e
	}
	used := map[string]bool{}
	today := now.UTC().Format(dateLayout)
	for i := range res.Findings {
		x := &res.Findings[i]
		e, ok := byFP[analysis.Fingerprint(*x)]
		if !ok {
			continue
		}
		used[e.Fingerprint] = true
		if x.Suppression != nil {
			continue // an annotation already accepts it
		}
		if e.Expires != "" && e.Expires <= today {
			res.Warnings = append(res.Warnings, fmt.Sprintf("baseline entry %s %s expired on %s (%s): the finding counts again", e.Code, e.Target, e.Expires, orNone(e.Reason)))
			continue
		}
		reason := e.Reason
		if reason == "" {
			reason = "in the baseline"
		}
		x.Suppression = &analysis.Suppression{Kind: "baseline", Reason: reason, Expires: e.Expires}
	}
	for _, e := range f.Entries {
		if !used[e.Fingerprint] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("baseline entry %s %s matches no finding any more: remove it", e.Code, e.Target))
		}
	}
	sort.Strings(res.Warnings)
	res.Recount()
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return "reason: " + s
}
