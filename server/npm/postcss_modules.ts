/**
 * `postcss-modules`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why). Imported
 * lazily, by the first `*.module.css`.
 *
 * @module
 */

export { default } from "npm:postcss-modules@6.0.1";
