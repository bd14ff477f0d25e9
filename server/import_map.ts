/**
 * The app's import map: read from `deno.json` / `deno.jsonc` (`imports`,
 * `scopes`, or an `importMap` path) or a standalone `import_map.json`, and
 * applied to specifiers the way the browser and Deno apply it.
 *
 * @module
 */

import { join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

/** A parsed import map whose addresses are absolute (file:, npm:, https:). */
export interface ImportMap {
  /** Specifier → address. Keys ending in `/` map prefixes. */
  imports: Record<string, string>;
  /** Referrer URL prefix → a map that applies inside that scope. */
  scopes: Record<string, Record<string, string>>;
  /** The file the map came from, if any (watched for restarts). */
  file?: string;
}

/** JSX settings taken from the app's `deno.json` `compilerOptions`. */
export interface AppCompilerOptions {
  jsx?: string;
  jsxImportSource?: string;
  jsxFactory?: string;
  jsxFragmentFactory?: string;
}

/** What the app's Deno configuration tells the dev server. */
export interface AppDenoConfig {
  importMap: ImportMap;
  compilerOptions: AppCompilerOptions;
  /** Config files read, so edits to them restart the server. */
  files: string[];
  /** `"unstable": ["sloppy-imports"]`: Deno's sloppy imports are on. */
  sloppyImports?: boolean;
}

/** Removes `//` and `/* *\/` comments and trailing commas from JSONC text. */
export function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) i++;
      i++;
    } else {
      out += ch;
    }
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    const value = JSON.parse(stripJsonComments(text));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("expected a JSON object");
    }
    return value as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `Cannot parse ${file}: ${err instanceof Error ? err.message : err}`,
    );
  }
}

/**
 * Turns an import-map address into an absolute one: `./x` and `/x` become
 * `file://` URLs relative to the map file; `npm:`, `jsr:`, `https:` stay.
 */
export function normalizeAddress(address: string, baseDir: string): string {
  if (address.startsWith("./") || address.startsWith("../")) {
    const abs = pathToFileURL(resolvePath(baseDir, address)).href;
    return address.endsWith("/") && !abs.endsWith("/") ? abs + "/" : abs;
  }
  if (address.startsWith("/")) return pathToFileURL(address).href;
  return address;
}

function normalizeMap(
  raw: unknown,
  baseDir: string,
  where: string,
): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${where} must be an object of specifier → address`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== "string") {
      throw new Error(
        `${where}["${key}"] must be a string address, found ${typeof value}`,
      );
    }
    const normalizedKey = key.startsWith("./") || key.startsWith("../")
      ? normalizeAddress(key, baseDir)
      : key;
    out[normalizedKey] = normalizeAddress(value, baseDir);
  }
  return out;
}

async function readImportMapFile(file: string): Promise<ImportMap> {
  const json = await readJson(file);
  if (!json) throw new Error(`Import map ${file} does not exist`);
  return importMapFromJson(json, join(file, ".."), file, {
    packageSubpaths: false,
  });
}

/**
 * Adds the sub-path entries Deno derives for a `deno.json` import map: an
 * entry `"react-dom": "npm:react-dom@19.3.1"` (or `jsr:`) also maps
 * `"react-dom/"` to `"npm:/react-dom@19.3.1/"`, so `react-dom/client`
 * resolves from the one entry, as `deno run` and `deno info` resolve it.
 * An entry the map already has for that prefix is kept. Deno does this for
 * the `imports` and `scopes` written in `deno.json` only, not for a
 * separate import map file.
 *
 * @example
 * ```ts
 * withPackageSubpaths({ "react-dom": "npm:react-dom@19.3.1" });
 * // { "react-dom": "npm:react-dom@19.3.1", "react-dom/": "npm:/react-dom@19.3.1/" }
 * ```
 */
export function withPackageSubpaths(
  map: Record<string, string>,
): Record<string, string> {
  const out = { ...map };
  for (const [key, address] of Object.entries(map)) {
    if (key.endsWith("/")) continue;
    const scheme = /^(npm|jsr):\/?/.exec(address);
    if (!scheme || (key + "/") in map) continue;
    const target = address.slice(scheme[0].length);
    out[key + "/"] = `${scheme[1]}:/${target}${
      target.endsWith("/") ? "" : "/"
    }`;
  }
  return out;
}

function importMapFromJson(
  json: Record<string, unknown>,
  baseDir: string,
  file: string,
  options: { packageSubpaths: boolean },
): ImportMap {
  const expand = options.packageSubpaths
    ? withPackageSubpaths
    : (map: Record<string, string>) => map;
  const scopes: Record<string, Record<string, string>> = {};
  const rawScopes = json.scopes;
  if (rawScopes && typeof rawScopes === "object") {
    for (const [scope, map] of Object.entries(rawScopes)) {
      scopes[normalizeAddress(scope, baseDir)] = expand(normalizeMap(
        map,
        baseDir,
        `${file} scopes["${scope}"]`,
      ));
    }
  }
  return {
    imports: expand(
      normalizeMap(json.imports, baseDir, `${file} "imports"`),
    ),
    scopes,
    file,
  };
}

/**
 * Reads the app's `deno.json`/`deno.jsonc` (its `imports`, `scopes`,
 * `importMap` and `compilerOptions`) and, when present, `import_map.json`.
 * Entries of `deno.json` win over `import_map.json`.
 */
export async function loadAppDenoConfig(root: string): Promise<AppDenoConfig> {
  const files: string[] = [];
  let importMap: ImportMap = { imports: {}, scopes: {} };
  let compilerOptions: AppCompilerOptions = {};
  let sloppyImports = false;

  const standalone = join(root, "import_map.json");
  const standaloneJson = await readJson(standalone);
  if (standaloneJson) {
    importMap = importMapFromJson(standaloneJson, root, standalone, {
      packageSubpaths: false,
    });
    files.push(standalone);
  }

  for (const name of ["deno.json", "deno.jsonc"]) {
    const file = join(root, name);
    const json = await readJson(file);
    if (!json) continue;
    files.push(file);
    if (typeof json.importMap === "string") {
      const mapFile = resolvePath(root, json.importMap);
      const linked = await readImportMapFile(mapFile);
      importMap = mergeImportMaps(importMap, linked);
      files.push(mapFile);
    }
    importMap = mergeImportMaps(
      importMap,
      importMapFromJson(json, root, file, { packageSubpaths: true }),
    );
    if (json.compilerOptions && typeof json.compilerOptions === "object") {
      compilerOptions = json.compilerOptions as AppCompilerOptions;
    }
    sloppyImports = Array.isArray(json.unstable) &&
      json.unstable.includes("sloppy-imports");
    break;
  }
  return { importMap, compilerOptions, files, sloppyImports };
}

/** Combines two import maps; entries of `over` win. */
export function mergeImportMaps(base: ImportMap, over: ImportMap): ImportMap {
  const scopes = { ...base.scopes };
  for (const [scope, map] of Object.entries(over.scopes)) {
    scopes[scope] = { ...scopes[scope], ...map };
  }
  return {
    imports: { ...base.imports, ...over.imports },
    scopes,
    file: over.file ?? base.file,
  };
}

function lookup(
  specifier: string,
  map: Record<string, string>,
): string | null {
  const exact = map[specifier];
  if (exact !== undefined) return exact;
  let best: string | null = null;
  for (const key of Object.keys(map)) {
    if (
      key.endsWith("/") && specifier.startsWith(key) &&
      (best === null || key.length > best.length)
    ) {
      best = key;
    }
  }
  if (best === null) return null;
  return map[best] + specifier.slice(best.length);
}

/**
 * Resolves `specifier` through the import map, honouring scopes for the
 * `referrer` (a `file://` URL). Returns `null` when no entry matches.
 *
 * @example
 * ```ts
 * const map = { imports: { "preact/": "npm:/preact@10.29.8/" }, scopes: {} };
 * resolveWithImportMap("preact/hooks", map); // "npm:/preact@10.29.8/hooks"
 * ```
 */
export function resolveWithImportMap(
  specifier: string,
  map: ImportMap,
  referrer?: string,
): string | null {
  if (referrer) {
    const scopeKeys = Object.keys(map.scopes)
      .filter((scope) => referrer.startsWith(scope))
      .sort((a, b) => b.length - a.length);
    for (const scope of scopeKeys) {
      const hit = lookup(specifier, map.scopes[scope]);
      if (hit !== null) return hit;
    }
  }
  return lookup(specifier, map.imports);
}
