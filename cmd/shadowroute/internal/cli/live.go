package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/shadowroute/shadowroute/render/safetext"
	"github.com/shadowroute/shadowroute/sources/cluster"
	"github.com/shadowroute/shadowroute/sources/inventory"
	"github.com/shadowroute/shadowroute/sources/manifest"
)

// ExitInterrupted is the status of a command stopped by Ctrl-C (128+SIGINT,
// as shells report it).
const ExitInterrupted = 130

// clusterOptions are the live-cluster flags.
type clusterOptions struct {
	enabled         bool
	kube            *genericclioptions.ConfigFlags
	allNamespaces   bool
	readSecrets     bool
	checkCerts      bool
	requireComplete bool
	qps             float32
	burst           int
	pageSize        int64
	timeout         time.Duration

	// snapshot is read once per process: diff --cluster compares the
	// cluster with the cluster overlaid by files.
	snapshot *cluster.Snapshot
}

// register adds the live-cluster flags: kubectl's own connection flags
// (k8s.io/cli-runtime), with -n being shadowroute's global --namespace.
func (c *clusterOptions) register(f *pflag.FlagSet) {
	c.kube = genericclioptions.NewConfigFlags(false)
	// Not offered: --cluster is shadowroute's switch, -n is global, and
	// nothing here writes a discovery cache or needs basic auth.
	c.kube.ClusterName, c.kube.Namespace, c.kube.CacheDir = nil, nil, nil
	c.kube.Username, c.kube.Password, c.kube.ImpersonateUID, c.kube.ImpersonateUserExtra = nil, nil, nil, nil
	c.kube.DisableCompression, c.kube.TLSServerName, c.kube.ProxyURL = nil, nil, nil
	c.kube.AddFlags(f)
	f.BoolVar(&c.enabled, "cluster", false, "read the live cluster of the current kubeconfig context (read-only: list only); PATHs given too are overlaid on it, the files winning, to check a change before it is applied")
	f.BoolVarP(&c.allNamespaces, "all-namespaces", "A", false, "with --cluster: read every namespace (the default: paths cross namespaces); -n NS reads one")
	f.BoolVar(&c.readSecrets, "read-secrets", false, "with --cluster: read Secrets whole, for their type (keys and values are dropped on load); by default only their metadata is read")
	f.BoolVar(&c.checkCerts, "check-certs", false, "with --cluster: also read kubernetes.io/tls Secrets whole, for the certificate checks (the private key is dropped on load)")
	f.BoolVar(&c.requireComplete, "require-complete", false, "with --cluster: exit 2 when anything could not be read (403 on a kind or namespace)")
	f.Float32Var(&c.qps, "kube-qps", 50, "with --cluster: client requests per second to the API server")
	f.IntVar(&c.burst, "kube-burst", 100, "with --cluster: client request burst")
	f.Int64Var(&c.pageSize, "page-size", 500, "with --cluster: objects per list page (limit/continue)")
	f.DurationVar(&c.timeout, "cluster-timeout", 5*time.Minute, "with --cluster: give up reading the cluster after this long (per request: --request-timeout)")
}

// validate refuses flag combinations that cannot mean what they say.
func (c *clusterOptions) validate(g *globalOptions) error {
	if !c.enabled {
		if c.allNamespaces || c.readSecrets || c.checkCerts || c.requireComplete {
			return inputError("--all-namespaces, --read-secrets, --check-certs and --require-complete need --cluster")
		}
		return nil
	}
	if c.allNamespaces && g.namespace != "" {
		return inputError("--all-namespaces and --namespace cannot both be given")
	}
	if c.qps <= 0 || c.burst <= 0 || c.pageSize <= 0 || c.timeout <= 0 {
		return inputError("--kube-qps, --kube-burst, --page-size and --cluster-timeout must be positive")
	}
	return nil
}

// read reads the cluster once, with progress on a terminal, cancelled by
// Ctrl-C or --cluster-timeout.
func (c *clusterOptions) read(g *globalOptions, streams IO) (*cluster.Snapshot, error) {
	if c.snapshot != nil {
		return c.snapshot, nil
	}
	loader := c.kube.ToRawKubeConfigLoader()
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, inputError("--cluster: kubeconfig: %v", err)
	}
	contextName := raw.CurrentContext
	if c.kube.Context != nil && *c.kube.Context != "" {
		contextName = *c.kube.Context
	}
	if contextName == "" && (c.kube.APIServer == nil || *c.kube.APIServer == "") {
		// client-go would fall back to http://localhost:8080.
		return nil, inputError("--cluster: the kubeconfig has no current context (set KUBECONFIG, --kubeconfig or --context, or --server)")
	}
	cfg, err := c.kube.ToRESTConfig()
	if err != nil {
		return nil, inputError("--cluster: %v", err)
	}
	if contextName == "" {
		contextName = cfg.Host
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = c.qps, c.burst
	cfg.UserAgent = "shadowroute/" + g.version + " (read-only)"
	fallback, _, _ := loader.Namespace()
	// The server's warnings (deprecated versions, malformed certificates
	// in Secrets) go to stderr as ours do, not through klog.
	cfg.WarningHandler = warningPrinter{g: g, w: streams.Err, context: contextName}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	opts := cluster.Options{Context: contextName, Namespace: g.namespace, FallbackNamespace: fallback,
		ReadSecrets: c.readSecrets, CheckCerts: c.checkCerts, PageSize: c.pageSize}
	if !g.quiet && isTerminal(streams.Err) {
		opts.Progress = streams.Err
	}
	snap, err := cluster.Read(ctx, cfg, opts)
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		return nil, &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted: the cluster was not read to the end; nothing was analysed")}
	case errors.Is(err, context.DeadlineExceeded):
		return nil, inputError("--cluster: reading the cluster took longer than --cluster-timeout %s; nothing was analysed", c.timeout)
	default:
		return nil, inputError("--cluster: %v", err)
	}
	if !g.quiet && len(snap.NotInstalled) > 0 {
		fmt.Fprintf(streams.Err, "cluster %s: not installed (no such objects): %s\n", safetext.Text(contextName), strings.Join(snap.NotInstalled, ", "))
	}
	c.snapshot = snap
	return snap, nil
}

// warningPrinter prints the API server's warning headers.
type warningPrinter struct {
	g       *globalOptions
	w       io.Writer
	context string
}

func (p warningPrinter) HandleWarningHeader(_ int, _ string, text string) {
	if !p.g.quiet && text != "" {
		fmt.Fprintln(p.w, "warning: cluster", safetext.Text(p.context)+": the API server says:", safetext.Text(text))
	}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// addSnapshot puts what the cluster read into inv through the loader, so a
// cluster object is checked and stored as one from a file would be.
func addSnapshot(loader *manifest.Loader, inv *inventory.Inventory, snap *cluster.Snapshot, c *clusterOptions) error {
	for _, o := range snap.Objects {
		if err := loader.AddObject(inv, o.Origin, o.APIVersion, o.Kind, o.Obj); err != nil {
			return err
		}
	}
	inv.Unread = append(inv.Unread, snap.Unread...)
	switch {
	case c.readSecrets:
	case c.checkCerts:
		inv.Scope = append(inv.Scope, fmt.Sprintf("cluster %s: Secrets other than kubernetes.io/tls were read as metadata only (their type is unknown; --read-secrets reads them whole, values dropped)", snap.Context))
	default:
		inv.Scope = append(inv.Scope, fmt.Sprintf("cluster %s: Secrets were read as metadata only, so TLS certificates were not checked (--check-certs reads kubernetes.io/tls Secrets for the weak-tls certificate checks)", snap.Context))
	}
	if snap.Namespace != "" {
		inv.Scope = append(inv.Scope, fmt.Sprintf("cluster %s: only namespace %s was read (-n): objects in other namespaces (ingress controllers, the mesh root namespace's policies) were not seen", snap.Context, snap.Namespace))
	}
	inv.Sources = append(inv.Sources, "cluster:"+snap.Context)
	return nil
}

// completeCheck is --require-complete.
func completeCheck(g *globalOptions, inv *inventory.Inventory) error {
	if g.cluster.requireComplete && len(inv.Unread) > 0 {
		return inputError("--require-complete: %d part(s) of the cluster could not be read (first: %s)", len(inv.Unread), inv.Unread[0])
	}
	return nil
}
