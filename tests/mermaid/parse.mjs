// Parse Mermaid blocks with Mermaid's own parser: `node parse.mjs < blocks.json`.
//
// stdin: a JSON array of diagram texts (the inside of each ```mermaid fence).
// stdout: a JSON array, one entry per block: {"ok": true, "type": "xychart", "config": {...},
//         "chart": {...}} or {"ok": false, "error": "Parse error on line 3: ..."}.
//         `config` is what the block's front matter and any `%%{init: ...}%%` directive set;
//         `chart` (xychart only) the texts Mermaid read: {title, x_title, x_categories,
//         y_title, lines}, so a test can see that a label did not leave its string.
// Exit status: 0 when every block parses, 1 when any does not, 2 on bad input.
//
// mermaid.parse sanitises labels with DOMPurify, which needs a DOM: jsdom gives it one
// before mermaid is loaded. Nothing is rendered (rendering needs a browser's layout).
import { JSDOM } from "jsdom";

const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function check(text) {
  try {
    const result = await mermaid.parse(text);
    const found = { ok: true, type: result.diagramType, config: result.config ?? {} };
    if (result.diagramType === "xychart") found.chart = await chart(text);
    return found;
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

async function chart(text) {
  const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
  const data = db.getXYChartData();
  return {
    title: db.getDiagramTitle(),
    x_title: data.xAxis.title,
    x_categories: data.xAxis.categories ?? null,
    y_title: data.yAxis.title,
    lines: data.plots.filter((plot) => plot.type === "line").length,
  };
}

let blocks;
try {
  blocks = JSON.parse(await readStdin());
  if (!Array.isArray(blocks) || !blocks.every((b) => typeof b === "string")) throw new Error();
} catch {
  process.stderr.write("parse.mjs: stdin must be a JSON array of strings\n");
  process.exit(2);
}
const results = [];
for (const block of blocks) results.push(await check(block));
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(results.every((r) => r.ok) ? 0 : 1);
