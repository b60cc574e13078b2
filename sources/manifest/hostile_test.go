package manifest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/shadowroute/shadowroute/sources/inventory"
)

const hostileDir = "../../testdata/hostile/loader"

func allObjects(inv *inventory.Inventory) []*inventory.Object {
	var out []*inventory.Object
	for _, c := range inv.Counts() {
		out = append(out, inv.Objects(schema.GroupKind{Group: c.Group, Kind: c.Kind})...)
	}
	return out
}

// names lists "Kind ns/name" of every loaded object, sorted by the inventory.
func names(inv *inventory.Inventory) []string {
	var out []string
	for _, o := range allObjects(inv) {
		out = append(out, o.Key.String())
	}
	sort.Strings(out)
	return out
}

func TestHostileFiles(t *testing.T) {
	tests := []struct {
		file string
		// want are the objects loaded, wantWarnings substrings of the
		// warnings in order; secret values must appear in no warning.
		want         []string
		wantWarnings []string
		secrets      []string
	}{
		{
			file: "secret-type-error.yaml",
			wantWarnings: []string{
				"secret-type-error.yaml:1: cannot parse YAML",
				"secret-type-error.yaml:9: cannot decode v1 Secret",
				"secret-type-error.yaml:18: cannot decode v1 Secret",
				"secret-type-error.yaml:31: cannot parse YAML",
			},
			secrets: []string{"hunter2", "aHVudGVyMg"},
		},
		{
			// A null item ("items:\n  -") used to panic the loader.
			file: "null-list-item.yaml",
			want: []string{"Service shop/ok"},
			wantWarnings: []string{
				"null-list-item.yaml:1[0]: list item is not an object (got null); skipped",
				"null-list-item.yaml:1[2]: list item is not an object (got a string); skipped",
			},
		},
		{
			// "...", "... " and "... # comment" end a document; a directive
			// stands between documents. Each used to merge or drop documents.
			file: "document-ends.yaml",
			want: []string{"ServiceAccount shop/after-bare-end", "ServiceAccount shop/after-directive", "ServiceAccount shop/after-end-with-space", "ServiceAccount shop/first"},
		},
		{
			// A lone CR is a YAML line break.
			file: "cr-only.yaml",
			want: []string{"ServiceAccount shop/cr-one", "ServiceAccount shop/cr-two"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			inv := load(t, Options{}, filepath.Join(hostileDir, tt.file))
			if got := strings.Join(names(inv), ", "); got != strings.Join(tt.want, ", ") {
				t.Errorf("objects:\n got %s\nwant %s", got, strings.Join(tt.want, ", "))
			}
			got := warnings(inv)
			if len(got) != len(tt.wantWarnings) {
				t.Fatalf("warnings:\n got %q\nwant %q", got, tt.wantWarnings)
			}
			for i, w := range got {
				if !strings.Contains(w, tt.wantWarnings[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w, tt.wantWarnings[i])
				}
				for _, s := range tt.secrets {
					if strings.Contains(w, s) || strings.Contains(w, base64.StdEncoding.EncodeToString([]byte(s))) {
						t.Errorf("warning %d quotes a secret value: %q", i, w)
					}
				}
				if strings.ContainsAny(w, "\n\r") {
					t.Errorf("warning %d spans lines: %q", i, w)
				}
			}
		})
	}
}

func TestRedactValues(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cannot decode !!str `hunter2` as a !!int", "cannot decode !!str (value hidden) as a !!int"},
		{`strconv.ParseInt: parsing "hun\"ter2": invalid syntax`, "strconv.ParseInt: parsing (value hidden): invalid syntax"},
		{"invalid character 'h' looking for beginning of value", "invalid character (value hidden) looking for beginning of value"},
		{`error found in #10 byte of ...|"password":1}|..., bigger context`, "error found in #10 byte of ...(value hidden)..., bigger context"},
		{"unmarshal errors:\n  line 3: cannot unmarshal !!str `x` into int", "unmarshal errors:; line 3: cannot unmarshal !!str (value hidden) into int"},
		{"no values here", "no values here"},
	}
	for _, tt := range tests {
		if got := redactValues(tt.in); got != tt.want {
			t.Errorf("redactValues(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// aliasBomb is one large anchored scalar referenced many times: the form the
// YAML library's own alias-ratio guard lets through.
func aliasBomb(name string, scalarBytes, refs int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " + name + "\n  namespace: shop\n  annotations:\n    big: &big \"")
	b.WriteString(strings.Repeat("x", scalarBytes))
	b.WriteString("\"\n")
	for i := 0; i < refs; i++ {
		fmt.Fprintf(&b, "    ref%d: *big\n", i)
	}
	return b.String()
}

// laughs is the nested billion-laughs form.
func laughs() []byte {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: laughs\n  namespace: shop\n  labels:\n    a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString("    " + n + ": &" + n + " [")
		for i := 0; i < 9; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return []byte(b.String())
}

func TestAliasAmplification(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		limits  Limits
		want    []string
		warning string
	}{
		{
			name:    "one 1 MB scalar referenced 900 times",
			data:    []byte(aliasBomb("bomb", 1<<20, 900) + "---\n" + fmt.Sprintf(serviceAccount, "after")),
			want:    []string{"ServiceAccount shop/after"},
			warning: "bomb.yaml:1: YAML aliases would expand this document by more than 4194304 bytes (--max-alias-bytes); skipped",
		},
		{
			name:    "nested billion laughs",
			data:    laughs(),
			warning: "bomb.yaml:1: YAML aliases would expand this document by more than 4194304 bytes (--max-alias-bytes); skipped",
		},
		{
			name:    "small aliases pass, and the run budget stops the rest",
			data:    []byte(aliasBomb("one", 1000, 10) + "---\n" + aliasBomb("two", 1000, 10)),
			limits:  Limits{MaxAliasBytesTotal: 15_000},
			want:    []string{"ServiceAccount shop/one"},
			warning: "bomb.yaml:19: YAML aliases in the input would expand it by more than 15000 bytes in all (--max-alias-bytes-total); document skipped",
		},
		{
			name: "anchors without excess pass",
			data: []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: anchored\n  namespace: shop\n  labels: &l {app: x}\n  annotations: *l\n"),
			want: []string{"ServiceAccount shop/anchored"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLoader(Options{Limits: tt.limits})
			if err != nil {
				t.Fatal(err)
			}
			inv := inventory.New()
			l.LoadBytes(inv, "bomb.yaml", tt.data)
			if got := strings.Join(names(inv), ", "); got != strings.Join(tt.want, ", ") {
				t.Errorf("objects: got %s, want %s", got, strings.Join(tt.want, ", "))
			}
			ws := warnings(inv)
			if tt.warning == "" {
				if len(ws) != 0 {
					t.Errorf("warnings: %q", ws)
				}
				return
			}
			if len(ws) != 1 || ws[0] != tt.warning {
				t.Errorf("warnings:\n got %q\nwant [%q]", ws, tt.warning)
			}
		})
	}
}

const serviceAccount = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n  namespace: shop\n"

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestWalkReadsOnlyRegularFilesInside: a walked tree may hold links out of
// it (to a secret, to /dev/zero) and FIFOs (which block a reader); only its
// regular files are read, and each skipped entry is reported.
func TestWalkReadsOnlyRegularFilesInside(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.yaml"), fmt.Sprintf(serviceAccount, "outside"))
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "ok.yaml"), fmt.Sprintf(serviceAccount, "inside"))
	for name, target := range map[string]string{
		"link-out.yaml":  filepath.Join(outside, "secret.yaml"),
		"zero.yaml":      "/dev/zero",
		"linked-dir":     outside,
		"dangling.yaml":  filepath.Join(outside, "missing.yaml"),
		"link-self.yaml": "link-self.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.yaml"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	inv := load(t, Options{}, root)
	if got := strings.Join(names(inv), ", "); got != "ServiceAccount shop/inside" {
		t.Errorf("objects: %s", got)
	}
	want := []string{
		root + "/dangling.yaml: symbolic link not followed; skipped",
		root + "/fifo.yaml: not a regular file (a FIFO); skipped",
		root + "/link-out.yaml: symbolic link not followed; skipped",
		root + "/link-self.yaml: symbolic link not followed; skipped",
		root + "/linked-dir: symbolic link not followed; skipped",
		root + "/zero.yaml: symbolic link not followed; skipped",
	}
	got := warnings(inv)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}

	// A root the user names may itself be a link: it is followed, and
	// origins keep the name the user gave.
	link := filepath.Join(t.TempDir(), "manifests")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	inv = load(t, Options{}, link)
	if objs := allObjects(inv); len(objs) != 1 || objs[0].Origin.String() != link+"/ok.yaml:1" {
		t.Errorf("through a linked root: %v", names(inv))
	}
}

func TestInputLimit(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b"} {
		writeFile(t, filepath.Join(root, n+".yaml"), fmt.Sprintf(serviceAccount, n))
	}
	size := int64(len(fmt.Sprintf(serviceAccount, "a")))
	l, err := NewLoader(Options{Limits: Limits{MaxInputBytes: size + 10}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Load([]string{root})
	var tooLarge *InputTooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("Load over the limit: err = %v, want InputTooLargeError", err)
	}
	// The budget is per load: the same loader reads a smaller input again.
	if _, err := l.Load([]string{filepath.Join(root, "a.yaml")}); err != nil {
		t.Errorf("second Load: %v", err)
	}
	// A named pipe is read (process substitution), bounded by the limit.
	pipe := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		if w, err := os.OpenFile(pipe, os.O_WRONLY, 0); err == nil {
			fmt.Fprintf(w, serviceAccount, "piped")
			w.Close()
		}
	}()
	if inv, err := l.Load([]string{pipe}); err != nil || inv.Len() != 1 {
		t.Errorf("Load(pipe): %v", err)
	}
	// A named device is refused instead of filling memory.
	var notAFile *NotAFileError
	if _, err := l.Load([]string{"/dev/zero"}); !errors.As(err, &notAFile) {
		t.Errorf("Load(/dev/zero): err = %v, want NotAFileError", err)
	}
}
