/**
 * `server.fs.deny`: files that are never read for the browser, even inside
 * the root. The decision is taken once, on the file a request resolves to
 * (after decoding, `..` and symlinks), whatever route or query led there:
 * a module with `?raw`/`?url`/`?inline`, a static file, `public/`, an HTML
 * page, a stylesheet's `@import`, `url()` or `composes … from`.
 *
 * Patterns are matched against the file's path relative to the root (or to
 * the `server.fs.allow` folder holding it), segment by segment and always
 * case-insensitively — as Vite does, so the rule also holds on file systems
 * that ignore case (macOS, Windows), where `/.ENV` reads `.env`.
 *
 * - `*` and `?` match within one segment, `{a,b}` gives alternatives and
 *   `**` matches any number of segments.
 * - A pattern may start at any folder (`.ssh/**` denies `a/.ssh/x` too);
 *   a leading `/` anchors it at the root.
 * - A pattern denies what it matches and everything below it: `.env`
 *   matches a folder named `.env` as well as the file.
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { isInside, pathBelow, UnsafePathError } from "./path_safety.ts";

/**
 * The default `server.fs.deny`: Vite's (`.env`, `.env.*`, `*.{crt,pem}`,
 * `**\/.git/**`) and private keys and credential files.
 */
export const DEFAULT_FS_DENY: readonly string[] = Object.freeze([
  ".env",
  ".env.*",
  "*.{crt,pem}",
  "**/.git/**",
  "*.key",
  "*.p12",
  "*.pfx",
  "id_rsa*",
  "id_dsa*",
  "id_ecdsa*",
  "id_ed25519*",
  ".npmrc",
  ".netrc",
  ".ssh/**",
  ".aws/**",
  ".docker/config.json",
]);

/** A request refused because the file it reads matches `server.fs.deny`. */
export class FsDeniedError extends UnsafePathError {
  /** The path that matched, relative to the root (or allowed folder). */
  readonly path: string;
  /** The `server.fs.deny` pattern it matched, as written. */
  readonly rule: string;
  constructor(path: string, rule: string) {
    super(
      `Refused ${path}: it matches server.fs.deny ${JSON.stringify(rule)}`,
      403,
      "FS_DENIED",
    );
    this.name = "FsDeniedError";
    this.path = path;
    this.rule = rule;
  }
}

/** Where files may be read from, and what is denied there. */
export interface FsRules {
  /** The served root (absolute). */
  root: string;
  /** `server.fs.allow`: more folders that may be read (absolute). */
  allow?: readonly string[];
  /** `server.fs.deny` patterns. Default: {@linkcode DEFAULT_FS_DENY}. */
  deny?: readonly string[];
}

type SegmentTest = "**" | RegExp;

interface CompiledRule {
  rule: string;
  anchored: boolean;
  segments: SegmentTest[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One segment's glob as a regular expression (`*`, `?`, `{a,b}`, `[…]`). */
function segmentRegExp(glob: string): RegExp {
  let source = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "{") {
      braces++;
      source += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      source += ")";
    } else if (c === "," && braces > 0) source += "|";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) source += "\\[";
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
        source += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
        i = end;
      }
    } else source += escapeRegExp(c);
  }
  source += ")".repeat(braces);
  return new RegExp(`^${source}$`, "i");
}

function compileRule(rule: string): CompiledRule {
  let text = rule.trim().replace(/\\/g, "/");
  const anchored = text.startsWith("/");
  text = text.replace(/^\/+/, "").replace(/^(?:\.\/)+/, "").replace(
    /\/+$/,
    "",
  );
  const segments: SegmentTest[] = text.split("/").filter((s) => s !== "")
    .map((s) => s === "**" ? "**" : segmentRegExp(s));
  return { rule, anchored, segments };
}

/** True when `tests` match a prefix of `path` (starting at `from`). */
function matchesPrefix(
  tests: SegmentTest[],
  t: number,
  path: string[],
  p: number,
): boolean {
  if (t === tests.length) return true; // what lies below is denied too
  const test = tests[t];
  if (test === "**") {
    for (let skip = p; skip <= path.length; skip++) {
      if (matchesPrefix(tests, t + 1, path, skip)) return true;
    }
    return false;
  }
  return p < path.length && test.test(path[p]) &&
    matchesPrefix(tests, t + 1, path, p + 1);
}

/** The compiled rules of one deny list. */
interface CompiledDeny {
  rules: CompiledRule[];
  /**
   * Matches a path segment that some segment of some rule matches: a
   * path none of whose segments it matches is denied by no rule (every
   * rule has a segment other than `**` that must match one). Null when a
   * rule is all `**`. Most paths match no rule; one test per segment
   * instead of one per rule and segment (~2 µs a module read).
   */
  anySegment: RegExp | null;
}

const compiled = new Map<string, CompiledDeny>();
/** By list identity: the config's list is the same array each read. */
const compiledByList = new WeakMap<readonly string[], CompiledDeny>();

function compileDeny(deny: readonly string[]): CompiledDeny {
  const known = compiledByList.get(deny);
  if (known) return known;
  const key = deny.join("\0");
  let result = compiled.get(key);
  if (!result) {
    const rules = deny.map(compileRule).filter((r) => r.segments.length > 0);
    const tests = rules.map((rule) =>
      rule.segments.filter((test): test is RegExp => test !== "**")
    );
    result = {
      rules,
      anySegment: tests.some((list) => list.length === 0) ? null : new RegExp(
        tests.flat().map((test) => `(?:${test.source})`).join("|"),
        "i",
      ),
    };
    if (compiled.size > 32) compiled.clear();
    compiled.set(key, result);
  }
  compiledByList.set(deny, result);
  return result;
}

/**
 * The `server.fs.deny` pattern that `relativePath` (`/`-separated, relative
 * to the root) matches, or null.
 *
 * @example
 * ```ts
 * denyRuleFor("certs/server.PEM"); // "*.{crt,pem}"
 * denyRuleFor("src/main.ts"); // null
 * ```
 */
export function denyRuleFor(
  relativePath: string,
  deny: readonly string[] = DEFAULT_FS_DENY,
): string | null {
  const path = relativePath.split(/[\\/]/).filter((s) => s !== "" && s !== ".");
  if (path.length === 0) return null;
  const { rules, anySegment } = compileDeny(deny);
  if (anySegment && !path.some((segment) => anySegment.test(segment))) {
    return null;
  }
  for (const rule of rules) {
    if (rule.anchored) {
      if (matchesPrefix(rule.segments, 0, path, 0)) return rule.rule;
      continue;
    }
    for (let start = 0; start < path.length; start++) {
      if (matchesPrefix(rule.segments, 0, path, start)) return rule.rule;
    }
  }
  return null;
}

/** `file` relative to the first of `dirs` that holds it, `/`-separated. */
function relativeToFirst(file: string, dirs: readonly string[]): string | null {
  for (const dir of dirs) {
    const below = pathBelow(dir, file);
    if (below !== null) return below;
  }
  return null;
}

/**
 * Throws {@linkcode FsDeniedError} when the absolute path `file` matches
 * `server.fs.deny` (relative to the root, or to the allowed folder holding
 * it). Looks at the path as written only; {@linkcode assertReadable} also
 * follows symlinks.
 *
 * @example
 * ```ts
 * assertNotDenied("/app/.env", { root: "/app" }); // throws FsDeniedError
 * ```
 */
export function assertNotDenied(file: string, rules: FsRules): void {
  if (!isAbsolute(file)) return;
  const dirs = [rules.root, ...(rules.allow ?? [])];
  const rel = relativeToFirst(file, dirs);
  if (rel === null) return;
  const rule = denyRuleFor(rel, rules.deny ?? DEFAULT_FS_DENY);
  if (rule !== null) throw new FsDeniedError(rel || ".", rule);
}

/**
 * Refuses to read `file` for the browser when it, or the file it links to,
 * matches `server.fs.deny`, or when its real path leaves the root and the
 * `server.fs.allow` folders. A missing file passes (its read reports it).
 *
 * @throws {UnsafePathError} (code `FS_DENIED` or `LINKS_OUTSIDE`)
 *
 * @example
 * ```ts
 * assertReadable("/app/src/notes.txt", { root: "/app" });
 * ```
 */
export function assertReadable(
  file: string,
  rules: FsRules,
): void {
  assertNotDenied(file, rules);
  let real: string;
  try {
    // Sync: the async op's overhead was most of its cost (110 ms of a
    // 10,000-module first load).
    real = Deno.realPathSync(file);
  } catch {
    return;
  }
  if (real === file) return;
  const dirs = [rules.root, ...(rules.allow ?? [])];
  if (!dirs.some((dir) => isInside(dir, real))) {
    const shown = relativeToFirst(file, dirs) ?? file;
    throw new UnsafePathError(
      `Refused ${shown}: it links outside the served root`,
      403,
      "LINKS_OUTSIDE",
    );
  }
  assertNotDenied(real, rules);
}
