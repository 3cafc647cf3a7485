/*
 * The investigator explorer: plain JavaScript over the graph_service API, drawn with Cytoscape.js.
 *
 * The API key lives in sessionStorage only (gone when the tab closes) and goes out as X-API-Key.
 * Everything shown comes from the server as it is: ID numbers the server masks stay masked here.
 * Text from the server is put into the page with textContent only, never as HTML.
 */
(function () {
  "use strict";

  var KEY_STORAGE = "graph_service.api_key";
  var KIND_COLOURS = {
    enterprise: "#4a78c2", social_org: "#2a9d8f", institution: "#7b5ea7", person: "#e9a23b", more: "#c9ced6"
  };
  var ROLE_LABELS = {
    legal_representative: "法定代表人", principal: "主要负责人", director: "董事", supervisor: "监事",
    senior_manager: "高级管理人员", actual_controller: "实际控制人", shareholder: "股东",
    practitioner: "注册执业人员", branch_of: "分支机构"
  };
  var KIND_LABELS = {
    enterprise: "企业 · enterprise", social_org: "社会组织 · social org", institution: "事业单位 · institution",
    person: "自然人 · person"
  };
  var LIST_LABELS = {
    black: "失信黑名单 · black", watch: "重点关注 · watch", abnormal: "经营异常名录 · abnormal", red: "守信红名单 · red"
  };
  var VERDICT_LABELS = { block: "阻断 · Block", review: "人工复核 · Review", pass: "通过 · Pass" };
  var BASIS_LABELS = {
    declared: "申报的实际控制人 · declared",
    majority_stake: "控股链顶端 · top of the majority chain",
    none: "未识别 · none identified"
  };

  var state = { subjectId: null, cy: null };

  // ---- small helpers ------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var rest = Array.prototype.slice.call(arguments, 2);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") { node.className = attrs[name]; }
      else if (name.indexOf("on") === 0) { node.addEventListener(name.slice(2), attrs[name]); }
      else { node.setAttribute(name, attrs[name]); }
    });
    (function add(children) {
      children.forEach(function (child) {
        if (child === null || child === undefined) { return; }
        if (Array.isArray(child)) { add(child); return; }
        node.appendChild(typeof child === "string" || typeof child === "number"
          ? document.createTextNode(String(child)) : child);
      });
    })(rest);
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function pct(value) {
    if (value === null || value === undefined) { return "?"; }
    return (Math.round(value * 10000) / 100) + "%";
  }

  function setStatus(text, isError) {
    var status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function apiKey() { return sessionStorage.getItem(KEY_STORAGE); }

  function api(path, options) {
    options = options || {};
    var headers = { "X-API-Key": apiKey() || "", "Accept": "application/json" };
    var init = { method: options.method || "GET", headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!response.ok) {
          var detail = body && body.detail ? body.detail : response.status + " " + response.statusText;
          var error = new Error(detail);
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      if (value !== null && value !== undefined && value !== "") {
        parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(value));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function asOf() { return $("as-of").value || null; }

  function fail(where) {
    return function (error) { setStatus(where + "：" + error.message, true); };
  }

  // ---- login --------------------------------------------------------------------------------------

  function showSession() {
    var signedIn = Boolean(apiKey());
    $("login").hidden = signedIn;
    $("session").hidden = !signedIn;
  }

  function login(event) {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
    $("api-key").value = "";
    showSession();
    setStatus("已登录，请搜索主体 · Signed in: search a subject.");
  }

  function logout() {
    sessionStorage.removeItem(KEY_STORAGE);
    showSession();
    if (state.cy) { state.cy.elements().remove(); }
    clear($("profile"));
    setStatus("已退出 · Signed out.");
  }

  // ---- the graph ----------------------------------------------------------------------------------

  function graphStyle() {
    return [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 13, "text-valign": "bottom", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": 130, "width": 26, "height": 26,
        "background-color": function (n) { return KIND_COLOURS[n.data("kind")] || "#999"; },
        "border-width": 1, "border-color": "#fff", "color": "#1d2733"
      } },
      { selector: "node.enterprise, node.social_org, node.institution", style: { "shape": "round-rectangle" } },
      { selector: "node.list-black", style: { "border-width": 5, "border-color": "#d62828" } },
      { selector: "node.list-watch", style: { "border-width": 5, "border-color": "#f77f00" } },
      { selector: "node.list-red", style: { "border-width": 5, "border-color": "#2b9348" } },
      { selector: "node.disputed", style: { "border-style": "dashed" } },
      { selector: "node.inactive", style: { "opacity": 0.55 } },
      { selector: "node.origin", style: { "width": 42, "height": 42, "font-weight": "bold", "font-size": 14 } },
      { selector: "node.more", style: {
        "shape": "tag", "width": 18, "height": 18, "font-style": "italic", "color": "#5b6775"
      } },
      { selector: "node:selected", style: { "overlay-color": "#1f6feb", "overlay-opacity": 0.2 } },
      { selector: "edge", style: {
        "curve-style": "bezier", "width": 1.5, "line-color": "#9aa5b1", "target-arrow-shape": "triangle",
        "target-arrow-color": "#9aa5b1", "arrow-scale": 0.8, "label": "data(label)", "font-size": 10,
        "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8,
        "color": "#3d4a57"
      } },
      { selector: "edge.shareholder", style: { "line-color": "#6c8ebf", "target-arrow-color": "#6c8ebf" } },
      { selector: "edge.past", style: { "line-style": "dashed", "line-color": "#c9ced6", "color": "#8a96a3" } },
      { selector: "edge.more", style: { "line-style": "dotted", "target-arrow-shape": "none" } },
      { selector: ".faded", style: { "opacity": 0.25 } },
      { selector: "edge.hl", style: {
        "line-color": "#e63946", "target-arrow-color": "#e63946", "width": 4, "z-index": 10, "opacity": 1
      } },
      { selector: "node.hl", style: {
        "underlay-color": "#e63946", "underlay-opacity": 0.3, "underlay-padding": 6, "underlay-shape": "ellipse",
        "opacity": 1
      } }
    ];
  }

  function ensureCy() {
    if (state.cy) { return state.cy; }
    state.cy = cytoscape({ container: $("cy"), style: graphStyle(), minZoom: 0.1, maxZoom: 4 });
    state.cy.on("tap", "node", function (event) {
      var node = event.target;
      if (node.data("kind") === "more") { expandMore(node); return; }
      showNode(node);
    });
    state.cy.on("dbltap", "node", function (event) {
      var node = event.target;
      if (node.data("kind") !== "more" && node.data("hidden") > 0) { expandNode(node.id(), 0); }
    });
    window.explorer = { cy: state.cy };  // lets tests and the console inspect the drawing
    return state.cy;
  }

  function openSubject(id) {
    state.subjectId = id;
    $("status").textContent = "";
    loadGraph();
    loadProfile(id);
  }

  function loadGraph() {
    if (!state.subjectId) { return; }
    var params = {
      depth: $("depth").value, limit: $("limit").value, as_of: asOf(),
      include_history: $("history").checked ? "true" : null
    };
    setStatus("加载中 · Loading…");
    api("/v1/graph/subjects/" + encodeURIComponent(state.subjectId) + query(params)).then(function (view) {
      var cy = ensureCy();
      cy.elements().remove();
      cy.add(view.elements);
      cy.layout(layoutOptions(cy.nodes().length)).run();
      fitView();
      var origin = cy.getElementById(view.origin_id);
      if (origin.nonempty()) { origin.select(); }
      var note = view.truncated ? "；部分节点已截断，点击“还有 N 条”展开 · some hubs truncated" : "";
      setStatus(
        "节点 " + cy.nodes().length + " · 关系 " + cy.edges().length + " · 日期 " + view.as_of
        + " · data v" + view.data_version + note
      );
    }).catch(fail("关联图 · Graph"));
  }

  // cose (force-directed) reads well up to a few hundred nodes; beyond that concentric rings are faster.
  function layoutOptions(count) {
    if (count > 400) { return { name: "concentric", animate: false, padding: 30 }; }
    return { name: "cose", animate: false, padding: 30, randomize: true, nodeDimensionsIncludeLabels: true,
      idealEdgeLength: function () { return 70; }, nodeRepulsion: function () { return 30000; }, gravity: 2 };
  }

  // Fit the drawing, but do not blow a handful of nodes up to poster size.
  function fitView() {
    var cy = ensureCy();
    cy.fit(cy.elements(), 30);
    if (cy.zoom() > 1.3) { cy.zoom(1.3); cy.center(); }
  }

  function placeAround(center, nodes) {
    var count = nodes.length || 1;
    nodes.forEach(function (node, index) {
      var angle = (2 * Math.PI * index) / count;
      node.position({ x: center.x + 140 * Math.cos(angle), y: center.y + 140 * Math.sin(angle) });
    });
  }

  function addNew(elements, nearId) {
    var cy = ensureCy();
    var fresh = [];
    elements.nodes.concat(elements.edges).forEach(function (element) {
      if (cy.getElementById(element.data.id).empty()) { fresh.push(element); }
    });
    var added = cy.add(fresh);
    var anchor = cy.getElementById(nearId);
    if (anchor.nonempty()) { placeAround(anchor.position(), added.nodes()); }
    return added;
  }

  function expandNode(id, offset) {
    var params = { offset: offset, limit: $("limit").value, as_of: asOf(),
      include_history: $("history").checked ? "true" : null };
    return api("/v1/graph/subjects/" + encodeURIComponent(id) + "/neighbours" + query(params)).then(function (page) {
      var added = addNew(page.elements, id);
      setStatus("展开 " + added.nodes().length + " 个节点 · expanded " + id + " (" + page.total + ")");
    }).catch(fail("展开 · Expand"));
  }

  function expandMore(node) {
    var owner = node.data("owner");
    var offset = node.data("offset");
    node.remove();
    expandNode(owner, offset);
  }

  function showNode(node) {
    var data = node.data();
    if (data.kind !== "more") { loadProfile(data.id, data); }
  }

  // ---- highlighting paths (check hits, path search) ------------------------------------------------

  function roleLabel(role) { return ROLE_LABELS[role] || role; }

  function relationId(rel) {
    return rel.key || [rel.role, rel.source_id, rel.target_id, rel.start_on || ""].join("|");
  }

  function highlight(paths) {
    var cy = ensureCy();
    cy.elements().removeClass("hl faded");
    if (!paths.length) { return; }
    var marked = cy.collection();
    paths.forEach(function (elements) {
      elements.forEach(function (item) {
        if (item.type === "subject") {
          var node = cy.getElementById(item.id);
          if (node.empty()) {
            node = cy.add({ group: "nodes", data: { id: item.id, label: item.name || item.id, kind: item.kind },
              classes: item.kind || "unknown" });
          }
          marked = marked.union(node);
        }
      });
      elements.forEach(function (item) {
        if (item.type === "relation") {
          var id = relationId(item);
          var edge = cy.getElementById(id);
          if (edge.empty()) {
            edge = cy.add({ group: "edges", data: {
              id: id, source: item.source_id, target: item.target_id, role: item.role, label: roleLabel(item.role)
            }, classes: item.role });
          }
          marked = marked.union(edge);
        }
      });
    });
    cy.elements().not(marked).addClass("faded");
    marked.addClass("hl");
    var fresh = marked.nodes().filter(function (n) { return n.position().x === 0 && n.position().y === 0; });
    if (fresh.nonempty()) { cy.layout(layoutOptions(cy.nodes().length)).run(); }
    fitView();
  }

  function pathLine(elements) {
    var line = el("div", { className: "path" });
    elements.forEach(function (item) {
      if (item.type === "subject") {
        line.appendChild(el("span", null, item.name || item.id));
      } else {
        var roles = [item.role].concat(item.other_roles || []).map(roleLabel).join("/");
        var ratio = item.ratio !== null && item.ratio !== undefined ? " " + pct(item.ratio) : "";
        line.appendChild(el("span", { className: "rel" }, "—" + roles + ratio + "→"));
      }
    });
    return line;
  }

  // ---- search ---------------------------------------------------------------------------------------

  function search(event) {
    event.preventDefault();
    var q = $("search-q").value.trim();
    if (!q) { return; }
    api("/v1/graph/search" + query({ q: q })).then(function (result) {
      var list = clear($("search-results"));
      if (!result.subjects.length) { list.appendChild(el("li", null, "无结果 · No match")); }
      result.subjects.forEach(function (subject) {
        list.appendChild(el("li", { onclick: function () { openSubject(subject.id); } },
          subject.name || subject.id, " ", el("span", { className: "id" }, subject.id)));
      });
    }).catch(fail("搜索 · Search"));
  }

  // ---- the side panel: profile ----------------------------------------------------------------------

  function row(table, label, value) {
    if (value === null || value === undefined || value === "") { return; }
    table.appendChild(el("tr", null, el("th", null, label), el("td", null, String(value))));
  }

  function loadProfile(id, nodeData) {
    var panel = clear($("profile"));
    panel.appendChild(el("p", { className: "hint" }, "加载中 · Loading…"));
    api("/v1/subjects/" + encodeURIComponent(id) + query({ as_of: asOf() })).then(function (profile) {
      renderProfile(profile, nodeData);
    }).catch(function (error) {
      clear(panel);
      if (nodeData) { panel.appendChild(nodeTable(nodeData)); }
      panel.appendChild(el("p", { className: "error" }, "档案不可用 · Profile unavailable: " + error.message));
    });
  }

  function nodeTable(data) {
    var table = el("table");
    row(table, "名称 · Name", data.name || data.label);
    row(table, "代码 · Id", data.id);
    row(table, "类型 · Kind", data.kind_label || data.kind);
    row(table, "地区 · Region", data.region);
    row(table, "关系 · Relations", data.degree);
    row(table, "未展开 · Not shown", data.hidden || null);
    return table;
  }

  function renderProfile(profile, nodeData) {
    var panel = clear($("profile"));
    var subject = profile.subject || {};
    var org = profile.organization || {};
    panel.appendChild(el("h3", null, subject.name || subject.id));
    var table = el("table");
    row(table, "代码 · Id", subject.id);
    row(table, "类型 · Kind", KIND_LABELS[subject.kind] || subject.kind);
    row(table, "地区 · Region", subject.region);
    row(table, "状态 · Status", org.status);
    row(table, "成立 · Established", org.established_on);
    row(table, "行业 · Industry", org.industry);
    row(table, "日期 · As of", profile.as_of);
    if (nodeData) { row(table, "关系 · Relations", nodeData.degree); }
    panel.appendChild(table);
    if (nodeData && nodeData.hidden > 0) {
      panel.appendChild(el("button", { type: "button", onclick: function () { expandNode(subject.id, 0); } },
        "展开 " + nodeData.hidden + " 条关系 · Expand"));
    }

    panel.appendChild(el("h3", null, "名单记录 · List entries (" + (profile.entries || []).length + ")"));
    (profile.entries || []).forEach(function (entry) {
      var card = el("div", { className: "card" },
        el("span", { className: "tag " + entry.list }, LIST_LABELS[entry.list] || entry.list), " ",
        el("span", { className: "tag" + (entry.status === "disputed" ? " disputed" : "") }, entry.status), " ",
        el("span", { className: "id" }, entry.entry_id));
      var details = el("table");
      row(details, "领域 · Domain", entry.domain);
      row(details, "认定 · Decided", entry.decided_on);
      row(details, "有效期 · Valid", (entry.valid_from || "") + " — " + (entry.valid_until || "…"));
      row(details, "部门 · Department", entry.initiating_dept);
      row(details, "事由 · Reason", entry.reason);
      row(details, "文号 · Basis", entry.basis);
      card.appendChild(details);
      panel.appendChild(card);
    });

    panel.appendChild(el("h3", null, "适用措施及原因 · Measures and why (" + (profile.measures || []).length + ")"));
    (profile.measures || []).forEach(function (measure) {
      var why = measure.via === "self" ? "本主体列入名单 · listed itself"
        : measure.via === "responsible" ? "直接责任人 · named directly responsible"
          : "因任 " + roleLabel(measure.via) + (measure.org_id ? " @ " + measure.org_id : "")
            + " · as " + measure.via;
      panel.appendChild(el("div", { className: "card" },
        el("strong", null, measure.name), " ", el("span", { className: "tag" }, measure.kind), " ",
        el("span", { className: "tag" }, measure.state || ""),
        el("div", { className: "hint" }, why + " · " + measure.entry_id),
        el("div", { className: "hint" }, (measure.scenarios || []).join(", "))));
    });
    (profile.personal_records || []).forEach(function (record) {
      panel.appendChild(el("div", { className: "card" }, "个人信用记录 · Personal record: ",
        el("span", { className: "id" }, record.entry.entry_id), " @ ", record.org_id || "",
        el("div", { className: "hint" }, (record.roles_on_act_date || []).join(", ")
          + (record.responsible ? " · 直接责任人 responsible" : ""))));
    });
  }

  // ---- check ----------------------------------------------------------------------------------------

  function runCheck(event) {
    event.preventDefault();
    if (!state.subjectId) { setStatus("请先选择主体 · Select a subject first.", true); return; }
    var body = { subject_id: state.subjectId, scenario: $("scenario").value,
      depth: Number($("check-depth").value) };
    if (asOf()) { body.as_of = asOf(); }
    var out = clear($("check-result"));
    out.appendChild(el("p", { className: "hint" }, "核查中 · Checking…"));
    api("/v1/checks", { method: "POST", body: body }).then(function (result) {
      clear(out);
      out.appendChild(el("p", null, el("span", { id: "verdict", className: "verdict " + result.verdict },
        VERDICT_LABELS[result.verdict] || result.verdict),
        result.green_channel ? " 绿色通道 · green channel" : ""));
      (result.measures || []).forEach(function (measure) {
        out.appendChild(el("div", { className: "card" }, el("strong", null, measure.name),
          el("div", { className: "hint" }, measure.entry_id + " · " + measure.via)));
      });
      var hits = result.hits || [];
      out.appendChild(el("h3", null, "关联命中 · Related hits (" + hits.length + ")"));
      hits.forEach(function (hit) {
        var tags = (hit.entries || []).map(function (e) {
          return el("span", { className: "tag " + e.list }, LIST_LABELS[e.list] || e.list);
        });
        out.appendChild(el("div", { className: "card hit", onclick: function () { highlight([hit.path]); } },
          el("strong", null, hit.name || hit.subject_id), " ", el("span", { className: "tag" }, hit.hops + " 跳 hops"),
          " ", tags, pathLine(hit.path)));
      });
      if (result.note) { out.appendChild(el("p", { className: "hint" }, result.note)); }
      highlight(hits.map(function (hit) { return hit.path; }));
      setStatus("核查结果 · Check: " + result.verdict + " · " + hits.length + " hits · check " + result.check_id);
    }).catch(function (error) {
      clear(out).appendChild(el("p", { className: "error" }, "核查失败 · Check failed: " + error.message));
    });
  }

  // ---- path between ---------------------------------------------------------------------------------

  function findPaths(event) {
    event.preventDefault();
    if (!state.subjectId) { setStatus("请先选择主体 · Select a subject first.", true); return; }
    var params = { from: state.subjectId, to: $("path-to").value.trim(), max_hops: $("max-hops").value,
      k: $("path-k").value, as_of: asOf() };
    var list = clear($("path-results"));
    api("/v1/graph/paths" + query(params)).then(function (result) {
      if (!result.paths.length) {
        list.appendChild(el("li", null, "在 " + result.max_hops + " 跳内无关联 · Not connected within "
          + result.max_hops + " hops"));
      }
      result.paths.forEach(function (path) {
        list.appendChild(el("li", { onclick: function () { highlight([path.elements]); } },
          path.hops + " 跳 · hops", pathLine(path.elements)));
      });
      highlight(result.paths.map(function (p) { return p.elements; }));
      if (result.truncated) { list.appendChild(el("li", { className: "hint" }, "部分枢纽已截断 · hubs cut")); }
    }).catch(fail("找关系 · Paths"));
  }

  // ---- ownership ------------------------------------------------------------------------------------

  function ownership(event) {
    event.preventDefault();
    if (!state.subjectId) { setStatus("请先选择主体 · Select a subject first.", true); return; }
    var direction = $("direction").value;
    var params = { direction: direction, min_ratio: $("min-ratio").value, as_of: asOf() };
    var out = clear($("ownership-result"));
    api("/v1/graph/ownership/" + encodeURIComponent(state.subjectId) + query(params)).then(function (view) {
      renderOwnership(out, view);
    }).catch(fail("股权穿透 · Ownership"));
  }

  function renderOwnership(out, view) {
    var names = {};
    var stakes = {};
    names[view.subject.id] = view.subject.name || view.subject.id;
    view.stakes.forEach(function (s) { names[s.subject_id] = s.subject.name || s.subject_id; stakes[s.subject_id] = s; });
    if (view.direction === "up") {
      var finding = view.actual_controller;
      var who = (view.controller_subjects || []).map(function (s) { return s.name || s.id; }).join("、");
      out.appendChild(el("div", { className: "card" }, el("strong", null, "实际控制人 · Actual controller: "),
        who || "—", el("div", { className: "hint" }, BASIS_LABELS[finding.basis] || finding.basis),
        finding.candidates && finding.candidates.length
          ? el("div", { className: "hint" }, "候选 · candidates: " + finding.candidates.map(function (c) {
            return (names[c.subject_id] || c.subject_id) + " " + pct(c.stake);
          }).join("、")) : null));
      out.appendChild(el("div", { className: "card" },
        el("strong", null, "受益所有人 · Beneficial owners (≥ " + pct(view.ubo_threshold) + "): "),
        view.beneficial_owners.length ? view.beneficial_owners.map(function (o) {
          return (o.subject.name || o.subject_id) + " " + pct(o.stake);
        }).join("、") : "无 · none"));
    }
    view.cycles.forEach(function (cycle) {
      out.appendChild(el("p", { className: "cycle error" }, "循环持股 · Circular: "
        + cycle.subject_ids.map(function (id) { return names[id] || id; }).join(" → ") + " ↻"));
    });
    var children = {};
    view.relations.forEach(function (r) {
      var parent = view.direction === "up" ? r.target_id : r.source_id;
      var child = view.direction === "up" ? r.source_id : r.target_id;
      (children[parent] = children[parent] || []).push({ id: child, ratio: r.ratio });
    });
    var root = el("ul", { className: "tree root", id: "ownership-tree" });
    root.appendChild(el("li", null, el("strong", null, names[view.subject.id]),
      treeBranch(view.subject.id, children, names, stakes, [view.subject.id], view.max_layers)));
    out.appendChild(root);
    if (view.truncated || view.layer_limit_reached) {
      out.appendChild(el("p", { className: "hint" }, "已截断 · cut at " + view.max_layers + " layers"));
    }
  }

  function treeBranch(id, children, names, stakes, trail, layersLeft) {
    var list = el("ul", { className: "tree" });
    (children[id] || []).forEach(function (child) {
      var item = el("li", null, pct(child.ratio) + " ", el("span", null, names[child.id] || child.id));
      var stake = stakes[child.id];
      if (stake) { item.appendChild(el("span", { className: "stake" }, " （穿透 " + pct(stake.stake) + "）")); }
      if (trail.indexOf(child.id) >= 0) {
        item.appendChild(el("span", { className: "cycle" }, " ↻ 循环 · cycle"));
      } else if (layersLeft > 1) {
        item.appendChild(treeBranch(child.id, children, names, stakes, trail.concat([child.id]), layersLeft - 1));
      }
      list.appendChild(item);
    });
    return list;
  }

  // ---- start ----------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    $("login").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("search-form").addEventListener("submit", search);
    $("graph-form").addEventListener("submit", function (event) { event.preventDefault(); loadGraph(); });
    $("check-form").addEventListener("submit", runCheck);
    $("path-form").addEventListener("submit", findPaths);
    $("ownership-form").addEventListener("submit", ownership);
    showSession();
    ensureCy();
  });
})();
