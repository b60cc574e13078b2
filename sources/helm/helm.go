// Package helm renders a Helm chart directory offline with the Helm SDK
// (helm.sh/helm/v3 action.Install in client-only dry-run mode, as `helm
// template` does), so that the loader reads the manifests a cluster would
// receive, each attributed to the template file that produced it.
package helm

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
)

// Options are the `helm template` settings shadowroute passes on.
type Options struct {
	// ReleaseName defaults to "release", Namespace to "default".
	ReleaseName, Namespace string
	// ValueFiles (-f) and Set (--set) values, as helm reads them.
	ValueFiles, Set []string
}

// File is one rendered template: the file a user would edit (the
// template's path inside the chart directory) and its output.
type File struct {
	Path string
	Data []byte
}

// Render renders the chart in dir. Dependencies must be in the chart's
// charts/ folder (nothing is downloaded); a missing one is an error naming
// it. Hooks are rendered too (the model marks helm.sh/hook workloads
// transient). Files come in template path order.
func Render(dir string, o Options) ([]File, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("helm chart %s: %w", dir, err)
	}
	if deps := chrt.Metadata.Dependencies; len(deps) > 0 {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return nil, fmt.Errorf("helm chart %s: %v (run helm dependency build %s)", dir, err, dir)
		}
	}
	vals, err := (&values.Options{ValueFiles: o.ValueFiles, Values: o.Set}).MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("helm chart %s: values: %w", dir, err)
	}
	install := action.NewInstall(&action.Configuration{})
	install.DryRun, install.ClientOnly, install.Replace, install.IncludeCRDs = true, true, true, true
	install.ReleaseName, install.Namespace = o.ReleaseName, o.Namespace
	if install.ReleaseName == "" {
		install.ReleaseName = "release"
	}
	if install.Namespace == "" {
		install.Namespace = "default"
	}
	rel, err := install.Run(chrt, vals)
	if err != nil {
		return nil, fmt.Errorf("helm chart %s: rendering: %w", dir, err)
	}
	byPath := map[string][]string{}
	for _, doc := range splitSources(rel.Manifest) {
		byPath[doc.path] = append(byPath[doc.path], doc.text)
	}
	for _, h := range rel.Hooks {
		byPath[h.Path] = append(byPath[h.Path], h.Manifest)
	}
	var out []File
	for p, docs := range byPath {
		out = append(out, File{Path: filepath.Join(dir, chartRelative(chrt.Name(), p)), Data: []byte(strings.Join(docs, "\n---\n"))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

type sourced struct{ path, text string }

// splitSources splits helm's manifest into the documents of each template,
// by the "# Source: CHART/templates/FILE" line helm writes before each.
func splitSources(manifest string) []sourced {
	var out []sourced
	for _, doc := range strings.Split(manifest, "\n---\n") {
		doc = strings.TrimPrefix(doc, "---\n")
		first, rest, _ := strings.Cut(doc, "\n")
		path, ok := strings.CutPrefix(strings.TrimSpace(first), "# Source: ")
		if !ok {
			path, rest = "", doc
		}
		if strings.TrimSpace(rest) == "" {
			continue
		}
		out = append(out, sourced{path: path, text: rest})
	}
	return out
}

// chartRelative turns "CHART/templates/x.yaml" (or
// "CHART/charts/SUB/templates/y.yaml") into the path inside the chart
// directory.
func chartRelative(chartName, p string) string {
	if rest, ok := strings.CutPrefix(p, chartName+"/"); ok {
		return filepath.FromSlash(rest)
	}
	if p == "" {
		return "rendered.yaml"
	}
	return filepath.FromSlash(p)
}
