/// <reference lib="dom" />
/**
 * Runs a module factory's source (`wrapFactory`'s: an async function
 * expression with a `sourceURL` comment) as a classic `<script>` of its
 * own, and returns the function. A script, not `eval`: stack frames of the
 * module's code then read `at http://host/src/a.ts:4:27` as in per-module
 * mode (eval'd code gets `at eval (…)`), and a Content-Security-Policy that
 * allows inline scripts but not `eval` still runs the page. Where there is
 * no document (Deno, a worker), or the script did not run (a syntax error,
 * a policy that refuses inline scripts), it falls back to indirect `eval`,
 * which throws the real error.
 *
 * @module
 */

/** The global the script hands its function to (taken back at once). */
const TAKE = "__bananaTakeFactory";

/**
 * Compiles `source` (an expression whose value is the factory) and returns
 * its value.
 *
 * @example
 * ```ts
 * import { evaluateFactorySource } from "./factory_script.ts";
 * const factory = evaluateFactorySource(
 *   "(async function (__m) {})\n//# sourceURL=http://localhost/src/a.ts",
 * ) as (m: unknown) => Promise<void>;
 * ```
 */
export function evaluateFactorySource(source: string): unknown {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc?.head) return (0, eval)(source);
  let taken: { value: unknown } | null = null;
  const global = globalThis as Record<string, unknown>;
  global[TAKE] = (value: unknown) => {
    taken = { value };
  };
  try {
    const script = doc.createElement("script");
    // An argument, not an assignment: the function gets no inferred name,
    // so its frames name only the file.
    script.textContent = `${TAKE}(${source}\n)`;
    doc.head.appendChild(script);
    script.remove();
  } catch {
    /* Trusted Types: eval below says what is wrong */
  } finally {
    delete global[TAKE];
  }
  if (taken) return (taken as { value: unknown }).value;
  return (0, eval)(source);
}
