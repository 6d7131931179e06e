/* 排班建议 (allocation advisor). The manager picks a day: the server simulates it under today's
   allocation and proposes a better one by time block (POST /advisor/recommend); the page shows both
   side by side, the expected waits through the day as an SVG chart, the changes with the gain the
   first few bring, and applies a block's proposal through the audited work-profile API (a profile
   per service list, created when missing, then POST /work-profiles/{id}/apply). The what-if editor
   gives windows other services for the day (POST /advisor/what-if); the check compares a past
   day's prediction with what happened (GET /advisor/check). No inline script or style: CSP-safe. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const changes = {};
  let last = null;

  function minutes(seconds) { return (seconds / 60).toFixed(1); }
  function text(key, fields) { return H.pair(el("span"), key, fields); }
  function cell(value) { return el("td", null, value); }

  function row(now, later) {
    const tr = el("tr");
    tr.dataset.service = now.code;
    tr.append(
      cell(now.code + " · " + now.name),
      cell(now.tickets.toFixed(0)),
      cell(minutes(now.mean_wait.mean)),
      cell(later ? minutes(later.mean_wait.mean) : "—"),
      cell(minutes(now.p90_wait.mean)),
      cell(later ? minutes(later.p90_wait.mean) : "—"),
      cell(Math.round(now.over_threshold.mean * 100) + "% → " + (later ? Math.round(later.over_threshold.mean * 100) + "%" : "—")),
    );
    if (later) tr.querySelectorAll("td")[5].className = later.p90_wait.mean < now.p90_wait.mean ? "better" : "";
    return tr;
  }

  function line(values, cls, scale, width, height) {
    const points = [];
    values.forEach((v, hour) => {
      if (v === null || v === undefined) return;
      points.push((hour / 23 * width).toFixed(1) + "," + (height - v / scale * height).toFixed(1));
    });
    const path = document.createElementNS(SVG, "polyline");
    path.setAttribute("points", points.join(" "));
    path.setAttribute("class", "series " + cls);
    return path;
  }

  function chart(now, later) {
    const width = 480;
    const height = 160;
    const all = now.concat(later).filter((v) => v !== null);
    const scale = Math.max(60, ...all) * 1.1;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + (height + 16));
    svg.setAttribute("role", "img");
    for (const hour of [8, 10, 12, 14, 16, 18]) {
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", String(hour / 23 * width));
      label.setAttribute("y", String(height + 14));
      label.textContent = hour + ":00";
      svg.appendChild(label);
    }
    const top = document.createElementNS(SVG, "text");
    top.setAttribute("x", "2");
    top.setAttribute("y", "12");
    top.textContent = minutes(scale);
    svg.append(top, line(now, "now", scale, width, height), line(later, "proposed", scale, width, height));
    $("chart").replaceChildren(svg);
  }

  function show(found) {
    last = found;
    const gain = Math.round(found.gain * 100) + "%";
    H.pair($("summary"), "advisor.hall_p90", {
      now: minutes(found.current.p90_wait.mean), proposed: minutes(found.proposed.p90_wait.mean), gain,
    });
    const proposed = Object.fromEntries(found.proposed.services.map((s) => [s.code, s]));
    $("compare").tBodies[0].replaceChildren(...found.current.services.map((s) => row(s, proposed[s.code])));
    chart(found.current.by_hour, found.proposed.by_hour);
    const moves = found.moves.map((m) => {
      const li = el("li");
      li.dataset.window = m.window;
      li.appendChild(text("advisor.move", { block: m.block, window: m.window, before: m.before.join("+") || "—", after: m.after.join("+") }));
      return li;
    });
    $("moves").replaceChildren(...(moves.length ? moves : [el("li")]));
    if (!moves.length) H.pair($("moves").firstChild, "advisor.no_moves");
    $("steps").replaceChildren(...found.steps.map((s) => {
      const li = el("li");
      li.appendChild(text("advisor.step", { moves: s.moves, p90: minutes(s.p90_wait) }));
      return li;
    }));
    if (found.over_cap.length) {
      const li = el("li");
      li.appendChild(text("advisor.over_cap_list", { services: found.over_cap.join(", ") }));
      $("steps").appendChild(li);
    }
    const buttons = found.file.blocks.filter((b) => b.profiles.length).map((block) => {
      const button = H.pair(el("button", "apply-block"), "advisor.apply_block", { block: block.start });
      button.type = "button";
      button.dataset.block = block.start;
      H.action(button, () => applyBlock(block, found.date));
      return button;
    });
    $("apply").replaceChildren(...buttons);
    $("result").hidden = false;
    document.body.dataset.advised = String(found.moves.length);
  }

  /** Apply one block through the work-profile API: each service list a profile (made when missing);
   * then store the day's prediction under the new allocation. */
  async function applyBlock(block, day) {
    const existing = Object.fromEntries((await H.api("GET", "/work-profiles")).map((p) => [p.name, p]));
    const windows = [];
    for (const item of block.profiles) {
      let profile = existing[item.name];
      if (!profile) profile = await H.api("POST", "/work-profiles", { name: item.name, services: item.services });
      const applied = await H.api("POST", "/work-profiles/" + profile.id + "/apply", { windows: item.windows });
      windows.push(...applied.map((a) => a.window));
    }
    H.toast("advisor.applied", { windows: windows.join(", ") });
    // What is now predicted for the day is kept for the next day's comparison (预测与实际).
    await H.api("POST", "/advisor/predictions", { date: day, replications: Number($("ask-replications").value) });
    document.body.dataset.applied = block.start;
  }

  function share(rate) {
    return H.t("advisor.share_of", { share: Math.round(rate.share * 100) + "%", of: rate.of })[0];
  }

  async function showLearned(day) {
    const found = await H.api("GET", "/advisor/learned?day=" + encodeURIComponent(day));
    H.pair($("learned-summary"), "advisor.learned_summary", { days: found.days, tickets: found.tickets });
    const season = { factor: found.season_factor.toFixed(2), days: found.season_days, baseline: found.season_baseline_days };
    // The kind of day is named in each language (the catalogue's, as the server sends it).
    H.pair($("learned-season"), "advisor.learned_season", { ...season, kind: found.kind });
    $("learned-season").querySelector(":scope > .en").textContent =
      H.t("advisor.learned_season", { ...season, kind: found.kind_en })[1];
    showBreaks(found.windows);
    $("learned").tBodies[0].replaceChildren(...found.services.map((s) => {
      const tr = el("tr");
      tr.dataset.service = s.code;
      const handling = s.handle_mean === null ? "—" : minutes(s.handle_mean) + " (" + s.handle_n + ", " + s.handle_cv.toFixed(2) + ")";
      tr.append(
        cell(s.code + " · " + s.name), cell(String(s.tickets)),
        cell(s.peak_per_hour === null ? "—" : s.peak_per_hour.toFixed(1)), cell(handling),
        cell(share(s.no_show)), cell(share(s.transfer)), cell(share(s.priority)), cell(share(s.appointment)),
      );
      return tr;
    }));
  }

  /** Each window's learned breaks, with the days behind them and the hours they are taken at. */
  function showBreaks(windows) {
    $("learned-breaks").tBodies[0].replaceChildren(...windows.map((w) => {
      const tr = el("tr");
      tr.dataset.window = w.window;
      const hours = w.by_hour.map((n, h) => [n, h]).filter(([n]) => n).sort((a, b) => b[0] - a[0]).slice(0, 3)
        .map(([n, h]) => String(h).padStart(2, "0") + ":00 ×" + n).join(", ");
      tr.append(
        cell(w.window), cell(String(w.days)), cell(w.per_day.toFixed(2) + " (" + w.breaks + ")"),
        cell(w.breaks ? w.mean_minutes.toFixed(1) : "—"), cell(hours || "—"),
      );
      return tr;
    }));
  }

  async function recommend() {
    $("ask-state").hidden = false;
    try {
      const cap = $("ask-cap").value;
      await showLearned($("ask-date").value);
      show(await H.api("POST", "/advisor/recommend", {
        date: $("ask-date").value,
        replications: Number($("ask-replications").value),
        cap_minutes: cap ? Number(cap) : null,
      }));
    } finally {
      $("ask-state").hidden = true;
    }
  }

  function drawChanges() {
    $("wi-changes").replaceChildren(...Object.entries(changes).map(([w, codes]) => {
      const li = el("li", null, w + ": " + codes.join(", "));
      li.dataset.window = w;
      return li;
    }));
  }

  async function whatIf() {
    if (!Object.keys(changes).length) addChange();
    const found = await H.api("POST", "/advisor/what-if", {
      date: $("ask-date").value, replications: Number($("ask-replications").value), changes,
    });
    H.pair($("wi-result"), "advisor.whatif_result", {
      now: minutes(found.current.p90_wait.mean), changed: minutes(found.changed.p90_wait.mean),
    });
    document.body.dataset.whatif = "1";
  }

  function addChange() {
    const codes = $("wi-services").value.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);
    if (codes.length) changes[$("wi-window").value] = codes;
    drawChanges();
  }

  async function check() {
    const found = await H.api("GET", "/advisor/check?day=" + encodeURIComponent($("check-date").value));
    const show = (v) => (v === null ? "—" : minutes(v));
    $("checked").tBodies[0].replaceChildren(...found.rows.map((r) => {
      const tr = el("tr");
      tr.dataset.service = r.code;
      tr.dataset.stored = String(r.stored);  // the prediction kept when a proposal was applied
      const predicted = show(r.predicted) + (r.stored ? " " + H.t("advisor.stored_prediction")[0] : "");
      tr.append(cell(r.code + " · " + r.name), cell(predicted), cell(show(r.observed)), cell(String(r.observed_n)));
      return tr;
    }));
    document.body.dataset.checked = "1";
  }

  function isoDay(offset) {
    const at = new Date(Date.now() + offset * 86400000);
    return at.getFullYear() + "-" + String(at.getMonth() + 1).padStart(2, "0") + "-" + String(at.getDate()).padStart(2, "0");
  }

  async function start() {
    await H.nav("/manager/advisor");
    $("ask-date").value = isoDay(1);
    $("check-date").value = isoDay(-1);
    const hall = await H.api("GET", "/hall");
    const numbers = hall.windows.map((w) => w.number);
    $("wi-window").replaceChildren(...numbers.map((n) => { const o = el("option", null, n); o.value = n; return o; }));
    $("ask").addEventListener("submit", (event) => { event.preventDefault(); });
    H.action($("ask-run"), recommend);
    $("whatif").addEventListener("submit", (event) => { event.preventDefault(); });
    H.action($("wi-add"), async () => addChange());
    H.action($("wi-run"), whatIf);
    $("check").addEventListener("submit", (event) => { event.preventDefault(); });
    H.action($("check-run"), check);
    document.body.dataset.ready = "1";
    return last;
  }

  start().catch(H.toast);
})();
