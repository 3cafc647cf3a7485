// The workspace page: plain JavaScript, no build step. Every datum comes from the API with the
// department's key (sessionStorage, sent as X-API-Key); text is put in with textContent only.
"use strict";

const KEY_STORE = "graph_service.workspace.key";
const LABELS = {
  black: "黑名单 · black", red: "红名单 · red", watch: "重点关注 · watch",
  tax: "税务 · tax", work_safety: "安全生产 · work safety", environment: "生态环境 · environment",
  food_drug: "食品药品 · food & drug", construction: "工程建设 · construction",
  public_resource_trading: "公共资源交易 · public resources", court_enforcement: "法院执行 · court",
  finance: "金融 · finance", active: "有效 · active", disputed: "异议中 · disputed",
  suspended: "中止 · suspended", repaired: "已修复 · repaired", revoked: "已撤销 · revoked",
  pending: "待反馈 · pending", applied: "已实施 · applied", not_applied: "未实施 · not applied",
  not_applicable: "不适用 · not applicable", lifted: "已解除 · lifted",
  revoke: "撤销 · revoke", dispute: "异议 · dispute", repair: "修复 · repair",
  uphold: "维持 · uphold", correct: "更正 · correct",
};
const label = (code) => LABELS[code] || code || "";

const state = { key: sessionStorage.getItem(KEY_STORE), office: false, implementer: false,
  after: null, next: null, stats: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function say(text, error) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(error));
}

async function api(path, options) {
  const opts = options || {};
  const headers = Object.assign({ "X-API-Key": state.key }, opts.headers || {});
  if (opts.json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method: opts.method || "GET", headers,
    body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : response.statusText;
    const error = new Error(`${response.status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function today() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

// ---- sign-in and tabs ----

async function signIn() {
  const probe = async (path) => { try { await api(path); return true; } catch (e) { if (e.status === 401) throw e; return false; } };
  try {
    state.office = await probe("/v1/entries?limit=1");
    state.implementer = await probe("/v1/tasks?status=pending");
  } catch (e) {
    sessionStorage.removeItem(KEY_STORE);
    state.key = null;
    say(`登录失败 · Sign-in failed — ${e.message}`, true);
    return;
  }
  document.getElementById("login").hidden = true;
  document.getElementById("session").hidden = false;
  const roles = [state.office ? "信用办 · credit office" : null, state.implementer ? "实施部门 · implementer" : null];
  document.getElementById("who").textContent = `已登录 · Signed in: ${roles.filter(Boolean).join(" / ") || "—"}`;
  const tabs = document.getElementById("tabs");
  tabs.hidden = false;
  for (const button of tabs.querySelectorAll("button")) {
    button.hidden = !((button.dataset.office !== undefined && state.office) ||
      (button.dataset.implementer !== undefined && state.implementer));
  }
  const first = [...tabs.querySelectorAll("button")].find((b) => !b.hidden);
  if (first) show(first.dataset.tab);
  else say("此密钥无工作台权限 · This key has no workspace role", true);
}

function show(tab) {
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${tab}`;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === tab);
  const loaders = { entries: () => loadEntries(null), queues: loadQueues, inbox: loadInbox, monthly: loadMonthly, upload: () => {} };
  say("");
  Promise.resolve(loaders[tab]()).catch((e) => say(e.message, true));
}

// ---- entries ----

async function loadEntries(after) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(document.getElementById("entry-filters"))) if (value) params.append(name, value);
  params.set("limit", "20");
  if (after) params.set("after", after);
  const page = await api(`/v1/entries?${params}`);
  state.next = page.next;
  document.getElementById("next-page").disabled = !page.next;
  const body = document.querySelector("#entries-table tbody");
  body.replaceChildren(...page.entries.map((row) => {
    const e = row.entry;
    return el("tr", { "data-entry": e.entry_id, onclick: () => openEntry(e.entry_id) },
      el("td", { class: "id" }, e.entry_id), el("td", {}, row.subject_name || "", el("div", { class: "id" }, e.subject_id)),
      el("td", {}, el("span", { class: `tag ${e.list}` }, label(e.list))), el("td", {}, label(e.domain)),
      el("td", {}, label(e.status)), el("td", {}, e.decided_on), el("td", {}, e.initiating_dept));
  }));
  say(`${page.entries.length} 条 · entries${page.next ? "（还有更多 · more）" : ""}`);
}

async function openEntry(entryId) {
  const [entryState, extra] = await Promise.all([
    api(`/v1/entries/${encodeURIComponent(entryId)}`),
    api(`/v1/workspace/entries/${encodeURIComponent(entryId)}/events`),
  ]);
  for (const tr of document.querySelectorAll("#entries-table tbody tr")) tr.classList.toggle("active", tr.dataset.entry === entryId);
  const e = entryState.entry;
  const byDept = {};
  for (const t of entryState.tasks) {
    const counts = byDept[t.department] || (byDept[t.department] = {});
    counts[t.status] = (counts[t.status] || 0) + 1;
  }
  const detail = document.getElementById("entry-detail");
  detail.hidden = false;
  detail.replaceChildren(
    el("h2", {}, `条目详情 · Entry ${e.entry_id}`),
    el("table", {}, el("tbody", {},
      ...[["主体 · Subject", e.subject_id], ["名单 · List", label(e.list)], ["领域 · Domain", label(e.domain)],
        ["状态 · Status", label(e.status) + (entryState.expired ? "（已过期 · expired）" : "")],
        ["事由 · Reason", e.reason], ["认定日期 · Decided", e.decided_on], ["有效期至 · Valid until", e.valid_until],
        ["认定部门 · Department", e.initiating_dept], ["文号 · Basis", e.basis]]
        .map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v || "—"))))),
    el("h3", {}, "变更记录 · History"),
    el("ul", { class: "results history" }, entryState.history.map((h) =>
      el("li", {}, `${h.at.slice(0, 16).replace("T", " ")} ${label(h.from_status) || "—"} → ${label(h.to_status)} · ${h.actor}`,
        h.reason ? el("div", { class: "hint" }, h.reason) : null))),
    el("h3", {}, "各部门任务 · Tasks per department"),
    el("table", { class: "tasks-per-dept" }, el("tbody", {}, Object.keys(byDept).sort().map((dept) =>
      el("tr", {}, el("th", {}, dept), el("td", {}, Object.entries(byDept[dept]).map(([s, n]) => `${label(s)} ${n}`).join("，")))))),
    el("h3", {}, "推送事件 · Feed events"),
    el("ul", { class: "results" }, extra.events.map((ev) => el("li", {}, `#${ev.seq} ${ev.event} · ${label(ev.entry.status)}`))),
    el("h3", {}, "可办理 · Allowed actions"),
    actionForms(e, extra.allowed_actions),
  );
}

function actionForms(entry, allowed) {
  const box = el("div", { class: "actions" });
  if (!allowed.length) box.append(el("p", { class: "hint" }, "当前状态下无可办理事项 · No action is allowed in this state"));
  const forms = {
    revoke: ["撤销原因 · Reason", (text) => api(`/v1/entries/${encodeURIComponent(entry.entry_id)}`, { method: "PATCH", json: { status: "revoked", reason: text } })],
    dispute: ["异议理由 · Grounds", (text) => api(`/v1/entries/${encodeURIComponent(entry.entry_id)}/disputes`, { method: "POST", json: { grounds: text, filed_by: entry.subject_id } })],
    repair: ["修复材料 · Evidence", (text) => api(`/v1/entries/${encodeURIComponent(entry.entry_id)}/repair`, { method: "POST", json: { evidence: text } })],
  };
  for (const action of allowed) {
    if (!forms[action]) continue;
    const [prompt, send] = forms[action];
    const input = el("textarea", { rows: "2", required: "", placeholder: prompt, name: action });
    box.append(el("form", { class: `action-${action}`, onsubmit: async (event) => {
      event.preventDefault();
      try { await send(input.value); say(`${label(action)} 已提交 · submitted`); await openEntry(entry.entry_id); }
      catch (e) { say(e.message, true); }
    } }, el("strong", {}, label(action)), input, el("button", { type: "submit" }, `提交${label(action).split(" · ")[0]} · Submit`)));
  }
  return box;
}

// ---- queues ----

async function loadQueues() {
  const [queues, overdue] = await Promise.all([api("/v1/workspace/queues"), api("/v1/tasks?overdue=true")]);
  document.querySelector("#disputes-table tbody").replaceChildren(...queues.disputes.map((o) => {
    const d = o.dispute;
    const cls = o.days_left < 0 ? "late" : o.days_left <= 5 ? "soon" : "";
    return el("tr", {}, el("td", { class: "id" }, d.entry_id), el("td", {}, d.filed_by), el("td", {}, d.filed_on),
      el("td", {}, d.due_on), el("td", { class: cls }, o.days_left < 0 ? `逾期 ${-o.days_left} 天 · ${-o.days_left} days late` : `${o.days_left} 天 · days`),
      el("td", {}, d.grounds));
  }));
  document.querySelector("#repairs-table tbody").replaceChildren(...queues.repairs.map((r) =>
    el("tr", {}, el("td", { class: "id" }, r.entry_id), el("td", {}, r.applied_by), el("td", {}, r.applied_on), el("td", {}, r.evidence))));
  const byDept = {};
  for (const view of overdue.tasks) {
    const row = byDept[view.task.department] || (byDept[view.task.department] = { n: 0, due: view.task.due_on });
    row.n += 1;
    if (view.task.due_on < row.due) row.due = view.task.due_on;
  }
  document.querySelector("#overdue-table tbody").replaceChildren(...Object.keys(byDept).sort().map((dept) =>
    el("tr", {}, el("td", {}, dept), el("td", { class: "late" }, byDept[dept].n), el("td", {}, byDept[dept].due))));
}

// ---- inbox ----

async function loadInbox() {
  const answer = await api("/v1/tasks");
  const rows = answer.tasks.map((view) => {
    const t = view.task;
    const cell = el("td", { class: "feedback" });
    if (view.status === "pending") {
      const reason = el("input", { placeholder: "未实施原因 · reason", class: "reason" });
      const send = (outcome) => async () => {
        const body = { outcome, date: today() };
        if (outcome === "not_applied") {
          if (!reason.value.trim()) { say("请填写未实施原因 · Give the reason it was not applied", true); return; }
          body.reason = reason.value.trim();
        }
        try { await api(`/v1/tasks/${encodeURIComponent(t.task_id)}/feedback`, { method: "POST", json: body }); say(`已反馈 · Reported: ${label(outcome)}`); await loadInbox(); }
        catch (e) { say(e.message, true); }
      };
      cell.append(el("button", { type: "button", class: "applied", onclick: send("applied") }, "已实施 · Applied"),
        el("button", { type: "button", class: "not", onclick: send("not_applied") }, "未实施 · Not applied"), reason,
        el("button", { type: "button", class: "na", onclick: send("not_applicable") }, "不适用 · N/A"));
    } else {
      cell.append(t.feedback && t.feedback.reason ? `${label(view.status)}：${t.feedback.reason}` : label(view.status));
    }
    return el("tr", { "data-task": t.task_id }, el("td", {}, t.measure_id),
      el("td", {}, view.subject_name || "", el("div", { class: "id" }, t.subject_id)),
      el("td", { class: "id" }, t.entry_id),
      el("td", { class: view.overdue ? "late" : "" }, t.due_on, view.overdue ? " 逾期 · overdue" : ""),
      el("td", {}, label(view.status)), cell);
  });
  document.querySelector("#inbox-table tbody").replaceChildren(...rows);
  say(`${rows.length} 项任务 · tasks`);
}

// ---- monthly report ----

function monthBounds(month) {
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, "0")}`];
}

async function loadMonthly() {
  const input = document.getElementById("month");
  if (!input.value) input.value = today().slice(0, 7);
  const [from, to] = monthBounds(input.value);
  const stats = await api(`/v1/stats?from=${from}&to=${to}`);
  state.stats = stats;
  document.getElementById("csv-download").disabled = false;
  const pct = (rate) => (rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);
  const metric = (name, value) => el("div", { class: "card" }, el("b", {}, value), name);
  document.getElementById("monthly-summary").replaceChildren(el("div", { class: "metrics" },
    metric("新增条目 · Entries initiated", stats.entries.initiated),
    metric("推送任务 · Tasks pushed", stats.tasks.pushed),
    metric("已反馈 · Feedback received", stats.tasks.received),
    metric("反馈率 · Feedback rate", pct(stats.tasks.rate)),
    metric("逾期任务 · Overdue tasks", stats.tasks.overdue),
    metric("异议 · Disputes opened", stats.disputes.opened),
    metric("修复申请 · Repairs applied", stats.repairs.applied)));
  drawChart(stats.departments);
}

function drawChart(departments) {
  const ns = "http://www.w3.org/2000/svg";
  const rowH = 22, left = 190, width = 640;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", Math.max(1, departments.length) * rowH + 10);
  departments.forEach((d, i) => {
    const y = 5 + i * rowH;
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", left - 6); text.setAttribute("y", y + 14); text.setAttribute("text-anchor", "end");
    text.setAttribute("font-size", "12"); text.textContent = d.department;
    const bar = document.createElementNS(ns, "rect");
    const rate = d.rate || 0;
    bar.setAttribute("x", left); bar.setAttribute("y", y + 3); bar.setAttribute("height", rowH - 8);
    bar.setAttribute("width", Math.max(1, rate * (width - left - 70))); bar.setAttribute("fill", rate >= 1 ? "#2b9348" : "#1f6feb");
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", left + Math.max(1, rate * (width - left - 70)) + 4); value.setAttribute("y", y + 14);
    value.setAttribute("font-size", "12"); value.textContent = d.rate === null ? "—" : `${(rate * 100).toFixed(0)}% (${d.received}/${d.expected})`;
    svg.append(text, bar, value);
  });
  document.getElementById("rate-chart").replaceChildren(svg);
}

// Cells a spreadsheet would run as a formula get an apostrophe (graph_service/spreadsheet.py does the same).
const safeCell = (value) => { const text = value === null || value === undefined ? "" : String(value); return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text; };
const csvCell = (value) => { const text = safeCell(value); return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text; };

function downloadCsv() {
  const s = state.stats;
  const rows = [["指标 metric", "值 value"],
    ["期间 period", `${s.start}..${s.end}`], ["新增条目 entries initiated", s.entries.initiated],
    ["推送任务 tasks pushed", s.tasks.pushed], ["已反馈 feedback received", s.tasks.received],
    ["应反馈 feedback expected", s.tasks.expected], ["反馈率 feedback rate", s.tasks.rate],
    ["逾期任务 overdue tasks", s.tasks.overdue], [], ["实施部门 department", "推送 pushed", "已反馈 received", "应反馈 expected", "反馈率 rate", "逾期 overdue"],
    ...s.departments.map((d) => [d.department, d.pushed, d.received, d.expected, d.rate, d.overdue])];
  const text = "\ufeff" + rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" })), download: `monthly-${s.start.slice(0, 7)}.csv` });
  document.body.append(link); link.click(); link.remove();
}

// ---- upload ----

function uploadUrl(dryRun) {
  const file = document.getElementById("upload-file").files[0];
  const params = new URLSearchParams({ format: document.getElementById("upload-format").value,
    encoding: document.getElementById("upload-encoding").value, filename: file.name, dry_run: String(dryRun) });
  return [`/v1/loads?${params}`, file];
}

function showSummary(summary) {
  const box = document.getElementById("upload-summary");
  box.replaceChildren(el("div", { class: "metrics" },
    el("div", { class: "card" }, el("b", {}, summary.read), "读取 · Read"),
    el("div", { class: "card" }, el("b", {}, summary.loaded), summary.dry_run ? "可导入 · Valid" : "已导入 · Loaded"),
    el("div", { class: "card" }, el("b", { class: summary.rejected ? "late" : "" }, summary.rejected), "拒收 · Rejected"),
    el("div", { class: "card" }, el("b", {}, summary.warnings), "警告 · Warnings")),
  summary.failure ? el("p", { class: "error" }, `无法导入 · Cannot load: ${summary.failure}`) : null);
  const table = document.getElementById("rejects-table");
  table.hidden = !summary.rejects.length;
  table.querySelector("tbody").replaceChildren(...summary.rejects.map((r) =>
    el("tr", {}, el("td", {}, r.line), el("td", {}, r.column), el("td", {}, r.value), el("td", {}, r.reason))));
}

async function dryRun(event) {
  event.preventDefault();
  const [url, file] = uploadUrl(true);
  try {
    const summary = await api(url, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
    showSummary(summary);
    document.getElementById("upload-progress").replaceChildren();
    document.getElementById("upload-confirm").hidden = Boolean(summary.failure) || summary.loaded === 0;
    say("预检完成，未写入 · Dry run done, nothing written");
  } catch (e) { say(e.message, true); }
}

async function confirmLoad() {
  const [url, file] = uploadUrl(false);
  document.getElementById("upload-confirm").hidden = true;
  try {
    let status = await api(url, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
    const progress = document.getElementById("upload-progress");
    while (status.state === "running") {
      progress.textContent = `导入中 · Loading… ${status.bytes_done}/${status.bytes_total} bytes`;
      await new Promise((resolve) => setTimeout(resolve, 300));
      status = await api(`/v1/loads/${status.load_id}`);
    }
    const done = status.state === "done";
    progress.replaceChildren(el("p", { class: done ? "load-done" : "error" },
      done ? `导入完成 · Load done: 读取 ${status.read}，导入 ${status.summary.loaded}，拒收 ${status.rejected}` : `导入失败 · Load failed: ${status.failure}`),
      status.rejected ? el("button", { type: "button", id: "rejects-download", onclick: () => downloadRejects(status.load_id) }, "下载拒收行 · Download rejects CSV") : null);
    if (status.summary) showSummary(status.summary);
    say(done ? "导入完成 · Load done" : "导入失败 · Load failed", !done);
  } catch (e) { say(e.message, true); }
}

async function downloadRejects(loadId) {
  const response = await fetch(`/v1/loads/${loadId}/rejects`, { headers: { "X-API-Key": state.key } });
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `rejects-${loadId.slice(0, 8)}.csv` });
  document.body.append(link); link.click(); link.remove();
}

// ---- wiring ----

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = document.getElementById("api-key").value.trim();
    sessionStorage.setItem(KEY_STORE, state.key);
    signIn();
  });
  document.getElementById("logout").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORE); location.reload(); });
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => show(button.dataset.tab));
  document.getElementById("entry-filters").addEventListener("submit", (event) => { event.preventDefault(); loadEntries(null).catch((e) => say(e.message, true)); });
  document.getElementById("first-page").addEventListener("click", () => loadEntries(null).catch((e) => say(e.message, true)));
  document.getElementById("next-page").addEventListener("click", () => loadEntries(state.next).catch((e) => say(e.message, true)));
  document.getElementById("month-form").addEventListener("submit", (event) => { event.preventDefault(); loadMonthly().catch((e) => say(e.message, true)); });
  document.getElementById("csv-download").addEventListener("click", downloadCsv);
  document.getElementById("upload-form").addEventListener("submit", dryRun);
  document.getElementById("upload-confirm").addEventListener("click", confirmLoad);
  if (state.key) signIn();
});
