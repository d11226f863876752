/* The amendment form's live diff (templates/rules/clause.html): as the resident types, the
   changes against the clause are drawn the way templates/_macros/diff.html draws them (ins/del,
   with words for screen readers). Progressive enhancement only: without this file the form's
   "show the changes" button asks the server (portal/diff.py), and sending never needs it.
   The tokens are portal/diff.py's: one per CJK character, one per Latin word or number, one per
   run of whitespace, one per other character. */
(function () {
  "use strict";
  var box = document.getElementById("amend-diff");
  var text = document.getElementById("text");
  if (!box || !text) { return; }
  var WORD = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff";
  var TOKEN = new RegExp("[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3400-\u4dbf" +
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\\u{20000}-\\u{3134f}]|[" + WORD + "]+(?:['\u2019][" + WORD +
    "]+)*|\\s+|.", "gsu");
  var LIMIT = 1500;  // tokens on each side of the changed middle; beyond, the server's button

  function tokens(s) { return s.match(TOKEN) || []; }

  function diff(a, b) {
    var start = 0, endA = a.length, endB = b.length, ops = [];
    while (start < endA && start < endB && a[start] === b[start]) { start++; }
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
    var midA = a.slice(start, endA), midB = b.slice(start, endB), n = midA.length, m = midB.length;
    function add(op, s) {
      if (!s) { return; }
      var last = ops[ops.length - 1];
      if (last && last.op === op) { last.text += s; } else { ops.push({op: op, text: s}); }
    }
    add("equal", a.slice(0, start).join(""));
    if (n > LIMIT || m > LIMIT) {
      add("delete", midA.join("")); add("insert", midB.join(""));
    } else {
      var w = m + 1, L = new Uint16Array((n + 1) * w), i, j;
      for (i = n - 1; i >= 0; i--) {
        for (j = m - 1; j >= 0; j--) {
          L[i * w + j] = midA[i] === midB[j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
        }
      }
      i = 0; j = 0;
      while (i < n && j < m) {
        if (midA[i] === midB[j]) { add("equal", midA[i]); i++; j++; }
        else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) { add("delete", midA[i]); i++; }
        else { add("insert", midB[j]); j++; }
      }
      add("delete", midA.slice(i).join("")); add("insert", midB.slice(j).join(""));
    }
    add("equal", a.slice(endA).join(""));
    return ops;
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content) { e.textContent = content; }
    return e;
  }

  function kind() {
    var checked = document.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "change";
  }

  function draw() {
    var old = box.getAttribute("data-old") || "", now = text.value.trim(), k = kind();
    box.textContent = "";
    if (k === "delete") { return; }
    box.appendChild(el("h4", "", box.getAttribute("data-heading")));
    var ops = diff(tokens(k === "new" ? "" : old), tokens(now));
    if (!ops.some(function (o) { return o.op !== "equal"; })) {
      box.appendChild(el("p", "", box.getAttribute("data-same")));
      return;
    }
    var p = el("p", "diff-text"), span = el("span", "diff");
    ops.forEach(function (o) {
      if (o.op === "equal") { span.appendChild(document.createTextNode(o.text)); return; }
      var tag = o.op === "insert" ? "ins" : "del";
      var mark = el(tag);
      mark.appendChild(el("span", "visually-hidden", box.getAttribute(o.op === "insert" ? "data-added" : "data-removed") + " "));
      mark.appendChild(document.createTextNode(o.text));
      mark.appendChild(el("span", "visually-hidden", "]"));
      span.appendChild(mark);
    });
    p.appendChild(span);
    box.appendChild(p);
  }

  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(draw, 250); }
  text.addEventListener("input", later);
  document.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", draw); });
})();
