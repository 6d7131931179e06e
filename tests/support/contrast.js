/* Contrast of what a page shows, computed from the rendered colours (WCAG 2 relative luminance):
   every visible text against the background it sits on (the nearest ancestor with a colour, blended
   over what is below), and every enabled control's outline against the background around it.
   Disabled controls are exempt, as WCAG exempts inactive components. Returns the failures. */
(() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const over = (top, below) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat([1]); };
  function background(node) {
    const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.backgroundImage && s.backgroundImage !== "none") return null;  // an image: not judged here
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255, 1];
    for (const c of layers.reverse()) out = over(c, out);
    return out;
  }
  const visible = (n) => { const r = n.getBoundingClientRect(); const s = getComputedStyle(n);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && Number(s.opacity) > 0; };
  const inactive = (n) => !!n.closest("button:disabled, input:disabled, select:disabled, textarea:disabled, [aria-disabled='true']");
  const failures = [];
  for (const n of document.querySelectorAll("body *")) {
    if (!visible(n) || inactive(n) || n.closest("dialog:not([open]), [hidden]")) continue;
    const text = Array.from(n.childNodes).filter((c) => c.nodeType === 3).map((c) => c.textContent.trim()).join("");
    const bg = background(n);
    if (!bg) continue;
    if (text) {
      const fg = parse(getComputedStyle(n).color);
      const r = ratio(over(fg, bg), bg);
      if (r < 4.5) failures.push({ kind: "text", text: text.slice(0, 30), ratio: Math.round(r * 100) / 100, tag: n.tagName, cls: n.className });
    }
    if (n.matches("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button")) {
      const s = getComputedStyle(n);
      const line = parse(s.borderTopColor);
      const own = parse(s.backgroundColor);
      const around = background(n.parentElement || n);
      if (!around || !line || parseFloat(s.borderTopWidth) === 0) continue;
      const fill = own && own[3] > 0 ? over(own, around) : around;
      // the control's edge shows as its outline or, where it has none, as its own fill
      const edge = Math.max(ratio(over(line, around), around), ratio(fill, around));
      if (edge < 3) failures.push({ kind: "outline", text: (n.id || n.name || n.textContent.trim()).slice(0, 30), ratio: Math.round(edge * 100) / 100, tag: n.tagName, cls: n.className });
    }
  }
  return failures;
})()
