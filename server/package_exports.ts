/**
 * Which file of an npm package a sub-path names, by the package's
 * `package.json`: its `exports` (sub-paths, `*` patterns and conditions, by
 * Node's rules) or, without `exports`, its entry fields and the sub-path as
 * a file path. The dev server uses it to tell a package's stylesheets from
 * its JavaScript (`import "normalize.css"`, `@import "tailwindcss"`), which
 * the dependency bundler takes.
 *
 * @module
 */

/** The fields of a `package.json` read here. */
export interface PackageJson {
  name?: string;
  exports?: unknown;
  main?: unknown;
  module?: unknown;
  browser?: unknown;
  style?: unknown;
  [field: string]: unknown;
}

/** How a sub-path is looked up. */
export interface EntryOptions {
  /** Export conditions that apply, e.g. `["style", "browser", "import"]`; `default` always applies. */
  conditions: readonly string[];
  /** Entry fields tried in order when there is no `exports` (`style`, `main`). */
  fields: readonly string[];
}

/** Conditions and fields for a package imported from JavaScript in the browser. */
export const SCRIPT_ENTRY: EntryOptions = {
  conditions: ["browser", "import", "module", "development"],
  fields: ["browser", "module", "main"],
};

/** Conditions and fields for a package `@import`ed by a stylesheet. */
export const STYLE_ENTRY: EntryOptions = {
  conditions: ["style", "browser", "import", "module", "development"],
  fields: ["style", "main"],
};

/** Conditions and fields for a package `@use`d or `@import`ed by a Sass stylesheet. */
export const SASS_ENTRY: EntryOptions = {
  conditions: ["sass", "style", "development"],
  fields: ["sass", "style", "main"],
};

/** The result of {@linkcode resolvePackageEntry}. */
export type PackageEntry =
  /** A path relative to the package folder, without `./` (`dist/x.css`). */
  | { path: string }
  /** The package's `exports` do not export the sub-path. */
  | { notExported: true };

function isConditionMap(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && !keys[0].startsWith(".");
}

/** Resolves one `exports` target (string, array or condition map). */
function resolveTarget(
  target: unknown,
  star: string | null,
  options: EntryOptions,
): string | null | undefined {
  if (typeof target === "string") {
    if (!target.startsWith("./")) return null;
    return star === null ? target : target.replaceAll("*", star);
  }
  if (Array.isArray(target)) {
    for (const candidate of target) {
      const resolved = resolveTarget(candidate, star, options);
      if (resolved) return resolved;
    }
    return null;
  }
  if (target && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (condition !== "default" && !options.conditions.includes(condition)) {
        continue;
      }
      const resolved = resolveTarget(value, star, options);
      // `undefined`: no condition of this map matched; try the next one.
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  return null;
}

/** Node's order of `*` keys: the longer prefix first, then the longer key. */
function comparePatternKeys(a: string, b: string): number {
  const aStar = a.indexOf("*");
  const bStar = b.indexOf("*");
  const aBase = aStar < 0 ? a.length : aStar + 1;
  const bBase = bStar < 0 ? b.length : bStar + 1;
  if (aBase !== bBase) return bBase - aBase;
  return b.length - a.length;
}

function resolveExports(
  exports: unknown,
  subpath: string,
  options: EntryOptions,
): string | null | undefined {
  const map: Record<string, unknown> =
    typeof exports === "string" || Array.isArray(exports) ||
      (exports && typeof exports === "object" && isConditionMap(exports))
      ? { ".": exports }
      : (exports as Record<string, unknown>);
  if (Object.hasOwn(map, subpath) && !subpath.includes("*")) {
    return resolveTarget(map[subpath], null, options);
  }
  const patterns = Object.keys(map)
    .filter((key) => key.indexOf("*") === key.lastIndexOf("*"))
    .sort(comparePatternKeys);
  for (const key of patterns) {
    const star = key.indexOf("*");
    if (star < 0) {
      // Legacy folder mapping: "./dist/": "./dist/".
      if (key.endsWith("/") && subpath.startsWith(key)) {
        const target = resolveTarget(map[key], null, options);
        return target ? target + subpath.slice(key.length) : target;
      }
      continue;
    }
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (
      subpath.length >= key.length && subpath.startsWith(prefix) &&
      subpath.endsWith(suffix)
    ) {
      const matched = subpath.slice(
        prefix.length,
        subpath.length - suffix.length,
      );
      return resolveTarget(map[key], matched, options);
    }
  }
  return null;
}

/**
 * The file of a package that `subpath` (`""` for the package itself,
 * else `"client"`, `"dist/x.css"`) names.
 *
 * @example
 * ```ts
 * resolvePackageEntry({ main: "normalize.css" }, "", SCRIPT_ENTRY);
 * // { path: "normalize.css" }
 * resolvePackageEntry(
 *   { exports: { "./*": { default: "./*.css" } } },
 *   "400",
 *   STYLE_ENTRY,
 * ); // { path: "400.css" }
 * ```
 */
export function resolvePackageEntry(
  pkg: PackageJson,
  subpath: string,
  options: EntryOptions,
): PackageEntry {
  const key = subpath === "" ? "." : `./${subpath}`;
  if (pkg.exports !== undefined && pkg.exports !== null) {
    const target = resolveExports(pkg.exports, key, options);
    if (!target) return { notExported: true };
    return { path: target.slice(2) };
  }
  if (subpath !== "") return { path: subpath };
  for (const field of options.fields) {
    const value = pkg[field];
    if (typeof value === "string" && value !== "") {
      return { path: value.replace(/^\.\//, "") };
    }
  }
  return { path: "index.js" };
}
