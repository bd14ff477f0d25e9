/**
 * Whether module factory bodies parse as the body of an async function of
 * `__m`: a dev bundle holds each such body as a function of its script
 * (`server/dev_bundle.ts`), so one that does not (a syntax error, a body
 * that closes its function early) must go in as a string instead, or it
 * would break the whole script's parse. The check compiles in the server's
 * V8 and never runs a body.
 *
 * Checked one at a time, a body costs ~25–50 µs (V8 compiles each function
 * eagerly): half a second of a 10,000-module app's first start. Checked
 * together, as the elements of one array literal, V8 preparses them (~5 µs
 * a body) and reports the same early errors.
 *
 * @module
 */

import { FACTORY_PARAMETER } from "../client/registry_factory.ts";

const AsyncFunction = (async function () {}).constructor as new (
  ...parameterAndBody: string[]
) => unknown;

/**
 * True when `code` parses as the body of an async function of `__m`, in
 * strict mode (a bundle is a module script).
 *
 * @example
 * ```ts
 * parsesAsFactoryBody('"use strict";__m.export({});'); // true
 * parsesAsFactoryBody("});globalThis.x = 1;(function () {"); // false
 * ```
 */
export function parsesAsFactoryBody(code: string): boolean {
  try {
    new AsyncFunction(FACTORY_PARAMETER, `"use strict";${code}`);
    return true;
  } catch {
    return false;
  }
}

function factorySource(body: string): string {
  // The newline: a body may end in a line comment.
  return `async function (${FACTORY_PARAMETER}) {${body}\n}`;
}

/**
 * {@linkcode parsesAsFactoryBody} of each of `bodies`, checked together:
 * the array of their functions is compiled and made (no body runs), and
 * each function's source text must be exactly its body's — a body that
 * closes its function early and opens another parses, but splits the
 * array differently. Only when that fails is each body checked alone.
 *
 * @example
 * ```ts
 * factoryBodiesParse(['__m.export({});', "});x(); (function () {", "a;"]);
 * // [true, false, true]
 * ```
 */
export function factoryBodiesParse(bodies: readonly string[]): boolean[] {
  if (bodies.length === 0) return [];
  if (bodies.length === 1) return [parsesAsFactoryBody(bodies[0])];
  const sources = bodies.map(factorySource);
  try {
    const made = new Function(
      `"use strict";return [${sources.join(",\n")}];`,
    )() as unknown[];
    if (
      made.length === sources.length &&
      made.every((fn, i) =>
        typeof fn === "function" &&
        Function.prototype.toString.call(fn) === sources[i]
      )
    ) {
      return bodies.map(() => true);
    }
  } catch {
    // A body that does not parse: find which, one at a time.
  }
  return bodies.map(parsesAsFactoryBody);
}
