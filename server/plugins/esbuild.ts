/**
 * The built-in TypeScript/JSX plugin: compiles `.ts .tsx .jsx .mts` (and
 * `.js .mjs` when `define` needs it) with esbuild, per module, with inline
 * source maps and the app's JSX settings from `deno.json`.
 *
 * @module
 */

import * as esbuild from "../npm/esbuild.ts";
import { relative } from "node:path";
import type { AppCompilerOptions } from "../import_map.ts";
import type { Plugin } from "../types.ts";
import { BananaError, codeFrame } from "../errors.ts";

import { isScriptPath } from "../script_path.ts";

/** esbuild JSX options from Deno's `compilerOptions`. */
export function jsxOptionsFrom(
  options: AppCompilerOptions,
): esbuild.TransformOptions {
  const jsx = options.jsx ?? "react";
  if (jsx === "react-jsx" || jsx === "react-jsxdev" || jsx === "precompile") {
    return {
      jsx: "automatic",
      jsxDev: jsx === "react-jsxdev",
      jsxImportSource: options.jsxImportSource ?? "react",
    };
  }
  return {
    jsx: "transform",
    jsxFactory: options.jsxFactory ?? "React.createElement",
    jsxFragment: options.jsxFragmentFactory ?? "React.Fragment",
  };
}

function loaderFor(path: string): esbuild.Loader {
  if (path.endsWith(".tsx")) return "tsx";
  if (path.endsWith(".jsx")) return "jsx";
  if (path.endsWith(".ts") || path.endsWith(".mts")) return "ts";
  return "js";
}

/** Turns an esbuild failure into a {@linkcode BananaError} with a frame. */
export function esbuildError(
  err: unknown,
  file: string,
  source: string,
  root: string,
): BananaError | unknown {
  const failure = err as { errors?: esbuild.Message[] };
  const first = failure.errors?.[0];
  if (!first) return err;
  const loc = first.location;
  const shown = relative(root, file);
  if (!loc) {
    return new BananaError({
      message: first.text,
      id: file,
      plugin: "esbuild",
    });
  }
  return new BananaError({
    message: `${shown}:${loc.line}:${loc.column + 1}: ${first.text}`,
    id: file,
    loc: { file, line: loc.line, column: loc.column },
    frame: codeFrame(source, loc.line, loc.column),
    plugin: "esbuild",
  });
}

/** Options of a TypeScript/JSX compiler plugin (esbuild's or Oxc's). */
export interface CompilerPluginOptions {
  root: string;
  /** The app's `deno.json` JSX settings. */
  compilerOptions: AppCompilerOptions;
  define: Record<string, string>;
  /** Module ids another built-in compiler handles (Fast Refresh's Oxc). */
  skip?: (id: string) => boolean;
}

/**
 * The file a TypeScript/JSX compiler plugin should compile for `id`, or null:
 * scripts that no other built-in compiler takes; plain `.js`/`.mjs` only
 * when constants are defined (otherwise there is nothing to compile).
 */
export function fileToCompile(
  id: string,
  options: CompilerPluginOptions,
): string | null {
  const file = id.replace(/[?#].*$/, "");
  if (!isScriptPath(file) || options.skip?.(id)) return null;
  if (/\.m?js$/.test(file) && Object.keys(options.define).length === 0) {
    return null;
  }
  return file;
}

/**
 * The TypeScript/JSX plugin.
 *
 * @example
 * ```ts
 * const plugin = esbuildPlugin({ root: "/app", compilerOptions: {}, define: {} });
 * ```
 */
export function esbuildPlugin(options: CompilerPluginOptions): Plugin {
  const jsx = jsxOptionsFrom(options.compilerOptions);
  return {
    name: "banana:esbuild",
    async transform(code, id) {
      const file = fileToCompile(id, options);
      if (!file) return null;
      try {
        const result = await esbuild.transform(code, {
          loader: loaderFor(file),
          format: "esm",
          target: "esnext",
          sourcemap: "inline",
          sourcefile: "/" + relative(options.root, file),
          define: options.define,
          ...jsx,
        });
        return { code: result.code };
      } catch (err) {
        throw esbuildError(err, file, code, options.root);
      }
    },
  };
}

/** Stops esbuild's service so the process (and tests) can exit cleanly. */
export async function stopEsbuild(): Promise<void> {
  await esbuild.stop();
}
