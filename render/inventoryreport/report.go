// Package inventoryreport prints what a source loaded: object counts by kind,
// workloads, skipped kinds and warnings, as a table or as JSON.
//
// Names, namespaces, kinds and apiVersions come from the input: table cells
// are written with safetext.LineStart (a cell after empty ones starts the
// line once padding is trimmed), so no value adds a line, a column (tabs are
// escaped) or a terminal escape.
package inventoryreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/shadowroute/shadowroute/graph/classify"
	"github.com/shadowroute/shadowroute/graph/model"
	"github.com/shadowroute/shadowroute/render/safetext"
	"github.com/shadowroute/shadowroute/sources/inventory"
)

// Report is the JSON shape of `shadowroute inventory --format json`.
type Report struct {
	Sources   []string              `json:"sources"`
	Kinds     []inventory.KindCount `json:"kinds"`
	Workloads []Workload            `json:"workloads"`
	Skipped   []Skipped             `json:"skipped"`
	Warnings  []inventory.Warning   `json:"warnings"`
}

// Workload is one workload line.
type Workload struct {
	Kind           string           `json:"kind"`
	Namespace      string           `json:"namespace"`
	Name           string           `json:"name"`
	Replicas       int32            `json:"replicas"`
	ServiceAccount string           `json:"serviceAccount"`
	OwnerMissing   bool             `json:"ownerMissing,omitempty"`
	Origin         inventory.Origin `json:"origin"`
	// Sidecar is whether the workload's pods get an Istio proxy (injected),
	// and Database why it is a target ("" when it is not), both as the
	// resolved model decides them with the command's analysis flags.
	Sidecar  bool   `json:"sidecar"`
	Database string `json:"database,omitempty"`
}

// Skipped counts documents of one unmodelled apiVersion/kind.
type Skipped struct {
	APIVersionKind string `json:"apiVersionKind"`
	Count          int    `json:"count"`
}

// Build collects the report from the resolved model; every list is sorted.
func Build(m *model.Model) Report {
	inv := m.Inventory
	r := Report{Sources: inv.Sources, Kinds: inv.Counts(), Warnings: inv.Warnings}
	if n := len(m.ConfigMaps()); n > 0 {
		// ConfigMaps are read (their data, for the credential checks), so
		// they are counted with the loaded kinds, not as skipped.
		r.Kinds = append(r.Kinds, inventory.KindCount{Kind: "ConfigMap", Count: n})
		sort.Slice(r.Kinds, func(i, j int) bool {
			if r.Kinds[i].Kind != r.Kinds[j].Kind {
				return r.Kinds[i].Kind < r.Kinds[j].Kind
			}
			return r.Kinds[i].Group < r.Kinds[j].Group
		})
	}
	if r.Sources == nil {
		r.Sources = []string{}
	}
	if r.Warnings == nil {
		r.Warnings = []inventory.Warning{}
	}
	r.Workloads = []Workload{}
	for _, w := range inv.Workloads() {
		r.Workloads = append(r.Workloads, Workload{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Replicas: w.Replicas,
			ServiceAccount: w.ServiceAccount(), OwnerMissing: w.OwnerMissing, Origin: w.Origin,
			Sidecar: m.Mesh.InjectionStatus(w).Member, Database: classify.Database(w, m.Options.Classify)})
	}
	r.Skipped = []Skipped{}
	for k, n := range inv.Skipped {
		r.Skipped = append(r.Skipped, Skipped{APIVersionKind: k, Count: n})
	}
	sort.Slice(r.Skipped, func(i, j int) bool { return r.Skipped[i].APIVersionKind < r.Skipped[j].APIVersionKind })
	return r
}

// JSON writes the report as indented JSON, values escaped only by JSON
// (see safetext.JSON).
func JSON(w io.Writer, r Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(buf.Bytes()))
	return err
}

// cell escapes a table cell.
func cell(s string) string { return safetext.LineStart(s) }

// Text writes the report as aligned tables.
func Text(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tGROUP\tCOUNT")
	total := 0
	for _, k := range r.Kinds {
		group := k.Group
		if group == "" {
			group = "core"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", cell(k.Kind), cell(group), k.Count)
		total += k.Count
	}
	fmt.Fprintf(tw, "total\t\t%d\n", total)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nWorkloads: %d\n", len(r.Workloads))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tNAME\tKIND\tREPLICAS\tSERVICE ACCOUNT\tSIDECAR\tDATABASE")
	for _, wl := range r.Workloads {
		kind := cell(wl.Kind)
		if wl.OwnerMissing {
			kind += " (owner not in input)"
		}
		sidecar, db := "no", "-"
		if wl.Sidecar {
			sidecar = "yes"
		}
		if wl.Database != "" {
			db = cell(wl.Database)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", cell(wl.Namespace), cell(wl.Name), kind, wl.Replicas, cell(wl.ServiceAccount), sidecar, db)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w, "\nSkipped (kinds shadowroute does not model):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, s := range r.Skipped {
			fmt.Fprintf(tw, "  %s\t%d\n", cell(s.APIVersionKind), s.Count)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings: %d (details on stderr)\n", len(r.Warnings))
	}
	return nil
}
