package manifest

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

// sink is what decoding a document does to the inventory. direct applies
// it at once; recorder keeps it to be applied later, in input order, so
// that documents decode in parallel and the inventory (objects, warnings,
// their order) is the one a sequential load makes.
type sink interface {
	Warn(origin inventory.Origin, format string, args ...any)
	Skip(apiVersion, kind string)
	AddUnmodelled(u inventory.UnmodelledObject)
	Reject(obj *inventory.Object, reason string)
	Add(obj *inventory.Object)
	AddConfigMap(cm inventory.ConfigMapData)
}

type direct struct{ inv *inventory.Inventory }

func (d direct) Warn(origin inventory.Origin, format string, args ...any) {
	d.inv.Warn(origin, format, args...)
}
func (d direct) Skip(apiVersion, kind string)               { d.inv.Skip(apiVersion, kind) }
func (d direct) AddUnmodelled(u inventory.UnmodelledObject) { d.inv.AddUnmodelled(u) }
func (d direct) Reject(obj *inventory.Object, reason string) {
	d.inv.Reject(obj, reason)
}
func (d direct) AddConfigMap(cm inventory.ConfigMapData) {
	d.inv.ConfigMaps = append(d.inv.ConfigMaps, cm)
}

// Add adds an object; a later definition of the same object replaces the
// earlier one with a warning (not one read from a live cluster: files
// overlay the cluster).
func (d direct) Add(obj *inventory.Object) {
	if old := d.inv.Add(obj); old != nil && !old.Origin.Live {
		d.inv.Warn(obj.Origin, "duplicate %s: this definition replaces the one at %s", obj.Key, old.Origin)
	}
}

// recorder keeps a document's effects in order.
type recorder struct{ ops []func(direct) }

func (r *recorder) Warn(origin inventory.Origin, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.ops = append(r.ops, func(d direct) { d.Warn(origin, "%s", msg) })
}
func (r *recorder) Skip(apiVersion, kind string) {
	r.ops = append(r.ops, func(d direct) { d.Skip(apiVersion, kind) })
}
func (r *recorder) AddUnmodelled(u inventory.UnmodelledObject) {
	r.ops = append(r.ops, func(d direct) { d.AddUnmodelled(u) })
}
func (r *recorder) Reject(obj *inventory.Object, reason string) {
	r.ops = append(r.ops, func(d direct) { d.Reject(obj, reason) })
}
func (r *recorder) Add(obj *inventory.Object) {
	r.ops = append(r.ops, func(d direct) { d.Add(obj) })
}
func (r *recorder) AddConfigMap(cm inventory.ConfigMapData) {
	r.ops = append(r.ops, func(d direct) { d.AddConfigMap(cm) })
}

// pendingFiles are files read by a walk whose documents are not decoded
// yet.
type pendingFiles struct {
	l     *Loader
	files []pendingFile
	bytes int
}

type pendingFile struct {
	name, defaultNS string
	docs            []pendingDoc
}

type pendingDoc struct {
	doc document
	// added is the document's alias expansion counted up to the
	// per-document limit; decoded is false when it is over that limit (the
	// document is never converted).
	added   int64
	decoded bool
	effects recorder
}

// pendingBatchBytes bounds the file bytes held before a batch is decoded.
const pendingBatchBytes = 32 << 20

// add queues one file's content.
func (p *pendingFiles) add(inv *inventory.Inventory, name string, data []byte) {
	if p.l.sequentialWalk {
		p.l.loadBytes(inv, name, data)
		return
	}
	f := pendingFile{name: name, defaultNS: p.l.opts.DefaultNamespace}
	for _, doc := range splitDocuments(data) {
		f.docs = append(f.docs, pendingDoc{doc: doc})
	}
	p.files = append(p.files, f)
	p.bytes += len(data)
	if p.bytes > pendingBatchBytes {
		p.flush(inv)
	}
}

// flush decodes the queued documents on every core, then applies their
// effects in order, charging each document's aliases to the load's budget
// as loadDocument does (withinAliasBudget decides whenever the count made
// in parallel is not enough to).
func (p *pendingFiles) flush(inv *inventory.Inventory) {
	if len(p.files) == 0 {
		return
	}
	l := p.l
	type job struct{ f, d int }
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f := &p.files[j.f]
				d := &f.docs[j.d]
				if bytes.ContainsRune(d.doc.text, '*') {
					d.added, _ = aliasExpansion(d.doc.text, l.opts.Limits.MaxAliasBytesPerDocument)
				}
				if d.added > l.opts.Limits.MaxAliasBytesPerDocument {
					continue
				}
				d.decoded = true
				l.decodeDocument(&d.effects, f.defaultNS, f.name, d.doc)
			}
		}()
	}
	for i := range p.files {
		for k := range p.files[i].docs {
			jobs <- job{i, k}
		}
	}
	close(jobs)
	wg.Wait()
	out := direct{inv}
	for _, f := range p.files {
		for _, d := range f.docs {
			origin := inventory.Origin{File: f.name, Line: d.doc.firstContentLine}
			switch {
			case d.added == 0:
				// No alias adds anything: within every budget.
			case d.decoded && d.added <= l.aliasLeft:
				// Counted in full within both limits, as
				// withinAliasBudget counts it.
				l.aliasLeft -= d.added
			case !l.withinAliasBudget(inv, origin, d.doc.text):
				continue
			}
			if !d.decoded {
				// Within budget after all (cannot happen: its count was
				// over the per-document limit); decode it here.
				l.decodeDocument(out, f.defaultNS, f.name, d.doc)
				continue
			}
			for _, op := range d.effects.ops {
				op(out)
			}
		}
	}
	p.files, p.bytes = nil, 0
}
