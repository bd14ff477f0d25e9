/**
 * The file inside an npm package that an `npm:` specifier names, for tools
 * that read files rather than import modules: Tailwind resolves
 * `@import "tailwindcss"` to the package's stylesheet (its `style` export
 * condition). The package is fetched by Deno (into its cache) on first use,
 * in the running process's context, so it is locked with the app's other
 * packages when the server runs in the app's context.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** An `npm:` specifier split into its parts. */
export interface NpmSpecifier {
  /** `tailwindcss`, `@scope/name`. */
  name: string;
  /** The version or range written, `""` when none. */
  version: string;
  /** The sub-path after the package, `""` for the package itself. */
  subpath: string;
}

/** Splits `npm:name@version/sub` (or `npm:/name@version/sub`). */
export function parseNpmSpecifier(spec: string): NpmSpecifier | null {
  const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]*))?(\/.*)?$/.exec(
    spec,
  );
  if (!match) return null;
  return {
    name: match[1],
    version: match[2] ?? "",
    subpath: (match[3] ?? "").replace(/^\//, ""),
  };
}

/** How to pick a package's file, as in Vite's resolver options. */
export interface PackageFileOptions {
  /** Export conditions, in order of preference (`style`, `import`…). */
  conditions: string[];
  /** `package.json` fields naming the entry when there is no `exports`. */
  mainFields: string[];
}

const packageDirs = new Map<string, Promise<string>>();

/**
 * The directory of the package `spec` names, in Deno's cache (downloaded
 * when missing).
 */
export function npmPackageDir(spec: NpmSpecifier): Promise<string> {
  const key = `npm:${spec.name}${spec.version ? "@" + spec.version : ""}`;
  let dir = packageDirs.get(key);
  if (!dir) {
    const manifest = `${key}/package.json`;
    dir = import(manifest, { with: { type: "json" } }).then(() =>
      dirname(fileURLToPath(import.meta.resolve(manifest)))
    );
    dir.catch(() => packageDirs.delete(key));
    packageDirs.set(key, dir);
  }
  return dir;
}

type Exports = string | null | Exports[] | { [key: string]: Exports };

function pickCondition(
  value: Exports,
  conditions: string[],
): string | null {
  if (typeof value === "string") return value;
  if (value === null) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = pickCondition(item, conditions);
      if (found) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key === "default" || conditions.includes(key)) {
      const found = pickCondition(inner, conditions);
      if (found) return found;
    }
  }
  return null;
}

function resolveExports(
  exports: Exports,
  subpath: string,
  conditions: string[],
): string | null {
  const wanted = subpath ? `./${subpath}` : ".";
  const isMap = typeof exports === "object" && exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((k) => k.startsWith("."));
  if (!isMap) return wanted === "." ? pickCondition(exports, conditions) : null;
  const map = exports as Record<string, Exports>;
  if (wanted in map) return pickCondition(map[wanted], conditions);
  for (const [key, target] of Object.entries(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const head = key.slice(0, star);
    const tail = key.slice(star + 1);
    if (!wanted.startsWith(head) || !wanted.endsWith(tail)) continue;
    const part = wanted.slice(head.length, wanted.length - tail.length);
    const picked = pickCondition(target, conditions);
    if (picked) return picked.replaceAll("*", part);
  }
  return null;
}

/**
 * The absolute file `spec` (`npm:tailwindcss@4.3.5`,
 * `npm:tailwindcss@4.3.5/theme.css`) names, picked with `options`
 * (`exports` conditions, else `mainFields`, else the sub-path as a file),
 * or null when the package has no such file.
 *
 * @example
 * ```ts
 * const file = await npmPackageFile("npm:tailwindcss@4.3.5", {
 *   conditions: ["style"], mainFields: ["style"],
 * }); // …/tailwindcss/4.3.5/index.css
 * ```
 */
export async function npmPackageFile(
  spec: string,
  options: PackageFileOptions,
): Promise<string | null> {
  const parsed = parseNpmSpecifier(spec);
  if (!parsed) return null;
  const dir = await npmPackageDir(parsed);
  const manifest = JSON.parse(
    await Deno.readTextFile(join(dir, "package.json")),
  ) as Record<string, unknown>;
  let target: string | null = null;
  if (manifest.exports !== undefined) {
    target = resolveExports(
      manifest.exports as Exports,
      parsed.subpath,
      options.conditions,
    );
  } else if (parsed.subpath) {
    target = parsed.subpath;
  } else {
    for (const field of options.mainFields) {
      if (typeof manifest[field] === "string") {
        target = manifest[field] as string;
        break;
      }
    }
  }
  if (!target) return null;
  const file = join(dir, target);
  const stat = await Deno.stat(file).catch(() => null);
  return stat?.isFile ? file : null;
}
