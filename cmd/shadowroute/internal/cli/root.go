// Package cli wires shadowroute's commands. Each command has an options
// struct filled from flags, validated, then run, so commands are testable
// without a terminal: tests call Execute with arguments and buffers.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/render/safetext"
	"github.com/shadowroute/shadowroute/sources/helm"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// Exit codes, documented in --help and the README.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitInput    = 2
)

const exitCodeHelp = `Exit codes:
  0  success (no finding at or above --fail-on)
  1  findings at or above the --fail-on severity
  2  usage or input error (missing path, bad flag, no object in the input,
     input over --max-input-bytes; with --strict, any warning)`

// ExitError carries the exit code a command wants.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func inputError(format string, args ...any) error {
	return &ExitError{Code: ExitInput, Err: fmt.Errorf(format, args...)}
}

// IO bundles the streams a command uses.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	// version is the build's version, written into SARIF logs.
	version   string
	namespace string
	strict    bool
	quiet     bool
	limits    manifest.Limits
	// helm are the chart rendering settings; noRender keeps charts and
	// overlays unrendered (a warning each).
	helm     helm.Options
	noRender bool
	// cluster holds the live-cluster flags (--cluster, kubectl's flags).
	cluster clusterOptions
}

// Execute runs the CLI with args and returns the process exit code.
func Execute(args []string, streams IO, version string) int {
	return ExecuteAs("shadowroute", args, streams, version)
}

// PluginName is the binary name kubectl runs as `kubectl shadowroute`
// (https://kubernetes.io/docs/tasks/extend-kubectl/kubectl-plugins/).
const PluginName = "kubectl-shadowroute"

// ExecuteAs is Execute for the binary invoked as argv0: as the kubectl
// plugin (kubectl-shadowroute) help and usage say `kubectl shadowroute`.
func ExecuteAs(argv0 string, args []string, streams IO, version string) int {
	root := newRootCommand(streams, version)
	// Either separator: a Windows path read on another system too.
	base := argv0[strings.LastIndexAny(argv0, `/\`)+1:]
	if name := strings.TrimSuffix(base, ".exe"); name == PluginName {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl shadowroute"}
	}
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Code != ExitFindings {
			fmt.Fprintln(streams.Err, "error:", safetext.Text(exit.Err.Error()))
		}
		return exit.Code
	}
	// Cobra's own errors are usage errors (unknown flag, bad args).
	fmt.Fprintln(streams.Err, "error:", safetext.Text(err.Error()))
	return ExitInput
}

func newRootCommand(streams IO, version string) *cobra.Command {
	g := &globalOptions{version: version}
	root := &cobra.Command{
		Use:   "shadowroute",
		Short: "Find shadow routes: internet paths to databases that bypass mesh authentication",
		Long: `shadowroute reads Kubernetes and Istio configuration (manifest files and
directories, Helm charts, kustomizations, - for stdin, or with --cluster a live
cluster, read-only, with files overlaid on it), builds a reachability graph from Ingresses,
Gateway API Gateways and routes, Services, workloads, NetworkPolicies and
Istio Gateways, VirtualServices, DestinationRules, PeerAuthentications and
AuthorizationPolicies (sidecar and ambient mode), and finds paths from the
internet to database workloads that are not mesh-authenticated.

` + exitCodeHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.namespace, "namespace", "n", "", `namespace given to namespaced objects that have none (default "default"); with --cluster, the one namespace to read (default: every namespace)`)
	pf.BoolVar(&g.strict, "strict", false, "treat any input warning as an error (exit 2)")
	pf.BoolVar(&g.quiet, "quiet", false, "do not print warnings on stderr")
	g.limits = manifest.DefaultLimits()
	pf.Int64Var(&g.limits.MaxInputBytes, "max-input-bytes", g.limits.MaxInputBytes,
		"stop reading input after this many bytes in all (files and stdin); larger input is an error (exit 2)")
	pf.Int64Var(&g.limits.MaxAliasBytesPerDocument, "max-alias-bytes", g.limits.MaxAliasBytesPerDocument,
		"skip (with a warning) a YAML document whose aliases (*name) would expand to more than this many bytes")
	pf.Int64Var(&g.limits.MaxAliasBytesTotal, "max-alias-bytes-total", g.limits.MaxAliasBytesTotal,
		"skip (with a warning) every further document once aliases in all documents together would expand to more than this many bytes")
	pf.StringArrayVarP(&g.helm.ValueFiles, "values", "f", nil, "Helm chart directories: a values file, as helm template -f (repeatable)")
	pf.StringArrayVar(&g.helm.Set, "set", nil, "Helm chart directories: a value, as helm template --set KEY=VALUE (repeatable)")
	pf.StringVar(&g.helm.ReleaseName, "release-name", "release", "Helm chart directories: the release name")
	pf.StringVar(&g.helm.Namespace, "release-namespace", "", `Helm chart directories: the release namespace, given to rendered objects without one (default: -n, else "default")`)
	g.cluster.register(pf)
	pf.BoolVar(&g.noRender, "no-render", false, "do not render Helm chart and kustomization directories (charts are skipped, overlays read as written, with a warning)")
	root.AddCommand(
		newAnalyzeCommand(g, streams),
		newConnectivityCommand(g, streams),
		newGraphCommand(g, streams),
		newReportCommand(g, streams),
		newDiffCommand(g, streams),
		newExplainCommand(g, streams),
		newInventoryCommand(g, streams),
		newRulesCommand(streams),
		newVersionCommand(streams, version),
		newGenCommand(streams),
	)
	return root
}

// load reads the paths with the global options and prints warnings. An
// input without a single modelled object is an input error.
func load(g *globalOptions, streams IO, paths []string) (*inventory.Inventory, error) {
	return loadInput(g, streams, paths, true)
}

// loadInput is load; with needModelled false an input holding only kinds
// shadowroute does not model is accepted (the inventory command lists them).
func loadInput(g *globalOptions, streams IO, paths []string, needModelled bool) (*inventory.Inventory, error) {
	if err := g.cluster.validate(g); err != nil {
		return nil, err
	}
	if len(paths) == 0 && !g.cluster.enabled {
		return nil, inputError("no input: name manifest files or directories, - for stdin, or --cluster for the live cluster")
	}
	opts := manifest.Options{DefaultNamespace: g.namespace, Stdin: streams.In, Limits: g.limits}
	if !g.noRender {
		h := g.helm
		if h.Namespace == "" {
			h.Namespace = g.namespace
		}
		opts.Render = renderer{helm: h}
	}
	loader, err := manifest.NewLoader(opts)
	if err != nil {
		return nil, err
	}
	inv := inventory.New()
	if g.cluster.enabled {
		snap, err := g.cluster.read(g, streams)
		if err != nil {
			return nil, err
		}
		if err := addSnapshot(loader, inv, snap, &g.cluster); err != nil {
			return nil, err
		}
	}
	if err := loader.LoadInto(inv, paths); err != nil {
		return nil, &ExitError{Code: ExitInput, Err: err}
	}
	if !g.quiet {
		for _, w := range inv.Warnings {
			// Warnings quote the input (file names, YAML): one line each,
			// always after "warning: ", never a terminal escape.
			fmt.Fprintln(streams.Err, "warning:", safetext.Text(w.String()))
		}
	}
	if err := requireObjects(inv, paths, needModelled); err != nil {
		return nil, err
	}
	return inv, nil
}

// requireObjects makes an input with nothing to analyse an input error: an
// empty file, a closed stdin or a folder without manifests must never read
// as a clean "no findings".
func requireObjects(inv *inventory.Inventory, paths []string, needModelled bool) error {
	if inv.Len() > 0 || len(inv.ConfigMaps) > 0 {
		return nil
	}
	skipped := 0
	for _, n := range inv.Skipped {
		skipped += n
	}
	if skipped > 0 && !needModelled {
		return nil
	}
	where := strings.Join(paths, " ")
	for _, src := range inv.Sources {
		if strings.HasPrefix(src, "cluster:") {
			where = strings.TrimSpace(src + " " + where)
		}
	}
	switch {
	case skipped > 0:
		return inputError("no object of a kind shadowroute models in %s (%d object(s) of other kinds skipped, %d warning(s)); `shadowroute inventory` lists them", where, skipped, len(inv.Warnings))
	case len(inv.Warnings) > 0:
		return inputError("no object could be loaded from %s (%d warning(s) above)", where, len(inv.Warnings))
	default:
		return inputError("no Kubernetes objects found in %s (empty input)", where)
	}
}

// strictCheck turns warnings into an input error when --strict is set.
func strictCheck(g *globalOptions, inv *inventory.Inventory) error {
	if err := completeCheck(g, inv); err != nil {
		return err
	}
	if g.strict && len(inv.Warnings) > 0 {
		return inputError("--strict: %d input warning(s)", len(inv.Warnings))
	}
	if g.strict && len(inv.UnmodelledObjects) > 0 {
		return inputError("--strict: %d object(s) of kinds that route or filter traffic are not modelled (first: %s)", len(inv.UnmodelledObjects), inv.UnmodelledObjects[0])
	}
	return nil
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return inputError("unknown --format %q (one of: %s)", format, strings.Join(allowed, ", "))
}

func newVersionCommand(streams IO, version string) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the shadowroute version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(streams.Out, "shadowroute", version)
			return nil
		},
	}
}
