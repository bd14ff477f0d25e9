/**
 * `oxc-transform`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why). Imported
 * lazily by `server/oxc_compile.ts`.
 *
 * 0.151.0 is the newest release whose optional platform packages are all on
 * the registry; from 0.152.0 on, Deno's npm resolver fails on a fresh cache
 * ("Could not find npm package '@oxc-transform/binding-android-arm-eabi'").
 *
 * @module
 */

export * from "npm:oxc-transform@0.151.0";

/**
 * The version above, for keys of cached outputs (`server/compile_cache.ts`):
 * keep the two equal.
 */
export const OXC_TRANSFORM_VERSION = "0.151.0";
