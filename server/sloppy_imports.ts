/**
 * Deno's "sloppy imports" (`"unstable": ["sloppy-imports"]` in the app's
 * `deno.json`): a relative import that names no existing file is probed the
 * way Deno probes it when it runs code — `./a.js` → `./a.ts`, `./App` →
 * `./App.tsx`, `./lib` → `./lib/index.ts`. Without the option the same probe
 * gives the "did you mean" hint of the import error.
 *
 * @module
 */

import { join } from "node:path";

/** Why a probed file was taken: Deno's three kinds of sloppy resolution. */
export type SloppyKind = "js-to-ts" | "no-extension" | "directory";

/** A file found for a specifier that named none. */
export interface SloppyMatch {
  /** The absolute path of the file found. */
  file: string;
  kind: SloppyKind;
}

/** The extension Deno gives a path (`""` for none or one it does not know). */
function knownExtension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const match =
    /\.(d\.ts|d\.mts|d\.cts|ts|tsx|mts|cts|js|jsx|mjs|cjs|json|wasm)$/
      .exec(name);
  return match ? "." + match[1] : "";
}

/** TypeScript files that stand for a JavaScript extension (execution mode). */
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

/** Extensions tried for a path without one, in Deno's order. */
const NO_EXTENSION_PROBES = [".ts", ".js", ".tsx", ".jsx", ".mts", ".mjs"];

/** Index files tried in a directory, in Deno's order. */
const INDEX_PROBES = [
  "index.ts",
  "index.mts",
  "index.tsx",
  "index.js",
  "index.mjs",
  "index.jsx",
];

/**
 * The files Deno would try, in order, for `path` (absolute, no query) that
 * is not a file; `isDirectory` says whether it is a directory.
 *
 * @example
 * ```ts
 * sloppyCandidates("/app/src/App", false)[0]; // { file: "/app/src/App.ts", kind: "no-extension" }
 * ```
 */
export function sloppyCandidates(
  path: string,
  isDirectory: boolean,
): SloppyMatch[] {
  const ext = knownExtension(path);
  const candidates: SloppyMatch[] = [];
  if (ext === "") {
    for (const probe of NO_EXTENSION_PROBES) {
      candidates.push({ file: path + probe, kind: "no-extension" });
    }
  } else if (JS_TO_TS[ext]) {
    const base = path.slice(0, -ext.length);
    for (const probe of JS_TO_TS[ext]) {
      candidates.push({ file: base + probe, kind: "js-to-ts" });
    }
  }
  if (isDirectory) {
    for (const index of INDEX_PROBES) {
      candidates.push({ file: join(path, index), kind: "directory" });
    }
  }
  return candidates;
}

async function statKind(path: string): Promise<"file" | "dir" | null> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? "file" : info.isDirectory ? "dir" : null;
  } catch {
    return null;
  }
}

/**
 * The file Deno's sloppy imports resolve `path` to, or null when `path` is
 * a file itself or nothing matches. `tried` (if given) receives every path
 * probed, so their creation can be watched for.
 *
 * @example
 * ```ts
 * await probeSloppyImport("/app/src/lib"); // { file: "/app/src/lib/index.ts", kind: "directory" }
 * ```
 */
export async function probeSloppyImport(
  path: string,
  tried?: string[],
): Promise<SloppyMatch | null> {
  const kind = await statKind(path);
  if (kind === "file") return null;
  for (const candidate of sloppyCandidates(path, kind === "dir")) {
    tried?.push(candidate.file);
    if (await statKind(candidate.file) === "file") return candidate;
  }
  return null;
}

/**
 * The specifier as it would have to be written for `match`: `./App` with
 * `/app/src/App.tsx` gives `./App.tsx`, `./a.js` with `a.ts` gives `./a.ts`.
 *
 * @example
 * ```ts
 * suggestSpecifier("./lib", "/app/src/lib", { file: "/app/src/lib/index.ts", kind: "directory" });
 * // "./lib/index.ts"
 * ```
 */
export function suggestSpecifier(
  specifier: string,
  path: string,
  match: SloppyMatch,
): string {
  const q = specifier.search(/[?#]/);
  const written = q < 0 ? specifier : specifier.slice(0, q);
  const query = q < 0 ? "" : specifier.slice(q);
  if (match.file.startsWith(path)) {
    const tail = match.file.slice(path.length);
    const joined = written.endsWith("/") && tail.startsWith("/")
      ? written + tail.slice(1)
      : written + tail;
    return joined + query;
  }
  const ext = knownExtension(written);
  const newExt = knownExtension(match.file);
  return written.slice(0, written.length - ext.length) + newExt + query;
}
