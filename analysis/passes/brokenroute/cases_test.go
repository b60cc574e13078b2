package brokenroute_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/passes/brokenroute"
)

// TestCases runs the rule's case folders (testdata/<case>/).
func TestCases(t *testing.T) { analysistest.RunCases(t, brokenroute.Rule) }
