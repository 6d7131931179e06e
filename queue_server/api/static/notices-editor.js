/* 短信内容 on the settings page: each SMS notice on or off, its zh-CN and optional English wording,
   the placeholders it may use (from the server, GET /hall/settings/notice-kinds: the one list the
   server checks wordings against) and a live preview with sample values, the number masked. Also
   the quiet hours and the test SMS through the saved gateway. The server validates on save; the
   page points its refusal at the field (settings.js). */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  H.settingsParts = H.settingsParts || [];
  const box = document.getElementById("notice-editors");
  const pageBase = document.querySelector("[name='notices.page_base']");
  const quiet = [...document.querySelectorAll("[data-quiet]")];
  let vocabulary = null;

  /** ``wording`` with the sample values, as the server's str.format fills it ("{{" is a brace); an
      unknown placeholder is kept, marked, so the manager sees it before saving. */
  function render(wording, values) {
    const out = document.createDocumentFragment();
    const pattern = /\{\{|\}\}|\{(\w*)\}/g;
    let at = 0;
    let text = "";
    for (let m = pattern.exec(wording); m; m = pattern.exec(wording)) {
      text += wording.slice(at, m.index);
      at = m.index + m[0].length;
      if (m[0] === "{{" || m[0] === "}}") { text += m[0][0]; continue; }
      if (Object.prototype.hasOwnProperty.call(values, m[1])) { text += values[m[1]]; continue; }
      out.appendChild(document.createTextNode(text));
      text = "";
      out.appendChild(el("mark", "unknown", m[0]));
    }
    out.appendChild(document.createTextNode(text + wording.slice(at)));
    return out;
  }

  function samples(kind) {
    const values = {};
    for (const name of kind.placeholders) values[name] = vocabulary.samples[name] || "";
    const base = (pageBase && pageBase.value.trim().replace(/\/+$/, "")) || "";
    if ("link" in values) values.link = base + vocabulary.samples.link;
    return values;
  }

  /** One notice's row: name and switch, placeholders, the two wordings, the preview. */
  function editor(kind) {
    const row = el("div", "notice-editor");
    row.dataset.kind = kind.kind;
    const name = "notices.templates." + kind.kind;
    const head = el("div", "notice-head");
    const on = el("input");
    on.type = "checkbox";
    on.name = name + ".on";
    const title = el("label", "inline");
    title.append(on, el("b", "zh", kind.name), el("span", "en", kind.name_en));
    const chips = el("p", "chips");
    chips.appendChild(H.pair(el("span"), "manager.notices.placeholders"));
    for (const placeholder of kind.placeholders) {
      const chip = el("button", "chip", "{" + placeholder + "}");
      chip.type = "button";
      chip.dataset.placeholder = placeholder;
      chips.appendChild(chip);
    }
    const reset = H.pair(el("button", "link"), "manager.notices.default");
    reset.type = "button";
    head.append(title, chips, reset);
    const wordings = {};
    const cells = ["zh", "en"].map((language) => {
      const area = el("textarea");
      area.name = name + "." + language;
      area.rows = 3;
      area.lang = language === "zh" ? "zh-CN" : "en";
      wordings[language] = area;
      const label = el("label");
      label.append(H.pair(el("span"), "manager.notices." + language), area);
      return label;
    });
    const preview = el("div", "preview");
    preview.setAttribute("aria-live", "polite");
    const said = { zh: el("p", "preview-zh"), en: el("p", "preview-en") };
    const length = el("small", "length muted");
    preview.append(H.pair(el("small", "muted"), "manager.notices.preview", { phone: vocabulary.sample_phone }), said.zh, said.en, length);
    row.append(head, ...cells, preview);

    let focused = wordings.zh;
    function update() {
      const values = samples(kind);
      said.zh.replaceChildren(render(wordings.zh.value, values));
      said.en.replaceChildren(render(wordings.en.value, values));
      said.en.hidden = wordings.en.value.trim() === "";
      const chars = [...said.zh.textContent].length;
      H.pair(length, "manager.notices.length", { chars, parts: chars <= 70 ? 1 : Math.ceil(chars / 67) });
      row.classList.toggle("off", !on.checked);
    }
    for (const area of Object.values(wordings)) {
      area.addEventListener("input", update);
      area.addEventListener("focus", () => { focused = area; });
    }
    on.addEventListener("change", update);
    chips.addEventListener("click", (event) => {
      const chip = event.target.closest("button.chip");
      if (!chip) return;
      const text = "{" + chip.dataset.placeholder + "}";
      const { selectionStart: a, selectionEnd: b, value } = focused;
      focused.value = value.slice(0, a) + text + value.slice(b);
      focused.focus();
      focused.setSelectionRange(a + text.length, a + text.length);
      update();
    });
    reset.addEventListener("click", () => { wordings.zh.value = kind.default_zh; update(); });
    return { kind, on, wordings, update };
  }

  let editors = [];

  const ready = H.api("GET", "/hall/settings/notice-kinds").then((found) => {
    vocabulary = found;
    editors = found.kinds.map(editor);
    box.replaceChildren(...editors.map((e) => e.wordings.zh.closest(".notice-editor")));
    H.gatewayPlaceholders({ sms: found.gateway_placeholders, push: found.push_placeholders || [] });
    if (pageBase) pageBase.addEventListener("input", () => editors.forEach((e) => e.update()));
  });

  /** After the form is filled: a notice the hall never worded shows (and sends) its default, on. */
  function fill(settings) {
    const stored = (settings.notices && settings.notices.templates) || {};
    for (const e of editors) {
      const mine = stored[e.kind.kind];
      if (!mine) e.on.checked = true;
      if (!e.wordings.zh.value.trim()) e.wordings.zh.value = e.kind.default_zh;
      e.update();
    }
    const hours = settings.notices && settings.notices.quiet_hours;
    quiet.forEach((node, i) => { node.value = hours ? String(hours[i]).slice(0, 5) : ""; });
  }

  function read(settings) {
    const [from, until] = quiet.map((node) => node.value);
    if (Boolean(from) !== Boolean(until)) {
      const [zh, en] = H.t("manager.notices.quiet_both");
      throw new H.ApiError(0, { code: "manager.notices.quiet_both", message: zh, message_en: en, fields: { at: "notices.quiet_hours" } });
    }
    settings.notices.quiet_hours = from ? [from, until] : null;
  }

  H.settingsParts.push({ ready, fill, read });

  /** The test SMS: to the number typed, through the saved gateway; the answer with the number masked. */
  const send = document.getElementById("send-test-sms");
  const phone = document.getElementById("test-sms-phone");
  const result = document.getElementById("test-sms-result");
  H.action(send, async () => {
    result.hidden = true;
    const answer = await H.api("POST", "/outbox/test-sms", { phone: phone.value.trim() });
    phone.value = "";  // the number is not left on the screen
    result.dataset.outcome = answer.outcome;
    result.className = "test-result " + answer.outcome;
    result.textContent = "";
    H.pair(result, "manager.test_sms." + answer.outcome, { phone: answer.phone_masked, detail: answer.detail });
    result.hidden = false;
  });
})();
