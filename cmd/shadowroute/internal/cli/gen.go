package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shadowroute/shadowroute/sources/synthetic"
)

// newGenCommand is the benchmark input generator (make bench-data). It is
// hidden: it writes test data, it does not analyse anything.
func newGenCommand(streams IO) *cobra.Command {
	var size, out string
	var seed uint64
	cmd := &cobra.Command{
		Use:    "gen -o DIR",
		Short:  "Write a synthetic cluster for benchmarks (small 1k pods, medium 10k, large 100k)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, ok := synthetic.Sizes[size]
			if !ok {
				return inputError("--size %q: one of %s", size, strings.Join(synthetic.SizeNames(), ", "))
			}
			if out == "" {
				return inputError("-o DIR: name the folder to write")
			}
			if _, err := synthetic.Write(out, s, seed); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, "wrote %s: %d namespaces, %d workloads, seed %d\n", out, s.Namespaces, s.Namespaces*(s.WorkloadsPerNamespace+2), seed)
			return nil
		},
	}
	cmd.Flags().StringVar(&size, "size", "small", "small, medium or large")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed writes the same files")
	cmd.Flags().StringVarP(&out, "output", "o", "", "folder to write the manifests into")
	return cmd
}
