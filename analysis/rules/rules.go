// Package rules is shadowroute's rule catalogue: one package per rule under
// analysis/passes/<name> (as
// golang.org/x/tools/go/analysis/passes), each with its case folders beside
// it in analysis/passes/<name>/testdata/<case>/ (run by the package's
// cases_test.go) and its page docs/rules/<slug>.md. Adding a rule is adding
// those and one line to All.
package rules

import (
	"github.com/shadowroute/shadowroute/analysis"
	"github.com/shadowroute/shadowroute/analysis/passes/brokenroute"
	"github.com/shadowroute/shadowroute/analysis/passes/danglingreference"
	"github.com/shadowroute/shadowroute/analysis/passes/directexposure"
	"github.com/shadowroute/shadowroute/analysis/passes/exposedadmissionwebhook"
	"github.com/shadowroute/shadowroute/analysis/passes/ineffectivepolicy"
	"github.com/shadowroute/shadowroute/analysis/passes/meshunrestricted"
	"github.com/shadowroute/shadowroute/analysis/passes/nonetworkpolicy"
	"github.com/shadowroute/shadowroute/analysis/passes/plaintexthttp"
	"github.com/shadowroute/shadowroute/analysis/passes/privilegedcredential"
	"github.com/shadowroute/shadowroute/analysis/passes/riskyannotation"
	"github.com/shadowroute/shadowroute/analysis/passes/routeconflict"
	"github.com/shadowroute/shadowroute/analysis/passes/secretinconfig"
	"github.com/shadowroute/shadowroute/analysis/passes/sensitivepath"
	"github.com/shadowroute/shadowroute/analysis/passes/shadowroute"
	"github.com/shadowroute/shadowroute/analysis/passes/weaktls"
	"github.com/shadowroute/shadowroute/analysis/passes/wildcardhost"
	"github.com/shadowroute/shadowroute/graph"
)

// All returns the catalogue in the order `shadowroute rules` lists it.
func All() []*analysis.Rule {
	return append(PathRules(),
		wildcardhost.Rule,
		plaintexthttp.Rule,
		weaktls.Rule,
		riskyannotation.Rule,
		sensitivepath.Rule,
		danglingreference.Rule,
		routeconflict.Rule,
		ineffectivepolicy.Rule,
		secretinconfig.Rule,
		nonetworkpolicy.Rule,
		exposedadmissionwebhook.Rule,
		privilegedcredential.Rule,
	)
}

// PathRules are the rules judging paths from the internet to databases
// (the shared path search) and broken routes, in catalogue order.
func PathRules() []*analysis.Rule {
	return []*analysis.Rule{shadowroute.Rule, directexposure.Rule, meshunrestricted.Rule, brokenroute.Rule}
}

// Analyze runs the path rules with their default settings.
func Analyze(g *graph.Graph) *analysis.Result {
	return analysis.Run(analysis.Input{Graph: g}, PathRules())
}
