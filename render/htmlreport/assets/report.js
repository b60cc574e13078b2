// shadowroute report: filters, finding details, diagram pan/zoom and node
// details. Plain JavaScript, no dependencies, no network access.
(function () {
  "use strict";

  var data = {};
  try {
    data = JSON.parse(document.getElementById("report-data").textContent);
  } catch (e) {
    data = {};
  }
  var result = data.result || {};
  var findings = result.findings || [];
  var diagram = data.diagram || {};
  var nodes = diagram.nodes || [];
  var edges = diagram.edges || [];
  var nodeById = {};
  nodes.forEach(function (n) { nodeById[n.id] = n; });

  // A node's drawing is the SVG <g class="node"> whose <title> is its ID,
  // except for IDs the DOT writer had to escape: svgTitles maps those IDs
  // to their titles.
  var svgTitles = data.svgTitles || {};
  var idByTitle = {};
  Object.keys(svgTitles).forEach(function (id) { idByTitle[svgTitles[id]] = id; });
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function nodeIdOf(title) { return has(idByTitle, title) ? idByTitle[title] : title; }
  function titleFor(id) { return has(svgTitles, id) ? svgTitles[id] : id; }

  // vis shows text from the input as the rest of the page does
  // (safetext.Text): control, bidi and other invisible characters as
  // visible escapes, and the legacy CI log command prefix (two "#" and a
  // bracket) broken up.
  var INVISIBLE;
  try {
    INVISIBLE = new RegExp("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Noncharacter_Code_Point}\\u115f\\u1160\\u3164\\uffa0]", "gu");
  } catch (e) {
    // A browser without Unicode property escapes: the dangerous few.
    INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
  }
  function hex(n, width) {
    var h = n.toString(16);
    while (h.length < width) { h = "0" + h; }
    return h;
  }
  function vis(s) {
    return s.replace(INVISIBLE, function (c) {
      if (c === "\n") { return "\\n"; }
      if (c === "\r") { return "\\r"; }
      if (c === "\t") { return "\\t"; }
      var code = c.codePointAt(0);
      if (code < 0x80) { return "\\x" + hex(code, 2); }
      return code > 0xffff ? "\\U" + hex(code, 8) : "\\u" + hex(code, 4);
    }).replace(/##(?=\[|vso\[)/gi, "#\\x23");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = vis(String(text)); }
    return e;
  }

  // ---- filters -----------------------------------------------------------

  var FILTERS = ["severity", "rule", "namespace"];
  var selects = {};
  FILTERS.forEach(function (k) { selects[k] = document.getElementById("filter-" + k); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody.finding"));
  var status = document.getElementById("filter-status");
  var noMatch = document.getElementById("no-match");

  function readHash() {
    var state = {};
    var h = window.location.hash.replace(/^#/, "");
    if (!h || h.indexOf("=") < 0) { return null; }
    h.split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i < 0) { return; }
      var k, v;
      try {
        k = decodeURIComponent(part.slice(0, i).replace(/\+/g, " "));
        v = decodeURIComponent(part.slice(i + 1).replace(/\+/g, " "));
      } catch (e) { return; }
      if (FILTERS.indexOf(k) >= 0) { state[k] = v; }
    });
    return state;
  }

  function setSelect(sel, value) {
    if (!sel) { return; }
    value = value || "";
    var found = false;
    for (var i = 0; i < sel.options.length; i++) {
      if (sel.options[i].value === value) { found = true; break; }
    }
    if (!found) {
      // A value from the URL that no finding has: keep it, so that the
      // table shows it matches nothing rather than silently showing all.
      var o = el("option", null, value + " (0)");
      o.value = value;
      sel.appendChild(o);
    }
    sel.value = value;
  }

  function currentState() {
    var s = {};
    FILTERS.forEach(function (k) { s[k] = selects[k] ? selects[k].value : ""; });
    return s;
  }

  function applyFilters() {
    var s = currentState();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = FILTERS.every(function (k) {
        return !s[k] || row.getAttribute("data-" + k) === s[k];
      });
      if (ok) { row.removeAttribute("hidden"); shown++; } else { row.setAttribute("hidden", ""); }
    });
    if (status) { status.textContent = shown + " of " + rows.length + " shown"; }
    if (noMatch) {
      if (shown === 0 && rows.length > 0) { noMatch.removeAttribute("hidden"); } else { noMatch.setAttribute("hidden", ""); }
    }
  }

  function writeHash() {
    var s = currentState();
    var parts = [];
    FILTERS.forEach(function (k) {
      if (s[k]) { parts.push(k + "=" + encodeURIComponent(s[k])); }
    });
    var url = window.location.pathname + window.location.search + (parts.length ? "#" + parts.join("&") : "");
    try {
      history.replaceState(null, "", url);
    } catch (e) {
      // Some browsers refuse history changes on file: URLs; the filters
      // still work, only the address bar does not follow.
    }
  }

  function fromHash() {
    var st = readHash();
    if (!st) { return; }
    FILTERS.forEach(function (k) { setSelect(selects[k], st[k]); });
    applyFilters();
  }

  FILTERS.forEach(function (k) {
    if (selects[k]) {
      selects[k].addEventListener("change", function () { applyFilters(); writeHash(); });
    }
  });
  var reset = document.getElementById("filter-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      FILTERS.forEach(function (k) { setSelect(selects[k], ""); });
      applyFilters();
      writeHash();
    });
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  applyFilters();

  // ---- finding details ---------------------------------------------------

  function setExpanded(tbody, open) {
    var btn = tbody.querySelector("button.toggle");
    var detail = tbody.querySelector("tr.finding-detail");
    if (!btn || !detail) { return; }
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { detail.removeAttribute("hidden"); } else { detail.setAttribute("hidden", ""); }
  }

  rows.forEach(function (tbody) {
    var btn = tbody.querySelector("button.toggle");
    if (btn) {
      btn.addEventListener("click", function () {
        setExpanded(tbody, btn.getAttribute("aria-expanded") !== "true");
      });
    }
    var msg = tbody.querySelector("td.message");
    if (msg && btn) {
      msg.addEventListener("click", function () {
        if (window.getSelection && String(window.getSelection()) !== "") { return; }
        setExpanded(tbody, btn.getAttribute("aria-expanded") !== "true");
      });
    }
  });

  function revealFinding(index) {
    var tbody = null;
    rows.forEach(function (r) { if (r.getAttribute("data-index") === String(index)) { tbody = r; } });
    if (!tbody) { return; }
    if (tbody.hasAttribute("hidden")) {
      FILTERS.forEach(function (k) { setSelect(selects[k], ""); });
      applyFilters();
      writeHash();
    }
    setExpanded(tbody, true);
    tbody.classList.remove("flash");
    void tbody.offsetWidth;
    tbody.classList.add("flash");
    tbody.scrollIntoView({ block: "start" });
  }

  // ---- diagram -------------------------------------------------------------

  var view = document.getElementById("diagram-view");
  var svg = view ? view.querySelector("svg") : null;
  var panelBox = document.getElementById("node-panel");
  var panel = document.getElementById("node-panel-body");
  var panelClose = document.getElementById("panel-close");
  var clearBtn = document.getElementById("clear-highlight");
  var gByID = {};
  var selected = null;
  var vb0 = null;
  var vb = null;

  function titleOf(g) {
    for (var c = g.firstElementChild; c; c = c.nextElementSibling) {
      if (c.tagName.toLowerCase() === "title") { return c.textContent; }
    }
    return "";
  }

  function r2(v) { return Math.round(v * 100) / 100; }

  function setViewBox(b) {
    vb = { x: r2(b.x), y: r2(b.y), w: r2(b.w), h: r2(b.h) };
    svg.setAttribute("viewBox", vb.x + " " + vb.y + " " + vb.w + " " + vb.h);
  }

  function toSVG(clientX, clientY, m) {
    var pt = svg.createSVGPoint();
    pt.x = clientX;
    pt.y = clientY;
    return pt.matrixTransform(m || svg.getScreenCTM().inverse());
  }

  function zoomAt(factor, clientX, clientY) {
    var p;
    if (clientX === undefined) {
      p = { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
    } else {
      p = toSVG(clientX, clientY);
    }
    var w = vb.w * factor;
    var h = vb.h * factor;
    // Keep zoom within sensible limits of the whole drawing.
    if (w < vb0.w / 40 || w > vb0.w * 8) { return; }
    setViewBox({ x: p.x - (p.x - vb.x) * factor, y: p.y - (p.y - vb.y) * factor, w: w, h: h });
  }

  function centerOn(g) {
    var r = g.getBoundingClientRect();
    var c = toSVG(r.left + r.width / 2, r.top + r.height / 2);
    var w = Math.min(vb.w, vb0.w);
    var h = Math.min(vb.h, vb0.h);
    setViewBox({ x: c.x - w / 2, y: c.y - h / 2, w: w, h: h });
  }

  // fitTo zooms to the box around some nodes (at most to the whole
  // drawing), leaving room for the panel when it is open.
  function fitTo(list) {
    if (!list.length) { return; }
    var l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    Array.prototype.forEach.call(list, function (g) {
      var rc = g.getBoundingClientRect();
      l = Math.min(l, rc.left); t = Math.min(t, rc.top); r = Math.max(r, rc.right); b = Math.max(b, rc.bottom);
    });
    var p0 = toSVG(l, t), p1 = toSVG(r, b);
    var pad = 24 * vb.w / Math.max(1, view.clientWidth);
    var x = p0.x - pad, y = p0.y - pad, w = p1.x - p0.x + 2 * pad, h = p1.y - p0.y + 2 * pad;
    var left = false;
    if (!panelBox.hasAttribute("hidden") && getComputedStyle(panelBox).position === "absolute") {
      left = true;
      // The panel covers the right part of the view: widen to the right.
      var share = Math.min(0.6, (panelBox.offsetWidth + 16) / Math.max(1, view.clientWidth));
      w = w / (1 - share);
    }
    if (w > vb0.w && h > vb0.h) { x = vb0.x; y = vb0.y; w = vb0.w; h = vb0.h; }
    // Keep the view's aspect ratio, centred on the box.
    var aspect = view.clientWidth / Math.max(1, view.clientHeight);
    if (w / h < aspect) { var nw = h * aspect; x -= left ? 0 : (nw - w) / 2; w = nw; } else { var nh = w / aspect; y -= (nh - h) / 2; h = nh; }
    setViewBox({ x: x, y: y, w: w, h: h });
  }

  // keepClear pans the drawing so that a node is not under the panel.
  function keepClear(g) {
    if (!g || panelBox.hasAttribute("hidden") || getComputedStyle(panelBox).position !== "absolute") { return; }
    var r = g.getBoundingClientRect();
    var pr = panelBox.getBoundingClientRect();
    var vr = view.getBoundingClientRect();
    if (r.right < pr.left - 8 || r.left > pr.right) { return; }
    var cy = r.top + r.height / 2;
    var from = toSVG(r.left + r.width / 2, cy);
    var to = toSVG((vr.left + pr.left) / 2, cy);
    setViewBox({ x: vb.x + (from.x - to.x), y: vb.y, w: vb.w, h: vb.h });
  }

  function stateClass(s) { return "state state-" + String(s || "").replace(/[^a-z-]/g, ""); }

  function showNode(id) {
    if (!panel) { return; }
    if (selected) { selected.classList.remove("selected"); }
    selected = gByID[id] || null;
    if (selected) { selected.classList.add("selected"); }
    var n = nodeById[id];
    panel.textContent = "";
    panelBox.removeAttribute("hidden");
    panelBox.scrollTop = 0;
    if (!n) {
      panel.appendChild(el("p", "panel-kind", "node"));
      panel.appendChild(el("h3", null, id));
      panel.appendChild(el("p", "muted", "No details for this node."));
      return;
    }
    panel.appendChild(el("p", "panel-kind", n.kind + (n.collapsed ? " · summary of " + n.collapsed : "")));
    panel.appendChild(el("h3", null, n.label || n.name));

    var attrs = [];
    if (n.namespace) { attrs.push(["namespace", n.namespace]); }
    if (n.name) { attrs.push(["name", n.name]); }
    var a = n.attributes || {};
    Object.keys(a).sort().forEach(function (k) { attrs.push([k, a[k]]); });
    if (attrs.length) {
      panel.appendChild(el("h4", null, "Attributes"));
      var t = el("table", "attrs");
      var tb = el("tbody");
      attrs.forEach(function (kv) {
        var tr = el("tr");
        tr.appendChild(el("th", null, kv[0]));
        tr.appendChild(el("td", null, kv[1]));
        tb.appendChild(tr);
      });
      t.appendChild(tb);
      panel.appendChild(t);
    }

    panel.appendChild(el("h4", null, "Findings through this node"));
    var fs = n.findings || [];
    if (!fs.length) {
      panel.appendChild(el("p", "muted", "none"));
    } else {
      var ul = el("ul");
      fs.forEach(function (i) {
        var f = findings[i];
        if (!f) { return; }
        var li = el("li");
        li.appendChild(el("span", "sev sev-" + f.severity, f.severity));
        li.appendChild(document.createTextNode(" "));
        var tgt = f.target || {};
        var b = el("button", "finding-link", "#" + (i + 1) + " " + f.rule + " — " + tgt.kind + " " + (tgt.namespace ? tgt.namespace + "/" : "") + tgt.name);
        b.type = "button";
        b.addEventListener("click", function () { revealFinding(i); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }

    var out = edges.filter(function (e) { return e.from === id; });
    var inc = edges.filter(function (e) { return e.to === id; });
    [["Edges in", inc, "from"], ["Edges out", out, "to"]].forEach(function (grp) {
      if (!grp[1].length) { return; }
      panel.appendChild(el("h4", null, grp[0]));
      var ul = el("ul");
      grp[1].forEach(function (e) {
        var other = nodeById[e[grp[2]]];
        var li = el("li", "edge-line");
        var link = el("button", "finding-link", (grp[2] === "from" ? "← " : "→ ") + (other ? other.label : e[grp[2]]));
        link.type = "button";
        link.addEventListener("click", function () {
          var g = gByID[e[grp[2]]];
          showNode(e[grp[2]]);
          if (g) { centerOn(g); keepClear(g); }
        });
        li.appendChild(link);
        li.appendChild(el("span", stateClass(e.state), e.kind + (e.state && e.state !== "config" ? " · " + e.state : "")));
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    });
  }

  function highlightFinding(index) {
    if (!view) { return; }
    var on = {};
    nodes.forEach(function (n) {
      if ((n.findings || []).indexOf(index) >= 0) { on[n.id] = true; }
    });
    Object.keys(gByID).forEach(function (id) {
      gByID[id].classList.toggle("on-path", !!on[id]);
    });
    var edgeKeys = {};
    edges.forEach(function (e) {
      if (on[e.from] && on[e.to] && e.onPath) { edgeKeys[titleFor(e.from) + "->" + titleFor(e.to)] = true; }
    });
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) {
      g.classList.toggle("on-path", !!edgeKeys[titleOf(g)]);
    });
    view.classList.add("highlighting");
    if (clearBtn) { clearBtn.removeAttribute("hidden"); }
  }

  function clearHighlight() {
    if (!view) { return; }
    view.classList.remove("highlighting");
    if (clearBtn) { clearBtn.setAttribute("hidden", ""); }
  }

  if (svg) {
    var parts = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
    if (parts.length !== 4 || parts.some(isNaN)) {
      var bb = svg.getBBox();
      parts = [bb.x, bb.y, bb.width, bb.height];
    }
    vb0 = { x: parts[0], y: parts[1], w: parts[2], h: parts[3] };
    // Size the view to the drawing: a wide, flat graph gets a flat view
    // instead of a small picture in the middle of a tall empty box.
    var fit = function () {
      var w = view.clientWidth || 900;
      var h = Math.round(w * vb0.h / vb0.w) + 24;
      h = Math.max(440, Math.min(h, 720));
      view.style.height = h + "px";
    };
    fit();
    window.addEventListener("resize", fit);
    setViewBox({ x: vb0.x, y: vb0.y, w: vb0.w, h: vb0.h });
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");

    Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (g) {
      var id = nodeIdOf(titleOf(g));
      if (!id) { return; }
      gByID[id] = g;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); showNode(id); keepClear(g); }
      });
    });

    // Pan: drag anywhere; a press that does not move is a click.
    var drag = null;
    view.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) { return; }
      drag = { x: ev.clientX, y: ev.clientY, m: svg.getScreenCTM().inverse(), vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h }, moved: false, id: ev.pointerId };
    });
    view.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      if (!drag.moved && Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) < 4) { return; }
      if (!drag.moved) {
        drag.moved = true;
        view.classList.add("dragging");
        try { view.setPointerCapture(drag.id); } catch (e) { /* ignore */ }
      }
      var p0 = toSVG(drag.x, drag.y, drag.m);
      var p1 = toSVG(ev.clientX, ev.clientY, drag.m);
      setViewBox({ x: drag.vb.x - (p1.x - p0.x), y: drag.vb.y - (p1.y - p0.y), w: drag.vb.w, h: drag.vb.h });
    });
    function endDrag(ev) {
      if (!drag) { return; }
      var wasClick = !drag.moved;
      view.classList.remove("dragging");
      drag = null;
      if (wasClick && ev && ev.type === "pointerup") {
        var t = ev.target;
        while (t && t !== view) {
          if (t.classList && t.classList.contains("node") && t.tagName.toLowerCase() === "g") {
            showNode(nodeIdOf(titleOf(t)));
            keepClear(t);
            return;
          }
          t = t.parentNode;
        }
      }
    }
    view.addEventListener("pointerup", endDrag);
    view.addEventListener("pointercancel", endDrag);
    view.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var f = Math.exp((ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY) * 0.0015);
      zoomAt(f, ev.clientX, ev.clientY);
    }, { passive: false });

    document.getElementById("zoom-in").addEventListener("click", function () { zoomAt(1 / 1.25); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoomAt(1.25); });
    document.getElementById("zoom-fit").addEventListener("click", function () { setViewBox({ x: vb0.x, y: vb0.y, w: vb0.w, h: vb0.h }); });
    if (clearBtn) { clearBtn.addEventListener("click", clearHighlight); }
    if (panelClose) {
      panelClose.addEventListener("click", function () {
        panelBox.setAttribute("hidden", "");
        if (selected) { selected.classList.remove("selected"); selected = null; }
      });
    }
  }

  // Links from findings into the diagram.
  Array.prototype.forEach.call(document.querySelectorAll("button.node-link"), function (b) {
    b.addEventListener("click", function () {
      var id = nodeIdOf(b.getAttribute("data-node"));
      if (!svg || !gByID[id]) { return; }
      document.getElementById("diagram").scrollIntoView({ block: "start" });
      showNode(id);
      centerOn(gByID[id]);
      keepClear(gByID[id]);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.show-path"), function (b) {
    b.addEventListener("click", function () {
      var i = Number(b.getAttribute("data-index"));
      highlightFinding(i);
      document.getElementById("diagram").scrollIntoView({ block: "start" });
      fitTo(svg.querySelectorAll("g.node.on-path"));
    });
  });
})();
