/* Shared helpers of the board pages: catalogue strings (zh-CN first, English second), the
   server's clock, small DOM helpers. Strings come from window.HALLQ_CATALOGUE, generated from
   queue_server/messages.py: no string table lives here. */
(function () {
  "use strict";
  const CAT = window.HALLQ_CATALOGUE || { api: "/api/v1", messages: {}, statuses: {} };

  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (whole, key) =>
      fields && Object.prototype.hasOwnProperty.call(fields, key) ? String(fields[key]) : whole);
  }

  /** [zh, en] of a catalogue key filled with fields. */
  function t(key, fields) {
    const pair = CAT.messages[key] || CAT.statuses[key] || [key, key];
    return [fill(pair[0], fields || {}), fill(pair[1], fields || {})];
  }

  /** Put a key's zh text in node's .zh child and the English in .en (created when missing). */
  function pair(node, key, fields) {
    const [zh, en] = t(key, fields);
    let zhNode = node.querySelector(":scope > .zh");
    let enNode = node.querySelector(":scope > .en");
    if (!zhNode) { zhNode = el("span", "zh"); node.appendChild(zhNode); }
    if (!enNode) { enNode = el("span", "en"); node.appendChild(enNode); }
    if (zhNode.textContent !== zh) zhNode.textContent = zh;
    if (enNode.textContent !== en) enNode.textContent = en;
    return node;
  }

  /** A template rendered as spans, with its fields in <b class="field-NAME"> for emphasis. */
  function emphasised(template, fields) {
    const out = document.createDocumentFragment();
    const parts = template.split(/(\{\w+\})/);
    for (const part of parts) {
      const m = /^\{(\w+)\}$/.exec(part);
      if (m && Object.prototype.hasOwnProperty.call(fields, m[1])) {
        out.appendChild(el("b", "field-" + m[1], String(fields[m[1]])));
      } else if (part) {
        out.appendChild(el("span", null, part));
      }
    }
    return out;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** The server's time, so a TV whose own clock is wrong still shows the hall's time. */
  const clock = {
    offset: 0,
    timezone: "Asia/Shanghai",
    seen(iso) {
      const at = Date.parse(iso);
      if (!Number.isNaN(at)) this.offset = at - Date.now();
    },
    now() { return Date.now() + this.offset; },
  };

  const formats = {};
  function format(kind, ms) {
    const key = kind + clock.timezone;
    if (!formats[key]) {
      const options = kind === "time"
        ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }
        : kind === "short"
          ? { hour: "2-digit", minute: "2-digit", hour12: false }
          : { month: "long", day: "numeric", weekday: "long" };
      formats[key] = new Intl.DateTimeFormat("zh-CN", { timeZone: clock.timezone, ...options });
    }
    return formats[key].format(new Date(ms));
  }

  /** Shrink a one-line text from its CSS size until it fits its box's width. */
  function fit(node) {
    node.style.fontSize = "";
    let size = parseFloat(getComputedStyle(node).fontSize);
    const least = size * 0.4;
    while (node.scrollWidth > node.clientWidth + 1 && size > least) {
      size *= 0.93;
      node.style.fontSize = size + "px";
    }
  }

  /** Hide the items of a list that would overflow its box (the newest stay, at the top). */
  function clip(box) {
    const items = Array.from(box.children);
    items.forEach((item) => { item.hidden = false; });
    if (!items.length) return;
    const top = items[0].offsetTop;
    const over = items.map((item) => item.offsetTop - top + item.offsetHeight > box.clientHeight + 1);
    items.forEach((item, i) => { item.hidden = over[i]; });
  }

  function params() { return new URLSearchParams(window.location.search); }

  /** Split a list's items into pages that fit its box and show them in turn. */
  function pager(box, seconds) {
    const state = { page: 0, timer: null };
    function layout() {
      const items = Array.from(box.children);
      items.forEach((item) => { item.hidden = false; });
      const limit = box.clientHeight;
      let page = 0;
      let top = null;
      for (const item of items) {
        if (top === null) top = item.offsetTop;
        if (item.offsetTop + item.offsetHeight - top > limit + 1) { page += 1; top = item.offsetTop; }
        item.dataset.page = String(page);
      }
      box.dataset.pages = String(page + 1);
      if (state.page > page) state.page = 0;
      show();
    }
    function show() {
      for (const item of box.children) item.hidden = item.dataset.page !== String(state.page);
    }
    state.timer = setInterval(() => {
      const pages = Number(box.dataset.pages || "1");
      if (pages > 1) { state.page = (state.page + 1) % pages; show(); }
    }, seconds * 1000);
    return { layout };
  }

  window.HallQ = { CAT, t, fill, pair, emphasised, el, clock, format, fit, clip, params, pager };
})();
