package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/diff"
	"github.com/shadowroute/shadowroute/analysis/rules"
	"github.com/shadowroute/shadowroute/render/report"
	"github.com/shadowroute/shadowroute/render/sarif"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

type diffOptions struct {
	analyzeOptions
	baseRef string
}

func newDiffCommand(g *globalOptions, streams IO) *cobra.Command {
	o := &diffOptions{analyzeOptions: analyzeOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "diff BASE HEAD | diff --base-ref GITREF PATH... | diff --cluster PATH...",
		Short: "Compare two configurations: new, fixed and unchanged findings, and what changed in exposure",
		Long: `Analyze two configurations (two paths, or the same paths at a git
revision and in the working tree, or the live cluster as it is and with the
PATHs applied on it) and report what the change does: findings
new, fixed and unchanged (matched by their stable fingerprint, so renamed
files and moved lines change nothing), workloads the internet newly reaches
through configured routing, new connections into databases, hops that went
from mTLS to plaintext, and AuthorizationPolicies that no longer decide any
hop. --fail-on looks at new findings only (a --baseline applies to HEAD).

` + exitCodeHelp,
		Example: `  shadowroute diff main-manifests/ pr-manifests/ --fail-on high
  shadowroute diff --base-ref origin/main deploy/ --format markdown   # PR comment
  shadowroute diff --base-ref HEAD~1 deploy/ --format sarif -o new.sarif
  shadowroute diff --cluster --context prod pr/ --fail-on high   # before kubectl apply -f pr/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(); err != nil {
				return err
			}
			return o.run(streams, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.baseRef, "base-ref", "", "git revision holding the base: the PATHs are read from it and from the working tree")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&o.format, "format", "text", "output format: text, json, markdown or sarif (new findings only)")
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a new finding is at or above this severity (critical, high, medium, low, info, none)")
	f.StringVar(&o.baselineFile, "baseline", "", "a baseline file: the new findings it lists are marked suppressed and do not count")
	o.analysis.Register(f)
	return cmd
}

func (o *diffOptions) complete() error {
	if err := checkFormat(o.format, "text", "json", "markdown", "sarif"); err != nil {
		return err
	}
	return o.completeAnalysis()
}

func (o *diffOptions) run(streams IO, args []string) error {
	basePaths, headPaths := args, args
	switch {
	case o.baseRef != "":
		if len(args) == 0 {
			return inputError("diff --base-ref %s: name the paths to compare", o.baseRef)
		}
		tmp, err := os.MkdirTemp("", "shadowroute-base-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		basePaths, err = checkoutPaths(o.baseRef, args, tmp)
		if err != nil {
			return err
		}
	case o.global.cluster.enabled:
		// The live cluster as it is, and with the files applied on it.
		if len(args) == 0 {
			return inputError("diff --cluster: name the files to apply on the cluster")
		}
		basePaths, headPaths = nil, args
	case len(args) == 2:
		basePaths, headPaths = args[:1], args[1:]
	default:
		return inputError("diff: want BASE HEAD (two paths), --base-ref GITREF PATH... or --cluster PATH...")
	}
	var inventories []*inventory.Inventory
	side := func(paths []string) (diff.Side, error) {
		o.paths = paths
		inv, g, res, err := o.analyze(streams)
		inventories = append(inventories, inv)
		return diff.Side{Result: res, Graph: g}, err
	}
	base, err := side(basePaths)
	if err != nil {
		return fmt.Errorf("base: %w", err)
	}
	head, err := side(headPaths)
	if err != nil {
		return fmt.Errorf("head: %w", err)
	}
	if err := o.applyBaseline(head.Result); err != nil {
		return err
	}
	d := diff.Compare(base, head)
	out, err := openOutput(o.output, streams.Out)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(out.w)
		enc.SetIndent("", "  ")
		err = enc.Encode(d)
	case "sarif":
		err = sarif.Write(out.w, &analysis.Result{Findings: d.New}, rules.All(), o.global.version)
	case "markdown":
		err = report.Diff(out.w, d, true)
	default:
		err = report.Diff(out.w, d, false)
	}
	if err := out.finish(err); err != nil {
		return err
	}
	for _, inv := range inventories {
		if err := strictCheck(o.global, inv); err != nil {
			return err
		}
	}
	if o.failAt != "" && d.HasNewAtOrAbove(o.failAt) {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("new findings at or above %s", o.failAt)}
	}
	return nil
}

// checkoutPaths writes the files under paths as they are at ref into dir
// (git ls-tree and git show, read-only on the repository) and returns the
// same paths inside dir.
func checkoutPaths(ref string, paths []string, dir string) ([]string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return "", inputError("--base-ref %s: git %s: %v: %s", ref, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return string(b), nil
	}
	prefix, err := git("rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	prefix = strings.TrimSpace(prefix)
	list, err := git(append([]string{"ls-tree", "-r", "--name-only", "--full-name", ref, "--"}, paths...)...)
	if err != nil {
		return nil, err
	}
	for _, name := range strings.Fields(list) {
		content, err := git("show", ref+":"+name)
		if err != nil {
			return nil, err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(target, []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Join(dir, filepath.FromSlash(prefix), p)
	}
	return out, nil
}
