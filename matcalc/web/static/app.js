// matcalc's page: the inputs go to POST /api/derive as the user types (debounced); the answer's
// rows are shown as MathML, which the browser draws; the state lives in the URL's hash.
"use strict";

const DEBOUNCE_MS = 250;
const FIELDS = ["expr", "wrt", "where", "kind", "layout", "check", "steps"];
const DEFAULTS = { expr: "tr(AX^2BX^-T)", wrt: "X", where: "", kind: "auto", layout: "numerator",
                   check: true, steps: false };
const BACKEND_NAMES = { numpy: "NumPy", jax: "JAX", torch: "PyTorch" };

const $ = (id) => document.getElementById(id);
let timer = null;
let sequence = 0;          // the newest request; older answers are ignored
let inFlight = null;       // its AbortController
let last = null;           // the newest successful answer
let stepsAvailable = true;

// ---------------------------------------------------------------- state and the URL
function readInputs() {
  const s = {};
  for (const f of FIELDS) {
    const el = $(f);
    s[f] = el.type === "checkbox" ? el.checked : el.value;
  }
  return s;
}

function writeInputs(s) {
  for (const f of FIELDS) {
    const el = $(f);
    if (el.type === "checkbox") el.checked = !!s[f];
    else el.value = s[f];
  }
  fitAll();
}

function stateToHash(s) {
  const p = new URLSearchParams();
  for (const f of FIELDS) {
    const v = s[f];
    if (typeof v === "boolean") p.set(f, v ? "1" : "0");
    else if (v !== "") p.set(f, v);
  }
  return "#" + p.toString();
}

function stateFromUrl() {
  const raw = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
  if (!raw) return Object.assign({}, DEFAULTS);
  const p = new URLSearchParams(raw);
  const s = {};
  for (const f of FIELDS) {
    const d = DEFAULTS[f];
    if (typeof d === "boolean") s[f] = p.has(f) ? p.get(f) === "1" : d;
    else s[f] = p.has(f) ? p.get(f) : (f === "expr" || f === "wrt" ? "" : d);
  }
  return s;
}

// ---------------------------------------------------------------- the request
function schedule() {
  fitAll();
  $("copy-status").textContent = "";
  history.replaceState(null, "", stateToHash(readInputs()));
  clearTimeout(timer);
  timer = setTimeout(derive, DEBOUNCE_MS);
}

async function derive() {
  const s = readInputs();
  const out = $("output");
  if (!s.expr.trim()) {
    showRows([]);
    hideError();
    out.dataset.state = "idle";
    return;
  }
  const body = { expr: s.expr, wrt: s.wrt, where: s.where, kind: s.kind, layout: s.layout,
                 check: s.check, steps: s.steps && stepsAvailable, format: "mathml",
                 code: ["numpy", "jax", "torch"] };
  const mine = ++sequence;
  if (inFlight) inFlight.abort();
  inFlight = new AbortController();
  out.dataset.state = "pending";
  let status, data;
  try {
    const resp = await fetch("/api/derive", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      signal: inFlight.signal });
    status = resp.status;
    data = await resp.json();
  } catch (e) {
    if (e.name === "AbortError") return;
    if (mine !== sequence) return;
    showError({ message: "the server did not answer (is `matcalc serve` still running?)" });
    out.dataset.state = "error";
    return;
  }
  if (mine !== sequence) return;
  out.dataset.seq = String(mine);
  if (status !== 200) {
    showError(data);
    out.dataset.state = "error";
    return;
  }
  hideError();
  last = data;
  showResult(data);
  out.dataset.state = "done";
}

// ---------------------------------------------------------------- showing a result
function mathNode(mathml, latex) {
  if (mathml) {
    const doc = new DOMParser().parseFromString(mathml, "application/xml");
    if (!doc.querySelector("parsererror")) return document.importNode(doc.documentElement, true);
  }
  const code = document.createElement("code");   // no converter on the server: the LaTeX source
  code.textContent = latex;
  return code;
}

function button(label, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function showRows(rows) {
  const box = $("rows");
  box.replaceChildren();
  for (const row of rows) {
    const div = document.createElement("div");
    div.className = "result-row";
    div.dataset.key = row.key;
    div.dataset.latex = row.latex;
    div.dataset.text = row.text;
    const cap = document.createElement("div");
    cap.className = "caption";
    cap.textContent = row.title;
    const math = document.createElement("div");
    math.className = "math";
    math.appendChild(mathNode(row.mathml, row.shown));
    const copy = document.createElement("div");
    copy.className = "copy";
    copy.append(
      button("LaTeX", "copy the LaTeX of this line", () => copyText(row.latex, `the LaTeX of the ${row.title}`)),
      button("text", "copy the plain text (matcalc reads it back)", () => copyText(row.text, `the text of the ${row.title}`)));
    div.append(cap, math, copy);
    box.appendChild(div);
  }
}

function showResult(data) {
  showRows(data.rows || []);
  const note = $("note");
  note.hidden = !data.note;
  note.textContent = data.note || "";
  const verdict = $("verdict");
  if (data.check) {
    verdict.hidden = false;
    verdict.className = data.check.ok ? "ok" : "bad";
    verdict.textContent = (data.check.ok ? "\u2713 numeric check: " : "\u2717 numeric check: ") + data.check.verdict;
  } else {
    verdict.hidden = true;
  }
  $("code-buttons").hidden = !data.code;
}

// ---------------------------------------------------------------- errors at their position
function hideError() {
  $("error").hidden = true;
  $("error").replaceChildren();
  markError("expr", null);
  markError("where", null);
}

function showError(data) {
  const box = $("error");
  box.replaceChildren();
  const lines = String(data.message || "error").split("\n");
  const head = document.createElement("div");
  head.className = "message";
  head.textContent = lines[0];
  box.appendChild(head);
  if (lines.length > 1) {
    const pre = document.createElement("pre");
    pre.textContent = lines.slice(1).join("\n");
    box.appendChild(pre);
  }
  box.hidden = false;
  box.dataset.line = data.line == null ? "" : String(data.line);
  box.dataset.column = data.column == null ? "" : String(data.column);
  box.dataset.field = data.field || "";
  markError("expr", data.field === "expr" ? data : null);
  markError("where", data.field === "where" ? data : null);
}

// Mark the character at (line, column) (1-based, in code points, as the API counts) in the
// field's mirror, which lies under the transparent textarea with the same font and wrapping.
function markError(field, data) {
  const mirror = $(field + "-mirror");
  mirror.replaceChildren();
  if (!data || data.line == null || data.column == null) return;
  const chars = Array.from($(field).value);
  let pos = 0;
  for (let line = 1; line < data.line && pos < chars.length; pos++) {
    if (chars[pos] === "\n") line++;
  }
  pos = Math.min(pos + data.column - 1, chars.length);
  const at = pos < chars.length && chars[pos] !== "\n" ? chars[pos] : " ";
  const mark = document.createElement("mark");
  mark.textContent = at;
  mark.dataset.line = String(data.line);
  mark.dataset.column = String(data.column);
  mark.title = String(data.message || "").split("\n")[0];
  mirror.append(chars.slice(0, pos).join(""), mark, chars.slice(pos + (at === " " ? 0 : 1)).join(""));
}

// ---------------------------------------------------------------- copying
async function copyText(text, what) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch (e) {
    const ta = document.createElement("textarea");
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
    ta.remove();
  }
  const status = $("copy-status");
  status.textContent = ok ? `Copied ${what}.` : `Could not copy ${what}: select it by hand.`;
  status.dataset.copied = ok ? text : "";
}

function copyCode(backend) {
  const c = last && last.code && last.code[backend];
  if (!c) return;
  if (c.source) copyText(c.source, `the generated ${BACKEND_NAMES[backend]} code`);
  else $("copy-status").textContent = `No ${BACKEND_NAMES[backend]} code: ${c.error}`;
}

// ---------------------------------------------------------------- the cheat sheet
function insertAt(field, snippet) {
  const el = $(field);
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? el.value.length;
  let text = snippet;
  if (field === "where" && el.value.trim() && start === el.value.length) text = "; " + snippet;
  el.setRangeText(text, start, end, "end");
  el.focus();
  schedule();
}

function chip(example, meaning, field) {
  const span = document.createElement("span");
  const b = button(example, meaning || example, () => insertAt(field, example));
  b.className = "insert";
  span.appendChild(b);
  return span;
}

async function loadCheatSheet() {
  let lang;
  try {
    lang = await (await fetch("/api/language")).json();
  } catch (e) {
    return;
  }
  const syntax = $("sheet-syntax");
  for (const row of lang.syntax) {
    const m = document.createElement("span");
    m.className = "meaning";
    m.textContent = row.meaning;
    syntax.append(chip(row.example, row.meaning, "expr"), m);
  }
  for (const c of lang.calls) {
    const aka = c.aliases.length ? ` (also ${c.aliases.join(", ")})` : "";
    $("sheet-calls").appendChild(chip(c.example, c.meaning + aka, "expr"));
  }
  for (const f of lang.functions) {
    const aka = f.aliases.length ? ` (also ${f.aliases.join(", ")})` : "";
    $("sheet-functions").appendChild(chip(f.example, f.meaning + aka, "expr"));
  }
  const decl = $("sheet-declarations");
  for (const k of lang.kinds) decl.appendChild(chip(`A: ${k}`, "a kind", "where"));
  for (const p of lang.properties) decl.appendChild(chip(`S: matrix(n,n) ${p}`, `the property ${p}`, "where"));
  stepsAvailable = !!(lang.features && lang.features.steps);
  $("mathml-missing").hidden = !(lang.features && lang.features.mathml === false);  // (else LaTeX source, unexplained)
  $("steps-option").hidden = !stepsAvailable;
}

// ---------------------------------------------------------------- wiring
function fit(el) {
  el.style.height = "auto";
  el.style.height = el.scrollHeight + "px";
}

function fitAll() {
  fit($("expr"));
  fit($("where"));
}

function init() {
  writeInputs(stateFromUrl());
  for (const f of FIELDS) {
    $(f).addEventListener($(f).tagName === "SELECT" || $(f).type === "checkbox" ? "change" : "input", schedule);
  }
  for (const b of document.querySelectorAll("#code-buttons button")) {
    b.addEventListener("click", () => copyCode(b.dataset.backend));
  }
  $("toggle-sheet").addEventListener("click", () => {
    const sheet = $("cheatsheet");
    sheet.hidden = !sheet.hidden;
    $("toggle-sheet").setAttribute("aria-expanded", String(!sheet.hidden));
  });
  $("copy-link").addEventListener("click", () => copyText(location.href, "a link to this derivation"));
  window.addEventListener("hashchange", () => {
    if (location.hash !== stateToHash(readInputs())) {
      writeInputs(stateFromUrl());
      schedule();
    }
  });
  window.addEventListener("resize", fitAll);
  loadCheatSheet().then(() => derive());
}

document.addEventListener("DOMContentLoaded", init);
