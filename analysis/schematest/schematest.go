// Package schematest validates analyze's JSON output against the published
// schema (docs/schema/analyze-v2.schema.json) with a well-kept JSON Schema
// validator (github.com/santhosh-tekuri/jsonschema/v6, draft 2020-12), so
// the contract the docs promise is the one every test output keeps.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaFile is the published schema, relative to the module root.
const SchemaFile = "docs/schema/analyze-v2.schema.json"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "..", "..", SchemaFile)
	return jsonschema.NewCompiler().Compile(path)
})

// Check returns why js is not a valid analyze JSON document, or nil.
func Check(js []byte) error {
	schema, err := compiled()
	if err != nil {
		return fmt.Errorf("compiling %s: %w", SchemaFile, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return fmt.Errorf("output is not JSON: %w", err)
	}
	if err := schema.Validate(doc); err != nil {
		return fmt.Errorf("output does not match %s:\n%w", SchemaFile, err)
	}
	return nil
}

// Validate fails the test when js is not a valid analyze JSON document.
func Validate(t testing.TB, js []byte) {
	t.Helper()
	if err := Check(js); err != nil {
		t.Error(err)
	}
}

// Codes returns the finding codes the schema lists.
func Codes(t testing.TB) []string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", SchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Finding struct {
				Properties struct {
					Code struct {
						Enum []string `json:"enum"`
					} `json:"code"`
				} `json:"properties"`
			} `json:"finding"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	return schema.Defs.Finding.Properties.Code.Enum
}

// Published schemas of the other JSON outputs; each may refer to the
// analyze schema's definitions (findings).
const (
	DiffSchemaFile     = "docs/schema/diff-v1.schema.json"
	BaselineSchemaFile = "docs/schema/baseline-v1.schema.json"
)

// ValidateAgainst fails the test when js does not match the schema file
// (a path from the repository root, such as DiffSchemaFile); the analyze
// schema is registered under its $id so references into it resolve
// offline.
func ValidateAgainst(t testing.TB, file string, js []byte) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	c := jsonschema.NewCompiler()
	for _, f := range []string{SchemaFile, file} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var id struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &id); err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(id.ID, doc); err != nil {
			t.Fatal(err)
		}
		if f == file {
			schema, err := c.Compile(id.ID)
			if err != nil {
				t.Fatalf("compiling %s: %v", f, err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if err := schema.Validate(v); err != nil {
				t.Errorf("output does not match %s:\n%v", f, err)
			}
		}
	}
}
