package cli

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/options"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/graph/build"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// TestEveryCommandTakesTheAnalysisFlags: analyze, report, graph,
// connectivity and inventory register the one set of analysis flags, with
// the same defaults, so each builds the model the others build; the one
// exception is connectivity, whose address flags default to netpol-analyzer's
// conventions (options.Flags.NetpolAnalyzerDefaults).
func TestEveryCommandTakesTheAnalysisFlags(t *testing.T) {
	root := newRootCommand(IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, "test")
	for _, name := range []string{"analyze", "report", "graph", "connectivity", "inventory"} {
		f := options.Flags{NetpolAnalyzerDefaults: name == "connectivity"}
		want := pflag.NewFlagSet("want", pflag.ContinueOnError)
		f.Register(want)
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd.Name() != name {
			t.Fatalf("command %s: %v", name, err)
		}
		var missing []string
		want.VisitAll(func(fl *pflag.Flag) {
			got := cmd.Flags().Lookup(fl.Name)
			if got == nil || got.DefValue != fl.DefValue || got.Usage != fl.Usage {
				missing = append(missing, fl.Name)
			}
		})
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks (or redefines) analysis flags %v", name, missing)
		}
	}
}

// TestGraphSeesTheAnalysedModel: --gateway-scope-namespace removes the
// cross-namespace gateway's route from the analysis and from the drawn
// graph alike (graph used to reject the flag and draw the default model).
func TestGraphSeesTheAnalysedModel(t *testing.T) {
	in := filepath.Join(testdata, "scenarios", "gateway-scope-cross-namespace", "input.yaml")
	count := func(what string, args ...string) int {
		t.Helper()
		code, out, errs := run(args, "")
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return strings.Count(out, what)
	}
	const exposure = `"rule": "direct-exposure"`
	if n := count(exposure, "analyze", in, "--format", "json"); n == 0 {
		t.Fatal("analyze without the flag: no direct-exposure")
	}
	if n := count(exposure, "analyze", in, "--format", "json", "--gateway-scope-namespace"); n != 0 {
		t.Errorf("analyze --gateway-scope-namespace still reports %d direct-exposure findings", n)
	}
	without := count("elasticsearch", "graph", in, "--view", "exposure", "--format", "mermaid")
	with := count("elasticsearch", "graph", in, "--view", "exposure", "--format", "mermaid", "--gateway-scope-namespace")
	if without == 0 || with >= without {
		t.Errorf("graph: the database appears %d times without --gateway-scope-namespace and %d with it", without, with)
	}
}

// TestSeverityByCode: --severity CODE=LEVEL re-rates one message only, and
// wins over RULE=LEVEL.
func TestSeverityByCode(t *testing.T) {
	demo := filepath.Join(testdata, "demo")
	code, out, errs := run([]string{"analyze", demo, "--severity", "SR0103=low", "--severity", "shadow-route=medium"}, "")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "[LOW] shadow-route SR0103") || !strings.Contains(out, "[MEDIUM] shadow-route SR0102") {
		t.Errorf("want SR0103 at low and SR0102 at medium:\n%s", out)
	}
	if code, _, errs := run([]string{"analyze", demo, "--severity", "SR9999=low"}, ""); code != ExitInput || !strings.Contains(errs, "unknown rule or code") {
		t.Errorf("unknown code: exit %d, %s", code, errs)
	}
}

// TestLibraryCallerGetsWhatTheCLIPrints: analysis.Run over the model and
// graph is exactly what analyze prints: input warnings, blast radius and
// all, with nothing patched in cmd/.
func TestLibraryCallerGetsWhatTheCLIPrints(t *testing.T) {
	demo := filepath.Join(testdata, "demo")
	for _, tc := range []struct{ paths, flags []string }{
		{[]string{demo}, nil},
		{[]string{demo}, []string{"--blast-radius", "--trust-domain", "corp.example"}},
		{[]string{filepath.Join(testdata, "loader", "tab-error.yaml"), demo}, nil}, // input warnings
	} {
		paths, flags := tc.paths, tc.flags
		args := append(append([]string{"analyze", "--format", "json"}, paths...), flags...)
		_, cliOut, errs := run(args, "")
		if cliOut == "" {
			t.Fatalf("%v: no output: %s", args, errs)
		}
		opts, err := options.Parse(flags, rules.All())
		if err != nil {
			t.Fatal(err)
		}
		loader, err := manifest.NewLoader(manifest.Options{Limits: manifest.DefaultLimits()})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := loader.Load(paths)
		if err != nil {
			t.Fatal(err)
		}
		m := model.New(inv, opts.Model)
		g, err := build.Build(m)
		if err != nil {
			t.Fatal(err)
		}
		var lib bytes.Buffer
		if err := report.JSON(&lib, analysis.Run(analysis.Input{Graph: g, Model: m, Config: opts.Analysis}, opts.Rules)); err != nil {
			t.Fatal(err)
		}
		if lib.String() != cliOut {
			t.Errorf("%v: the library result differs from analyze's output", args)
		}
	}
}
