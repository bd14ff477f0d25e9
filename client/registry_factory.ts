/**
 * The one definition of a bundle-mode module factory, shared by the server
 * (which produces factory bodies with `server/registry_transform.ts`) and the
 * page's module registry (which wraps and evaluates them).
 *
 * A factory body is the module's code turned into the body of an async
 * function of one parameter, {@linkcode FACTORY_PARAMETER} (`__m`), through
 * which it reaches its imports, declares its exports and reads
 * `import.meta`. The body is strict (it starts with `"use strict";`) and has
 * exactly the line count of the module it came from: {@linkcode wrapFactory}
 * adds nothing before line 1 but the function head, so line numbers in stack
 * traces and devtools are the module's own.
 *
 * This module imports nothing, so client and server code can both use it.
 *
 * @module
 */

/** The name of a factory's one parameter: its {@linkcode ModuleScope}. */
export const FACTORY_PARAMETER = "__m";

/**
 * What a factory body calls on its one parameter (`__m`). The module
 * registry implements it, one object per module instance.
 */
export interface ModuleScope {
  /**
   * The exports object (namespace) of the module `id` (a plain id such as
   * `/src/m1.ts`), evaluating it first if needed. A module in the current
   * import chain (a cycle) resolves at once to its partial exports.
   */
  import(id: string): Promise<Record<string, unknown>>;
  /**
   * Declares this module's own exports as getters (`{ name: () => local }`)
   * so `export let` bindings stay live and hoisted functions are usable
   * across a cycle. Called at most once, before any `import`; a module that
   * exports nothing does not call it.
   */
  export(getters: Record<string, () => unknown>): void;
  /**
   * `export * from`: adds a getter for every name of `namespace` but
   * `default` that this module does not export itself (explicit exports
   * win, as in ES modules).
   */
  exportAll(namespace: Record<string, unknown>): void;
  /** `import(specifier, options)`, for literal and computed specifiers. */
  dynamicImport(
    specifier: unknown,
    options?: unknown,
  ): Promise<Record<string, unknown>>;
  /** `import.meta` of this module instance (`url`, and `hot`, `env`, …). */
  meta: Record<string, unknown> & { url: string };
}

/** A factory as evaluated from {@linkcode wrapFactory}'s source. */
export type ModuleFactory = (scope: ModuleScope) => Promise<void>;

/**
 * The source of a factory function expression for a factory `body`, named
 * `url` in stack traces and devtools (`//# sourceURL=`). Evaluate it with an
 * indirect eval and call the result without a receiver, so the module's
 * top-level `this` is `undefined` as in an ES module.
 *
 * @example Evaluate a factory
 * ```ts
 * import { type ModuleFactory, wrapFactory } from "./registry_factory.ts";
 *
 * const source = wrapFactory(
 *   '"use strict";__m.export({ answer: () => answer });\nconst answer = 42;',
 *   "http://localhost:8000/src/answer.ts",
 * );
 * const factory = (0, eval)(source) as ModuleFactory;
 * // await factory(scope) runs the module against a registry's scope.
 * ```
 *
 * @param body A factory body from the server's registry transform.
 * @param url The module's URL (origin + id), shown in stack traces.
 * @returns JavaScript source evaluating to a {@linkcode ModuleFactory}.
 */
export function wrapFactory(body: string, url: string): string {
  return `(async function (${FACTORY_PARAMETER}) {${body}\n})\n//# sourceURL=${url}`;
}
