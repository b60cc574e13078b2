// Package sarif writes analysis results as SARIF 2.1.0 in the profile
// GitHub code scanning reads
// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
// one rule per finding code with its help text and documentation link, and
// per finding a result with the file and line of the object it is about,
// the other evidence as related locations, the witness path as a code
// flow, and a partial fingerprint stable across runs. It builds on
// github.com/owenrumney/go-sarif/v3.
package sarif

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	gosarif "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/graph"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// DocsBase is where the rule pages are published.
const DocsBase = "https://github.com/shadowroute/shadowroute/blob/main/"

// InformationURI is the tool's home.
const InformationURI = "https://github.com/shadowroute/shadowroute"

// SourceRoot is the uriBaseId of relative paths: the directory the
// analysis ran in (for CI, the repository root).
const SourceRoot = "%SRCROOT%"

// Level maps a severity to a SARIF level: critical and high are errors,
// medium warnings, low and info notes.
func Level(s analysis.Severity) string {
	switch s {
	case analysis.Critical, analysis.High:
		return "error"
	case analysis.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's numeric severity of security alerts
// (over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low).
func securitySeverity(s analysis.Severity) string {
	switch s {
	case analysis.Critical:
		return "9.5"
	case analysis.High:
		return "8.0"
	case analysis.Medium:
		return "5.5"
	case analysis.Low:
		return "3.0"
	}
	return "0.0"
}

// Report builds the SARIF log of a result: every code of the catalogue is
// a rule (so an alert keeps its rule when another run finds nothing of it),
// every finding a result (suppressed ones with their suppression, as
// GitHub shows dismissed alerts).
func Report(res *analysis.Result, catalogue []*analysis.Rule, version string) *gosarif.Report {
	rep := gosarif.NewReport()
	run := gosarif.NewRunWithInformationURI("shadowroute", InformationURI)
	run.Tool.Driver.WithVersion(version).WithSemanticVersion(strings.TrimPrefix(version, "v"))
	// %SRCROOT% is left for the consumer to resolve (GitHub resolves it to
	// the checkout): an originalUriBaseIds entry must be an absolute URI,
	// which would write this machine's directory into the log.
	for _, r := range catalogue {
		for _, m := range r.Messages {
			rule := run.AddRule(m.Code).WithName(ruleName(r.Slug, m.Code)).
				WithShortDescription(gosarif.NewMultiformatMessageString().WithText(m.Summary)).
				WithFullDescription(gosarif.NewMultiformatMessageString().WithText(r.Title + ": " + r.Summary)).
				WithHelpURI(DocsBase + r.Doc).
				WithHelp(gosarif.NewMultiformatMessageString().
					WithText(fmt.Sprintf("%s (%s, %s). %s See %s%s.", m.Summary, r.Slug, m.Code, r.Summary, DocsBase, r.Doc)).
					WithMarkdown(fmt.Sprintf("**%s** (`%s`, %s)\n\n%s\n\n[Rule documentation](%s%s)", m.Summary, r.Slug, m.Code, r.Summary, DocsBase, r.Doc))).
				WithDefaultConfiguration(gosarif.NewReportingConfiguration().WithLevel(Level(m.Level)))
			rule.WithProperties(gosarif.NewPropertyBag().
				Add("security-severity", securitySeverity(m.Level)).
				WithTags([]string{"security", r.Slug}))
		}
	}
	for _, f := range res.Findings {
		result := run.CreateResultForRule(f.Code).
			WithLevel(Level(f.Severity)).
			WithMessage(gosarif.NewTextMessage(f.Message)).
			WithPartialFingerprints(map[string]string{analysis.FingerprintVersion: analysis.Fingerprint(f)})
		primary, ok := primaryEvidence(f)
		if ok {
			result.AddLocation(location(primary, f.Target.String()))
		}
		for _, e := range f.Evidence {
			if e == primary || e.File == "" {
				continue
			}
			result.AddRelatedLocation(location(e, fmt.Sprintf("%s %s", e.Kind, name(e))))
		}
		if flow := codeFlow(f); flow != nil {
			result.AddCodeFlow(flow)
		}
		if sup := f.Suppression; sup != nil {
			// SARIF suppression kinds: inSource (an annotation in the
			// analysed files) or external (the baseline file).
			kind := "external"
			if sup.Kind == "annotation" {
				kind = "inSource"
			}
			result.AddSuppression(gosarif.NewSuppression().WithKind(kind).WithStatus("accepted").WithJustification(sup.Reason))
		}
		props := gosarif.NewPropertyBag().Add("rule", f.Rule).Add("severity", string(f.Severity)).Add("target", f.Target.String())
		if len(f.Assumptions) > 0 {
			props.Add("assumptions", f.Assumptions)
		}
		result.WithProperties(props)
	}
	rep.AddRun(run)
	return rep
}

// Write writes the SARIF log.
func Write(w io.Writer, res *analysis.Result, catalogue []*analysis.Rule, version string) error {
	return Report(res, catalogue, version).PrettyWrite(w)
}

// ruleName is the rule's PascalCase name and code ("ShadowRoute/SR0101"),
// as SARIF readers show it.
func ruleName(slug, code string) string {
	var b strings.Builder
	for _, part := range strings.Split(slug, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "/" + code
}

// primaryEvidence is the evidence of the object the finding is about: the
// one naming the target (kind, namespace, name), else the first with a
// file.
func primaryEvidence(f analysis.Finding) (graph.Evidence, bool) {
	for _, e := range f.Evidence {
		if e.File != "" && e.Kind == f.Target.Kind && e.Namespace == f.Target.Namespace && e.Name == f.Target.Name {
			return e, true
		}
	}
	for _, e := range f.Evidence {
		if e.File != "" {
			return e, true
		}
	}
	return graph.Evidence{}, false
}

func name(e graph.Evidence) string {
	if e.Namespace == "" {
		return e.Name
	}
	return e.Namespace + "/" + e.Name
}

// location is a physical location at an evidence's file and line.
func location(e graph.Evidence, msg string) *gosarif.Location {
	art := gosarif.NewArtifactLocation()
	file := filepath.ToSlash(e.File)
	if ctx, ref, ok := inventory.ParseClusterOrigin(e.File); ok {
		// An object read from a live cluster has no file: an absolute URI
		// of its own scheme names it (cluster:CONTEXT/Kind/namespace/name).
		parts := []string{url.PathEscape(ctx)}
		for _, p := range strings.Split(ref, "/") {
			parts = append(parts, url.PathEscape(p))
		}
		art.WithURI("cluster:" + strings.Join(parts, "/"))
		return gosarif.NewLocationWithPhysicalLocation(gosarif.NewPhysicalLocation().WithArtifactLocation(art)).WithMessage(gosarif.NewTextMessage(msg))
	}
	if filepath.IsAbs(e.File) {
		art.WithURI("file://" + file)
	} else {
		art.WithURI(strings.TrimPrefix(file, "./")).WithURIBaseID(SourceRoot)
	}
	phys := gosarif.NewPhysicalLocation().WithArtifactLocation(art)
	if e.Line > 0 {
		phys.WithRegion(gosarif.NewRegion().WithStartLine(e.Line))
	}
	return gosarif.NewLocationWithPhysicalLocation(phys).WithMessage(gosarif.NewTextMessage(msg))
}

// codeFlow is the witness path, one thread flow location per hop, each at
// the file and line of the object behind the hop's node when the finding
// cites it.
func codeFlow(f analysis.Finding) *gosarif.CodeFlow {
	if len(f.Path) == 0 {
		return nil
	}
	tf := gosarif.NewThreadFlow()
	for i, h := range f.Path {
		msg := h.Node.Label
		if port := fmt.Sprintf(":%d", h.Node.Port); h.Node.Port != 0 && !strings.HasSuffix(msg, port) {
			msg += port
		}
		if e := h.Edge; e != nil && e.Auth != "" {
			tag := string(e.Auth)
			if e.Hop != "" {
				tag = string(e.Hop) + ", " + tag
			}
			if e.AuthReason != "" {
				tag += ": " + e.AuthReason
			}
			msg += " [" + tag + "]"
		}
		loc := gosarif.NewLocation().WithMessage(gosarif.NewTextMessage(fmt.Sprintf("%d. %s", i+1, msg)))
		if e, ok := hopEvidence(f, h); ok {
			loc = location(e, fmt.Sprintf("%d. %s", i+1, msg))
		}
		tf.AddLocation(gosarif.NewThreadFlowLocation().WithLocation(loc))
	}
	return gosarif.NewCodeFlow().AddThreadFlow(tf)
}

// hopEvidence finds the evidence of the object behind a hop's node (same
// namespace and name, and the kind of object such a node stands for: the
// Service of a Service or entrypoint node, the routing object of a route
// node, the workload's own object otherwise).
func hopEvidence(f analysis.Finding, h analysis.Hop) (graph.Evidence, bool) {
	fits := func(kind string) bool {
		switch h.Node.Kind {
		case graph.KindService, graph.KindEntrypoint:
			return kind == "Service"
		case graph.KindRoute:
			return routingKinds[kind]
		case graph.KindWorkload:
			return kind != "Service" && !routingKinds[kind]
		}
		return false
	}
	for _, e := range f.Evidence {
		if e.File != "" && e.Namespace == h.Node.Namespace && e.Name == h.Node.Name && fits(e.Kind) {
			return e, true
		}
	}
	return graph.Evidence{}, false
}

// routingKinds are the objects route nodes come from.
var routingKinds = map[string]bool{"Ingress": true, "VirtualService": true, "HTTPRoute": true, "GRPCRoute": true, "TLSRoute": true, "TCPRoute": true}
