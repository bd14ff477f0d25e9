/**
 * Generated raw request targets: many spellings of one path (percent
 * encodings in either case, dot segments, doubled slashes, trailing slash,
 * letter case), each with the query of a route (`?raw`, `?url`, `?import`,
 * `?inline`, none), and hostile targets that try to leave the root. Used by
 * the deny tests and `deno task stress`; deterministic for a seed.
 *
 * @module
 */

/** A small seeded PRNG (mulberry32): the same seed, the same list. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The queries that pick each route of a file. */
export const ROUTE_QUERIES: Record<string, readonly string[]> = {
  static: ["", "?", "?x=1", "?t=1", "?v=abc", "?&"],
  raw: ["?raw", "?raw=", "?raw&import", "?import&raw", "?raw??", "?t=1&raw"],
  url: ["?url", "?import&url", "?url&t=2", "?url="],
  import: ["?import", "?import&t=3", "?import=", "?v=1&import"],
  inline: ["?inline", "?import&inline", "?inline&t=4"],
};

function encodeChar(c: string, mode: number): string {
  if (mode === 0 || c === "/") return c;
  const hex = c.charCodeAt(0).toString(16).padStart(2, "0");
  return "%" + (mode === 1 ? hex.toLowerCase() : hex.toUpperCase());
}

const PREFIXES = [
  "/",
  "//",
  "///",
  "/./",
  "/%2e/",
  "/%2E/",
  "/x/../",
  "/x/%2e%2e/",
  "/x/%2E%2e/",
  "/x/.%2e/",
  "/x/y/../../",
  "/./x/../",
];
const SEPARATORS = ["/", "//", "/./", "/%2e/"];
const TRAILERS = ["", "", "", "/", "/.", "/./"];

/**
 * `count` distinct raw spellings of `path` (`/`-separated, relative to the
 * root) that a URL parser and percent-decoding take back to `/path` — up to
 * the letter case when `caseVariants` is set (a file system that ignores
 * case reads the same file).
 *
 * @example
 * ```ts
 * spellingsOf(".env", 3, 1); // e.g. ["/.env", "//%2eenv", "/x/../.%65nv/"]
 * ```
 */
export function spellingsOf(
  path: string,
  count: number,
  seed: number,
  options: { caseVariants?: boolean; trailing?: boolean } = {},
): string[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T =>
    list[Math.floor(random() * list.length)];
  const segments = path.split("/");
  const out = new Set<string>(["/" + path]);
  for (let tries = 0; out.size < count && tries < count * 50; tries++) {
    const encodeRate = random();
    const caseRate = options.caseVariants ? random() * 0.6 : 0;
    const spelled = segments.map((segment) =>
      [...segment].map((c) => {
        let ch = c;
        if (random() < caseRate) {
          ch = random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
        }
        return encodeChar(
          ch,
          random() < encodeRate ? 1 + (random() * 2 | 0) : 0,
        );
      }).join("")
    );
    let target = pick(PREFIXES) + spelled[0];
    for (const segment of spelled.slice(1)) {
      target += pick(SEPARATORS) + segment;
    }
    if (options.trailing !== false) target += pick(TRAILERS);
    out.add(target);
  }
  return [...out];
}

/**
 * `count` targets for `path` on `route`: its spellings, each with one of
 * the route's queries.
 */
export function routeTargets(
  path: string,
  route: keyof typeof ROUTE_QUERIES,
  count: number,
  seed: number,
  options: { caseVariants?: boolean; trailing?: boolean } = {},
): string[] {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const queries = ROUTE_QUERIES[route];
  return spellingsOf(path, count, seed, options).map((spelling) =>
    spelling + queries[Math.floor(random() * queries.length)]
  );
}

/**
 * Targets that try to read `outsideFile` (a file next to the root's
 * folder, `../<name>` from the root) or `/etc/passwd`: `..` in every
 * encoding, encoded slashes and backslashes, `/@fs/`, `/@id/`, NUL,
 * overlong UTF-8, full-width dots and double encoding; plus `linkName`
 * (a symlink in the root pointing outside) with its paths.
 */
export function escapeTargets(
  outsideName: string,
  linkName: string,
  absoluteOutside: string,
  count: number,
  seed: number,
): string[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T =>
    list[Math.floor(random() * list.length)];
  const dotDots = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%252e%252e",
    "%c0%ae%c0%ae",
    "%uff0e%uff0e",
    "%EF%BC%8E%EF%BC%8E",
    "..%00",
    "..;",
  ];
  const slashes = ["/", "%2f", "%2F", "\\", "%5c", "%5C", "%252f", "//"];
  const names = [outsideName, "etc/passwd", "../etc/passwd"];
  const queries = ["", "?raw", "?url", "?import", "?inline", "?import&raw"];
  const fixed = [
    `/@fs${absoluteOutside}`,
    `/@fs${absoluteOutside}?raw`,
    `/@fs/etc/passwd`,
    `/@fs/etc/passwd?raw`,
    `/@id/${encodeURIComponent(absoluteOutside)}?raw`,
    `/@id/${encodeURIComponent("/etc/passwd")}?raw`,
    `/@id/${encodeURIComponent("/etc/passwd")}?url`,
    `/${linkName}/${outsideName}`,
    `/${linkName}/${outsideName}?raw`,
    `/${linkName}/${outsideName}?import`,
    `/${linkName}/${outsideName}?inline`,
    `/src/main.ts?import=${absoluteOutside}`,
    "/etc/passwd",
    "/%00/etc/passwd",
  ];
  const out = new Set<string>(fixed);
  for (let tries = 0; out.size < count && tries < count * 50; tries++) {
    const depth = 1 + Math.floor(random() * 4);
    let target = pick(["/", "/src/", "//", "/./", "/x/"]);
    for (let i = 0; i < depth; i++) target += pick(dotDots) + pick(slashes);
    target += pick(names).split("/").join(pick(slashes));
    if (random() < 0.2) target = `/${linkName}/${target.slice(1)}`;
    out.add(target + pick(queries));
  }
  return [...out];
}
