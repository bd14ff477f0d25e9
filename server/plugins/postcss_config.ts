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

import { join, relative } from "node:path";
import type { AcceptedPlugin } from "../npm/postcss.ts";
import type { ImportMap } from "../import_map.ts";
import { BananaError } from "../errors.ts";
import {
  importAppModule,
  requireValue,
  resolveAppImport,
} from "../app_module.ts";

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
      namespace = await import(resolveAppImport(name, from, importMap));
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
    config = await importAppModule(file, {
      importMap,
      cacheDir: join(cacheDir, "postcss"),
    });
  } catch (err) {
    if (err instanceof BananaError) throw err;
    throw configError(
      relative(root, file),
      `failed to load: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { file, plugins: await pluginsFrom(config, file, root, importMap) };
}
