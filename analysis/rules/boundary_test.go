package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRulesReadOnlyTheModel keeps the rule packages (analysis/passes/...)
// and the graph builder (graph/build) on the model and the graph: no rule reaches into the inventory (the
// Inventory of the model, mesh.Env's Inv, inventory.Typed) or imports an
// input source, so every semantic question goes through graph/model, where
// it is answered once. Inventory types (Object, Workload, TypedObject) stay
// allowed: rules quote objects as evidence.
func TestRulesReadOnlyTheModel(t *testing.T) {
	roots := []string{"../passes", "../../graph/build"}
	forbiddenSelectors := map[string]string{
		"Inventory": "the inventory behind the model",
		"Inv":       "mesh.Env's inventory",
	}
	forbiddenCalls := map[string]bool{"Typed": true, "New": true}
	checked := 0
	walk := func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		inventoryName := ""
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/shadowroute/shadowroute/sources/") && p != "github.com/shadowroute/shadowroute/sources/inventory" {
				t.Errorf("%s imports %s: rules read the model, not input sources", path, p)
			}
			if p == "github.com/shadowroute/shadowroute/sources/inventory" {
				inventoryName = "inventory"
				if imp.Name != nil {
					inventoryName = imp.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if why, bad := forbiddenSelectors[sel.Sel.Name]; bad {
				t.Errorf("%s: %s reads %s; ask graph/model instead", fset.Position(sel.Pos()), sel.Sel.Name, why)
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == inventoryName && forbiddenCalls[sel.Sel.Name] {
				t.Errorf("%s: inventory.%s; list objects through graph/model", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	}
	for _, root := range roots {
		if err := filepath.WalkDir(root, walk); err != nil {
			t.Fatal(err)
		}
	}
	if checked < len(All())-len(passRulesInAnalysis) {
		t.Fatalf("checked %d files: the walk did not find the rule packages", checked)
	}
}

// passRulesInAnalysis are the rules that live in package analysis (the path
// rules), not under analysis/passes.
var passRulesInAnalysis = []string{"shadow-route", "direct-exposure", "mesh-unrestricted", "broken-route"}
