/**
 * The built-in `import.meta.glob` plugin (Vite's): a call with literal
 * patterns becomes an object of the matching files, keyed by their path —
 * lazy (`() => import(...)`) by default, or static imports with
 * `eager: true`; `import: "default"` (or any export name) picks one export,
 * `query: "?raw"` (or an object) is added to each import. Patterns may be an
 * array, and ones starting with `!` exclude. A file created or deleted
 * that a glob matches makes its importer build again.
 *
 * @module
 */

import { dirname, isAbsolute, relative, resolve } from "node:path";
import { init, parse } from "../npm/es_module_lexer.ts";
import type { Plugin } from "../types.ts";
import type { ModuleNode } from "../module_graph.ts";
import { BananaError, codeFrame, offsetToLineColumn } from "../errors.ts";
import { type GlobMatcher, globMatcher, walkGlob } from "../glob_pattern.ts";

await init;

/** Options of `import.meta.glob` this plugin reads. */
interface GlobOptions {
  eager?: boolean;
  import?: string;
  query?: string;
  exhaustive?: boolean;
}

/** A glob call whose arguments could not be read statically. */
class GlobSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type StaticValue =
  | string
  | number
  | boolean
  | null
  | StaticValue[]
  | { [key: string]: StaticValue };

function skipSpace(code: string, i: number): number {
  while (i < code.length) {
    if (/\s/.test(code[i])) i++;
    else if (code.startsWith("//", i)) {
      const end = code.indexOf("\n", i);
      i = end < 0 ? code.length : end + 1;
    } else if (code.startsWith("/*", i)) {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? code.length : end + 2;
    } else break;
  }
  return i;
}

/**
 * Reads the literal at `i` (strings, numbers, booleans, null, arrays and
 * objects of them): Vite's glob arguments must be static.
 */
function readStatic(code: string, start: number): {
  value: StaticValue;
  end: number;
} {
  const i = skipSpace(code, start);
  const ch = code[i];
  if (ch === '"' || ch === "'" || ch === "`") {
    let value = "";
    for (let j = i + 1; j < code.length; j++) {
      if (code[j] === ch) return { value, end: j + 1 };
      if (code[j] === "\\") {
        const next = code[++j];
        value += next === "n" ? "\n" : next === "t" ? "\t" : next;
        continue;
      }
      if (ch === "`" && code.startsWith("${", j)) {
        throw new GlobSyntaxError(
          "import.meta.glob() needs plain string patterns, found a template with ${...}",
          j,
        );
      }
      value += code[j];
    }
    throw new GlobSyntaxError("unterminated string", i);
  }
  if (ch === "[") {
    const items: StaticValue[] = [];
    let j = skipSpace(code, i + 1);
    while (code[j] !== "]") {
      const item = readStatic(code, j);
      items.push(item.value);
      j = skipSpace(code, item.end);
      if (code[j] === ",") j = skipSpace(code, j + 1);
      else if (code[j] !== "]") {
        throw new GlobSyntaxError("expected , or ] in the array", j);
      }
    }
    return { value: items, end: j + 1 };
  }
  if (ch === "{") {
    const object: { [key: string]: StaticValue } = {};
    let j = skipSpace(code, i + 1);
    while (code[j] !== "}") {
      let key: string;
      const name = /^[A-Za-z_$][\w$]*/.exec(code.slice(j, j + 100));
      if (name) {
        key = name[0];
        j += key.length;
      } else {
        const quoted = readStatic(code, j);
        if (typeof quoted.value !== "string") {
          throw new GlobSyntaxError("expected an option name", j);
        }
        key = quoted.value;
        j = quoted.end;
      }
      j = skipSpace(code, j);
      if (code[j] !== ":") {
        throw new GlobSyntaxError(
          `expected ":" after the option "${key}" (options must be literal values)`,
          j,
        );
      }
      const value = readStatic(code, j + 1);
      object[key] = value.value;
      j = skipSpace(code, value.end);
      if (code[j] === ",") j = skipSpace(code, j + 1);
      else if (code[j] !== "}") {
        throw new GlobSyntaxError("expected , or } in the options", j);
      }
    }
    return { value: object, end: j + 1 };
  }
  const word = /^(true|false|null|-?\d+(?:\.\d+)?)(?![\w$])/.exec(
    code.slice(i, i + 30),
  );
  if (word) {
    const text = word[1];
    const value = text === "true"
      ? true
      : text === "false"
      ? false
      : text === "null"
      ? null
      : Number(text);
    return { value, end: i + text.length };
  }
  throw new GlobSyntaxError(
    "import.meta.glob() arguments must be literal values (strings, an array of strings, an options object)",
    i,
  );
}

const KNOWN_OPTIONS: Record<string, string[]> = {
  eager: ["boolean"],
  import: ["string"],
  query: ["string", "object"],
  exhaustive: ["boolean"],
  as: ["string"],
};

function toOptions(raw: StaticValue, offset: number): GlobOptions {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new GlobSyntaxError(
      "the second argument of import.meta.glob() must be an options object",
      offset,
    );
  }
  for (const [key, value] of Object.entries(raw)) {
    const types = KNOWN_OPTIONS[key];
    if (!types) {
      throw new GlobSyntaxError(
        key === "base"
          ? 'the glob option "base" is not supported by BananaJS; write the patterns relative to the file or to the root ("/src/...")'
          : `unknown glob option "${key}" (expected eager, import, query or exhaustive)`,
        offset,
      );
    }
    if (!types.includes(typeof value)) {
      throw new GlobSyntaxError(
        `the glob option "${key}" must be a ${
          types.join(" or ")
        }, found ${typeof value}`,
        offset,
      );
    }
  }
  const options: GlobOptions = {
    eager: raw.eager as boolean | undefined,
    import: raw.import as string | undefined,
    exhaustive: raw.exhaustive as boolean | undefined,
  };
  let query = raw.query;
  if (typeof raw.as === "string") {
    // The deprecated `as: "raw"` is `query: "?raw", import: "default"`.
    query = raw.as;
    if (raw.as === "raw" || raw.as === "url") options.import ??= "default";
  }
  if (query && typeof query === "object") {
    query = Object.entries(query).map(([k, v]) =>
      v === "" || v === true
        ? encodeURIComponent(k)
        : `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`
    ).join("&");
  }
  if (typeof query === "string" && query !== "") {
    options.query = query.startsWith("?") ? query : `?${query}`;
  }
  return options;
}

/** One `import.meta.glob(...)` call in a module. */
interface GlobCall {
  start: number;
  end: number;
  patterns: string[];
  options: GlobOptions;
}

/** Finds the glob calls of `code` (via the lexer: none in strings or comments). */
function findGlobCalls(code: string): GlobCall[] {
  const [records] = parse(code); // throws on code that is not JavaScript
  const calls: GlobCall[] = [];
  for (const record of records) {
    if (record.d !== -2) continue;
    const member = /^\s*\.\s*glob\s*(?:<[^>()]*>\s*)?\(/.exec(
      code.slice(record.e, record.e + 60),
    );
    if (!member) continue;
    const open = record.e + member[0].length;
    const first = readStatic(code, open);
    const patterns = Array.isArray(first.value) ? first.value : [first.value];
    if (patterns.length === 0 || patterns.some((p) => typeof p !== "string")) {
      throw new GlobSyntaxError(
        "import.meta.glob() expects a string pattern or an array of them",
        open,
      );
    }
    let i = skipSpace(code, first.end);
    let options: GlobOptions = {};
    if (code[i] === ",") {
      i = skipSpace(code, i + 1);
      if (code[i] !== ")") {
        const second = readStatic(code, i);
        options = toOptions(second.value, i);
        i = skipSpace(code, second.end);
        if (code[i] === ",") i = skipSpace(code, i + 1);
      }
    }
    if (code[i] !== ")") {
      throw new GlobSyntaxError(
        "import.meta.glob() takes one or two arguments",
        i,
      );
    }
    calls.push({
      start: record.s,
      end: i + 1,
      patterns: patterns as string[],
      options,
    });
  }
  return calls;
}

/** `../x` or `./x` from `dir` to `file`. */
function relativeSpecifier(dir: string, file: string): string {
  const rel = relative(dir, file).split("\\").join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Options of {@linkcode globPlugin}. */
export interface GlobPluginOptions {
  root: string;
  /** Directories never listed (the cache dir). */
  exclude?: string[];
}

/**
 * The `import.meta.glob` plugin.
 *
 * @example
 * ```ts
 * const plugin = globPlugin({ root: "/app" });
 * // import.meta.glob("./pages/*.ts") in /app/src/main.ts becomes
 * // { "./pages/a.ts": () => import("./pages/a.ts") }
 * ```
 */
export function globPlugin(options: GlobPluginOptions): Plugin {
  const { root } = options;
  /** Importer file → the matchers of its glob calls. */
  const globsOf = new Map<string, GlobMatcher[]>();

  const toAbsolute = (pattern: string, dir: string): string => {
    const negated = pattern.startsWith("!");
    const body = negated ? pattern.slice(1) : pattern;
    let absolute: string;
    if (body.startsWith("./") || body.startsWith("../")) {
      absolute = resolve(dir, body);
    } else if (body.startsWith("/")) {
      absolute = resolve(root, "." + body);
    } else if (body.startsWith("**")) {
      // `!**/skip.ts`, as Vite allows: anywhere under the root.
      absolute = `${root}/${body}`;
    } else {
      throw new GlobSyntaxError(
        `glob patterns start with "./", "../", "/" (root-relative) or "**", found "${pattern}"`,
        0,
      );
    }
    // resolve() drops a trailing slash and keeps glob characters.
    return (negated ? "!" : "") + absolute;
  };

  return {
    name: "banana:import-glob",
    async transform(code, id) {
      const file = id.split("?")[0];
      // Any module that is JavaScript by now (a `.ts` file, or a `.vue`
      // file a plugin compiled); a `?raw` string or CSS is left alone.
      // A file that no longer has a glob stops being rebuilt for new files.
      if (!code.includes("import.meta.glob") || !isAbsolute(file)) {
        globsOf.delete(file);
        return;
      }
      let calls: GlobCall[];
      const dir = dirname(file);
      const matchers: GlobMatcher[] = [];
      const located = (err: unknown, offset: number) => {
        const { line, column } = offsetToLineColumn(code, offset);
        return new BananaError({
          message: `${relative(root, file)}: ${
            err instanceof Error ? err.message : String(err)
          }`,
          id: file,
          loc: { file, line, column },
          frame: codeFrame(code, line, column),
          plugin: "import-glob",
        });
      };
      try {
        calls = findGlobCalls(code);
      } catch (err) {
        // Not JavaScript (a stylesheet that mentions the name): not ours.
        if (!(err instanceof GlobSyntaxError)) return;
        throw located(err, err.offset);
      }
      if (calls.length === 0) {
        globsOf.delete(file);
        return;
      }
      const imports: string[] = [];
      const replacements: { start: number; end: number; text: string }[] = [];
      for (const [index, call] of calls.entries()) {
        let absolute: string[];
        try {
          absolute = call.patterns.map((p) => toAbsolute(p, dir));
        } catch (err) {
          throw located(err, call.start);
        }
        const matcher = globMatcher(absolute);
        matchers.push(matcher);
        const files = (await walkGlob(matcher, options.exclude))
          .filter((f) => f !== file);
        // Keys as written: relative patterns give `./x`, root ones `/x`.
        // (Vite's rule: every pattern starts with `.` or `!`.)
        const relativeKeys = call.patterns.every((p) =>
          p.startsWith(".") || p.startsWith("!")
        );
        const { eager, query = "" } = call.options;
        const name = call.options.import && call.options.import !== "*"
          ? call.options.import
          : undefined;
        const entries = files.map((match, i) => {
          const specifier = relativeSpecifier(dir, match) + query;
          const key = relativeKeys
            ? relativeSpecifier(dir, match)
            : "/" + relative(root, match).split("\\").join("/");
          if (eager) {
            const local = `__bananaGlob${index}_${i}`;
            imports.push(
              `import ${
                name ? `{ ${name} as ${local} }` : `* as ${local}`
              } from ${JSON.stringify(specifier)};`,
            );
            return `${JSON.stringify(key)}: ${local}`;
          }
          const load = `import(${JSON.stringify(specifier)})`;
          return `${JSON.stringify(key)}: () => ${load}${
            name ? `.then((m) => m[${JSON.stringify(name)}])` : ""
          }`;
        });
        replacements.push({
          start: call.start,
          end: call.end,
          text: `Object.assign({${entries.join(", ")}})`,
        });
      }
      globsOf.set(file, matchers);
      let out = "";
      let pos = 0;
      for (const r of replacements) {
        // Keep the line count: the call's own newlines stay after it.
        const lines = code.slice(r.start, r.end).split("\n").length - 1;
        out += code.slice(pos, r.start) + r.text + "\n".repeat(lines);
        pos = r.end;
      }
      out += code.slice(pos);
      // On the first line, so line numbers (and source maps) stay valid.
      return { code: imports.join("") + out };
    },
    handleHotUpdate(ctx) {
      // A new file (no module is built from it yet) that a glob matches:
      // the importers list it now. Deleted files reach their importers
      // through the graph.
      if (ctx.modules.length > 0) return;
      const importers: ModuleNode[] = [];
      for (const [importer, matchers] of globsOf) {
        if (!matchers.some((match) => match(ctx.file))) continue;
        importers.push(...ctx.server.moduleGraph.byFile(importer));
      }
      return importers.length > 0 ? importers : undefined;
    },
  };
}
