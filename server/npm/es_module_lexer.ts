/**
 * `es-module-lexer`, pinned: the one module of the server that names the
 * package and its version (see `server/npm/esbuild.ts` for why).
 *
 * Its asm.js build (`/js`), not the default WebAssembly one: the same
 * lexer and the same records, but the default build decodes every import
 * specifier with an indirect `eval` of its string literal, a script
 * compile of its own each (~4 µs; 30,000 specifiers of a 10,000-module
 * app: ~110 ms of a first start's main thread), and copies each source
 * into its memory in a JavaScript loop. Lexing 10,000 compiled modules,
 * cold: ~90 ms here against ~150 ms with the WebAssembly build.
 *
 * @module
 */

export { parse } from "npm:es-module-lexer@1.7.0/js";
export type {
  ExportSpecifier,
  ImportSpecifier,
  ImportType,
} from "npm:es-module-lexer@1.7.0/js";

/**
 * Resolved at once: the asm.js build has nothing to start. Kept so that
 * callers wait for the lexer as they would for the WebAssembly build.
 */
export const init: Promise<void> = Promise.resolve();
