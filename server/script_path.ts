/**
 * Which paths are scripts: a helper of the core (the module pipeline, the
 * module URL scheme) and of the compiling plugins alike, so that core code
 * never imports an optional plugin (`server/plugins/esbuild.ts` and its npm
 * package) to ask.
 *
 * @module
 */

/** Extensions the browser gets as JavaScript modules. */
export const SCRIPT_EXTENSIONS = [".ts", ".tsx", ".jsx", ".mts", ".js", ".mjs"];

/**
 * True for a path whose extension is a script (query ignored).
 *
 * @example
 * ```ts
 * isScriptPath("/src/app.tsx?t=1"); // true
 * ```
 */
export function isScriptPath(path: string): boolean {
  const clean = path.replace(/[?#].*$/, "");
  return SCRIPT_EXTENSIONS.some((ext) => clean.endsWith(ext));
}
