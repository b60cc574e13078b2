package directexposure_test

import (
	"testing"

	"github.com/shadowroute/shadowroute/analysis/analysistest"
	"github.com/shadowroute/shadowroute/analysis/passes/directexposure"
)

// TestCases runs the rule's case folders (testdata/<case>/).
func TestCases(t *testing.T) { analysistest.RunCases(t, directexposure.Rule) }
