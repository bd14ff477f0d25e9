/**
 * The app's PostCSS configuration: `postcss.config.{ts,mts,js,mjs,cjs}` in
 * the root (or `css.postcss` in the banana config), with the plugins it
 * names resolved through the app's import map — so `"postcss-nested":
 * "npm:postcss-nested@7.0.2"` in `deno.json` is all an app needs, no
 * `npm install`.
 *
 * Both forms of `postcss-load-config` are read: `plugins: { name: options }`
 * (names resolved here) and `plugins: [plugin(), ...]` (the config imports
 * them; its imports and `require()` calls are resolved the same way).
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "../npm/esbuild.ts";
import { init, parse } from "../npm/es_module_lexer.ts";
import type { AcceptedPlugin } from "../npm/postcss.ts";
import { type ImportMap, resolveWithImportMap } from "../import_map.ts";
import { isDepSpecifier } from "../deps.ts";
import { BananaError } from "../errors.ts";
import { contentHash } from "../hash.ts";

/** File names looked up in the root, in this order. */
export const POSTCSS_CONFIG_FILES = [
  "postcss.config.ts",
  "postcss.config.mts",
  "postcss.config.js",
  "postcss.config.mjs",
  "postcss.config.cjs",
];

/** A loaded PostCSS configuration. */
export interface PostcssConfig {
  /** The file it came from (null for an inline `css.postcss` object). */
  file: string | null;
  plugins: AcceptedPlugin[];
}

/** Where to look and how to resolve. */
export interface PostcssConfigOptions {
  root: string;
  importMap: ImportMap;
  /** Directory for the config compiled with resolved imports. */
  cacheDir: string;
  /** `css.postcss` from the config: a path, or an inline config object. */
  inline: string | object | null;
}

/** Finds the config file of the app, or null. */
export async function findPostcssConfig(
  root: string,
  inline: string | object | null,
): Promise<string | null> {
  if (typeof inline === "string") {
    const path = join(root, inline);
    const stat = await Deno.stat(path).catch(() => null);
    if (stat?.isFile) return path;
    if (!stat?.isDirectory) {
      throw new BananaError({
        message:
          `css.postcss is "${inline}": expected a PostCSS config file or a directory holding one, found nothing there`,
        plugin: "postcss",
      });
    }
    root = path;
  }
  for (const name of POSTCSS_CONFIG_FILES) {
    const path = join(root, name);
    if ((await Deno.stat(path).catch(() => null))?.isFile) return path;
  }
  return null;
}

function configError(file: string | null, message: string): BananaError {
  return new BananaError({
    message: file ? `${file}: ${message}` : `css.postcss: ${message}`,
    id: file ?? undefined,
    plugin: "postcss",
  });
}

/**
 * Turns a specifier written in the config into one this process can import:
 * through the app's import map, `npm:`/`https:` as they are, relative paths
 * as file URLs.
 */
function resolveConfigImport(
  specifier: string,
  file: string,
  importMap: ImportMap,
): string {
  if (specifier.startsWith("node:")) return specifier;
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return pathToFileURL(join(dirname(file), specifier)).href;
  }
  const mapped = resolveWithImportMap(
    specifier,
    importMap,
    pathToFileURL(file).href,
  );
  if (mapped !== null) return mapped;
  if (isDepSpecifier(specifier) || specifier.startsWith("file:")) {
    return specifier;
  }
  throw new Error(
    `"${specifier}" is not in the app's import map; add it to deno.json "imports", e.g. "${specifier}": "npm:${specifier}@<version>"`,
  );
}

/** The value a CommonJS `require()` gets for an imported namespace. */
function requireValue(namespace: Record<string, unknown>): unknown {
  if ("module.exports" in namespace) return namespace["module.exports"];
  return namespace.default ?? namespace;
}

async function importConfigModule(
  file: string,
  importMap: ImportMap,
  cacheDir: string,
): Promise<unknown> {
  let source = await Deno.readTextFile(file);
  if (file.endsWith(".ts") || file.endsWith(".mts")) {
    source = (await esbuild.transform(source, {
      loader: "ts",
      format: "esm",
      sourcefile: file,
    })).code;
  }
  await init;
  const [imports, , , hasModuleSyntax] = parse(source);
  if (!hasModuleSyntax) {
    // CommonJS: every `require("x")` is imported first, then the code runs
    // with a `require` that hands those out.
    const required = new Map<string, unknown>();
    for (
      const match of source.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)
    ) {
      const spec = match[2];
      if (required.has(spec)) continue;
      const target = resolveConfigImport(spec, file, importMap);
      required.set(spec, requireValue(await import(target)));
    }
    const module = { exports: {} as unknown };
    const require = (spec: string) => {
      if (!required.has(spec)) {
        throw new Error(
          `require(${JSON.stringify(spec)}) must be called with a plain string`,
        );
      }
      return required.get(spec);
    };
    new Function(
      "module",
      "exports",
      "require",
      "__filename",
      "__dirname",
      source,
    )(
      module,
      module.exports,
      require,
      file,
      dirname(file),
    );
    return module.exports;
  }
  // ES module: rewrite its imports, write it next to the other cached
  // files, import that.
  let out = "";
  let pos = 0;
  for (const site of imports) {
    if (site.n === undefined || site.d === -2) continue;
    const target = resolveConfigImport(site.n, file, importMap);
    // Dynamic imports' ranges include the quotes; static ones do not.
    const dynamic = site.d > -1;
    out += source.slice(pos, site.s) +
      (dynamic ? JSON.stringify(target) : target);
    pos = site.e;
  }
  out += source.slice(pos);
  const dir = join(cacheDir, "postcss");
  await Deno.mkdir(dir, { recursive: true });
  const compiled = join(dir, `config.${contentHash(out)}.mjs`);
  await Deno.writeTextFile(compiled, out);
  const namespace = await import(pathToFileURL(compiled).href);
  return namespace.default ?? namespace;
}

async function pluginsFrom(
  config: unknown,
  file: string | null,
  root: string,
  importMap: ImportMap,
): Promise<AcceptedPlugin[]> {
  let value = config;
  if (typeof value === "function") {
    value = await value({ env: "development", cwd: root });
  }
  if (typeof value !== "object" || value === null) {
    throw configError(
      file,
      `expected the config to export an object with "plugins", found ${typeof value}`,
    );
  }
  const plugins = (value as { plugins?: unknown }).plugins;
  if (plugins === undefined || plugins === null) return [];
  if (Array.isArray(plugins)) {
    return plugins.filter((p) => p) as AcceptedPlugin[];
  }
  if (typeof plugins !== "object") {
    throw configError(
      file,
      `expected "plugins" to be an array or an object of { name: options }, found ${typeof plugins}`,
    );
  }
  const out: AcceptedPlugin[] = [];
  const from = file ?? join(root, "banana.config.ts");
  for (const [name, options] of Object.entries(plugins)) {
    if (options === false || options === null) continue;
    let namespace: Record<string, unknown>;
    try {
      namespace = await import(resolveConfigImport(name, from, importMap));
    } catch (err) {
      throw configError(
        file,
        `cannot load the PostCSS plugin "${name}": ${
          err instanceof Error ? err.message : String(err)
        }`,
      );
    }
    const plugin = requireValue(namespace);
    const hasOptions = typeof options === "object" &&
      Object.keys(options as object).length > 0;
    if (typeof plugin === "function") {
      out.push(hasOptions ? plugin(options) : plugin());
    } else if (plugin && typeof plugin === "object") {
      out.push(plugin as AcceptedPlugin);
    } else {
      throw configError(
        file,
        `the module "${name}" exports no PostCSS plugin (found ${typeof plugin})`,
      );
    }
  }
  return out;
}

/**
 * Loads the app's PostCSS config, or returns null when it has none.
 *
 * @example
 * ```ts
 * const config = await loadPostcssConfig({
 *   root: "/app", importMap: { imports: {}, scopes: {} },
 *   cacheDir: "/app/.banana", inline: null,
 * });
 * config?.plugins.length;
 * ```
 */
export async function loadPostcssConfig(
  options: PostcssConfigOptions,
): Promise<PostcssConfig | null> {
  const { root, importMap, cacheDir, inline } = options;
  if (inline !== null && typeof inline === "object") {
    return {
      file: null,
      plugins: await pluginsFrom(inline, null, root, importMap),
    };
  }
  const file = await findPostcssConfig(root, inline);
  if (!file) return null;
  let config: unknown;
  try {
    config = await importConfigModule(file, importMap, cacheDir);
  } catch (err) {
    if (err instanceof BananaError) throw err;
    throw configError(
      relative(root, file),
      `failed to load: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { file, plugins: await pluginsFrom(config, file, root, importMap) };
}
