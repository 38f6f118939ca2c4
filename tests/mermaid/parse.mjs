// Parse Mermaid blocks with Mermaid's own parser: `node parse.mjs < blocks.json`.
//
// stdin: a JSON array of diagram texts (the inside of each ```mermaid fence).
// stdout: a JSON array, one entry per block: {"ok": true, "type": "xychart"}
//         or {"ok": false, "error": "Parse error on line 3: ..."}.
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
    return { ok: true, type: result.diagramType };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
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
