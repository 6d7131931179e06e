/* 窗口配置 (window allocation) for a hall of hundreds of windows and services. Not a matrix (26 × 70
   was 15,000 px wide): a list of windows, filtered by zone, department, service or name, under a
   header that stays in place; each row shows the window's services in order and its status buttons.
   "编辑" opens the window in the side panel: tick services (a search narrows 300 to a few), the number
   is the order of preference, 保存 applies at once (PUT /windows/{n}/assignments), and the ticked
   list can be saved as a work profile. Several windows ticked in the list take a work profile in one
   step: 预览 first names the services it would leave without an open window, then 套用 applies it
   (POST /work-profiles/{id}/apply: audited per window, live). Seasonal and time-boxed rules keep
   their dates and hours; the form below sets them. The audit panel lists recent changes. Live: the
   "manager" topic redraws the list; the panel keeps unsaved edits. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const $ = (id) => document.getElementById(id);
  let services = [];
  let byCode = {};
  let windows = [];
  let rules = {};  // window → [AssignmentIn]
  let profiles = [];
  const picked = new Set();
  const state = { editing: null, draft: null, dirty: false, previewed: null };
  let client = null;
  let timer = null;

  function t(key, fields) { return H.pair(el("span"), key, fields); }

  function byPreference(list) { return [...list].sort((a, b) => a.preference - b.preference); }

  function boxed(r) { return Boolean(r.valid_from || r.valid_until || r.time_from || r.time_until); }

  // ------------------------------------------------------------------ filters

  function options(select, values, label) {
    const keep = select.value;
    const all = el("option", null, H.t("manager.filter.all")[0]);
    all.value = "";
    select.replaceChildren(all, ...values.map((v) => { const o = el("option", null, label(v)); o.value = v; return o; }));
    if (values.includes(keep)) select.value = keep;
  }

  function fillFilters() {
    const zones = Array.from(new Set(windows.map((w) => w.zone || ""))).sort();
    options($("f-zone"), zones, (z) => z || H.t("manager.zone_none")[0]);
    const departments = Array.from(new Set(services.map((s) => s.department))).sort();
    const deptName = {};
    for (const s of services) deptName[s.department] = s.department_name || s.department;
    options($("f-department"), departments, (d) => deptName[d]);
    options($("f-service"), services.map((s) => s.code), (code) => code + " · " + byCode[code].name);
  }

  function shown() {
    const zone = $("f-zone").value;
    const department = $("f-department").value;
    const service = $("f-service").value;
    const text = $("f-window").value.trim().toLowerCase();
    return windows.filter((w) => {
      const mine = (rules[w.number] || []).map((r) => r.service_code);
      if ($("f-zone").selectedIndex > 0 && (w.zone || "") !== zone) return false;
      if (department && !mine.some((code) => byCode[code] && byCode[code].department === department)) return false;
      if (service && !mine.includes(service)) return false;
      if (text && !(w.number.toLowerCase().includes(text) || (w.name || "").toLowerCase().includes(text))) return false;
      return true;
    });
  }

  // ------------------------------------------------------------------ the window list

  function statusCell(w) {
    const td = el("td", "status");
    td.appendChild(H.pair(el("span", "pill " + ({ open: "ok", paused: "warn" }[w.status] || "")), "manager.status." + w.status));
    const actions = el("div", "actions");
    const buttons = [["open", "manager.do_open"], ["paused", "manager.do_pause"], ["closed", "manager.do_close"]];
    for (const [status, key] of buttons) {
      if (status === w.status) continue;
      const button = H.pair(el("button", "set-" + status), key);
      H.action(button, async () => {
        const body = status === "paused" ? { status, reason: "other" } : { status };
        await H.api("PUT", "/windows/" + encodeURIComponent(w.number) + "/status", body);
        H.toast("manager.window_changed", { window: w.number });
        await reload();
      });
      actions.appendChild(button);
    }
    td.appendChild(actions);
    return td;
  }

  function row(w) {
    const tr = el("tr", (picked.has(w.number) ? "picked" : "") + (state.editing === w.number ? " editing" : ""));
    tr.dataset.window = w.number;
    const pickCell = el("td", "pick");
    const pick = el("input", "pick");
    pick.type = "checkbox";
    pick.checked = picked.has(w.number);
    pick.setAttribute("aria-label", H.t("board.window_no", { window: w.number })[0]);
    pick.addEventListener("change", () => {
      if (pick.checked) picked.add(w.number); else picked.delete(w.number);
      tr.classList.toggle("picked", pick.checked);
      paintPicked();
    });
    pickCell.appendChild(pick);
    tr.appendChild(pickCell);
    const name = el("td", "win");
    name.appendChild(el("b", null, w.number + " "));
    name.appendChild(el("span", "muted", w.name));
    tr.appendChild(name);
    tr.appendChild(el("td", null, w.zone || "—"));
    tr.appendChild(statusCell(w));
    const list = el("td", "services");
    const mine = byPreference(rules[w.number] || []);
    if (!mine.length) list.appendChild(t("manager.none"));
    mine.forEach((r, i) => {
      const s = byCode[r.service_code];
      const item = el("span", boxed(r) ? "boxed" : null, (i ? " · " : "") + r.preference + "." + (s ? s.name : r.service_code) + (boxed(r) ? "★" : ""));
      item.dataset.service = r.service_code;
      list.appendChild(item);
    });
    tr.appendChild(list);
    const edit = el("td");
    const button = H.pair(el("button", "edit"), "manager.edit");
    button.addEventListener("click", () => openPanel(w.number));
    edit.appendChild(button);
    tr.appendChild(edit);
    return tr;
  }

  function draw() {
    const list = shown();
    document.querySelector("#matrix tbody").replaceChildren(...list.map(row));
    const count = $("shown-count");
    count.replaceChildren();
    H.pair(count, "manager.windows_shown", { shown: list.length, total: windows.length });
    document.body.dataset.windowsShown = String(list.length);
    paintPicked();
    drawBoxed();
  }

  function paintPicked() {
    const node = $("selected-count");
    node.replaceChildren();
    H.pair(node, "manager.selected_windows", { count: picked.size });
    $("profile-apply").disabled = !(state.previewed && picked.size);
    document.body.dataset.picked = String(picked.size);
  }

  // ------------------------------------------------------------------ the side panel (one window)

  function openPanel(number) {
    const w = windows.find((x) => x.number === number);
    if (!w) return;
    state.editing = number;
    state.draft = byPreference(rules[number] || []).map((r) => ({ ...r }));
    state.dirty = false;
    $("panel-empty").hidden = true;
    $("panel-body").hidden = false;
    $("panel").dataset.window = number;
    const title = $("panel-title");
    title.replaceChildren();
    H.pair(title, "manager.panel_title", { window: w.number, name: w.name });
    $("panel-search").value = "";
    drawPanel();
    for (const tr of document.querySelectorAll("#matrix tbody tr")) tr.classList.toggle("editing", tr.dataset.window === number);
  }

  function drawPanel() {
    const text = $("panel-search").value.trim().toLowerCase();
    const tickedOnly = $("panel-ticked").checked;
    const draft = state.draft;
    const mine = (code) => draft.find((r) => r.service_code === code);
    const ordered = [...draft.map((r) => byCode[r.service_code]).filter(Boolean),
      ...services.filter((s) => !mine(s.code))];
    const cells = ordered.filter((s) => (!tickedOnly || mine(s.code))
      && (!text || s.code.toLowerCase().includes(text) || s.name.toLowerCase().includes(text)
        || (s.department_name || "").toLowerCase().includes(text)))
      .map((s) => {
        const rule = mine(s.code);
        const cell = el("label", "cell" + (rule && boxed(rule) ? " boxed" : ""));
        cell.dataset.service = s.code;
        const tick = el("input");
        tick.type = "checkbox";
        tick.checked = Boolean(rule);
        tick.dataset.service = s.code;
        const order = el("input", "preference");
        order.type = "number"; order.min = "1"; order.max = "999";
        order.value = rule ? String(rule.preference) : "";
        order.disabled = !rule;
        order.dataset.service = s.code;
        order.setAttribute("aria-label", s.code);
        tick.addEventListener("change", () => {
          if (tick.checked) {
            const next = draft.length ? Math.max(...draft.map((r) => r.preference)) + 1 : 1;
            draft.push({ service_code: s.code, preference: next, weight: 1 });
            order.value = String(next);
          } else {
            draft.splice(draft.findIndex((r) => r.service_code === s.code), 1);
            order.value = "";
          }
          order.disabled = !tick.checked;
          touch();
        });
        order.addEventListener("input", () => {
          const r = mine(s.code);
          if (r) { r.preference = Number(order.value) || 1; touch(); }
        });
        cell.append(tick, el("span", "name", s.name + " · " + s.code), order);
        return cell;
      });
    $("panel-list").replaceChildren(...cells);
  }

  function touch() {
    state.dirty = true;
    $("panel").classList.add("dirty");
    $("panel-save").disabled = false;
  }

  async function savePanel() {
    const number = state.editing;
    const saved = await H.api("PUT", "/windows/" + encodeURIComponent(number) + "/assignments", state.draft);
    rules[number] = byPreference(saved.assignments);
    state.draft = rules[number].map((r) => ({ ...r }));
    state.dirty = false;
    $("panel").classList.remove("dirty");
    $("panel-save").disabled = true;
    H.toast("manager.allocation_saved", { window: number });
    draw();
    drawPanel();
    await loadAudit();
  }

  // ------------------------------------------------------------------ work profiles

  async function loadProfiles() {
    profiles = await H.api("GET", "/work-profiles");
    const select = $("profile");
    const keep = select.value;
    select.replaceChildren(...profiles.map((p) => {
      const names = p.services.map((code) => (byCode[code] ? byCode[code].name : code));
      const o = el("option", null, p.name + " — " + H.t("manager.profile_services", { count: names.length, names: names.slice(0, 4).join("、") + (names.length > 4 ? "…" : "") })[0]);
      o.value = String(p.id);
      return o;
    }));
    if (profiles.some((p) => String(p.id) === keep)) select.value = keep;
  }

  function refs(list) {
    const ul = el("ul");
    ul.replaceChildren(...list.map((s) => {
      const li = el("li", null, H.t("manager.preview_waiting", s)[0]);
      li.dataset.service = s.code;
      return li;
    }));
    return ul;
  }

  async function previewProfile() {
    state.previewed = null;
    paintPicked();
    if (!picked.size || !$("profile").value) return;
    const body = { windows: Array.from(picked) };
    const found = await H.api("POST", "/work-profiles/" + $("profile").value + "/preview", body);
    const box = $("preview");
    box.replaceChildren();
    box.className = "preview " + (found.newly_uncovered.length ? "bad" : "ok");
    box.dataset.newly = found.newly_uncovered.map((s) => s.code).join(",");
    if (found.newly_uncovered.length) {
      box.appendChild(t("manager.preview_newly"));
      box.appendChild(refs(found.newly_uncovered));
    } else {
      box.appendChild(t("manager.preview_ok"));
    }
    if (found.still_uncovered.length) {  // already so before: folded, it is not this change's doing
      const more = el("details", "still");
      const summary = el("summary");
      summary.appendChild(t("manager.preview_still"));
      summary.appendChild(el("b", null, " " + found.still_uncovered.length));
      more.append(summary, refs(found.still_uncovered));
      box.appendChild(more);
    }
    box.hidden = false;
    state.previewed = { profile: $("profile").value, windows: body.windows.join(",") };
    paintPicked();
  }

  async function applyProfile() {
    const id = $("profile").value;
    const chosen = Array.from(picked);
    if (!state.previewed || state.previewed.profile !== id || state.previewed.windows !== chosen.join(",")) {
      await previewProfile();  // what is applied is always what was previewed
      return;
    }
    const applied = await H.api("POST", "/work-profiles/" + id + "/apply", { windows: chosen });
    for (const w of applied) rules[w.window] = byPreference(w.assignments);
    const profile = profiles.find((p) => String(p.id) === id);
    H.toast("manager.profile_applied", { profile: profile ? profile.name : "", count: applied.length });
    picked.clear();
    state.previewed = null;
    $("preview").hidden = true;
    draw();
    await loadAudit();
  }

  async function saveAsProfile() {
    const name = $("profile-name").value.trim();
    const codes = byPreference(state.draft || []).map((r) => r.service_code);
    if (!name || !codes.length) { H.toast("manager.profile_name"); return; }
    const saved = await H.api("POST", "/work-profiles", { name, services: codes });
    H.toast("manager.profile_saved", { name: saved.name });
    await loadProfiles();
    $("profile").value = String(saved.id);
  }

  function wireTools() {
    for (const id of ["f-zone", "f-department", "f-service"]) $(id).addEventListener("change", draw);
    $("f-window").addEventListener("input", draw);
    $("select-shown").addEventListener("click", () => { for (const w of shown()) picked.add(w.number); draw(); });
    H.action($("profile-preview"), previewProfile);
    H.action($("profile-apply"), applyProfile);
    $("profile").addEventListener("change", () => { state.previewed = null; $("preview").hidden = true; paintPicked(); });
    $("panel-search").addEventListener("input", drawPanel);
    $("panel-ticked").addEventListener("change", drawPanel);
    H.action($("panel-save"), savePanel);
    H.action($("profile-save-as"), saveAsProfile);
  }

  // ------------------------------------------------------------------ seasonal and time-boxed rules

  function span(a, b) { return a || b ? (a || "…") + " – " + (b || "…") : "—"; }

  function drawBoxed() {
    const body = document.querySelector("#boxed tbody");
    const rows = [];
    for (const w of windows) {
      for (const r of rules[w.number] || []) {
        if (!(r.valid_from || r.valid_until || r.time_from || r.time_until)) continue;
        const tr = el("tr");
        tr.appendChild(el("td", null, w.number));
        tr.appendChild(el("td", null, r.service_code + " · " + r.preference));
        tr.appendChild(el("td", null, span(r.valid_from, r.valid_until)));
        tr.appendChild(el("td", null, span(r.time_from && r.time_from.slice(0, 5), r.time_until && r.time_until.slice(0, 5))));
        const clear = H.pair(el("button"), "manager.clear_timebox");
        H.action(clear, async () => {
          const list = (rules[w.number] || []).map((x) => x.service_code === r.service_code
            ? { ...x, valid_from: null, valid_until: null, time_from: null, time_until: null } : x);
          await putRules(w.number, list);
        });
        const td = el("td");
        td.appendChild(clear);
        tr.appendChild(td);
        rows.push(tr);
      }
    }
    body.replaceChildren(...rows);
  }

  async function putRules(number, list) {
    const saved = await H.api("PUT", "/windows/" + encodeURIComponent(number) + "/assignments", list);
    rules[number] = byPreference(saved.assignments);
    H.toast("manager.allocation_saved", { window: number });
    draw();
    if (state.editing === number && !state.dirty) openPanel(number);
    await loadAudit();
  }

  function wireTimebox() {
    const form = document.getElementById("timebox");
    form.elements.window.replaceChildren(...windows.map((w) => { const o = el("option", null, w.number + " " + w.name); o.value = w.number; return o; }));
    form.elements.service.replaceChildren(...services.map((s) => { const o = el("option", null, s.code + " " + s.name); o.value = s.code; return o; }));
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("timebox-save"), async () => {
      if (!form.reportValidity()) return;
      const f = form.elements;
      const rule = {
        service_code: f.service.value,
        preference: Number(f.preference.value),
        weight: Number(f.weight.value),
        valid_from: f.valid_from.value || null,
        valid_until: f.valid_until.value || null,
        time_from: f.time_from.value || null,
        time_until: f.time_until.value || null,
      };
      const list = (rules[f.window.value] || []).filter((r) => r.service_code !== rule.service_code);
      await putRules(f.window.value, [...list, rule]);
    });
  }

  // ------------------------------------------------------------------ audit

  function describe(entry) {
    const detail = entry.detail || {};
    const show = (side) => {
      if (!side) return "—";
      if (side.assignments) return side.assignments.map((a) => a.preference + "." + a.service_code
        + (a.valid_from || a.valid_until || a.time_from || a.time_until ? "★" : "")).join(" ") || "∅";
      if (side.status) return H.t("manager.status." + side.status)[0] + (side.pause_reason ? "（" + H.t("manager.reason." + side.pause_reason)[0] + "）" : "");
      return JSON.stringify(side);
    };
    const change = el("div", "change");
    change.appendChild(el("del", "before", show(detail.before)));
    change.appendChild(document.createTextNode(" → "));
    change.appendChild(el("ins", "after", show(detail.after)));
    return change;
  }

  async function loadAudit() {
    const [assignments, statuses] = await Promise.all([
      H.api("GET", "/audit?action=assignments&limit=30"),
      H.api("GET", "/audit?action=window.status&limit=30"),
    ]);
    const entries = [...assignments, ...statuses].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 30);
    document.getElementById("audit").replaceChildren(...entries.map((entry) => {
      const li = el("li");
      li.dataset.action = entry.action;
      li.dataset.subject = entry.subject;
      const head = el("div");
      head.appendChild(el("b", null, H.format("time", Date.parse(entry.at)) + " "));
      head.appendChild(t("manager.audit." + entry.action, { window: entry.subject.replace("window:", "") }));
      head.appendChild(el("span", "muted", " · " + entry.actor.split(":").pop()));
      li.appendChild(head);
      li.appendChild(describe(entry));
      return li;
    }));
  }

  // ------------------------------------------------------------------ loading and live

  async function reload() {
    const [hall, matrix] = await Promise.all([H.api("GET", "/hall"), H.api("GET", "/assignments")]);
    H.clock.timezone = hall.hall.timezone;
    windows = hall.windows;
    rules = {};
    for (const w of matrix) rules[w.window] = byPreference(w.assignments);
    fillFilters();
    draw();
    if (state.editing && !state.dirty) openPanel(state.editing);  // unsaved edits stay as they are
  }

  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => { reload().catch(H.toast); loadAudit().catch(H.toast); }, 300);
  }

  async function start() {
    await H.nav("/manager/allocation");
    services = await H.api("GET", "/services");
    byCode = Object.fromEntries(services.map((s) => [s.code, s]));
    wireTools();
    await reload();
    await loadProfiles();
    wireTimebox();
    await loadAudit();
    client = H.live(["manager"], {
      onSnapshot: () => {},
      onEvent: (frame) => {
        if (frame.type === "window.status" || frame.type === "assignments.changed") reloadSoon();
      },
    });
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
