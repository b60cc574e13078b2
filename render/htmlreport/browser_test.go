package htmlreport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// findChromium returns the browser to drive: $SHADOWROUTE_CHROMIUM, else
// the first of chromium, chromium-browser, google-chrome on PATH.
func findChromium() string {
	if p := os.Getenv("SHADOWROUTE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless Chromium with flags that work as root and keep
// it off the network, plus extra; it returns stdout.
func runChromium(t *testing.T, bin string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
	}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s timed out after 60s; stderr:\n%s", bin, stderr.String())
	}
	if err != nil {
		t.Fatalf("%s %s: %v; stderr:\n%s", bin, strings.Join(extra, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

var (
	findingTbody = regexp.MustCompile(`<tbody class="finding[^"]*" id="finding-\d+"[^>]*>`)
	diagramSVG   = regexp.MustCompile(`id="diagram-view"[^>]*><svg[^>]*viewBox=`)
	attrRE       = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)
)

type domRow struct {
	severity string
	hidden   bool
}

// findingRows reads the finding groups of a dumped DOM: their severity and
// whether the script hid them.
func findingRows(dom string) []domRow {
	var rows []domRow
	for _, tag := range findingTbody.FindAllString(dom, -1) {
		var r domRow
		for _, a := range attrRE.FindAllStringSubmatch(strings.TrimSuffix(tag, ">"), -1) {
			switch a[1] {
			case "data-severity":
				r.severity = a[2]
			case "hidden":
				r.hidden = true
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func TestReportInChromium(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("Chromium not installed: apt-get install chromium (CI installs it)")
	}
	in := demoInput(t, demoDir, filepath.Join("testdata", "legacy-broken-route.yaml"))
	bySev := map[string]int{}
	for _, f := range in.Result.Findings {
		bySev[string(f.Severity)]++
	}
	if bySev["high"] == 0 || bySev["medium"] == 0 {
		t.Fatalf("test input needs high and medium findings, has %v", bySev)
	}
	var page bytes.Buffer
	if err := Write(&page, in); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: file}).String()

	check := func(hash, want string) {
		t.Helper()
		dom := string(runChromium(t, bin, "--dump-dom", u+"#"+hash))
		if !diagramSVG.MatchString(dom) || !strings.Contains(dom, `class="node"`) {
			t.Errorf("#%s: the diagram SVG is not in the DOM", hash)
		}
		if !strings.Contains(dom, `<table class="findings" id="findings-table">`) {
			t.Errorf("#%s: no findings table in the DOM", hash)
		}
		// The script ran: it wrote the filter status and selected the
		// filter from the hash.
		wantStatus := fmt.Sprintf("%d of %d shown", bySev[want], len(in.Result.Findings))
		if !strings.Contains(dom, wantStatus) {
			t.Errorf("#%s: filter status %q missing (script did not run?)", hash, wantStatus)
		}
		rows := findingRows(dom)
		if len(rows) != len(in.Result.Findings) {
			t.Fatalf("#%s: %d finding rows in the DOM, want %d", hash, len(rows), len(in.Result.Findings))
		}
		visible := 0
		for i, r := range rows {
			if r.hidden == (r.severity == want) {
				t.Errorf("#%s: finding %d (%s) hidden=%v", hash, i+1, r.severity, r.hidden)
			}
			if !r.hidden {
				visible++
			}
		}
		if visible != bySev[want] {
			t.Errorf("#%s: %d rows visible, want %d", hash, visible, bySev[want])
		}
	}
	check("severity=high", "high")
	check("severity=medium", "medium")

	checkInteraction(t, bin, dir, page.String(), in)

	shot := filepath.Join(dir, "report.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1400,1000", u)
	img, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if cfg.Width != 1400 || cfg.Height != 1000 {
		t.Errorf("screenshot is %dx%d, want 1400x1000", cfg.Width, cfg.Height)
	}
	// A copy to look at by eye.
	if err := os.WriteFile("/tmp/report-shot.png", img, 0o644); err != nil {
		t.Logf("could not keep a copy of the screenshot: %v", err)
	} else {
		t.Logf("screenshot: /tmp/report-shot.png")
	}
}

// interactionScript drives the page as a user would (zoom buttons, wheel,
// drag, a click on the database node, a hop link) and writes what it saw
// into <pre id="test-out"> for --dump-dom.
const interactionScript = `(function () {
  var out = {};
  var svg = document.querySelector("#diagram-view svg");
  var view = document.getElementById("diagram-view");
  function vb() { return svg.getAttribute("viewBox"); }
  out.initial = vb();
  document.getElementById("zoom-in").click();
  out.zoomIn = vb();
  document.getElementById("zoom-fit").click();
  out.fit = vb();
  var r = view.getBoundingClientRect();
  var cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  view.dispatchEvent(new WheelEvent("wheel", { deltaY: -300, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
  out.wheel = vb();
  document.getElementById("zoom-fit").click();
  function ptr(type, x, y, target) {
    (target || view).dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 7, bubbles: true }));
  }
  ptr("pointerdown", cx, cy); ptr("pointermove", cx + 120, cy + 10); ptr("pointerup", cx + 120, cy + 10);
  out.drag = vb();
  document.getElementById("zoom-fit").click();
  var target = document.body.getAttribute("data-test-node");
  var g = null;
  Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (n) {
    if (n.querySelector("title").textContent === target) { g = n; }
  });
  out.nodeFound = !!g;
  if (g) {
    var shape = g.querySelector("polygon, path, ellipse, text") || g;
    ptr("pointerdown", 10, 10, shape); ptr("pointerup", 10, 10, shape);
    out.selected = g.classList.contains("selected");
  }
  out.panel = document.getElementById("node-panel").innerText;
  var hop = document.querySelector("button.node-link");
  if (hop) { hop.click(); out.hopNode = hop.getAttribute("data-node"); out.hopPanel = document.getElementById("node-panel").innerText; }
  var show = document.querySelector("button.show-path");
  if (show) { show.click(); out.highlighted = svg.querySelectorAll("g.node.on-path").length; }
  var table = document.getElementById("findings-table");
  out.tableRight = Math.ceil(table.getBoundingClientRect().right);
  out.pageWidth = document.documentElement.scrollWidth;
  out.viewport = window.innerWidth;
  var pre = document.createElement("pre");
  pre.id = "test-out";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();`

// checkInteraction runs interactionScript after the report's own script,
// in a copy of the page whose Content-Security-Policy also allows it.
func checkInteraction(t *testing.T, bin, dir, page string, in Input) {
	t.Helper()
	// The node of a high finding's target: the database.
	target := ""
	for _, n := range in.Diagram.Nodes {
		for _, i := range n.Findings {
			f := in.Result.Findings[i]
			if f.Severity == "high" && n.Kind == "workload" && n.Namespace == f.Target.Namespace && n.Name == f.Target.Name {
				target = n.ID
			}
		}
	}
	if target == "" {
		t.Fatal("no diagram node for a high finding's target")
	}
	sum := sha256.Sum256([]byte(interactionScript))
	hash := base64.StdEncoding.EncodeToString(sum[:])
	csp := "script-src &#39;sha256-"
	if !strings.Contains(page, csp) {
		t.Fatal("page has no script hash in its CSP")
	}
	page = strings.Replace(page, csp, "script-src &#39;sha256-"+hash+"&#39; &#39;sha256-", 1)
	page = strings.Replace(page, "</body>", "<script>"+interactionScript+"</script>\n</body>", 1)
	page = strings.Replace(page, "<body>", `<body data-test-node="`+html.EscapeString(target)+`">`, 1)
	file := filepath.Join(dir, "interaction.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	// A 1366 px wide window, the most common laptop width: the findings
	// table must fit it (issue #12 item 10).
	dom := string(runChromium(t, bin, "--window-size=1366,768", "--dump-dom", (&url.URL{Scheme: "file", Path: file}).String()))
	m := regexp.MustCompile(`<pre id="test-out">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatal("the interaction script did not run")
	}
	var out struct {
		Initial, ZoomIn, Fit, Wheel, Drag string
		NodeFound, Selected               bool
		Panel, HopNode, HopPanel          string
		Highlighted                       int
		TableRight, PageWidth, Viewport   int
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &out); err != nil {
		t.Fatalf("interaction output: %v: %s", err, m[1])
	}
	t.Logf("viewBox: initial %q, zoom in %q, wheel %q, drag %q", out.Initial, out.ZoomIn, out.Wheel, out.Drag)
	t.Logf("at 1366 px: findings table right edge %d, page width %d, viewport %d", out.TableRight, out.PageWidth, out.Viewport)
	if out.Viewport != 1366 || out.TableRight > out.Viewport || out.PageWidth > out.Viewport {
		t.Errorf("the findings table does not fit 1366 px: table right edge %d, page width %d, viewport %d", out.TableRight, out.PageWidth, out.Viewport)
	}
	size := func(vb string) (x, y, w, h float64) {
		fmt.Sscanf(vb, "%g %g %g %g", &x, &y, &w, &h)
		return
	}
	_, _, w0, _ := size(out.Initial)
	if _, _, w, _ := size(out.ZoomIn); !(w > 0 && w < w0) {
		t.Errorf("zoom in: viewBox %q, initial %q", out.ZoomIn, out.Initial)
	}
	if out.Fit != out.Initial {
		t.Errorf("fit: viewBox %q, want the initial %q", out.Fit, out.Initial)
	}
	if _, _, w, _ := size(out.Wheel); !(w > 0 && w < w0) {
		t.Errorf("wheel up did not zoom in: viewBox %q", out.Wheel)
	}
	x0, y0, _, _ := size(out.Initial)
	if x, y, w, _ := size(out.Drag); !(x < x0 && y < y0 && w == w0) {
		t.Errorf("dragging right did not pan left: viewBox %q, initial %q", out.Drag, out.Initial)
	}
	if !out.NodeFound || !out.Selected {
		t.Errorf("node %q: found %v, selected after click %v", target, out.NodeFound, out.Selected)
	}
	for _, want := range []string{"Attributes", "database", "Findings through this node", "#1 shadow-route"} {
		if !strings.Contains(strings.ToLower(out.Panel), strings.ToLower(want)) {
			t.Errorf("node panel after clicking %q lacks %q:\n%s", target, want, out.Panel)
		}
	}
	if out.HopNode == "" || !strings.Contains(strings.ToLower(out.HopPanel), "attributes") {
		t.Errorf("hop link %q did not open the node panel:\n%s", out.HopNode, out.HopPanel)
	}
	if out.Highlighted < 3 {
		t.Errorf("show on diagram highlighted %d nodes", out.Highlighted)
	}
}
