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
