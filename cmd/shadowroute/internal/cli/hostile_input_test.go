package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNothingToAnalyse: an input without a single object must never read as
// a clean "no findings": every command exits 2 and says why.
func TestNothingToAnalyse(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	comments := filepath.Join(dir, "comments.yaml")
	onlyConfigMap := filepath.Join(dir, "cm.yaml")
	onlyCRD := filepath.Join(dir, "crd.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	noManifests := filepath.Join(dir, "docs")
	for path, content := range map[string]string{
		empty:         "",
		comments:      "# nothing here\n---\n...\n",
		onlyConfigMap: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		onlyCRD:       "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: s}\n",
		broken:        "apiVersion: v1\nkind: Service\nmetadata: {name: [\n",
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(noManifests, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noManifests, "README.md"), []byte("# docs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		code      int
		stderrHas string
		stdoutHas string
	}{
		{name: "empty file", args: []string{"analyze", empty}, code: 2, stderrHas: "no Kubernetes objects found in " + empty + " (empty input)"},
		{name: "comments only", args: []string{"analyze", comments}, code: 2, stderrHas: "(empty input)"},
		{name: "empty stdin", args: []string{"analyze", "-"}, code: 2, stderrHas: "no Kubernetes objects found in - (empty input)"},
		{name: "folder without manifests", args: []string{"graph", noManifests}, code: 2, stderrHas: "(empty input)"},
		{name: "only broken documents", args: []string{"connectivity", broken}, code: 2, stderrHas: "no object could be loaded from " + broken + " (1 warning(s) above)"},
		{name: "only unmodelled kinds", args: []string{"report", onlyCRD}, code: 2, stderrHas: "no object of a kind shadowroute models"},
		{name: "inventory lists unmodelled kinds", args: []string{"inventory", onlyCRD}, code: 0},
		{name: "ConfigMaps are read, not skipped", args: []string{"inventory", onlyConfigMap}, code: 0, stdoutHas: "ConfigMap"},
		{name: "only ConfigMaps are analysed", args: []string{"analyze", onlyConfigMap, "--enable", "secret-in-config"}, code: 0},
		{name: "inventory of nothing", args: []string{"inventory", empty}, code: 2, stderrHas: "(empty input)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args, tt.stdin)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderrHas)
			}
			if !strings.Contains(stdout, tt.stdoutHas) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.stdoutHas)
			}
			if tt.code != 0 && strings.Contains(stdout, "No findings") {
				t.Errorf("stdout claims no findings: %s", stdout)
			}
		})
	}
}

// TestOutputFileIsAtomic: a failed run leaves an existing -o file as it was,
// and no temporary file behind.
func TestOutputFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "findings.json")
	if err := os.WriteFile(target, []byte("previous report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An input error after the flags are read: the load fails.
	code, _, _ := run([]string{"analyze", filepath.Join(dir, "missing.yaml"), "-o", target}, "")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	demo := filepath.Join(testdata, "demo")
	code, _, stderr := run([]string{"analyze", demo, "--format", "json", "--fail-on", "none", "-o", target}, "")
	if code != 0 {
		t.Fatalf("analyze demo: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(target)
	if err != nil || !strings.HasPrefix(string(data), "{") {
		t.Fatalf("after a good run the file holds %q (%v)", data, err)
	}
	// A failure while writing discards the partial file.
	if err := os.WriteFile(target, []byte("previous report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := openOutput(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.w.Write([]byte("half a rep")); err != nil {
		t.Fatal(err)
	}
	if err := out.finish(os.ErrClosed); err != os.ErrClosed {
		t.Fatalf("finish returned %v", err)
	}
	if data, _ := os.ReadFile(target); string(data) != "previous report\n" {
		t.Errorf("a failed write replaced the file: %q", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left in the output folder: %v", names)
	}
	if info, err := os.Stat(target); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode of the written file: %v %v", info.Mode(), err)
	}
}

// TestErrorsEscapeInput: an error naming a hostile path (a file name can hold
// any byte but "/" and NUL) prints no terminal escape and forges no line.
func TestErrorsEscapeInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x\x1b[2J\n::add-mask::y.yaml")
	code, _, stderr := run([]string{"analyze", path}, "")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	if strings.ContainsAny(stderr, "\x1b\r") || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "error: ") {
		t.Errorf("stderr is not one escaped line: %q", stderr)
	}
}
