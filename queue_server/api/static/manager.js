/* 大厅实况 (live hall): every window, every queue, the yellow and red lights with acknowledge,
   the devices' health and the alert thresholds. The "manager" topic's snapshot draws the windows
   and queues; its events ask for a fresh snapshot (events carry deltas, the snapshot the truth);
   alert and device events reload those lists. Durations tick every second on the server's clock. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  let client = null;
  let snapshotAt = 0;
  let refreshTimer = null;

  function secondsSince(iso) {
    const at = Date.parse(iso);
    return Number.isNaN(at) ? 0 : Math.max(0, (H.clock.now() - at) / 1000);
  }

  function durationNode(seconds) {
    const node = el("span", "since");
    node.dataset.base = String(seconds);
    node.dataset.at = String(Date.now());
    paintDuration(node);
    return node;
  }

  function paintDuration(node) {
    const seconds = Number(node.dataset.base) + (Date.now() - Number(node.dataset.at)) / 1000;
    const [zh, en] = H.duration(seconds);
    node.textContent = "";
    node.appendChild(el("span", "zh", zh));
    node.appendChild(el("span", "en", en));
  }

  function pairNode(tag, cls, key, fields) { return H.pair(el(tag, cls), key, fields); }

  // ------------------------------------------------------------------ windows and queues

  function windowTile(w) {
    const tile = el("article", "tile " + w.status);
    tile.dataset.window = w.number;
    tile.dataset.status = w.status;
    const head = el("div", "head");
    head.appendChild(el("span", "number", w.number));
    head.appendChild(el("span", "muted", w.name));
    tile.appendChild(head);
    const state = el("div", "line");
    const pill = pairNode("span", "pill status " + ({ open: "ok", paused: "warn" }[w.status] || ""),
      "manager.status." + w.status);
    state.appendChild(pill);
    if (w.status === "paused" && w.pause_reason) state.appendChild(pairNode("span", "reason", "manager.reason." + w.pause_reason));
    tile.appendChild(state);
    const clerk = el("div", "line clerk");
    clerk.appendChild(pairNode("span", "muted", "manager.clerk"));
    clerk.appendChild(el("span", null, " " + (w.clerk ? w.clerk.name + " (" + w.clerk.staff_no + ")" : "—")));
    tile.appendChild(clerk);
    const ticket = el("div", "line");
    ticket.appendChild(el("span", "ticket", w.current ? w.current.number : "—"));
    if (w.current) ticket.appendChild(el("span", "muted", " " + w.current.service_name + " · " + H.t(w.current.status)[0]));
    tile.appendChild(ticket);
    const since = w.current ? w.current.called_at : w.status_since;
    if (since) {
      const line = el("div", "line");
      line.appendChild(pairNode("span", "muted", w.current ? "manager.serving_for" : "manager.status_for"));
      line.appendChild(document.createTextNode(" "));
      line.appendChild(durationNode(secondsSince(since)));
      tile.appendChild(line);
    }
    return tile;
  }

  function queueRow(q) {
    const tr = el("tr");
    tr.dataset.service = q.service_code;
    tr.appendChild(el("td", null, q.service_name + " (" + q.service_code + ")"));
    tr.appendChild(el("td", "num waiting", String(q.waiting)));
    const longest = el("td", "num");
    if (q.waiting) longest.appendChild(durationNode(q.longest_wait_seconds)); else longest.textContent = "—";
    tr.appendChild(longest);
    const estimate = el("td", "num");
    if (q.estimated_wait_seconds === null || q.estimated_wait_seconds === undefined) estimate.textContent = "—";
    else {
      const [zh, en] = H.duration(q.estimated_wait_seconds);
      estimate.append(el("span", "zh", zh), el("span", "en", en));
    }
    tr.appendChild(estimate);
    const open = el("td", "num", String(q.windows_open));
    if (q.waiting && !q.windows_open) open.className = "num bad";
    tr.appendChild(open);
    return tr;
  }

  function drawSnapshot(snapshot) {
    H.clock.seen(snapshot.hall.now);
    H.clock.timezone = snapshot.hall.timezone;
    snapshotAt = Date.now();
    lastSnapshot = snapshot;
    // closed windows are folded away: a 223-window hall opens on the windows that work
    const working = snapshot.windows.filter((w) => w.status !== "closed");
    const closed = snapshot.windows.filter((w) => w.status === "closed");
    document.getElementById("windows").replaceChildren(...working.map(windowTile));
    document.getElementById("closed-tiles").replaceChildren(...closed.map(windowTile));
    document.getElementById("closed-windows").hidden = closed.length === 0;
    H.pair(document.getElementById("closed-summary"), "manager.closed_windows", { count: closed.length });
    drawQueues(snapshot.queues);
    drawSummary(snapshot);
    document.body.dataset.snapshotAt = String(snapshotAt);
  }

  /** Queues people wait in; the empty ones only when asked (a hall has hundreds of services). */
  function drawQueues(queues) {
    const all = document.getElementById("show-empty").checked;
    const shown = all ? queues : queues.filter((q) => q.waiting > 0);
    const rows = shown.map(queueRow);
    if (shown.length < queues.length) {
      const tr = el("tr", "empty-note");
      const td = pairNode("td", "muted", "manager.nobody_waiting", { count: queues.length - shown.length });
      td.colSpan = 5;
      tr.appendChild(td);
      rows.push(tr);
    }
    document.querySelector("#queues tbody").replaceChildren(...rows);
  }

  /** The summary strip: waiting, longest wait, windows open/paused/closed, served today, 好评率. */
  function drawSummary(snapshot) {
    const waiting = snapshot.queues.reduce((sum, q) => sum + q.waiting, 0);
    const longest = snapshot.queues.reduce((most, q) => (q.waiting ? Math.max(most, q.longest_wait_seconds) : most), 0);
    const count = (status) => snapshot.windows.filter((w) => w.status === status).length;
    const waitingNode = document.getElementById("sum-waiting");
    waitingNode.replaceChildren();
    H.pair(waitingNode, "manager.summary.people", { count: waiting });
    const longestNode = document.getElementById("sum-longest");
    longestNode.replaceChildren(waiting ? durationNode(longest) : el("span", null, "—"));
    document.getElementById("sum-windows").textContent = count("open") + " / " + count("paused") + " / " + count("closed");
    const summary = document.getElementById("summary");
    summary.dataset.waiting = String(waiting);
    summary.dataset.windows = [count("open"), count("paused"), count("closed")].join("/");
  }

  let lastSnapshot = null;
  let figuresTimer = null;
  const isoDay = () => new Intl.DateTimeFormat("en-CA", { timeZone: H.clock.timezone }).format(new Date(H.clock.now()));

  /** Served today and today's 好评率, from the same figures as the reports (today is computed live). */
  async function loadToday() {
    const day = isoDay();
    const figures = await H.api("GET", "/reports/figures?by=hall&date_from=" + day + "&date_to=" + day);
    const row = figures.rows[0];
    const served = row ? row.served : 0;
    const rate = row && row.evaluation.good_rate !== null ? Math.round(row.evaluation.good_rate * 1000) / 10 + "%" : "—";
    document.getElementById("sum-served").textContent = String(served);
    document.getElementById("sum-good").textContent = rate;
    document.getElementById("summary").dataset.served = String(served);
  }

  function loadTodaySoon() {
    clearTimeout(figuresTimer);
    figuresTimer = setTimeout(() => loadToday().catch(() => {}), 2000);
  }

  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { if (client) client.resync(["manager"]); }, 250);
  }

  // ------------------------------------------------------------------ alerts (alerts-triage.js)

  const loadAlerts = () => window.HallQAlerts.load();

  // ------------------------------------------------------------------ devices

  async function loadDevices() {
    const devices = await H.api("GET", "/devices/status");
    const body = document.querySelector("#devices tbody");
    body.replaceChildren(...devices.map((d) => {
      const tr = el("tr", d.silent ? "silent" : null);
      tr.dataset.device = d.device;
      tr.appendChild(el("td", null, d.device + " · " + H.t("manager.kind." + d.kind)[0]));
      const state = el("td");
      const good = d.state === "ok" && !d.silent;
      state.appendChild(pairNode("span", "pill " + (good ? "ok" : "bad"), d.silent ? "manager.device_silent" : "manager.state." + d.state));
      if (d.detail) state.appendChild(el("small", "muted", " " + d.detail));
      tr.appendChild(state);
      tr.appendChild(el("td", null, H.format("time", Date.parse(d.last_seen_at))));
      return tr;
    }));
    document.getElementById("no-devices").hidden = devices.length > 0;
    document.getElementById("devices").hidden = devices.length === 0;
  }

  // ------------------------------------------------------------------ thresholds

  async function loadThresholds() {
    const settings = await H.api("GET", "/hall/settings");
    const form = document.getElementById("thresholds");
    for (const [name, value] of Object.entries(settings.alerts)) {
      if (form.elements[name]) form.elements[name].value = value;
    }
  }

  function wireThresholds() {
    const form = document.getElementById("thresholds");
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("save-thresholds"), async () => {
      if (!form.reportValidity()) return;
      const settings = await H.api("GET", "/hall/settings");
      for (const name of Object.keys(settings.alerts)) {
        if (form.elements[name]) settings.alerts[name] = Number(form.elements[name].value);
      }
      const saved = await H.api("PUT", "/hall/settings", settings);
      for (const [name, value] of Object.entries(saved.alerts)) form.elements[name].value = value;
      H.toast("console.saved");
      await loadAlerts();
    });
  }

  // ------------------------------------------------------------------ start

  async function start() {
    await H.nav("/manager");
    wireThresholds();
    await Promise.all([loadAlerts(), loadDevices(), loadThresholds()]);
    client = H.live(["manager"], {
      onSnapshot: (topic, payload) => drawSnapshot(payload),
      onEvent: (frame) => {
        if (frame.type.startsWith("alert.")) loadAlerts().catch(H.toast);
        else if (frame.type === "device.status") loadDevices().catch(H.toast);
        else refreshSoon();
        if (frame.type === "ticket.concluded" || frame.type === "evaluation.recorded") loadTodaySoon();
      },
    });
    document.getElementById("show-empty").addEventListener("change", () => {
      if (lastSnapshot) drawQueues(lastSnapshot.queues);
    });
    loadToday().catch(H.toast);
    setInterval(() => document.querySelectorAll(".since").forEach(paintDuration), 1000);
  }

  start().catch(H.toast);
})();
