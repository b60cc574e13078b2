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
	var namespaces int
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
			if namespaces < 0 {
				return inputError("--namespaces %d: give a positive count", namespaces)
			}
			if namespaces > 0 {
				// Sizes between the named ones, to measure how cost grows.
				s.Name = fmt.Sprintf("%s-%dns", s.Name, namespaces)
				s.Namespaces = namespaces
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
	cmd.Flags().IntVar(&namespaces, "namespaces", 0, "number of namespaces (25 workloads each), overriding the size's")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed writes the same files")
	cmd.Flags().StringVarP(&out, "output", "o", "", "folder to write the manifests into")
	return cmd
}
