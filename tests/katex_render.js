#!/usr/bin/env node
// Render LaTeX strings with KaTeX and report the ones that fail.
//
//   node tests/katex_render.js [--report] < strings.json
//
// stdin: a JSON array of LaTeX strings (math-mode bodies, without $ or $$).
// stdout: a JSON array of {index, error}, one per string KaTeX cannot render.
//   With --report: {"katex": <version>, "count": <n>, "failures": [...], "warnings": [...]},
//   warnings being KaTeX's harmless LaTeX-compatibility notes ({index, code, message}).
// Exit status: 0 all rendered, 1 some failed, 2 bad input, 3 KaTeX could not be loaded.
//
// KaTeX is require()d from $MATCALC_KATEX_DIR (the package directory, e.g.
// <prefix>/node_modules/katex, as .ci/run exports it), or else by node's own resolution
// of "katex" (a node_modules directory above this file, or NODE_PATH).
//
// Every string is rendered with throwOnError (a parse error is a failure) in display
// mode (how _repr_latex_'s $$...$$ shows it). Strictness: KaTeX's "strict" checks flag
// input that is not plain LaTeX. The ones that mean the formula is wrong are failures:
//   unknownSymbol          a Unicode character KaTeX has no glyph metrics for
//   unicodeTextInMathMode  raw Unicode text in math (pdfLaTeX would stop on it)
//   commentAtEnd           a % that comments out the rest of the formula
//   newLineInDisplayMode   \\ in display math (LaTeX drops it: the line break is lost)
//   textEnv                an array with more cells than declared columns
// The rest (e.g. mathVsTextUnits, mathVsTextAccents, htmlExtension, and any code a later
// KaTeX adds) render fine and are only reported as warnings.
"use strict";

const path = require("path");

const FATAL = new Set([
  "unknownSymbol",
  "unicodeTextInMathMode",
  "commentAtEnd",
  "newLineInDisplayMode",
  "textEnv",
]);

function loadKatex() {
  const dir = process.env.MATCALC_KATEX_DIR;
  const target = dir ? path.resolve(dir) : "katex";
  try {
    return require(target);
  } catch (e) {
    process.stderr.write(
      "katex_render: cannot load KaTeX from " +
        (dir ? JSON.stringify(target) + " (MATCALC_KATEX_DIR)" : "'katex' (node module resolution; set MATCALC_KATEX_DIR)") +
        ": " + e.message.split("\n")[0] + "\n");
    process.exit(3);
  }
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function renderAll(katex, strings) {
  const failures = [];
  const warnings = [];
  strings.forEach((s, index) => {
    if (typeof s !== "string") {
      failures.push({ index, error: "not a string: " + JSON.stringify(s) });
      return;
    }
    const problems = [];
    const strict = (code, message) => {
      if (FATAL.has(code)) {
        // reportNonstrict throws on "error"; useStrictBehavior (newLineInDisplayMode) does not,
        // so remember the problem too.
        problems.push(message + " [" + code + "]");
        return "error";
      }
      warnings.push({ index, code, message });
      return "ignore";
    };
    try {
      katex.renderToString(s, { displayMode: true, throwOnError: true, strict, trust: false });
      if (problems.length) failures.push({ index, error: problems.join("; ") });
    } catch (e) {
      const msg = e && e.message ? e.message : String(e);
      failures.push({ index, error: msg });
    }
  });
  return { failures, warnings };
}

async function main() {
  const report = process.argv.includes("--report");
  const katex = loadKatex();
  let strings;
  try {
    strings = JSON.parse(await readStdin());
  } catch (e) {
    process.stderr.write("katex_render: stdin is not JSON: " + e.message + "\n");
    process.exit(2);
  }
  if (!Array.isArray(strings)) {
    process.stderr.write("katex_render: stdin must be a JSON array of strings\n");
    process.exit(2);
  }
  const { failures, warnings } = renderAll(katex, strings);
  const out = report
    ? { katex: katex.version, count: strings.length, failures, warnings }
    : failures;
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(failures.length ? 1 : 0));
}

main().catch((e) => {
  process.stderr.write("katex_render: " + (e && e.stack ? e.stack : String(e)) + "\n");
  process.exit(4);
});
