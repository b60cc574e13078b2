package cli

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// splitDocs cuts a manifest at its "---" lines (the bundled inputs use no
// other document markers).
func splitDocs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(data), -1) {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, strings.Trim(d, "\n")+"\n")
		}
	}
	return docs
}

// determinismInputs are the inputs the shuffle test permutes: the demo and
// scenarios that exercise the mesh, policy and routing code.
func determinismInputs(t *testing.T) map[string][]string {
	inputs := map[string][]string{}
	var demo []string
	files, _ := filepath.Glob(filepath.Join(testdata, "demo", "*.yaml"))
	for _, f := range files {
		demo = append(demo, splitDocs(t, f)...)
	}
	inputs["demo"] = demo
	for _, s := range []string{"authz-allow-namespaces-rejects-plaintext", "authz-deny-http-paths-partial"} {
		inputs[s] = splitDocs(t, filepath.Join(testdata, "scenarios", s, "input.yaml"))
	}
	return inputs
}

var determinismCommands = [][]string{
	{"analyze", "--format", "json", "--blast-radius", "--fail-on", "none"},
	{"analyze", "--format", "text", "--fail-on", "none"},
	{"analyze", "--format", "markdown", "--fail-on", "none"},
	{"graph", "--format", "dot", "--view", "full"},
	{"connectivity", "--format", "txt", "--mesh"},
	{"inventory", "--format", "json"},
}

// TestShuffledInputGivesIdenticalOutput: the same objects in any file order
// or document order give byte-identical output. With one document per file,
// the files are named on the command line in shuffled orders; with all
// documents in one file, the documents are shuffled and line numbers (the
// only thing that legitimately moves) are masked before comparing.
func TestShuffledInputGivesIdenticalOutput(t *testing.T) {
	lineRef := regexp.MustCompile(`all\.yaml:\d+|"line": \d+`)
	for name, docs := range determinismInputs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for i, d := range docs {
				f := filepath.Join(dir, fmt.Sprintf("doc-%02d.yaml", i))
				if err := os.WriteFile(f, []byte(d), 0o600); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			rng := rand.New(rand.NewSource(1))
			for _, c := range determinismCommands {
				want := runOK(t, append(append([]string{}, c...), files...))
				for round := 0; round < 3; round++ {
					shuffled := append([]string{}, files...)
					rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
					if got := runOK(t, append(append([]string{}, c...), shuffled...)); got != want {
						t.Fatalf("%s: output changed with the file order (round %d)\n%s", strings.Join(c, " "), round, firstDifference(want, got))
					}
				}
				var wantOne string
				for round := 0; round < 3; round++ {
					perm := append([]string{}, docs...)
					if round > 0 {
						rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
					}
					all := filepath.Join(dir, "one", "all.yaml")
					if err := os.MkdirAll(filepath.Dir(all), 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(all, []byte(strings.Join(perm, "---\n")), 0o600); err != nil {
						t.Fatal(err)
					}
					got := lineRef.ReplaceAllString(runOK(t, append(append([]string{}, c...), all)), "LINE")
					if round == 0 {
						wantOne = got
					} else if got != wantOne {
						t.Fatalf("%s: output changed with the document order\n%s", strings.Join(c, " "), firstDifference(wantOne, got))
					}
				}
			}
		})
	}
}

func runOK(t *testing.T, args []string) string {
	t.Helper()
	code, stdout, stderr := run(args, "")
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, stderr)
	}
	return stdout + stderr
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %.300s\n+ %.300s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d vs %d lines", len(al), len(bl))
}
