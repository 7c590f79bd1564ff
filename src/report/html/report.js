// sgaudit report: filters, opening a finding, highlighting its hops in the graph, expanding a folded VPC,
// the node panel and the copy buttons. Plain browser JavaScript; nothing is fetched.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sg-data").textContent);
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody.finding"));
  // Findings that share a cause sit under a group row; a folded group hides its findings, the filters still
  // decide which of them count and show once it is opened.
  var groups = Array.prototype.slice.call(document.querySelectorAll("tbody.group"));

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function applyFilters() {
    if (!form) return;
    var sev = {};
    form.querySelectorAll("input[name=severity]").forEach(function (b) { sev[b.value] = b.checked; });
    var pick = {};
    form.querySelectorAll("select").forEach(function (s) { pick[s.name] = s.value; });
    var q = (form.elements.q.value || "").trim().toLowerCase();
    var showSuppressed = form.elements.suppressed.checked;
    var shown = 0, total = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var suppressed = d.suppressed === "1";
      if (!suppressed || showSuppressed) total++;
      var ok = sev[d.severity] !== false && (!suppressed || showSuppressed);
      Object.keys(pick).forEach(function (k) { if (pick[k] && d[k] !== pick[k]) ok = false; });
      if (ok && q) {
        // The row's text, lower-cased once: the search runs on every keystroke.
        if (row.sgText === undefined) row.sgText = row.textContent.toLowerCase();
        if (row.sgText.indexOf(q) < 0) ok = false;
      }
      var group = d.inGroup !== undefined ? document.getElementById("group-" + d.inGroup) : null;
      // Only a change is written: at 10,000 rows, rewriting each one costs a style pass over the whole table.
      var hide = !ok || (group !== null && group.dataset.folded === "1");
      if (row.hidden !== hide) row.hidden = hide;
      if (ok) {
        shown++;
        if (group) group.dataset.matching = String(Number(group.dataset.matching || 0) + 1);
      }
    });
    groups.forEach(function (g) {
      var n = Number(g.dataset.matching || 0);
      if (g.hidden !== (n === 0)) g.hidden = n === 0;
      var count = g.querySelector(".group-count");
      var text = "(" + n + (n === 1 ? " resource)" : " resources)");
      if (count.textContent !== text) count.textContent = text;
      delete g.dataset.matching;
    });
    document.getElementById("shown").textContent = shown + " of " + total + " finding(s) shown";
  }

  function setFolded(group, folded) {
    if (folded) group.dataset.folded = "1"; else delete group.dataset.folded;
    group.querySelector(".group-toggle").setAttribute("aria-expanded", String(!folded));
    applyFilters();
  }

  function clearHighlight() {
    document.querySelectorAll(".sg-graph .hl").forEach(function (e) { e.classList.remove("hl"); });
    document.querySelectorAll(".sg-graph.highlighting").forEach(function (g) { g.classList.remove("highlighting"); });
    document.querySelectorAll("tbody.finding.selected").forEach(function (r) { r.classList.remove("selected"); });
  }

  // The view each graph shows: "" for the first, or the ID of the folded VPC it expands.
  var current = {};
  var overviews = {};

  function viewOf(k) {
    var graph = data.graphs[k];
    var v = current[k] || "";
    return v && graph.views[v] ? graph.views[v] : graph;
  }

  // The graph a finding is drawn in and the element IDs to light: the shown expansion's own, where they
  // differ from the first view's, which the row carries.
  function highlightOf(row) {
    var id = row.dataset.id;
    for (var k = 0; k < data.graphs.length; k++) {
      var v = current[k];
      var hl = v && data.graphs[k].views[v] ? data.graphs[k].views[v].hl : null;
      if (hl && hl[id] !== undefined) return { graph: k, ids: hl[id] };
    }
    return { graph: row.dataset.graph, ids: row.dataset.hl || "" };
  }

  function highlight(row) {
    var h = highlightOf(row);
    var ids = h.ids.split(" ").filter(Boolean);
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.classList.add("hl");
    });
    if (ids.length && h.graph !== undefined) {
      var svg = document.getElementById("g" + h.graph + "-graph");
      if (svg) svg.classList.add("highlighting");
    }
  }

  function selectFinding(row, open) {
    clearHighlight();
    row.classList.add("selected");
    var detail = row.querySelector("tr.detail");
    var summary = row.querySelector("tr.summary");
    var expand = open === undefined ? detail.hidden : open;
    detail.hidden = !expand;
    row.classList.toggle("open", expand);
    summary.setAttribute("aria-expanded", String(expand));
    highlight(row);
  }

  // Shows view `v` of graph `k`: "" for the first, or the expansion of a folded VPC. The selected finding
  // stays lit in the new view.
  function showView(k, v) {
    var wrap = document.getElementById("g" + k + "-wrap");
    var nav = document.getElementById("g" + k + "-nav");
    var svg = document.getElementById("g" + k + "-graph");
    if (!wrap || !svg) return;
    if (!current[k]) overviews[k] = svg;
    var next;
    if (v) {
      var t = document.getElementById("g" + k + "-x-" + v);
      if (!t) return;
      next = t.content.firstElementChild.cloneNode(true);
    } else {
      next = overviews[k];
    }
    wrap.replaceChild(next, svg);
    current[k] = v;
    if (nav) {
      nav.hidden = !v;
      nav.querySelector(".expanded").textContent = v ? "Drawn one by one: " + (data.graphs[k].views[v].title || v) : "";
    }
    var panel = document.getElementById("g" + k + "-panel");
    if (panel) panel.innerHTML = '<p class="hint">Select a node.</p>';
    var selected = document.querySelector("tbody.finding.selected");
    clearHighlight();
    if (selected) {
      selected.classList.add("selected");
      highlight(selected);
    }
  }

  function showNode(k, id) {
    var graph = viewOf(k);
    var panel = document.getElementById("g" + k + "-panel");
    if (!graph || !panel) return;
    var byId = function (n) { return n.id === id; };
    // An expansion lists only the nodes it draws differently from the first view.
    var node = graph.nodes.filter(byId)[0] || data.graphs[k].nodes.filter(byId)[0];
    if (!node) return;
    document.querySelectorAll(".sg-graph .node.selected").forEach(function (e) { e.classList.remove("selected"); });
    var el = document.getElementById("g" + k + "-n-" + id);
    if (el) el.classList.add("selected");
    var html = "<h3>" + esc(node.title) + "</h3>";
    if (node.subtitle) html += "<p><code>" + esc(node.subtitle) + "</code></p>";
    if (node.members) html += "<p>" + esc(node.members) + "</p>";
    if (node.groups.length) {
      html += "<h4>Groups</h4><ul>" + node.groups.map(function (g) { return "<li><code>" + esc(g) + "</code></li>"; }).join("") + "</ul>";
    }
    html += "<h4>Findings (" + node.findings.length + ")</h4>";
    if (node.findings.length) {
      html += "<ul>" + node.findings.map(function (fid) {
        var row = document.querySelector('tbody.finding[data-id="' + fid + '"]');
        var label = row ? row.dataset.severity + " " + row.dataset.check : fid;
        return '<li><a href="#" data-finding="' + esc(fid) + '">' + esc(label) + "</a></li>";
      }).join("") + "</ul>";
    } else {
      html += "<p>None.</p>";
    }
    panel.innerHTML = html;
  }

  function copy(text, button) {
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function fallback() {
      var t = document.createElement("textarea");
      t.value = text;
      document.body.appendChild(t);
      t.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(t);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  if (form) {
    form.addEventListener("input", applyFilters);
    form.addEventListener("change", applyFilters);
    applyFilters();
  }
  rows.forEach(function (row) {
    var summary = row.querySelector("tr.summary");
    summary.addEventListener("click", function () { selectFinding(row); });
    summary.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectFinding(row); }
    });
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    var toggle = t.closest && t.closest(".group-toggle");
    if (toggle) {
      var g = toggle.closest("tbody.group");
      setFolded(g, g.dataset.folded !== "1");
      return;
    }
    if (t.classList && t.classList.contains("copy")) {
      copy(t.parentNode.querySelector("code").textContent, t);
      return;
    }
    var link = t.closest && t.closest("a[data-finding]");
    if (link) {
      e.preventDefault();
      var row = document.querySelector('tbody.finding[data-id="' + link.dataset.finding + '"]');
      if (row) {
        if (row.dataset.inGroup !== undefined) {
          var owner = document.getElementById("group-" + row.dataset.inGroup);
          if (owner && owner.dataset.folded === "1") setFolded(owner, false);
        }
        row.hidden = false;
        selectFinding(row, true);
        row.scrollIntoView({ block: "center" });
      }
      return;
    }
    var back = t.closest && t.closest(".to-overview");
    if (back) {
      showView(Number(back.dataset.graph), "");
      return;
    }
    var node = t.closest && t.closest(".sg-graph .node");
    if (node) {
      var svg = node.closest(".sg-graph");
      var k = Number(svg.id.replace(/^g(\d+)-graph$/, "$1"));
      // A folded VPC with an expansion opens it; any other node shows its panel.
      if (node.classList.contains("vpc") && document.getElementById("g" + k + "-x-" + node.dataset.node)) {
        showView(k, node.dataset.node);
      } else {
        showNode(k, node.dataset.node);
      }
    }
  });
  document.addEventListener("keydown", function (e) {
    var node = e.target.closest && e.target.closest(".sg-graph .node");
    if (node && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    }
  });
})();
