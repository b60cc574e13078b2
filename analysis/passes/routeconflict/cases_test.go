package routeconflict_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/passes/routeconflict"
)

// TestCases runs the rule's case folders (testdata/<case>/).
func TestCases(t *testing.T) { analysistest.RunCases(t, routeconflict.Rule) }
