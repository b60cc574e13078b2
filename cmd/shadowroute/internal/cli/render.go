package cli

import (
	"github.com/shadowroute/shadowroute/sources/helm"
	"github.com/shadowroute/shadowroute/sources/kustomize"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// renderer renders chart and kustomization directories for the loader
// with the Helm SDK and the kustomize API.
type renderer struct{ helm helm.Options }

func (r renderer) Chart(dir string) ([]manifest.RenderedFile, error) {
	files, err := helm.Render(dir, r.helm)
	if err != nil {
		return nil, err
	}
	out := make([]manifest.RenderedFile, len(files))
	for i, f := range files {
		out[i] = manifest.RenderedFile{Path: f.Path, Data: f.Data, Namespace: r.helm.Namespace}
	}
	return out, nil
}

func (r renderer) Kustomization(dir string) ([]manifest.RenderedFile, error) {
	files, err := kustomize.Build(dir)
	if err != nil {
		return nil, err
	}
	out := make([]manifest.RenderedFile, len(files))
	for i, f := range files {
		out[i] = manifest.RenderedFile{Path: f.Path, Data: f.Data}
	}
	return out, nil
}
