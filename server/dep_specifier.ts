/**
 * Telling a dependency specifier (`npm:`, `jsr:`, `https:`) from a local
 * one: kept apart from `server/deps.ts` (the bundler, with its npm
 * packages) so that modules needing only this load no npm package.
 *
 * @module
 */

/**
 * Normalises `npm:/pkg@1/sub` (import-map prefix form) to `npm:pkg@1/sub`.
 *
 * @example
 * ```ts
 * normalizeDepSpecifier("npm:/preact@10.29.8/hooks"); // "npm:preact@10.29.8/hooks"
 * ```
 */
export function normalizeDepSpecifier(spec: string): string {
  return spec.startsWith("npm:/") ? "npm:" + spec.slice(5) : spec;
}

/**
 * True for specifiers that name a dependency rather than a local file.
 *
 * @example
 * ```ts
 * isDepSpecifier("npm:preact@10.29.8"); // true
 * isDepSpecifier("./app.ts"); // false
 * ```
 */
export function isDepSpecifier(spec: string): boolean {
  return /^(npm:|jsr:|https?:)/.test(spec);
}
