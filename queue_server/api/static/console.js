/* What every console page shares: API calls with the session's CSRF token, bilingual errors,
   the top bar with the menu, the live stream, a toast line. Loaded after catalogue.js, common.js
   and live.js; extends window.HallQ. Strings come from the message catalogue only. */
(function () {
  "use strict";
  const H = window.HallQ;
  const API = H.CAT.api;

  // The manager's pages, in menu order: [url, catalogue key]. Pages not served yet are skipped
  // by the server's own list (HALLQ_PAGES, written into each page) so the menu never links a 404.
  const MENU = [
    ["/manager", "console.menu.hall"],
    ["/manager/allocation", "console.menu.allocation"],
    ["/manager/advisor", "console.menu.advisor"],
    ["/manager/catalogue", "console.menu.catalogue"],
    ["/manager/calendar", "console.menu.calendar"],
    ["/manager/settings", "console.menu.settings"],
    ["/manager/staff", "console.menu.staff"],
    ["/manager/evaluations", "console.menu.evaluations"],
    ["/manager/supervision", "console.menu.supervision"],
    ["/manager/reports", "console.menu.reports"],
    ["/manager/assessment", "console.menu.assessment"],
    ["/guide", "console.menu.guide"],
  ];

  /** An API refusal: a stable code and the message in both languages. */
  class ApiError extends Error {
    constructor(status, body, requestId) {
      const code = (body && body.code) || "server.error";
      const [zh, en] = body && body.message ? [body.message, body.message_en || ""] : H.t(code);
      super(zh);
      this.status = status;
      this.code = code;
      this.message_en = en;
      this.fields = (body && body.fields) || {};
      // The server's X-Request-Id: the same id is on every log line of this request.
      this.requestId = requestId || "";
    }
  }

  function csrf() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("hallq_csrf="));
    return found ? decodeURIComponent(found.split("=")[1]) : "";
  }

  /** Call the API: ``path`` under /api/v1 unless it starts with "/". Resolves to the JSON body. */
  async function api(method, path, body, options) {
    const url = path.startsWith("/api/") ? path : API + (path.startsWith("/") ? path : "/" + path);
    const init = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined && body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    Object.assign(init, options || {});
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new ApiError(0, { code: "console.offline" });
    }
    if (response.status === 401 && !(options && options.noRedirect)) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
      throw new ApiError(401, { code: "auth.required" });
    }
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const requestId = response.headers.get("x-request-id") || "";
      throw new ApiError(response.status, typeof data === "object" ? data : null, requestId);
    }
    return data;
  }

  /** Fill every [data-t] element under ``root`` with its catalogue pair. */
  function translate(root) {
    for (const node of (root || document).querySelectorAll("[data-t]")) H.pair(node, node.dataset.t);
    for (const node of (root || document).querySelectorAll("[data-t-placeholder]")) {
      const [zh, en] = H.t(node.dataset.tPlaceholder);
      node.placeholder = zh + " " + en;
    }
  }

  /** Show a notice or an error (an ApiError, an Error, or a catalogue key) for a few seconds. */
  let toastTimer = null;
  function toast(what, fields) {
    let node = document.getElementById("toast");
    if (!node) { node = H.el("div"); node.id = "toast"; node.setAttribute("role", "status"); document.body.appendChild(node); }
    node.textContent = "";
    let zh; let en; let error = false;
    if (what instanceof ApiError) { zh = what.message; en = what.message_en; error = true; }
    else if (what instanceof Error) { [zh, en] = H.t("server.error"); error = true; console.error(what); }
    else { [zh, en] = H.t(what, fields); }
    node.className = error ? "error" : "";
    node.dataset.code = what instanceof ApiError ? what.code : (typeof what === "string" ? what : "");
    node.appendChild(H.el("span", "zh", zh));
    node.appendChild(H.el("span", "en", en));
    if (what instanceof ApiError && what.requestId) {
      const [refZh, refEn] = H.t("console.request_id", { id: what.requestId });
      node.appendChild(H.el("small", "request-id", refZh + " · " + refEn));
    }
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, error ? 8000 : 4000);
  }

  let meCache = null;
  /** Who is logged in (``/auth/me``), fetched once per page. */
  async function me() {
    if (!meCache) meCache = await api("GET", "/auth/me");
    return meCache;
  }

  async function logout() {
    try { await api("POST", "/auth/logout", null, { noRedirect: true }); } catch (error) { /* gone anyway */ }
    window.location.assign("/login");
  }

  /** Render the top bar into <header id="top">: hall, menu (managers), who, link state, logout. */
  async function nav(active) {
    const header = document.getElementById("top");
    const who = await me();
    header.className = "topbar";
    header.textContent = "";
    header.appendChild(H.pair(H.el("span", "hall"), "console.brand"));
    if (who.role === "manager" || who.role === "admin") {
      const menu = H.el("nav");
      const served = new Set(window.HALLQ_PAGES || []);
      for (const [url, key] of MENU) {
        if (!served.has(url)) continue;
        const link = H.pair(H.el("a", url === active ? "active" : null), key);
        link.href = url;
        menu.appendChild(link);
      }
      header.appendChild(menu);
    }
    const right = H.el("div", "me");
    const state = H.el("span", "link-state");
    state.id = "link-state";
    state.hidden = true;
    right.appendChild(state);
    const label = who.window ? H.t("console.who_at_window", { name: who.name, window: who.window })
      : [who.name, ""];
    right.appendChild(H.el("span", "who", label[0]));
    const out = H.pair(H.el("button"), "console.log_out");
    out.id = "logout";
    out.addEventListener("click", logout);
    right.appendChild(out);
    header.appendChild(right);
    return who;
  }

  /** Show the live link's state in the top bar (online / reconnecting). */
  function linkState(status) {
    const node = document.getElementById("link-state");
    if (!node) return;
    node.hidden = false;
    node.classList.toggle("offline", status !== "online");
    H.pair(node, status === "online" ? "console.live" : "console.reconnecting");
  }

  /** Subscribe to live topics with the session cookie; returns the started LiveClient. */
  function live(topics, handlers) {
    const client = new H.LiveClient({
      topics,
      onSnapshot: handlers.onSnapshot,
      onEvent: handlers.onEvent,
      onError: handlers.onError || ((frame) => toast(new ApiError(0, frame))),
      onStatus: (status) => { linkState(status); if (handlers.onStatus) handlers.onStatus(status); },
    });
    client.connect();
    return client;
  }

  /** "12分05秒" / "12 min 05 s" for a number of seconds. */
  function duration(seconds) {
    const s = Math.max(0, Math.round(Number(seconds) || 0));
    const fields = { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60), s: String(s % 60).padStart(2, "0") };
    return H.t(fields.h ? "console.duration_h" : "console.duration", fields);
  }

  /** Run ``work`` on ``button``'s click with the button disabled until it settles (no double submit). */
  function action(button, work) {
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      try { await work(event); } catch (error) { toast(error); } finally { button.disabled = false; }
    });
  }

  /** [["08:30:00","12:00:00"], …] → "08:30–12:00, …" */
  function periodsText(periods) {
    return periods.map(([a, b]) => String(a).slice(0, 5) + "–" + String(b).slice(0, 5)).join(", ");
  }

  /** "08:30-12:00, 13:30-17:30" → [["08:30","12:00"], …]; a clear error for anything else. */
  function parsePeriods(text) {
    const out = [];
    for (const part of text.split(/[,，;；\s]+/).filter(Boolean)) {
      const m = /^(\d{1,2}:\d{2})[-–~至](\d{1,2}:\d{2})$/.exec(part);
      if (!m) {
        const [zh, en] = H.t("manager.bad_periods", { text: part });
        throw new ApiError(0, { code: "manager.bad_periods", message: zh, message_en: en });
      }
      out.push([m[1].padStart(5, "0"), m[2].padStart(5, "0")]);
    }
    return out;
  }

  Object.assign(H, {
    ApiError, api, csrf, translate, toast, me, nav, logout, live, duration, action, periodsText, parsePeriods,
    MENU,
  });
  document.addEventListener("DOMContentLoaded", () => translate(document));
})();
