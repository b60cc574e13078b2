package shadowroute_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/passes/shadowroute"
)

// TestCases runs the rule's case folders (testdata/<case>/).
func TestCases(t *testing.T) { analysistest.RunCases(t, shadowroute.Rule) }
