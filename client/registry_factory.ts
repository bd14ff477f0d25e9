/**
 * The one definition of how a bundle-mode factory body becomes a function,
 * shared by the page's module registry (`client/module_registry.ts`, which
 * compiles factories with it) and the server (whose
 * `server/registry_transform.ts` writes the bodies).
 *
 * A factory body is a module's code turned into the body of an async
 * function of one parameter, {@linkcode FACTORY_PARAMETER} (`__m`, the
 * registry's `ModuleApi`), through which it reaches its imports, declares
 * its exports and reads `import.meta`. The body has exactly the line count of
 * the module it came from, and {@linkcode wrapFactory} adds nothing before
 * line 1 but the function head, so line numbers in stack traces and devtools
 * are the module's own.
 *
 * This module imports nothing, so client and server code can both use it.
 *
 * @module
 */

/** The name of a factory's one parameter. */
export const FACTORY_PARAMETER = "__m";

/** Line terminators would end the `sourceURL` comment: code could follow. */
const LINE_TERMINATORS = /[\n\r\u2028\u2029]/g;

/**
 * The source of the factory function for a factory `body`, named `url` in
 * stack traces and devtools (`//# sourceURL=`). The function is strict (the
 * registry transform's bodies also start with `"use strict";`, so another
 * wrapper would not change that). Evaluate the source with an indirect eval
 * and call the result without a receiver, so the module's top-level `this`
 * is `undefined` as in an ES module.
 *
 * @example Compile and run a factory
 * ```ts
 * import { wrapFactory } from "./registry_factory.ts";
 *
 * const source = wrapFactory(
 *   '__m.export({ answer: () => answer });\nconst answer = 42;',
 *   "http://localhost:8000/src/answer.ts",
 * );
 * const factory = (0, eval)(source) as (
 *   scope: { export(getters: Record<string, () => unknown>): void },
 * ) => Promise<void>;
 * let answer: unknown;
 * await factory({ export: (getters) => answer = getters.answer() });
 * console.assert(answer === 42);
 * ```
 *
 * @param body A factory body (`server/registry_transform.ts` writes them).
 * @param url The module's URL (origin + id), shown in stack traces.
 * @returns JavaScript source that evaluates to the factory function.
 */
export function wrapFactory(body: string, url: string): string {
  return `(async function (${FACTORY_PARAMETER}) {"use strict";${body}\n})\n` +
    `//# sourceURL=${url.replace(LINE_TERMINATORS, encodeURIComponent)}`;
}
