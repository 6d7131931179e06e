/* 窗口考核: the monthly meeting. The month's ranking with its flags (模范 candidates to confirm,
   黄旗, warnings, 群众不满意窗口), a window's score sheet with every deduction and the rows it
   comes from, the manager's entries (a rubric item with its reason, or a measured item waived),
   closing the month, the individual grades, and the complaint and praise registers. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const state = { month: "", data: null, selected: null, rubric: null, windows: [] };

  function cell(tr, content, cls) {
    const td = el("td", cls || null);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "" : String(content);
    tr.appendChild(td);
    return td;
  }
  function pairSpan(key, fields, cls) { return H.pair(el("span", cls || null), key, fields); }
  function pts(n) { return Number.isInteger(n) ? String(n) : n.toFixed(1); }
  function localTime(iso) { return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : ""; }
  function button(key, cls, work) {
    const b = H.pair(el("button", cls || null), key);
    b.type = "button";
    H.action(b, work);
    return b;
  }

  // ---------------------------------------------------------------- month, ranking, flags

  async function load(month) {
    state.month = month;
    state.data = await H.api("GET", "/assessment/" + month);
    renderMonth();
  }

  function flagPills(w) {
    const box = el("span");
    if (w.model_confirmed) box.appendChild(pairSpan("assess.flag_model", null, "pill model"));
    else if (w.model_eligible) box.appendChild(pairSpan("assess.flag_model_eligible", null, "pill ok"));
    if (w.yellow) box.appendChild(pairSpan("assess.flag_yellow", { count: w.yellow_count }, "pill yellow"));
    if (w.warning) box.appendChild(pairSpan("assess.flag_warning", null, "pill bad"));
    if (w.unsatisfied) box.appendChild(pairSpan("assess.flag_unsatisfied", null, "pill bad"));
    if (w.sign_until) box.appendChild(pairSpan("assess.flag_sign", { until: w.sign_until }, "pill bad"));
    return box;
  }

  function renderMonth() {
    const d = state.data;
    const stateBox = document.getElementById("state");
    stateBox.textContent = "";
    stateBox.className = "pill " + (d.closed ? "warn" : "ok");
    H.pair(stateBox, d.closed ? "assess.state_closed" : "assess.state_open",
      { by: (d.closed_by || "").split(":").pop(), at: localTime(d.closed_at) });
    document.getElementById("close-month").hidden = d.closed;
    document.getElementById("entry-card").hidden = d.closed;
    const body = document.querySelector("#ranking tbody");
    body.textContent = "";
    for (const w of d.windows) {
      const tr = el("tr", w.window === state.selected ? "selected" : null);
      tr.dataset.window = w.window;
      cell(tr, w.rank, "num");
      cell(tr, w.window + " " + w.window_name);
      cell(tr, pts(w.total), "num total");
      cell(tr, pts(w.deducted), "num");
      cell(tr, pts(w.bonus), "num");
      cell(tr, flagPills(w), "flags");
      const actions = cell(tr, "");
      actions.appendChild(button("assess.details", null, async () => { state.selected = w.window; renderMonth(); }));
      if (!d.closed && (w.model_eligible || w.model_confirmed)) {
        const confirm = !w.model_confirmed;
        const b = button(confirm ? "assess.confirm_model" : "assess.withdraw_model", confirm ? "primary" : null, async () => {
          state.data = await H.api("POST", "/assessment/" + state.month + "/model", { window: w.window, confirmed: confirm });
          renderMonth();
          H.toast("console.saved");
        });
        b.classList.add("model-toggle");
        actions.appendChild(b);
      }
      body.appendChild(tr);
    }
    if (!d.windows.length) { const tr = el("tr"); cell(tr, "").appendChild(pairSpan("assess.none")); body.appendChild(tr); }
    renderSheet();
    renderClerks();
  }

  // ---------------------------------------------------------------- one window's sheet

  function evidence(line) {
    const r = line.ref || {};
    const parts = [];
    if (r.events) parts.push(H.t("assess.ref.events", { ids: r.events.map((i) => "#" + i).join(" ") })[0]);
    for (const key of ["case", "evaluation", "follow_up", "complaint", "praise"]) {
      if (r[key] != null) parts.push(H.t("assess.ref." + key, { id: r[key] })[0]);
    }
    if (r.day) parts.push(r.day);
    if (r.minutes != null) parts.push(H.t("assess.ref.minutes", { minutes: r.minutes })[0]);
    if (r.seconds != null) parts.push(H.t("assess.ref.seconds", { seconds: r.seconds })[0]);
    if (r.due) parts.push(H.t("assess.ref.due", { due: r.due })[0]);
    if (r.ticket) parts.push(r.ticket);
    if (line.note) parts.push("“" + line.note + "” " + (r.by || "").split(":").pop());
    return parts.join(" · ");
  }

  function renderSheet() {
    const card = document.getElementById("sheet-card");
    const w = state.data && state.data.windows.find((x) => x.window === state.selected);
    card.hidden = !w;
    if (!w) return;
    const title = document.getElementById("sheet-title");
    title.textContent = "";
    H.pair(title, "assess.sheet", { window: w.window });
    const sections = document.querySelector("#sections tbody");
    sections.textContent = "";
    for (const s of w.sections) {
      const tr = el("tr");
      const name = cell(tr, "");
      name.appendChild(el("span", "zh", s.name));
      name.appendChild(el("span", "en", s.name_en));
      cell(tr, pts(s.max_points), "num");
      cell(tr, pts(s.deducted), "num" + (s.lost_whole ? " lost" : ""));
      cell(tr, pts(s.score), "num");
      sections.appendChild(tr);
    }
    const lines = document.querySelector("#lines tbody");
    lines.textContent = "";
    for (const line of w.lines) {
      const tr = el("tr", line.waived ? "waived" : null);
      tr.dataset.fact = line.fact_id;
      cell(tr, line.rule_name);
      cell(tr, line.waived ? "—" : (line.section === "bonus" ? "+" : "−") + pts(line.points), "num");
      cell(tr, pairSpan(line.source === "manual" ? "assess.source_manual" : "assess.source_measured"));
      cell(tr, line.clerk_name ? line.clerk_name + " " + line.clerk_staff_no : "");
      cell(tr, evidence(line), "evidence");
      const act = cell(tr, "");
      if (!state.data.closed && line.source === "measured" && !line.waived) {
        act.appendChild(button("assess.waive", "waive", async () => chooseWaiver(w.window, line)));
      }
      const entry = line.source === "manual" ? line.entry_id : line.waived_by_entry;
      if (!state.data.closed && entry) {
        act.appendChild(button("assess.withdraw", null, async () => {
          state.data = await H.api("DELETE", "/assessment/" + state.month + "/entries/" + entry);
          renderMonth();
        }));
      }
      lines.appendChild(tr);
    }
  }

  function chooseWaiver(window, line) {
    const form = document.getElementById("entry");
    form.window.value = window;
    form.waives.value = line.fact_id;
    form.rule.value = "";
    form.reason.focus();
    H.toast("assess.waive_hint");
  }

  // ---------------------------------------------------------------- entries

  function fillRules() {
    const select = document.querySelector("#entry select[name=rule]");
    select.textContent = "";
    select.appendChild(el("option", null, ""));
    const sheet = state.rubric.window;
    for (const section of [...sheet.sections, sheet.bonus]) {
      const group = el("optgroup");
      group.label = section.name + " (" + section.max_points + ")";
      for (const rule of section.rules) {
        const range = rule.points_max != null ? rule.points + "–" + rule.points_max : rule.points;
        const sign = section.key === sheet.bonus.key ? "+" : "−";
        const option = el("option", null, rule.name + " " + sign + range);
        option.value = rule.key;
        group.appendChild(option);
      }
      select.appendChild(group);
    }
    select.addEventListener("change", () => { if (select.value) document.querySelector("#entry [name=waives]").value = ""; });
  }

  async function saveEntry(form) {
    const body = { window: form.window.value, reason: form.reason.value.trim() };
    if (form.waives.value) body.waives = form.waives.value;
    else body.rule = form.rule.value || null;
    if (form.count.value) body.count = Number(form.count.value);
    if (form.points.value) body.points = Number(form.points.value);
    if (form.clerk_staff_no.value.trim()) body.clerk_staff_no = form.clerk_staff_no.value.trim();
    await H.api("POST", "/assessment/" + state.month + "/entries", body);
    form.reset();
    state.selected = body.window;
    await load(state.month);
    H.toast("console.saved");
  }

  function renderClerks() {
    const body = document.querySelector("#clerks tbody");
    body.textContent = "";
    for (const p of state.data.clerks) {
      const tr = el("tr");
      cell(tr, p.staff_no);
      cell(tr, p.name);
      cell(tr, p.windows.join("、"));
      cell(tr, pts(p.total), "num");
      cell(tr, pairSpan("assess.grade." + p.grade, null, "pill " + (p.grade === "fail" ? "bad" : p.grade === "excellent" ? "ok" : "")));
      body.appendChild(tr);
    }
  }

  // ---------------------------------------------------------------- registers

  async function loadComplaints() {
    const items = await H.api("GET", "/complaints");
    const body = document.querySelector("#complaints tbody");
    body.textContent = "";
    for (const c of items) {
      const tr = el("tr");
      tr.dataset.id = c.id;
      cell(tr, c.id);
      cell(tr, localTime(c.received_at));
      cell(tr, pairSpan("assess.category." + c.category));
      cell(tr, (c.window || "") + (c.clerk_name ? " " + c.clerk_name : ""));
      cell(tr, c.summary + (c.contact_masked ? " (" + c.contact_masked + ")" : ""));
      const verdict = cell(tr, pairSpan("assess.verdict." + c.verdict, null,
        "pill " + (c.verdict === "verified" ? "bad" : c.verdict === "unfounded" ? "ok" : "warn")));
      if (c.points != null) verdict.appendChild(el("span", null, " −" + pts(c.points)));
      if (c.finding) verdict.appendChild(el("div", "muted", c.finding));
      cell(tr, c.outcome);
      const act = cell(tr, "");
      if (c.verdict === "pending") act.appendChild(judgeForm(c));
      else if (!c.reported_at) act.appendChild(reportForm(c));
      else act.appendChild(pairSpan("assess.reported", null, "muted"));
      body.appendChild(tr);
    }
  }

  function judgeForm(c) {
    const box = el("div", "inline-form");
    const finding = el("input");
    finding.name = "finding";
    const [zh, en] = H.t("assess.finding");
    finding.placeholder = zh + " " + en;
    const points = el("input");
    points.type = "number"; points.name = "points"; points.min = "5"; points.max = "10"; points.value = "5"; points.style.width = "4em";
    const send = (verdict) => async () => {
      const body = { verdict, finding: finding.value.trim() };
      if (verdict === "verified") body.points = Number(points.value);
      await H.api("POST", "/complaints/" + c.id + "/verdict", body);
      await Promise.all([loadComplaints(), load(state.month)]);
    };
    box.append(finding, points, button("assess.verify", "danger verify", send("verified")),
      button("assess.unfound", "unfound", send("unfounded")));
    return box;
  }

  function reportForm(c) {
    const box = el("div", "inline-form");
    const outcome = el("input");
    outcome.name = "outcome";
    const [zh, en] = H.t("assess.outcome");
    outcome.placeholder = zh + " " + en;
    box.append(outcome, button("assess.report", "report", async () => {
      await H.api("POST", "/complaints/" + c.id + "/report", { outcome: outcome.value.trim() });
      await loadComplaints();
    }));
    return box;
  }

  async function loadPraise() {
    const items = await H.api("GET", "/praise");
    const body = document.querySelector("#praise-list tbody");
    body.textContent = "";
    for (const p of items) {
      const tr = el("tr");
      cell(tr, p.day);
      cell(tr, pairSpan("assess.kind." + p.kind));
      cell(tr, p.window);
      cell(tr, p.clerk_name || "");
      cell(tr, p.note);
      body.appendChild(tr);
    }
  }

  function formBody(form, names) {
    const out = {};
    for (const name of names) {
      const value = (form[name].value || "").trim();
      if (value) out[name] = value;
    }
    return out;
  }

  function options(select, values, keyPrefix, blank) {
    select.textContent = "";
    if (blank) select.appendChild(el("option", null, ""));
    for (const value of values) {
      const option = el("option", null, keyPrefix ? H.t(keyPrefix + value)[0] : value);
      option.value = value;
      select.appendChild(option);
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    await H.nav("/manager/assessment");
    const [rubric, hall] = await Promise.all([H.api("GET", "/assessment/rubric"), H.api("GET", "/hall")]);
    state.rubric = rubric;
    state.windows = hall.windows.map((w) => w.number);
    fillRules();
    options(document.querySelector("#entry [name=window]"), state.windows);
    options(document.querySelector("#complaint [name=window]"), state.windows, null, true);
    options(document.querySelector("#praise [name=window]"), state.windows);
    options(document.querySelector("#complaint [name=category]"),
      ["attitude", "overdue", "wrongly_refused", "fees", "misconduct", "other"], "assess.category.");
    options(document.querySelector("#complaint [name=channel]"), ["phone", "visit", "letter", "web"], "assess.channel.");
    options(document.querySelector("#praise [name=kind]"), ["banner", "letter", "other"], "assess.kind.");
    const today = new Date(hall.hall.now);
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: hall.hall.timezone }).format(today);
    document.querySelector("#praise [name=day]").value = local;
    const params = new URLSearchParams(window.location.search);
    const month = params.get("month") || local.slice(0, 7);
    document.getElementById("month").value = month;

    document.getElementById("pick").addEventListener("submit", (e) => {
      e.preventDefault();
      load(document.getElementById("month").value).catch(H.toast);
    });
    H.action(document.getElementById("close-month"), async () => {
      if (!window.confirm(H.t("assess.close_confirm").join("\n"))) return;
      state.data = await H.api("POST", "/assessment/" + state.month + "/close");
      renderMonth();
    });
    const entry = document.getElementById("entry");
    entry.addEventListener("submit", (e) => { e.preventDefault(); saveEntry(entry).catch(H.toast); });
    const complaint = document.getElementById("complaint");
    complaint.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await H.api("POST", "/complaints", formBody(complaint,
          ["category", "channel", "window", "clerk_staff_no", "ticket_number", "contact_phone", "summary"]));
        complaint.reset();
        await loadComplaints();
        H.toast("console.saved");
      } catch (error) { H.toast(error); }
    });
    const praise = document.getElementById("praise");
    praise.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await H.api("POST", "/praise", formBody(praise, ["kind", "window", "clerk_staff_no", "day", "note"]));
        praise.note.value = "";
        await Promise.all([loadPraise(), load(state.month)]);
        H.toast("console.saved");
      } catch (error) { H.toast(error); }
    });
    await Promise.all([load(month), loadComplaints(), loadPraise()]);
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
