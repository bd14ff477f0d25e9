/**
 * `es-module-lexer`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why).
 *
 * @module
 */

export * from "npm:es-module-lexer@1.7.0";
