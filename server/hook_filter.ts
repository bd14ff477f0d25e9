/**
 * Hook filters (Vite 6.3+, Rolldown): an object hook may say which ids (and,
 * for `transform`, which code) it wants, so the server skips the call for
 * the others. `@tailwindcss/vite` relies on them: its `transform` handler
 * assumes the id is a stylesheet.
 *
 * @module
 */

import { matchesGlob } from "node:path";

/** One pattern: a RegExp, or a string (an exact id or a glob). */
type Pattern = string | RegExp;

/** A pattern, a list of them (includes), or `{ include, exclude }`. */
type StringFilter =
  | Pattern
  | Pattern[]
  | { include?: Pattern | Pattern[]; exclude?: Pattern | Pattern[] };

function list(value: Pattern | Pattern[] | undefined): Pattern[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function testRegExp(pattern: RegExp, value: string): boolean {
  // A global or sticky RegExp keeps its position between calls.
  pattern.lastIndex = 0;
  const result = pattern.test(value);
  pattern.lastIndex = 0;
  return result;
}

function matchesId(pattern: Pattern, id: string): boolean {
  if (pattern instanceof RegExp) return testRegExp(pattern, id);
  if (pattern === id) return true;
  if (!/[*?[{]/.test(pattern)) return false;
  const path = id.replace(/[?#].*$/, "");
  try {
    return matchesGlob(path, pattern) || matchesGlob(id, pattern);
  } catch {
    return false;
  }
}

function matchesCode(pattern: Pattern, code: string): boolean {
  return pattern instanceof RegExp
    ? testRegExp(pattern, code)
    : code.includes(pattern);
}

function passes(
  filter: unknown,
  value: string,
  match: (pattern: Pattern, value: string) => boolean,
): boolean {
  if (filter === undefined || filter === null) return true;
  const shaped = filter as StringFilter;
  const isObject = typeof shaped === "object" && !Array.isArray(shaped) &&
    !(shaped instanceof RegExp);
  const include = isObject
    ? list((shaped as { include?: Pattern | Pattern[] }).include)
    : list(shaped as Pattern | Pattern[]);
  const exclude = isObject
    ? list((shaped as { exclude?: Pattern | Pattern[] }).exclude)
    : [];
  if (exclude.some((pattern) => match(pattern, value))) return false;
  return include.length === 0 ||
    include.some((pattern) => match(pattern, value));
}

/**
 * True when a hook with `filter` should run for `id` (and `code`, for
 * `transform`). Exclusions win over inclusions; a filter without
 * inclusions takes every value it does not exclude.
 *
 * @example
 * ```ts
 * matchesHookFilter({ id: { include: [/\.css$/] } }, "/app/a.css"); // true
 * matchesHookFilter({ id: /\.css$/ }, "/app/a.ts"); // false
 * ```
 */
export function matchesHookFilter(
  filter: unknown,
  id: string,
  code?: string,
): boolean {
  if (typeof filter !== "object" || filter === null) return true;
  const { id: idFilter, code: codeFilter } = filter as {
    id?: unknown;
    code?: unknown;
  };
  if (!passes(idFilter, id, matchesId)) return false;
  if (code !== undefined && !passes(codeFilter, code, matchesCode)) {
    return false;
  }
  return true;
}
