// Package kustomize builds a kustomization directory with the kustomize
// API (sigs.k8s.io/kustomize/api krusty, as `kustomize build` does), so
// that the loader reads the objects the overlay produces, each attributed
// to the file it came from (kustomize's origin annotation).
package kustomize

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// originAnnotation is where kustomize records the file a resource came
// from when the kustomization asks for buildMetadata: [originAnnotations].
const originAnnotation = "config.kubernetes.io/origin"

// File is the output attributed to one source file.
type File struct {
	Path string
	Data []byte
}

// Build builds the kustomization in dir (no plugins, no network: remote
// bases fail with kustomize's error). Each resource is attributed to the
// file it was read from, or to the kustomization file when kustomize
// generated it; the origin annotation is removed from the output.
func Build(dir string) ([]File, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fs := &withOrigins{FileSystem: filesys.MakeFsOnDisk(), root: root}
	opts := krusty.MakeDefaultOptions()
	res, err := krusty.MakeKustomizer(opts).Run(fs, root)
	if err != nil {
		return nil, fmt.Errorf("kustomization %s: %w", dir, err)
	}
	byPath := map[string][][]byte{}
	for _, r := range res.Resources() {
		src := kustomizationFile(dir)
		ann := r.GetAnnotations()
		if o := ann[originAnnotation]; o != "" {
			var origin struct {
				Path string `json:"path"`
			}
			if yaml.Unmarshal([]byte(o), &origin) == nil && origin.Path != "" && !strings.Contains(origin.Path, "://") {
				src = filepath.Join(dir, filepath.FromSlash(origin.Path))
			}
			delete(ann, originAnnotation)
			if err := r.SetAnnotations(ann); err != nil {
				return nil, err
			}
		}
		y, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomization %s: %w", dir, err)
		}
		byPath[src] = append(byPath[src], y)
	}
	var out []File
	for p, docs := range byPath {
		out = append(out, File{Path: p, Data: bytes.Join(docs, []byte("---\n"))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// kustomizationFile names the kustomization file of dir.
func kustomizationFile(dir string) string {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if filesys.MakeFsOnDisk().Exists(filepath.Join(dir, n)) {
			return filepath.Join(dir, n)
		}
	}
	return filepath.Join(dir, "kustomization.yaml")
}

// withOrigins reads the root kustomization with buildMetadata:
// [originAnnotations] added when it sets no buildMetadata, so every
// resource carries the file it came from; everything else is the disk.
type withOrigins struct {
	filesys.FileSystem
	root string
}

func (f *withOrigins) ReadFile(path string) ([]byte, error) {
	b, err := f.FileSystem.ReadFile(path)
	if err != nil || filepath.Dir(path) != f.root {
		return b, err
	}
	switch filepath.Base(path) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		if !bytes.Contains(b, []byte("buildMetadata")) {
			b = append(append(bytes.TrimRight(b, "\n"), '\n'), []byte("buildMetadata: [originAnnotations]\n")...)
		}
	}
	return b, nil
}
