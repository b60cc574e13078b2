// Command shadowroute finds shadow routes: paths from the internet to database
// workloads that bypass service-mesh authentication. See `shadowroute --help`.
// Installed (or linked) as kubectl-shadowroute it is the kubectl plugin
// `kubectl shadowroute`.
package main

import (
	"os"
	"runtime/debug"

	"github.com/shadowroute/shadowroute/cmd/shadowroute/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(cli.ExecuteAs(os.Args[0], os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, resolveVersion()))
}

func resolveVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "dev"
}
