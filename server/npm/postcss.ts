/**
 * `postcss`, pinned: the one module of the server that names the package and
 * its version (see `server/npm/esbuild.ts` for why). Imported lazily (an app
 * without CSS never loads it); type-only imports of it load nothing.
 *
 * @module
 */

export * from "npm:postcss@8.5.6";
export { default } from "npm:postcss@8.5.6";
