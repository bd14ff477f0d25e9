/**
 * The order plugins run in: the user's `enforce: "pre"` plugins, the
 * built-in compilers (Fast Refresh compiles app components itself), the
 * TypeScript/JSX compiler (which takes the modules they leave), the other
 * built-in plugins, then the user's normal and `enforce: "post"` plugins.
 *
 * @module
 */

import { isCompilingPlugin } from "./plugins/mod.ts";
import type { Plugin } from "./types.ts";

/**
 * The plugins in pipeline order. `compiler` makes the TS/JSX compiler
 * plugin, given which ids it must skip (those a built-in compiler
 * compiles).
 *
 * @example
 * ```ts
 * import { orderPlugins } from "./plugin_order.ts";
 * const names = orderPlugins({
 *   user: [{ name: "late", enforce: "post" }, { name: "early", enforce: "pre" }],
 *   builtins: [{ name: "banana:css" }],
 *   compiler: () => ({ name: "banana:oxc" }),
 * }).map((plugin) => plugin.name);
 * console.assert(names.join() === "early,banana:oxc,banana:css,late");
 * ```
 */
export function orderPlugins(input: {
  user: readonly Plugin[];
  builtins: readonly Plugin[];
  compiler: (skip: (id: string) => boolean) => Plugin;
}): Plugin[] {
  const { user, builtins } = input;
  const compilers = builtins.filter(isCompilingPlugin);
  return [
    ...user.filter((p) => p.enforce === "pre"),
    ...compilers,
    input.compiler((id) => compilers.some((c) => c.compiles(id))),
    ...builtins.filter((p) => !isCompilingPlugin(p)),
    ...user.filter((p) => p.enforce !== "pre" && p.enforce !== "post"),
    ...user.filter((p) => p.enforce === "post"),
  ];
}
