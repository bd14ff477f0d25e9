/**
 * The built-in TypeScript/JSX compiler: Oxc (`npm:oxc-transform`), in
 * process, per module, with inline source maps, `define`, and the app's JSX
 * settings from `deno.json`. Measured here at about 0.1 ms a module against
 * esbuild's 0.8–1.2 ms (its service is a separate process reached over a
 * pipe), and with no helper process to keep in memory. `compiler: "esbuild"`
 * in the config switches to {@linkcode esbuildPlugin} instead.
 *
 * @module
 */

import { relative } from "node:path";
import type { AppCompilerOptions } from "../import_map.ts";
import type { Plugin } from "../types.ts";
import { BananaError, codeFrame } from "../errors.ts";
import { fileToUrl } from "../resolver.ts";
import {
  type JsxRuntimeOptions,
  RefreshTransformError,
  transformWithRefresh,
} from "../oxc_compile.ts";
import { type CompilerPluginOptions, fileToCompile } from "./esbuild.ts";
import type { CompileCache } from "../compile_cache.ts";

/** Oxc JSX options from Deno's `compilerOptions` (Deno's defaults apply). */
export function jsxRuntimeFrom(options: AppCompilerOptions): JsxRuntimeOptions {
  const jsx = options.jsx ?? "react";
  if (jsx === "react-jsx" || jsx === "react-jsxdev" || jsx === "precompile") {
    return {
      runtime: "automatic",
      importSource: options.jsxImportSource ?? "react",
      development: jsx === "react-jsxdev",
    };
  }
  return {
    runtime: "classic",
    pragma: options.jsxFactory ?? "React.createElement",
    pragmaFrag: options.jsxFragmentFactory ?? "React.Fragment",
  };
}

/**
 * Turns an Oxc compile error into a {@linkcode BananaError} with the file,
 * position and a code frame (anything else is returned as is).
 */
export function oxcError(
  err: unknown,
  file: string,
  source: string,
  root: string,
): unknown {
  if (!(err instanceof RefreshTransformError)) return err;
  const column = err.column - 1;
  return new BananaError({
    message: `${relative(root, file)}:${err.line}:${err.column}: ${err.reason}`,
    id: file,
    loc: { file, line: err.line, column },
    frame: codeFrame(source, err.line, column),
    plugin: "oxc",
  });
}

/** Options of {@linkcode oxcPlugin}. */
export interface OxcPluginOptions extends CompilerPluginOptions {
  /**
   * The name a module's source map and stack traces give its file; defaults
   * to its URL in the page (`/src/app.tsx`). Server code run by Deno names
   * the real file instead.
   */
  sourceName?: (file: string) => string;
  /** Outputs compiled before, kept across restarts (`.banana/compile`). */
  cache?: CompileCache;
}

/**
 * The TypeScript/JSX compiler plugin.
 *
 * @example
 * ```ts
 * import { oxcPlugin } from "./oxc.ts";
 * const plugin = oxcPlugin({ root: "/app", compilerOptions: {}, define: {} });
 * ```
 */
export function oxcPlugin(options: OxcPluginOptions): Plugin {
  const sourceName = options.sourceName ??
    ((file: string) => fileToUrl(options.root, file));
  const jsx = jsxRuntimeFrom(options.compilerOptions);
  return {
    name: "banana:oxc",
    async transform(code, id) {
      const file = fileToCompile(id, options);
      if (!file) return null;
      try {
        const result = await transformWithRefresh(
          code,
          sourceName(file),
          {
            jsxImportSource: "react",
            jsx,
            refresh: false,
            sourcemap: true,
            define: options.define,
            cache: options.cache,
          },
        );
        return { code: result.code };
      } catch (err) {
        throw oxcError(err, file, code, options.root);
      }
    },
  };
}
