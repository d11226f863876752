"""Measurements taken inside the page: text size, line height, contrast, target
size, horizontal scrolling. Each returns a list of human-readable problems."""
from __future__ import annotations

import os

# Every visible element that directly holds text: its font size, line height,
# colour and the colour actually behind it (ancestors' backgrounds composited).
TEXT_JS = r"""
() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3] + bottom[3] * (1 - top[3]); if (!a) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]); };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let bg = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg); return bg; };
  const hidden = el => el.closest('.visually-hidden, script, style, noscript, option, [aria-hidden="true"]');
  const out = []; const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const text = node.textContent.trim(); if (!text) continue;
    const el = node.parentElement; if (!el || seen.has(el) || hidden(el)) continue; seen.add(el);
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || r.bottom < 0) continue;
    const size = parseFloat(s.fontSize);
    const lh = s.lineHeight === 'normal' ? null : parseFloat(s.lineHeight) / size;
    const fg = over(parse(s.color), background(el));
    out.push({tag: el.tagName.toLowerCase(), cls: el.className && el.className.baseVal === undefined ? el.className : '',
              text: text.slice(0, 40), size, lh, fg: fg.slice(0, 3), bg: background(el).slice(0, 3)});
  }
  return {body: parseFloat(getComputedStyle(document.body).fontSize),
          bodyLh: parseFloat(getComputedStyle(document.body).lineHeight) / parseFloat(getComputedStyle(document.body).fontSize),
          texts: out};
}
"""

# Buttons, links styled as buttons, every link in a header/nav, disclosure summaries, form controls.
# A checkbox counts together with its label (clicking either toggles it).
TARGETS_JS = r"""
() => {
  const sel = 'button, .btn, header a, nav a, .links a, .card a, .small-link, summary, select, textarea, input:not([type=hidden])';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    let r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || r.bottom < 0) continue;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      for (const label of el.labels || []) { const l = label.getBoundingClientRect();
        const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
        r = {left, top, width: Math.max(r.right, l.right) - left, height: Math.max(r.bottom, l.bottom) - top}; }
    }
    out.push({tag: el.tagName.toLowerCase(), text: (el.textContent || el.name || '').trim().slice(0, 30),
              w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10});
  }
  return out;
}
"""


def _lum(rgb):
    def chan(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (chan(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    a, b = sorted((_lum(fg), _lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_problems(page, mode: str) -> list[str]:
    data = page.evaluate(TEXT_JS)
    min_size = 20 if ("large" in mode or "easy" in mode) else 18
    problems = []
    if data["body"] < min_size:
        problems.append(f"body font-size {data['body']}px < {min_size}px")
    if data["bodyLh"] < 1.3:
        problems.append(f"body line-height {data['bodyLh']:.2f} < 1.3")
    for t in data["texts"]:
        where = f"<{t['tag']} class='{t['cls']}'> {t['text']!r}"
        if t["size"] < min_size - 0.05:
            problems.append(f"font-size {t['size']}px < {min_size}px: {where}")
        if t["lh"] is not None and t["lh"] < 1.3 - 0.01:
            problems.append(f"line-height {t['lh']:.2f} < 1.3: {where}")
        if mode == "contrast":
            ratio = contrast(t["fg"], t["bg"])
            if ratio < 7:
                problems.append(f"contrast {ratio:.2f}:1 < 7:1 ({t['fg']} on {t['bg']}): {where}")
    return problems


def target_problems(page, mode: str) -> list[str]:
    least = 48 if ("large" in mode or "easy" in mode) else 44
    return [f"target {t['w']}x{t['h']} < {least}x{least}: <{t['tag']}> {t['text']!r}"
            for t in page.evaluate(TARGETS_JS) if t["w"] < least - 0.5 or t["h"] < least - 0.5]


def reflow_problems(page, width: int = 320) -> list[str]:
    page.set_viewport_size({"width": width, "height": 800})
    sw = page.evaluate("document.documentElement.scrollWidth")
    if sw <= width + 1:
        return []
    wide = page.evaluate(f"""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-wrap') && (e.getBoundingClientRect().right > {width + 1}
                     || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'))
        .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '') + ' → '
                          + Math.round(e.getBoundingClientRect().right) + ' (content ' + e.scrollWidth + 'px)')""")
    return [f"scrolls horizontally at {width}px: scrollWidth {sw}; widest: {wide}"]


# Easy reading mode: one main action per screen, and no pictogram without a visible word.
EASY_JS = r"""
() => {
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden], .visually-hidden'); };
  const primaries = [...document.querySelectorAll('.btn-primary')].filter(visible)
    .map(el => (el.innerText || '').trim().slice(0, 40));
  const unlabelled = [];
  for (const icon of document.querySelectorAll('svg.icon')) {
    if (!visible(icon)) continue;
    const holder = icon.closest('a, button, label, summary') || icon.parentElement;
    if (!(holder.innerText || '').trim()) unlabelled.push(holder.outerHTML.slice(0, 120));
  }
  return {primaries, unlabelled};
}
"""


def easy_problems(page) -> list[str]:
    data = page.evaluate(EASY_JS)
    problems = []
    if len(data["primaries"]) > 1:
        problems.append(f"{len(data['primaries'])} main actions (at most one in easy mode): {data['primaries']}")
    problems += [f"icon without a visible label: {html}" for html in data["unlabelled"]]
    return problems


# WCAG 1.4.12 text spacing: with these overrides no text may be cut off or spill out of its box.
SPACING_JS = r"""
() => {
  const style = document.createElement('style');
  style.textContent = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; '
    + 'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
  document.head.appendChild(style);
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden, svg, script, style, [aria-hidden="true"], .skip')) continue;
    if (el.matches('input, select, textarea')) continue;  // their text scrolls inside them by design
    const s = getComputedStyle(el);
    if (s.display === 'inline' || s.display === 'none' || s.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // the visually-hidden pattern (e.g. the audit table's head on a phone)
    const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const clipX = ['hidden', 'clip'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1;
    const clipY = ['hidden', 'clip'].includes(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
    const spills = hasText && s.overflowY === 'visible' && el.scrollHeight > el.clientHeight + 2 && el.clientHeight > 0
      && el.tagName !== 'TEXTAREA';
    if ((clipX || clipY) && !el.matches('.table-wrap') || spills)
      out.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''} "${(el.innerText || '').trim().slice(0, 30)}"`
               + ` ${el.clientWidth}x${el.clientHeight} content ${el.scrollWidth}x${el.scrollHeight}`);
  }
  const wide = document.documentElement.scrollWidth > innerWidth + 1;
  style.remove();
  return {out: out.slice(0, 8), wide, sw: document.documentElement.scrollWidth};
}
"""


def spacing_problems(page) -> list[str]:
    data = page.evaluate(SPACING_JS)
    problems = [f"text cut off or spilling with WCAG text spacing: {x}" for x in data["out"]]
    if data["wide"]:
        problems.append(f"scrolls horizontally with WCAG text spacing (scrollWidth {data['sw']})")
    return problems


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


SCREENSHOTS_ON = os.environ.get("YISHI_SCREENSHOTS", "1") != "0"  # YISHI_SCREENSHOTS=0: a quicker run


def describe(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"  - {v['id']} ({v.get('impact')}): {v['help']}  {v.get('helpUrl', '')}")
        for node in v["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      target {node['target']}: {summary[:300]}")
            lines.append(f"        {node.get('html', '')[:200]}")
    return "\n".join(lines)
