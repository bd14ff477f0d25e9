/**
 * Loading the app's own config modules in the server's process —
 * `banana.config.ts`, `postcss.config.*` — with their imports resolved
 * through the APP's import map: `import tailwind from "@tailwindcss/vite"`
 * works with `"@tailwindcss/vite": "npm:@tailwindcss/vite@4.3.5"` in the
 * app's `deno.json`, whatever config the server's process was started with.
 *
 * An ES module's import specifiers are rewritten (bare names to the `npm:`,
 * `https:` or file addresses the map gives, relative paths to file URLs) and
 * the result is imported from the cache directory. A CommonJS module gets a
 * `require()` that hands out the modules it names, imported first.
 *
 * The packages such a module imports are fetched by Deno in the context of
 * the running process: run the CLI in the app's folder so they are locked
 * in the app's `deno.lock`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ImportMap, resolveWithImportMap } from "./import_map.ts";
import { isDepSpecifier } from "./dep_specifier.ts";
import { contentHash } from "./hash.ts";

/**
 * The address this process imports for `specifier` written in the app's
 * module `file`: through the app's import map; `npm:`, `https:`, `node:`
 * and `file:` as they are; relative paths as file URLs. A bare name the map
 * does not have is kept with `keepUnmapped` (for a module written inside
 * the app, which the process resolves as the app's: through its
 * `package.json` when the CLI runs in the app's context).
 *
 * @throws {Error} naming the entry to add when a bare name is not mapped
 * (and not kept).
 *
 * @example
 * ```ts
 * import { resolveAppImport } from "./app_module.ts";
 * import type { ImportMap } from "./import_map.ts";
 * function example(
 *   map: ImportMap,
 * ) {
 *   resolveAppImport("@tailwindcss/vite", "/app/banana.config.ts", map);
 *   // "npm:@tailwindcss/vite@4.3.5"
 * }
 * ```
 */
export function resolveAppImport(
  specifier: string,
  file: string,
  importMap: ImportMap,
  options: { keepUnmapped?: boolean } = {},
): string {
  if (specifier.startsWith("node:")) return specifier;
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return pathToFileURL(join(dirname(file), specifier)).href;
  }
  if (specifier.startsWith("/")) return pathToFileURL(specifier).href;
  const mapped = resolveWithImportMap(
    specifier,
    importMap,
    pathToFileURL(file).href,
  );
  if (mapped !== null) return mapped;
  if (isDepSpecifier(specifier) || specifier.startsWith("file:")) {
    return specifier;
  }
  if (options.keepUnmapped) return specifier;
  const name = specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : specifier.split("/")[0];
  throw new Error(
    `"${specifier}" is not in the app's import map; add it to deno.json "imports", e.g. "${name}": "npm:${name}@<version>"`,
  );
}

/** The value a CommonJS `require()` gets for an imported namespace. */
export function requireValue(namespace: Record<string, unknown>): unknown {
  if ("module.exports" in namespace) return namespace["module.exports"];
  return namespace.default ?? namespace;
}

/** Options of {@linkcode importAppModule}. */
export interface AppModuleOptions {
  /** The app's import map. */
  importMap: ImportMap;
  /** Where the rewritten module is written. */
  cacheDir: string;
  /**
   * Import it again even when its text did not change (a config edit
   * whose imports changed, a restart that wants fresh plugin objects).
   */
  fresh?: boolean;
}

/**
 * Imports the app's module `file` (`.ts`, `.mts`, `.js`, `.mjs`, `.cjs`)
 * with its imports resolved through the app's import map; returns its
 * default export (or namespace, or `module.exports`).
 *
 * @example
 * ```ts
 * import { importAppModule } from "./app_module.ts";
 * import type { ImportMap } from "./import_map.ts";
 * async function example(
 *   importMap: ImportMap,
 * ) {
 *   const config = await importAppModule("/app/banana.config.ts", {
 *     importMap, cacheDir: "/app/.banana/config",
 *   });
 * }
 * ```
 */
export async function importAppModule(
  file: string,
  options: AppModuleOptions,
): Promise<unknown> {
  const { importMap, cacheDir } = options;
  // Loaded here, not with this module: modules that import it (config.ts,
  // the Vue plugin that mod.ts exports) load no npm package until an app
  // module is imported.
  const [esbuild, { init, parse }] = await Promise.all([
    import("./npm/esbuild.ts"),
    import("./npm/es_module_lexer.ts"),
  ]);
  let source = await Deno.readTextFile(file);
  if (/\.m?ts$/.test(file)) {
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
      const target = resolveAppImport(spec, file, importMap);
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
  // ES module: rewrite its imports, write it to the cache, import that.
  let out = "";
  let pos = 0;
  const fileUrl = JSON.stringify(pathToFileURL(file).href);
  for (const site of imports) {
    if (site.d === -2) {
      // `import.meta.url` keeps naming the app's file, not the cached copy.
      if (source.startsWith("import.meta.url", site.s)) {
        out += source.slice(pos, site.s) + fileUrl;
        pos = site.s + "import.meta.url".length;
      }
      continue;
    }
    if (site.n === undefined) continue;
    const target = resolveAppImport(site.n, file, importMap, {
      keepUnmapped: true,
    });
    // Dynamic imports' ranges include the quotes; static ones do not.
    const dynamic = site.d > -1;
    out += source.slice(pos, site.s) +
      (dynamic ? JSON.stringify(target) : target);
    pos = site.e;
  }
  out += source.slice(pos);
  await Deno.mkdir(cacheDir, { recursive: true });
  const name = file.replace(/^.*[\\/]/, "").replace(/\.[^.]+$/, "");
  const compiled = join(cacheDir, `${name}.${contentHash(out)}.mjs`);
  await Deno.writeTextFile(compiled, out);
  const url = pathToFileURL(compiled).href +
    (options.fresh ? `?t=${Date.now()}` : "");
  const namespace = await import(url);
  return namespace.default ?? namespace;
}
