/**
 * The built-in JSON plugin: `import data from "./data.json"` (with or
 * without `with { type: "json" }`) is served as a JavaScript module whose
 * default export is the parsed value, with a named export for every
 * top-level key that is a valid identifier (as Vite does). JSON modules do
 * not accept updates: an edit propagates to their importers by the normal
 * rules.
 *
 * @module
 */

import { relative } from "node:path";
import type { Plugin } from "../types.ts";
import { BananaError, codeFrame, offsetToLineColumn } from "../errors.ts";
import { splitId } from "../module_id.ts";

const RESERVED = new Set(
  (
    "await break case catch class const continue debugger default delete do " +
    "else enum export extends false finally for function if implements import " +
    "in instanceof interface let new null package private protected public " +
    "return static super switch this throw true try typeof var void while " +
    "with yield arguments eval undefined NaN Infinity"
  ).split(" "),
);

function isExportableName(key: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(key) && !RESERVED.has(key);
}

/** Turns JSON text into module code; throws a located error when invalid. */
export function jsonToModule(text: string, file: string, root: string): string {
  const source = text.replace(/^\uFEFF/, "");
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(reason);
    const shown = relative(root, file);
    if (!position) {
      throw new BananaError({
        message: `${shown}: invalid JSON: ${reason}`,
        id: file,
        plugin: "json",
      });
    }
    const { line, column } = offsetToLineColumn(source, Number(position[1]));
    throw new BananaError({
      message: `${shown}:${line}:${column + 1}: invalid JSON: ${
        reason.replace(/\s*in JSON at position \d+.*$/, "")
      }`,
      id: file,
      loc: { file, line, column },
      frame: codeFrame(source, line, column),
      plugin: "json",
    });
  }
  let code = `const __bananaJson = ${JSON.stringify(value)};\n` +
    `export default __bananaJson;\n`;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (!isExportableName(key)) continue;
      code += `export const ${key} = __bananaJson[${JSON.stringify(key)}];\n`;
    }
  }
  return code;
}

/**
 * The JSON plugin.
 *
 * @example
 * ```ts
 * const plugin = jsonPlugin({ root: "/app" });
 * ```
 */
export function jsonPlugin(options: { root: string }): Plugin {
  return {
    name: "banana:json",
    transform(code, id) {
      const { path, params } = splitId(id);
      if (!path.endsWith(".json")) return null;
      // `?raw` and `?url` are the assets plugin's.
      if (params.has("raw") || params.has("url")) return null;
      return jsonToModule(code, path, options.root);
    },
  };
}
