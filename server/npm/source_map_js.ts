/**
 * `source-map-js`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why). The same
 * version `@vue/compiler-sfc` depends on, so it is one package in the cache.
 *
 * @module
 */

export * from "npm:source-map-js@1.2.4";
