/**
 * Mapping request paths to files without ever leaving the allowed
 * directories: `..` (plain or percent-encoded), encoded slashes, backslashes,
 * NUL bytes and symlinks that point elsewhere are all refused.
 *
 * @module
 */

import {
  isAbsolute,
  join,
  normalize,
  relative,
  sep as SEPARATOR,
} from "node:path";

/**
 * Why a request path was refused: `BAD_ENCODING` (400), `PATH_ESCAPE` (a
 * segment that could leave the root), `OUTSIDE_ROOT`, `LINKS_OUTSIDE` (a
 * symlink out of the allowed folders), `FS_DENIED` (`server.fs.deny`).
 */
export type UnsafePathCode =
  | "BAD_ENCODING"
  | "PATH_ESCAPE"
  | "OUTSIDE_ROOT"
  | "LINKS_OUTSIDE"
  | "FS_DENIED";

/** Why a request path was refused. */
export class UnsafePathError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** What kind of refusal this is (match on this, not on the message). */
  readonly code: UnsafePathCode;
  constructor(
    message: string,
    status = 403,
    code: UnsafePathCode = status === 400 ? "BAD_ENCODING" : "PATH_ESCAPE",
  ) {
    super(message);
    this.name = "UnsafePathError";
    this.status = status;
    this.code = code;
  }
}

/**
 * A pathname with no percent-encoding, backslash, NUL or dot-dot segment:
 * its segments are the split as they are.
 */
const PLAIN_PATHNAME = /^(?:\/(?!\.\.(?:\/|$))[\w.~!$&'()*+,;=:@-]*)*\/?$/;

/**
 * Decodes a URL pathname into path segments, refusing anything that could
 * escape: `..` segments, encoded `/` or `\`, backslashes and NUL bytes.
 *
 * @example
 * ```ts
 * decodeSafePathname("/src/app.ts"); // ["src", "app.ts"]
 * decodeSafePathname("/%2e%2e/secret"); // throws UnsafePathError
 * ```
 */
export function decodeSafePathname(pathname: string): string[] {
  // Most module paths have nothing to decode or refuse: split them only
  // (every module request and build decodes its path).
  if (PLAIN_PATHNAME.test(pathname)) {
    return pathname.split("/").filter((s) => s !== "" && s !== ".");
  }
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw === "" || raw === ".") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw new UnsafePathError(`Malformed percent-encoding in "${raw}"`, 400);
    }
    if (
      segment === ".." || segment === "." || segment.includes("/") ||
      segment.includes("\\") || segment.includes("\0")
    ) {
      throw new UnsafePathError(
        `Refused path segment "${raw}": it could leave the served root`,
      );
    }
    segments.push(segment);
  }
  return segments;
}

/**
 * A segment of a POSIX path that is not in normal form: `//`, `/./`,
 * `/../`, or a trailing `/`, `/.` or `/..`.
 */
const NOT_NORMAL_SEGMENT = /\/\.{0,2}(?:\/|$)/;

/** True when `path` is absolute and normalized on POSIX (not `/` itself). */
function isNormalPosix(path: string): boolean {
  return SEPARATOR === "/" && path.charCodeAt(0) === 47 &&
    !NOT_NORMAL_SEGMENT.test(path);
}

/**
 * `path` below `dir`, `/`-separated (`""` for `dir` itself), or null when
 * it is not inside `dir` (both absolute).
 *
 * @example
 * ```ts
 * pathBelow("/app", "/app/src/a.ts"); // "src/a.ts"
 * pathBelow("/app", "/application/a.ts"); // null
 * ```
 */
export function pathBelow(dir: string, path: string): string | null {
  // Normal forms compare as strings: `relative()` normalizes both paths
  // each call, a cost that showed at tens of thousands of calls per load.
  if (isNormalPosix(dir) && isNormalPosix(path)) {
    if (path === dir) return "";
    return path.startsWith(dir) && path.charCodeAt(dir.length) === 47
      ? path.slice(dir.length + 1)
      : null;
  }
  const rel = relative(dir, path);
  if (rel === "") return "";
  if (
    rel === ".." || rel.startsWith(".." + SEPARATOR) || isAbsolute(rel) ||
    rel.startsWith(SEPARATOR)
  ) {
    return null;
  }
  return SEPARATOR === "/" ? rel : rel.split(SEPARATOR).join("/");
}

/** True when `path` is `dir` itself or inside it (both absolute). */
export function isInside(dir: string, path: string): boolean {
  return pathBelow(dir, path) !== null;
}

/**
 * True when `path` may be read for the app: it is inside `root` or one of
 * the `server.fs.allow` directories.
 */
export function isAllowedPath(
  path: string,
  root: string,
  fsAllow: readonly string[],
): boolean {
  return isInside(root, path) || fsAllow.some((dir) => isInside(dir, path));
}

/**
 * Resolves a URL pathname to a file under `root`. The file's real path
 * (after symlinks) must lie inside one of `allow` (defaults to `[root]`).
 * Returns `null` when the file does not exist.
 *
 * @throws {UnsafePathError} when the path tries to escape.
 */
export async function resolveSafeFile(
  root: string,
  pathname: string,
  allow: string[] = [root],
): Promise<string | null> {
  const segments = decodeSafePathname(pathname);
  const candidate = normalize(join(root, ...segments));
  if (!isInside(root, candidate)) {
    throw new UnsafePathError(
      `Refused "${pathname}": outside the root`,
      403,
      "OUTSIDE_ROOT",
    );
  }
  let real: string;
  try {
    real = await Deno.realPath(candidate);
  } catch {
    return null;
  }
  if (!allow.some((dir) => isInside(dir, real))) {
    throw new UnsafePathError(
      `Refused "${pathname}": it links outside the served root`,
      403,
      "LINKS_OUTSIDE",
    );
  }
  return candidate;
}
