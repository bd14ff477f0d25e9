/**
 * `meriyah`, pinned: the one module of the server that names the package and
 * its version (see `server/npm/esbuild.ts` for why). A pure-JavaScript ESTree
 * parser, used by `server/registry_transform.ts`.
 *
 * Chosen over `acorn` and `oxc-parser` by measurement on the 5000 modules of
 * the bench app (see that module's docs): it was the fastest cold and warm,
 * and needs no native binding.
 *
 * @module
 */

export * from "npm:meriyah@7.4.2";
