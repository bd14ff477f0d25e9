/**
 * Import resolution: what a specifier written in a module refers to — a
 * file of the app (served under its root-relative URL), a dependency to
 * bundle (`npm:`, `https:`, `jsr:`, or a bare name through the import map),
 * or something the browser loads as is (`data:`, `blob:`).
 *
 * @module
 */

import { dirname, relative, resolve, sep as SEPARATOR } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ImportMap, resolveWithImportMap } from "./import_map.ts";
import { isDepSpecifier, normalizeDepSpecifier } from "./dep_specifier.ts";
import { isInside, pathBelow } from "./path_safety.ts";

/** Where a specifier leads. */
export type Resolution =
  | { kind: "file"; file: string; query: string }
  | { kind: "dep"; spec: string }
  | { kind: "virtual"; id: string }
  | { kind: "external"; url: string }
  | { kind: "unresolved"; reason: string };

/** Options of {@linkcode resolveSpecifier}. */
export interface ResolveOptions {
  root: string;
  importMap: ImportMap;
  /** `resolve.alias` from the config: prefix → replacement. */
  alias: Record<string, string>;
}

function splitQuery(spec: string): [string, string] {
  const q = spec.search(/[?#]/);
  return q < 0 ? [spec, ""] : [spec.slice(0, q), spec.slice(q)];
}

function applyAlias(spec: string, alias: Record<string, string>): string {
  for (const [from, to] of Object.entries(alias)) {
    if (spec === from) return to;
    const prefix = from.endsWith("/") ? from : from + "/";
    if (spec.startsWith(prefix)) {
      return (to.endsWith("/") ? to : to + "/") + spec.slice(prefix.length);
    }
  }
  return spec;
}

/**
 * Resolves `spec` as imported by the file `importer` (absolute path).
 * Local files are checked for existence by the caller.
 *
 * @example
 * ```ts
 * import { resolveSpecifier } from "./resolver.ts";
 * import type { ImportMap } from "./import_map.ts";
 * function example(
 *   importMap: ImportMap,
 * ) {
 *   resolveSpecifier("./b.ts", "/app/src/a.ts", { root: "/app", importMap, alias: {} });
 *   // { kind: "file", file: "/app/src/b.ts", query: "" }
 * }
 * ```
 */
export function resolveSpecifier(
  spec: string,
  importer: string,
  options: ResolveOptions,
): Resolution {
  const aliased = applyAlias(spec, options.alias);
  if (/^(data|blob):/.test(aliased)) return { kind: "external", url: aliased };
  if (aliased.startsWith("/@")) return { kind: "virtual", id: aliased };
  if (
    aliased.startsWith("./") || aliased.startsWith("../")
  ) {
    const [path, query] = splitQuery(aliased);
    return { kind: "file", file: resolve(dirname(importer), path), query };
  }
  if (aliased.startsWith("/")) {
    const [path, query] = splitQuery(aliased);
    // A root-relative URL, as the browser would read it; an absolute path
    // that already lies inside the root is taken as a path.
    const file = isInside(options.root, path)
      ? path
      : resolve(options.root, "." + path);
    return { kind: "file", file, query };
  }
  if (aliased.startsWith("file://")) {
    const [path, query] = splitQuery(aliased);
    return { kind: "file", file: fileURLToPath(path), query };
  }
  const importerUrl = pathToFileURL(importer).href;
  const mapped = resolveWithImportMap(aliased, options.importMap, importerUrl);
  if (mapped !== null) {
    if (mapped.startsWith("file://")) {
      const [path, query] = splitQuery(mapped);
      return { kind: "file", file: fileURLToPath(path), query };
    }
    if (isDepSpecifier(mapped)) {
      return { kind: "dep", spec: normalizeDepSpecifier(mapped) };
    }
    return {
      kind: "unresolved",
      reason:
        `the import map maps it to "${mapped}", which is not a file, npm:, jsr: or https: address`,
    };
  }
  if (isDepSpecifier(aliased)) {
    return { kind: "dep", spec: normalizeDepSpecifier(aliased) };
  }
  if (aliased.startsWith("node:")) {
    return {
      kind: "unresolved",
      reason: "Node built-in modules do not run in the browser",
    };
  }
  return {
    kind: "unresolved",
    reason: missingEntryReason(aliased, options.importMap),
  };
}

/**
 * The npm package a bare specifier names: its first path segment, or its
 * first two for a scoped package (`@tanstack/react-query/devtools` →
 * `@tanstack/react-query`).
 *
 * @example
 * ```ts
 * packageNameOf("react-dom/client"); // "react-dom"
 * packageNameOf("@scope/pkg/sub"); // "@scope/pkg"
 * ```
 */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") && parts.length > 1
    ? `${parts[0]}/${parts[1]}`
    : parts[0];
}

/** Why a bare specifier has no entry, and the entry that would add it. */
function missingEntryReason(specifier: string, importMap: ImportMap): string {
  const name = packageNameOf(specifier);
  const entry = importMap.imports[name];
  const scheme = entry ? /^(npm|jsr):\/?/.exec(entry) : null;
  if (scheme && specifier !== name) {
    // A separate import map file: Deno derives "name/" from "name" only
    // for the entries written in deno.json.
    const prefix = `${scheme[1]}:/${
      entry.slice(scheme[0].length).replace(/\/$/, "")
    }/`;
    return `the app's import map has "${name}" but no entry for its sub-paths; add "${name}/": "${prefix}" (or move the "${name}" entry to deno.json "imports", where Deno derives it)`;
  }
  return `it is not a relative path and the app's import map (deno.json "imports" or import_map.json) has no entry for it; add one, e.g. "${name}": "npm:${name}@<version>" to deno.json "imports"`;
}

/** Characters encodeURIComponent leaves as they are, and `/`. */
const URL_SAFE_PATH = /^[\w.!~*'()/-]*$/;

/** The URL a file of the app is served under (`/src/a.ts`). */
export function fileToUrl(root: string, file: string, query = ""): string {
  const rel = pathBelow(root, file) ??
    relative(root, file).split(SEPARATOR).join("/");
  // A path of characters that encodeURIComponent keeps (most are) is its
  // own URL path: no split and join per module.
  if (URL_SAFE_PATH.test(rel)) return "/" + rel + query;
  return "/" + rel.split("/").map(encodeURIComponent).join("/") + query;
}
