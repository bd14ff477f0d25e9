/**
 * Glob patterns as `import.meta.glob` takes them (`*`, `**`, `?`, `[abc]`,
 * `{a,b}`), turned into regular expressions over absolute paths, and the
 * directory walk that lists the files a set of patterns matches.
 *
 * @module
 */

import { join } from "node:path";

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|\\\]{}[*?]/g, "\\$&");
}

/**
 * A regular expression for the glob `pattern` (an absolute path pattern).
 * `*` and `?` stay inside one path segment, `**` spans segments (and a
 * `/**\/` may match a single `/`), `{a,b}` is an alternation, `[...]` a
 * character class. Dot files match only when the pattern names the dot.
 *
 * @example
 * ```ts
 * globToRegExp("/app/src/pages/*.ts").test("/app/src/pages/a.ts"); // true
 * ```
 */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        const segmentStart = i === 0 || pattern[i - 1] === "/";
        i++;
        if (segmentStart && pattern[i + 1] === "/") {
          // `**/`: zero or more whole segments, none a dot directory.
          out += "(?:(?!\\.)[^/]*/)*";
          i++;
        } else {
          out += "(?:(?!\\.)[^/]*(?:/(?!\\.)[^/]*)*)?";
        }
      } else {
        const segmentStart = i === 0 || pattern[i - 1] === "/";
        out += segmentStart ? "(?!\\.)[^/]*" : "[^/]*";
      }
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      out += "[" + body.replace(/\\/g, "\\\\") + "]";
      i = close;
    } else if (ch === "{") {
      braces++;
      out += "(?:";
    } else if (ch === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (ch === "," && braces > 0) {
      out += "|";
    } else {
      out += escapeRegExp(ch);
    }
  }
  return new RegExp(`^${out}$`);
}

/**
 * The directory a pattern's matches all lie in: its segments up to the
 * first one with a wildcard (`/app/src/pages/*.ts` → `/app/src/pages`).
 */
export function globBase(pattern: string): string {
  const segments = pattern.split("/");
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (/[*?[{]/.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.join("/") || "/";
}

/** A set of patterns: a file matches one of `include` and none of `exclude`. */
export interface GlobMatcher {
  (file: string): boolean;
  /** The directories to walk. */
  readonly bases: string[];
}

/**
 * A matcher for absolute patterns; a pattern starting with `!` excludes.
 *
 * @example
 * ```ts
 * const match = globMatcher(["/app/src/*.ts", "!/app/src/skip.ts"]);
 * match("/app/src/a.ts"); // true
 * match("/app/src/skip.ts"); // false
 * ```
 */
export function globMatcher(patterns: string[]): GlobMatcher {
  const include = patterns.filter((p) => !p.startsWith("!"));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) =>
    globToRegExp(p.slice(1))
  );
  const included = include.map(globToRegExp);
  const match = (file: string) =>
    included.some((re) => re.test(file)) &&
    !exclude.some((re) => re.test(file));
  return Object.assign(match, { bases: include.map(globBase) });
}

/**
 * The files under `matcher.bases` that it matches, sorted. `node_modules`
 * and dot directories are not entered; `skipDirs` (absolute) neither.
 */
export async function walkGlob(
  matcher: GlobMatcher,
  skipDirs: string[] = [],
): Promise<string[]> {
  const found = new Set<string>();
  const visited = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    if (visited.has(dir) || skipDirs.includes(dir)) return;
    visited.add(dir);
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return; // a missing base matches nothing
    }
    await Promise.all(entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (entry.name === "node_modules" || entry.name.startsWith(".")) {
          return;
        }
        await walk(path);
      } else if (entry.isFile && matcher(path)) {
        found.add(path);
      }
    }));
  };
  await Promise.all(matcher.bases.map(walk));
  return [...found].sort();
}
