/* 事项管理 (service catalogue): a searchable list of every service (switched-off ones too) and a form
   for one service and its guide (办事指南), with editors for the materials checklist and the steps.
   Saving sends only what changed (PATCH /catalogue/services/{code}) or the whole new service (POST);
   the server checks it, audits it with before and after, and new tickets follow at once. The
   change history under the form is that audit trail. Strings come from the message catalogue. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const CATEGORIES = ["licensing", "payment", "confirmation", "reward", "adjudication", "other_power", "public_service"];
  const CASE_TYPES = ["immediate", "promised", "joint", "reported"];
  const LINES = ["conditions", "legal_basis", "sample_forms"];
  const GUIDE_TEXT = ["fee", "fee_basis", "quantity_limit", "result_document", "location", "hours", "consult_phone", "complaint_phone"];
  const GUIDE_NUMBERS = ["legal_limit_days", "promised_limit_days", "visits_needed"];
  const FIELDS = ["name", "name_en", "department", "prefix", "theme", "category", "case_type", "daily_cap",
    "priority_allowed", "weight", "avg_handle_minutes", "keywords", "active", "guide", "notice_ahead_at"];

  let services = [];
  let current = null;  // the service being edited as loaded, or null for a new one
  const form = document.getElementById("service-form");

  function options(select, values, label) {
    select.replaceChildren(...values.map((value) => {
      const option = el("option", null, label(value));
      option.value = value;
      return option;
    }));
  }

  function both(key) { const [zh, en] = H.t(key); return zh + " " + en; }

  function matches(s, query) {
    if (!query) return true;
    const q = query.toLowerCase();
    return [s.code, s.name, s.name_en, s.prefix, s.theme, ...(s.keywords || [])]
      .some((v) => (v || "").toLowerCase().includes(q));
  }

  function drawList() {
    const query = document.getElementById("search").value.trim();
    const body = document.querySelector("#services tbody");
    body.replaceChildren(...services.filter((s) => matches(s, query)).map((s) => {
      const tr = el("tr", (current && current.code === s.code ? "selected " : "") + (s.active ? "" : "off"));
      tr.dataset.code = s.code;
      tr.appendChild(el("td", "code", s.code));
      const name = el("td", null, s.name);
      if (!s.active) name.appendChild(H.pair(el("span", "pill warn"), "catalogue_page.inactive"));
      tr.appendChild(name);
      tr.appendChild(el("td", "prefix", s.prefix));
      tr.appendChild(el("td", "num", s.daily_cap === null ? "—" : String(s.daily_cap)));
      tr.appendChild(el("td", "muted", (s.windows || []).join("、")));
      tr.addEventListener("click", () => edit(s.code));
      return tr;
    }));
  }

  /* ---- list editors: materials and steps ---- */

  function cellInput(value, type, cls) {
    const input = el("input", cls);
    input.type = type || "text";
    if (type === "number") { input.min = "0"; input.step = "1"; }
    input.value = value === undefined || value === null ? "" : String(value);
    return input;
  }

  function rowButtons(tr) {
    const td = el("td", "row-actions");
    const up = H.pair(el("button", "up"), "catalogue_page.up");
    up.type = "button";
    up.addEventListener("click", () => { if (tr.previousElementSibling) tr.parentNode.insertBefore(tr, tr.previousElementSibling); });
    const remove = H.pair(el("button", "remove"), "catalogue_page.remove");
    remove.type = "button";
    remove.addEventListener("click", () => tr.remove());
    td.append(up, remove);
    return td;
  }

  function materialRow(m) {
    const tr = el("tr", "material");
    const cells = [cellInput(m.name, "text", "m-name"), cellInput(m.originals, "number", "m-originals"),
      cellInput(m.copies, "number", "m-copies"), cellInput(m.note, "text", "m-note")];
    for (const input of cells) { const td = el("td"); td.appendChild(input); tr.appendChild(td); }
    tr.appendChild(rowButtons(tr));
    return tr;
  }

  function stepRow(step) {
    const tr = el("tr", "step");
    for (const input of [cellInput(step.name, "text", "s-name"), cellInput(step.time_limit, "text", "s-limit")]) {
      const td = el("td"); td.appendChild(input); tr.appendChild(td);
    }
    tr.appendChild(rowButtons(tr));
    return tr;
  }

  function readMaterials() {
    return [...document.querySelectorAll("#materials tbody tr")].map((tr) => ({
      name: tr.querySelector(".m-name").value.trim(),
      originals: Number(tr.querySelector(".m-originals").value || 0),
      copies: Number(tr.querySelector(".m-copies").value || 0),
      note: tr.querySelector(".m-note").value.trim(),
    })).filter((m) => m.name || m.originals || m.copies || m.note);
  }

  function readSteps() {
    return [...document.querySelectorAll("#steps tbody tr")].map((tr) => ({
      name: tr.querySelector(".s-name").value.trim(),
      time_limit: tr.querySelector(".s-limit").value.trim(),
    })).filter((s) => s.name || s.time_limit);
  }

  /* ---- the form ---- */

  function fill(s) {
    const f = form.elements;
    f.code.value = s.code || "";
    f.code.readOnly = Boolean(current);
    for (const name of ["name", "name_en", "department", "prefix", "theme", "category", "case_type"]) f[name].value = s[name] || "";
    f.daily_cap.value = s.daily_cap === null || s.daily_cap === undefined ? "" : String(s.daily_cap);
    f.notice_ahead_at.value = s.notice_ahead_at == null ? "" : String(s.notice_ahead_at);
    f.weight.value = String(s.weight ?? 1);
    f.avg_handle_minutes.value = String(s.avg_handle_minutes ?? 10);
    f.keywords.value = (s.keywords || []).join(", ");
    f.priority_allowed.checked = s.priority_allowed !== false;
    f.active.checked = s.active !== false;
    const g = s.guide || {};
    for (const name of LINES) f[name].value = (g[name] || []).join("\n");
    for (const name of GUIDE_TEXT) f[name].value = g[name] || "";
    for (const name of GUIDE_NUMBERS) f[name].value = String(g[name] ?? 0);
    document.querySelector("#materials tbody").replaceChildren(...(g.materials || []).map(materialRow));
    document.querySelector("#steps tbody").replaceChildren(...(g.steps || []).map(stepRow));
    const title = document.getElementById("form-title");
    title.textContent = "";
    if (current) { title.appendChild(el("span", null, s.code + " · " + s.name)); }
    else H.pair(title, "catalogue_page.new");
    document.getElementById("pick").hidden = true;
    form.hidden = false;
  }

  function read() {
    const f = form.elements;
    const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);
    const guide = { ...(current ? current.guide : {}), materials: readMaterials(), steps: readSteps() };
    for (const name of LINES) guide[name] = lines(f[name].value);
    for (const name of GUIDE_TEXT) guide[name] = f[name].value.trim();
    for (const name of GUIDE_NUMBERS) guide[name] = Number(f[name].value || 0);
    const cap = f.daily_cap.value.trim();
    const ahead = f.notice_ahead_at.value.trim();  // empty: the hall's "N ahead"
    return {
      name: f.name.value, name_en: f.name_en.value, department: f.department.value, prefix: f.prefix.value,
      theme: f.theme.value, category: f.category.value, case_type: f.case_type.value,
      daily_cap: cap === "" ? null : Number(cap), priority_allowed: f.priority_allowed.checked,
      weight: Number(f.weight.value || 1), avg_handle_minutes: Number(f.avg_handle_minutes.value || 10),
      keywords: f.keywords.value.split(/[,，、]/).map((k) => k.trim()).filter(Boolean),
      active: f.active.checked, guide, notice_ahead_at: ahead === "" ? null : Number(ahead),
    };
  }

  /** Only the fields that differ from the loaded service (the audit then names just those). */
  function changes(wanted) {
    const out = {};
    for (const name of FIELDS) {
      if (JSON.stringify(wanted[name]) !== JSON.stringify(current[name])) out[name] = wanted[name];
    }
    return out;
  }

  async function history(code) {
    const list = document.getElementById("history");
    const lines = await H.api("GET", "/audit?subject=" + encodeURIComponent("service:" + code) + "&limit=20");
    if (!lines.length) { list.replaceChildren(H.pair(el("li", "muted"), "catalogue_page.no_history")); return; }
    list.replaceChildren(...lines.map((line) => {
      const li = el("li");
      li.appendChild(el("time", "muted", new Date(line.at).toLocaleString("zh-CN", { hour12: false })));
      li.appendChild(el("span", "who", line.actor.split(":").slice(2).join(":") || line.actor));
      const changed = (line.detail && line.detail.changed) || [];
      if (line.action === "service.create") li.appendChild(H.pair(el("span"), "catalogue_page.created_entry"));
      else li.appendChild(H.pair(el("span"), "catalogue_page.changed", { fields: changed.join(", ") }));
      return li;
    }));
  }

  async function edit(code) {
    current = await H.api("GET", "/catalogue/services/" + encodeURIComponent(code));
    fill(current);
    drawList();
    await history(code);
  }

  function blank() {
    current = null;
    fill({ category: "public_service", case_type: "immediate", department: form.elements.department.value, daily_cap: null, guide: {} });
    document.getElementById("history").replaceChildren();
    drawList();
    form.elements.code.focus();
  }

  async function save() {
    const wanted = read();
    let saved;
    if (current) {
      saved = await H.api("PATCH", "/catalogue/services/" + encodeURIComponent(current.code), changes(wanted));
      H.toast("catalogue_page.saved", { code: saved.code });
    } else {
      saved = await H.api("POST", "/catalogue/services", { code: form.elements.code.value.trim(), ...wanted });
      H.toast("catalogue_page.created", { code: saved.code });
    }
    await load();
    await edit(saved.code);
  }

  async function load() {
    services = await H.api("GET", "/catalogue/services");
    drawList();
  }

  async function start() {
    await H.nav("/manager/catalogue");
    const f = form.elements;
    options(f.category, CATEGORIES, (v) => both("category." + v));
    options(f.case_type, CASE_TYPES, (v) => both("case_type." + v));
    const departments = await H.api("GET", "/catalogue/departments");
    options(f.department, departments.map((d) => d.code), (code) => {
      const d = departments.find((x) => x.code === code);
      return d.name + " (" + d.code + ")";
    });
    document.getElementById("search").addEventListener("input", drawList);
    document.getElementById("add-material").addEventListener("click", () => {
      document.querySelector("#materials tbody").appendChild(materialRow({ originals: 1, copies: 0 }));
    });
    document.getElementById("add-step").addEventListener("click", () => {
      document.querySelector("#steps tbody").appendChild(stepRow({}));
    });
    document.getElementById("new-service").addEventListener("click", blank);
    H.action(document.getElementById("save-service"), save);
    form.addEventListener("submit", (event) => event.preventDefault());
    await load();
    H.live(["manager"], {
      onSnapshot() {},
      onEvent(frame) { if (frame.type === "catalogue.changed") load().catch(H.toast); },
    });
  }

  start().catch((error) => H.toast(error));
})();
