/**
 * `@vue/compiler-sfc`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why). Imported
 * lazily by `server/vue_compile.ts` (an app without `.vue` files never
 * loads it); type-only imports of it load nothing. The app's own `vue` is an
 * app package, bundled for the browser: only the compiler is ours.
 *
 * @module
 */

export * from "npm:@vue/compiler-sfc@3.5.45";
