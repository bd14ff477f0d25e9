/**
 * Module ids as plugins see them: an absolute path (or a virtual name) and
 * a query (`/app/logo.svg?url`, `/app/a.vue?vue&type=style&index=0`).
 *
 * @module
 */

/**
 * The path and query parameters of a module id (a `#hash` after the query
 * is dropped).
 *
 * @example
 * ```ts
 * import { splitId } from "./module_id.ts";
 * const { path, params } = splitId("/app/a.svg?url");
 * // path === "/app/a.svg", params.has("url")
 * ```
 */
export function splitId(id: string): { path: string; params: URLSearchParams } {
  const q = id.search(/[?#]/);
  if (q < 0) return { path: id, params: new URLSearchParams() };
  return {
    path: id.slice(0, q),
    params: new URLSearchParams(id.slice(q + 1).replace(/#.*$/, "")),
  };
}
