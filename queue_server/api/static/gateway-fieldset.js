/* One gateway's settings (contract.GatewaySettings) as a fieldset: its kind, address, method, body
   format, signature, messages a request, the secret's environment variable, access key and the request fields
   ("field = template", one a line). The settings page uses it for the SMS gateway and the 好差评
   push alike; the inputs are named after the settings' path ("notices.gateway.url"), so the page's
   form reads and fills them with everything else. Only the fields the chosen kind uses are shown.
   A page asks for one with <fieldset data-gateway="notices.gateway" data-sms="1">. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  H.settingsParts = H.settingsParts || [];

  const HTTP = ["http"];
  const KEYED = ["http", "aliyun"];

  /** A <label> with its catalogue words and a control; ``kinds``: the gateway kinds that use it. */
  function field(key, control, kinds, wide) {
    const label = el("label", wide ? "wide" : null);
    label.dataset.kinds = kinds.join(" ");
    label.appendChild(H.pair(el("span"), key));
    label.appendChild(control);
    return label;
  }

  function input(name, attributes) {
    const node = el("input");
    node.name = name;
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    return node;
  }

  /** A <select> of [value, catalogue key or plain text] options. */
  function select(name, options) {
    const node = el("select");
    node.name = name;
    for (const [value, words] of options) {
      const option = el("option");
      option.value = value;
      option.textContent = words.includes(".") ? H.t(words).join(" · ") : words;  // an option holds text only
      node.appendChild(option);
    }
    return node;
  }

  /** Build the fields of the gateway at ``prefix`` ("notices.gateway") into ``box``; ``sms``: an
      SMS gateway (Alibaba Cloud SMS and its template code and signature name are offered). */
  function gatewayFieldset(box, prefix, sms) {
    const kinds = [["log", "manager.gateway.kind.log"], ["http", "manager.gateway.kind.http"]];
    if (sms) kinds.push(["aliyun", "manager.gateway.kind.aliyun"]);
    const kind = select(prefix + ".kind", kinds);
    const body = el("textarea");
    body.name = prefix + ".body";
    body.dataset.kind = "pairs";
    body.rows = 5;
    body.placeholder = sms ? "mobile = {phone}\ncontent = {text}" : "data = {data}\nid = {key}";
    const parts = [
      field("manager.gateway.kind", kind, ["log", "http", "aliyun"], true),
      field("manager.gateway.url", input(prefix + ".url", { type: "url", maxlength: "300" }), HTTP, true),
      field("manager.gateway.method", select(prefix + ".method", [["POST", "POST"], ["GET", "GET"], ["PUT", "PUT"]]), HTTP),
      field("manager.gateway.body_format", select(prefix + ".body_format", [["json", "JSON"], ["form", "form"]]), HTTP),
      field("manager.gateway.signature", select(prefix + ".signature", [
        ["hmac_sha256", "HMAC-SHA256"],
        ["aliyun_rpc", "manager.gateway.signature.aliyun_rpc"],
        ["none", "manager.gateway.signature.none"],
      ]), HTTP),
      field("manager.gateway.batch_size", input(prefix + ".batch_size", { type: "number", min: "1", max: "200", step: "1" }), HTTP),
      field("manager.gateway.secret_env", input(prefix + ".secret_env", { maxlength: "100", pattern: "[A-Z0-9_]*" }), KEYED),
      field("manager.gateway.access_key_id", input(prefix + ".access_key_id", { maxlength: "100" }), KEYED),
    ];
    if (sms) {
      parts.push(field("manager.gateway.template_code", input(prefix + ".template_code", { maxlength: "40" }), KEYED));
      parts.push(field("manager.gateway.sign_name", input(prefix + ".sign_name", { maxlength: "40" }), ["aliyun"]));
    }
    parts.push(field("manager.gateway.body", body, HTTP, true));
    const chips = el("p", "chips muted");
    chips.dataset.kinds = HTTP.join(" ");
    chips.dataset.gatewayPlaceholders = sms ? "sms" : "push";  // each destination fills in its own
    parts.push(chips);
    box.classList.add("fields", "gateway");
    box.replaceChildren(...parts);

    function show() {
      for (const node of box.querySelectorAll("[data-kinds]")) node.hidden = !node.dataset.kinds.split(" ").includes(kind.value);
    }
    kind.addEventListener("change", show);
    H.settingsParts.push({ fill: show, read() {} });
    show();
  }

  /** The placeholders a request field may use, shown under each gateway's fields: ``lists.sms``
      under the SMS gateway, ``lists.push`` under the 好差评 push (no number, no text); nothing
      where a destination has none. */
  function gatewayPlaceholders(lists) {
    for (const node of document.querySelectorAll("[data-gateway-placeholders]")) {
      const names = lists[node.dataset.gatewayPlaceholders] || [];
      const chips = names.map((n) => el("code", null, "{" + n + "}"));
      node.replaceChildren(...(chips.length ? [H.pair(el("span"), "manager.notices.placeholders"), ...chips] : []));
    }
  }

  Object.assign(H, { gatewayFieldset, gatewayPlaceholders });
  // Every <fieldset data-gateway="PATH" [data-sms]> of the page becomes that gateway's fields.
  for (const box of document.querySelectorAll("fieldset[data-gateway]")) {
    gatewayFieldset(box, box.dataset.gateway, box.dataset.sms === "1");
  }
})();
