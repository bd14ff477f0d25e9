/**
 * Which paths are scripts: kept apart from `server/plugins/esbuild.ts` (with
 * its npm package) so that modules needing only this load no npm package.
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
