// Package report prints analysis results: a human-readable text report and
// the JSON contract described in docs/json-format.md.
//
// Every string taken from the input is escaped for its output context with
// render/safetext: one line per value in text, inert text in Markdown, and
// JSON that decodes to the true values.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/blastradius"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/render/safetext"
)

// JSON writes the result as indented JSON. Values are the input's own,
// escaped only by JSON (safetext.JSON also writes invisible characters and
// CI log commands as \u escapes, which decode to the same strings).
func JSON(w io.Writer, r *analysis.Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(buf.Bytes()))
	return err
}

// Text writes the summary, the findings with their witness paths and
// evidence, and what the input did not show. Every input-derived value is
// written with safetext.Text (or LineStart where it begins a line), so the
// report has exactly the lines written here.
func Text(w io.Writer, r *analysis.Result) error {
	p := &printer{w: w}
	s := r.Summary
	if r.PathSearch {
		p.f("shadowroute: %d database/sensitive target(s), %d finding(s)", s.Targets, s.Findings)
	} else {
		p.f("shadowroute: %d finding(s); no path rule selected, so no path search ran and no target was looked at", s.Findings)
	}
	var parts []string
	for _, sev := range []analysis.Severity{analysis.Critical, analysis.High, analysis.Medium, analysis.Low, analysis.Info} {
		if n := s.BySeverity[string(sev)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) > 0 {
		p.f(" (%s)", strings.Join(parts, ", "))
	}
	if s.Suppressed > 0 {
		p.f("; %d more accepted by a baseline or an ignore annotation (marked below, not counted)", s.Suppressed)
	}
	if r.PathSearch && !s.Mesh {
		p.f("; the input has no service mesh (no Istio configuration, no injected workload), so no hop is mesh-authenticated")
	}
	p.f("\n")
	if len(r.Targets) > 0 {
		p.f("\nTargets:\n")
		for _, t := range r.Targets {
			reach := "not reachable from outside"
			switch {
			case t.ReachableFromNet:
				reach = "reachable from the internet"
			case t.ReachableFromPrivate:
				reach = "reachable from the private network"
			}
			p.f("  %s — %s; %s\n", safetext.LineStart(t.Ref.String()), safetext.Text(t.Reason), reach)
		}
	}
	if len(r.Findings) == 0 {
		if len(r.NotSeen) > 0 {
			p.f("\nNo shadow routes found in what was loaded — but see \"Not seen\" below: the answer depends on it.\n")
		} else {
			p.f("\nNo findings.\n")
		}
	}
	for i, f := range r.Findings {
		p.f("\n%d. [%s] %s %s — %s\n", i+1, safetext.Text(strings.ToUpper(string(f.Severity))), safetext.Text(f.Rule), safetext.Text(f.Code), safetext.Text(f.Target.String()))
		p.f("   %s\n", safetext.LineStart(f.Message))
		if sup := f.Suppression; sup != nil {
			by := sup.Kind
			if sup.Object != "" {
				by += " on " + sup.Object
			}
			if sup.Expires != "" {
				by += ", until " + sup.Expires
			}
			p.f("   suppressed (%s): %s\n", safetext.Text(by), safetext.Text(sup.Reason))
		}
		if len(f.Path) > 1 {
			p.f("   path: %s\n", safetext.Text(Path(f.Path)))
		}
		if len(f.Evidence) > 0 {
			p.f("   evidence:\n")
			for _, e := range f.Evidence {
				p.f("     - %s\n", safetext.Text(e.String()))
			}
		}
		for _, a := range f.Assumptions {
			p.f("   assumption: %s\n", safetext.Text(a))
		}
	}
	if len(r.BlastRadius) > 0 && p.err == nil {
		p.f("\nCredential blast radius:\n")
		// blastradius.Text escapes its values and starts each line with
		// one (LineStart), so indenting its lines keeps them safe.
		var b strings.Builder
		if err := blastradius.Text(&b, r.BlastRadius); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			p.f("  %s\n", line)
		}
	}
	if len(r.Warnings) > 0 {
		p.f("\nWarnings:\n")
		for _, w := range r.Warnings {
			p.f("  - %s\n", safetext.Text(w))
		}
	}
	if len(r.NotSeen) > 0 {
		p.f("\nNot seen (the input lacks what these depend on):\n")
		for _, n := range r.NotSeen {
			p.f("  - %s\n", safetext.Text(n))
		}
	}
	return p.err
}

// Path draws a witness path hop by hop:
// internet → LoadBalancer ns/svc:443 → ns/controller:443 → … → ns/db:5432 [plaintext: PERMISSIVE].
// The result holds raw input: callers escape it for their output.
func Path(hops []analysis.Hop) string {
	var parts []string
	for _, h := range hops {
		s := h.Node.Label
		if h.Node.Kind == graph.KindService {
			s = "Service " + s
		}
		if h.Node.Kind == graph.KindWorkload && h.Node.Port != 0 {
			s = fmt.Sprintf("%s:%d", s, h.Node.Port)
		}
		// Only connections between workloads carry a mesh verdict worth
		// showing; the hop from an entrypoint is traffic from outside.
		if e := h.Edge; e != nil && e.Kind == graph.EdgeNetwork && e.Auth != "" {
			tag := string(e.Auth)
			if e.Hop == analysis.HopLateral {
				// A pivot: the reached workload connects onward on its own.
				tag = "lateral, " + tag
			}
			if e.AuthReason != "" {
				// Plaintext says why; mTLS carries a reason only in
				// ambient mode (HBONE, through or around a waypoint).
				tag += ": " + e.AuthReason
			}
			if e.Authz != "" {
				tag += ", " + string(e.Authz)
			}
			s += " [" + tag + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " → ")
}

type printer struct {
	w   io.Writer
	err error
}

// f writes format with args; callers escape every input-derived arg.
func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
