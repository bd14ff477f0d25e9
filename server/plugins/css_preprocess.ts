/**
 * The built-in CSS preprocessor plugin: `.scss` and `.sass` files are
 * compiled to CSS with the app's `sass` package (`"sass": "npm:sass@1.108.2"` in
 * its `deno.json`), before the CSS plugin takes the result as any other
 * stylesheet — so `import "./x.scss"`, `<link href="/x.scss">`, CSS modules
 * (`x.module.scss`) and hot updates work as for `.css`. The partials a sheet
 * `@use`s or `@import`s are its imports in the module graph: saving one
 * rebuilds the sheets that include it. A Sass error names the file (the
 * partial where it is), line and column, for the overlay.
 *
 * Less and Stylus are not compiled: their files get an error naming the
 * compiler they need, never their source served as CSS or JavaScript.
 *
 * @module
 */

import { relative } from "node:path";
import type { ImportMap } from "../import_map.ts";
import { resolveWithImportMap } from "../import_map.ts";
import type { Plugin } from "../types.ts";
import { BananaError, codeFrame } from "../errors.ts";
import { normalizeDepSpecifier } from "../dep_specifier.ts";
import {
  compileSass,
  type SassCompiled,
  SassCompileError,
} from "../sass_compiler.ts";
import { splitId } from "../module_id.ts";

/** Stylesheet languages compiled to CSS first: Sass (both syntaxes), Less, Stylus. */
export const PREPROCESSED_STYLE = /\.(?:scss|sass|less|styl|stylus)$/;

/** The version the README and the messages suggest (the one the tests use). */
export const SUGGESTED_SASS = "npm:sass@1.108.2";

/** Options of {@linkcode cssPreprocessPlugin}. */
export interface CssPreprocessOptions {
  root: string;
  /** The app's import map: where `sass` comes from. */
  importMap: ImportMap;
  /** Prints a line in the server's log (Sass warnings). */
  log: (message: string) => void;
}

function sassError(
  failure: SassCompileError["failure"],
  id: string,
  root: string,
  entrySource: string,
  entryFile: string,
): BananaError {
  const shown = relative(root, failure.file);
  if (failure.line === undefined) {
    return new BananaError({
      message: `${shown}: ${failure.message}`,
      id,
      plugin: "sass",
    });
  }
  const column = (failure.column ?? 1) - 1;
  let source: string | null = failure.file === entryFile ? entrySource : null;
  if (source === null) {
    try {
      source = Deno.readTextFileSync(failure.file);
    } catch { /* no frame */ }
  }
  return new BananaError({
    message: `${shown}:${failure.line}:${column + 1}: ${failure.message}`,
    id,
    loc: { file: failure.file, line: failure.line, column },
    frame: source === null
      ? undefined
      : codeFrame(source, failure.line, column),
    plugin: "sass",
  });
}

/**
 * The CSS preprocessor plugin; it goes before the CSS plugin.
 *
 * @example
 * ```ts
 * import { cssPreprocessPlugin } from "./css_preprocess.ts";
 * import type { ImportMap } from "../import_map.ts";
 * function example(
 *   importMap: ImportMap,
 * ) {
 *   const plugin = cssPreprocessPlugin({ root: "/app", importMap, log: console.log });
 * }
 * ```
 */
export function cssPreprocessPlugin(options: CssPreprocessOptions): Plugin {
  const { root, importMap, log } = options;
  /** The files each sheet read when it last compiled. */
  const loadedBy = new Map<string, string[]>();

  return {
    name: "banana:css-preprocess",

    async transform(code, id) {
      const { path, params } = splitId(id);
      if (!PREPROCESSED_STYLE.test(path)) return null;
      if (params.has("raw") || params.has("url")) return null;
      const shown = relative(root, path);
      if (/\.less$/.test(path)) {
        throw new BananaError({
          message:
            `${shown}: Less stylesheets need the Less compiler, which BananaJS does not run; compile it to CSS, or write it in Sass (.scss) or CSS`,
          id,
          plugin: "less",
        });
      }
      if (/\.styl(?:us)?$/.test(path)) {
        throw new BananaError({
          message:
            `${shown}: Stylus stylesheets need the Stylus compiler, which BananaJS does not run; compile it to CSS, or write it in Sass (.scss) or CSS`,
          id,
          plugin: "stylus",
        });
      }
      const mapped = resolveWithImportMap("sass", importMap);
      if (mapped === null) {
        throw new BananaError({
          message:
            `${shown}: compiling Sass needs the "sass" package; add it to the "imports" of the app's deno.json, e.g. "sass": "${SUGGESTED_SASS}"`,
          id,
          plugin: "sass",
        });
      }
      // Saving any file the last good compile read retries a failed one.
      for (const file of loadedBy.get(path) ?? []) {
        if (file !== path) this.addWatchFile(file);
      }
      let compiled: SassCompiled;
      try {
        compiled = await compileSass(normalizeDepSpecifier(mapped), {
          file: path,
          source: code,
          syntax: path.endsWith(".sass") ? "indented" : "scss",
          loadPaths: [root],
          importMap,
        });
      } catch (err) {
        if (err instanceof SassCompileError) {
          if (err.failure.file !== path) this.addWatchFile(err.failure.file);
          throw sassError(err.failure, id, root, code, path);
        }
        throw new BananaError({
          message: `${shown}: cannot run the Sass compiler "${mapped}": ${
            err instanceof Error ? err.message : String(err)
          }`,
          id,
          plugin: "sass",
        });
      }
      loadedBy.set(path, compiled.loadedFiles);
      for (const file of compiled.loadedFiles) {
        if (file !== path) this.addWatchFile(file);
      }
      for (const warning of compiled.warnings) {
        log(`sass warning in ${shown}: ${warning}`);
      }
      return compiled.css;
    },
  };
}
