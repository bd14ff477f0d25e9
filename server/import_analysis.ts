/**
 * Static analysis of a transformed JavaScript module: its import sites
 * (so they can be resolved and rewritten), whether it uses `import.meta.hot`,
 * what its `import.meta.hot.accept(...)` calls accept, and whether its code
 * may run from a `data:` URL (see `server/inline_modules.ts`).
 *
 * @module
 */

import { init, parse } from "./npm/es_module_lexer.ts";

await init;

/** One import specifier in the code. */
export interface ImportSite {
  /** The specifier as written. */
  specifier: string;
  /** Start of the text to replace (inside quotes for static imports). */
  start: number;
  /** End of the text to replace. */
  end: number;
  /** `import("...")` rather than a static import or re-export. */
  dynamic: boolean;
  /** The replaced range includes the quotes (dynamic imports). */
  quoted: boolean;
  /** An import attribute `with { type: "json" }` to strip: [start, end). */
  attributes?: { start: number; end: number; type: string };
}

/** A dependency named in an `accept(dep, cb)` call. */
export interface AcceptedDep {
  specifier: string;
  /** Offset of the string literal (its opening quote). */
  start: number;
  /** Offset after the closing quote. */
  end: number;
}

/** Everything the server needs to know about a module's imports and HMR use. */
export interface ModuleAnalysis {
  imports: ImportSite[];
  usesHot: boolean;
  usesEnv: boolean;
  isSelfAccepting: boolean;
  isDeclined: boolean;
  acceptedDeps: AcceptedDep[];
  /** Each `import.meta.url` expression, [start, end). */
  metaUrls: TextRange[];
  /**
   * The module resolves specifiers while it runs (`import(expression)`,
   * `import.meta.resolve`), which needs its real URL as the base: it is
   * always fetched from the server, never run from a `data:` URL.
   */
  resolvesAtRuntime: boolean;
}

/** A range of the code, [start, end). */
export interface TextRange {
  start: number;
  end: number;
}

/** An `import.meta.hot.accept(...)` call that cannot be read statically. */
export class AcceptAnalysisError extends Error {
  /** Offset of the offending argument in the code. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = "AcceptAnalysisError";
    this.offset = offset;
  }
}

function skipSpace(code: string, i: number): number {
  while (i < code.length) {
    const ch = code[i];
    if (ch === " " || ch === "\n" || ch === "\t" || ch === "\r") i++;
    else if (code.startsWith("//", i)) {
      while (i < code.length && code[i] !== "\n") i++;
    } else if (code.startsWith("/*", i)) {
      const close = code.indexOf("*/", i + 2);
      i = close < 0 ? code.length : close + 2;
    } else break;
  }
  return i;
}

/** Reads a plain string literal at `i`: returns its value and end, or null. */
function readStringLiteral(
  code: string,
  i: number,
): { value: string; end: number } | null {
  const quote = code[i];
  if (quote !== '"' && quote !== "'" && quote !== "`") return null;
  let value = "";
  for (let j = i + 1; j < code.length; j++) {
    const ch = code[j];
    if (ch === quote) return { value, end: j + 1 };
    if (ch === "\\") {
      value += code[++j];
      continue;
    }
    if (quote === "`" && ch === "$" && code[j + 1] === "{") return null;
    value += ch;
  }
  return null;
}

/** Parses the arguments of one `accept(` call starting after the paren. */
function readAcceptArgs(
  code: string,
  open: number,
): { self: boolean; deps: AcceptedDep[] } {
  const i = skipSpace(code, open);
  const ch = code[i];
  if (ch === "'" || ch === '"' || ch === "`") {
    const literal = readStringLiteral(code, i);
    if (!literal) {
      throw new AcceptAnalysisError(
        "import.meta.hot.accept() expects a plain string literal as its dependency, found a template with ${...}",
        i,
      );
    }
    return {
      self: false,
      deps: [{ specifier: literal.value, start: i, end: literal.end }],
    };
  }
  if (ch === "[") {
    const deps: AcceptedDep[] = [];
    let j = skipSpace(code, i + 1);
    while (code[j] !== "]") {
      const literal = readStringLiteral(code, j);
      if (!literal) {
        throw new AcceptAnalysisError(
          "import.meta.hot.accept() expects an array of string literals as its dependencies, found a non-literal element",
          j,
        );
      }
      deps.push({ specifier: literal.value, start: j, end: literal.end });
      j = skipSpace(code, literal.end);
      if (code[j] === ",") j = skipSpace(code, j + 1);
      else if (code[j] !== "]") {
        throw new AcceptAnalysisError(
          "import.meta.hot.accept() dependency array is malformed",
          j,
        );
      }
    }
    return { self: false, deps };
  }
  // accept(), accept(cb) and accept(function ...) all accept the module itself.
  return { self: true, deps: [] };
}

/**
 * Finds the imports and HMR API use of `code` (JavaScript, already
 * transformed from TS/JSX).
 *
 * @throws {AcceptAnalysisError} when an accept call names its deps with
 * something other than string literals.
 *
 * @example
 * ```ts
 * const info = analyzeModule(`import a from "./a.ts"; import.meta.hot.accept();`);
 * info.imports[0].specifier; // "./a.ts"
 * info.isSelfAccepting; // true
 * ```
 */
export function analyzeModule(code: string): ModuleAnalysis {
  const [records] = parse(code);
  const imports: ImportSite[] = [];
  const analysis: ModuleAnalysis = {
    imports,
    usesHot: false,
    usesEnv: false,
    isSelfAccepting: false,
    isDeclined: false,
    acceptedDeps: [],
    metaUrls: [],
    resolvesAtRuntime: false,
  };
  for (const record of records) {
    if (record.d === -2) {
      // import.meta: look at what follows it.
      const after = record.e;
      if (code.startsWith(".env", after)) analysis.usesEnv = true;
      if (/^\.url(?![\w$])/.test(code.slice(after, after + 5))) {
        analysis.metaUrls.push({ start: record.s, end: after + 4 });
      }
      if (/^\s*\.\s*resolve\b/.test(code.slice(after, after + 20))) {
        analysis.resolvesAtRuntime = true;
      }
      if (!code.startsWith(".hot", after)) continue;
      analysis.usesHot = true;
      const rest = skipSpace(code, after + 4);
      const member = /^\??\.\s*(accept|decline)\s*\(/.exec(
        code.slice(rest, rest + 40),
      );
      if (!member) continue;
      if (member[1] === "decline") {
        analysis.isDeclined = true;
        continue;
      }
      const args = readAcceptArgs(code, rest + member[0].length);
      if (args.self) analysis.isSelfAccepting = true;
      analysis.acceptedDeps.push(...args.deps);
      continue;
    }
    if (record.n === undefined) {
      // import(expression): resolved at run time, against the module's URL.
      // `import(import.meta.url)` (the refresh glue) names the module itself.
      const expression = code.slice(record.s, record.e).trim();
      if (expression !== "import.meta.url") analysis.resolvesAtRuntime = true;
      continue;
    }
    const dynamic = record.d > -1;
    const site: ImportSite = {
      specifier: record.n,
      start: record.s,
      end: record.e,
      dynamic,
      quoted: dynamic,
    };
    if (!dynamic && record.a > -1) {
      const close = findAttributesEnd(code, record.a);
      const type = /type\s*:\s*["']([^"']+)["']/.exec(
        code.slice(record.a, close),
      )?.[1];
      const keyword = /\s*(with|assert)\s*$/.exec(
        code.slice(record.e + 1, record.a),
      );
      if (type && keyword && close > record.a) {
        site.attributes = { start: record.e + 1, end: close, type };
      }
    }
    imports.push(site);
  }
  return analysis;
}

function findAttributesEnd(code: string, open: number): number {
  const close = code.indexOf("}", open);
  return close < 0 ? open : close + 1;
}

/** A replacement of one import site: the new specifier, or null to keep it. */
export type SiteRewrite = string | null;

/** A plain text replacement of `[start, end)`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
  /** Offset in `text` of a root-relative URL (`/src/a.ts`), if it has one. */
  urlAt?: number;
}

/** Code with its edits applied, and where its root-relative URLs start. */
export interface SplicedCode {
  code: string;
  /**
   * Offsets in `code` of every root-relative URL the edits wrote. A copy of
   * the code run from a `data:` URL has no base to resolve them against, so
   * the page puts its origin in front of each.
   */
  urlOffsets: number[];
}

function isRootRelative(url: string): boolean {
  return url.startsWith("/") && !url.startsWith("//");
}

/**
 * The edits that point `sites` at `rewrites` (null keeps a site as written)
 * and drop `json` import attributes (JSON is served as a JavaScript module).
 */
export function importEdits(
  sites: ImportSite[],
  rewrites: SiteRewrite[],
): TextEdit[] {
  const edits: TextEdit[] = [];
  sites.forEach((site, i) => {
    const next = rewrites[i];
    const quote = site.quoted ? 1 : 0;
    if (next !== null && next !== undefined) {
      edits.push({
        start: site.start,
        end: site.end,
        text: site.quoted ? JSON.stringify(next) : next,
        ...(isRootRelative(next) ? { urlAt: quote } : {}),
      });
    } else if (isRootRelative(site.specifier)) {
      const at = site.start + quote;
      edits.push({ start: at, end: at, text: "", urlAt: 0 });
    }
    if (site.attributes?.type === "json") {
      edits.push({
        start: site.attributes.start,
        end: site.attributes.end,
        text: "",
      });
    }
  });
  return edits;
}

/**
 * Applies non-overlapping `edits` to `code`. Edits at the same offset keep
 * their order (a header is an edit at 0).
 */
export function spliceEdits(code: string, edits: TextEdit[]): SplicedCode {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const urlOffsets: number[] = [];
  let out = "";
  let pos = 0;
  for (const edit of sorted) {
    out += code.slice(pos, edit.start);
    if (edit.urlAt !== undefined) urlOffsets.push(out.length + edit.urlAt);
    out += edit.text;
    pos = edit.end;
  }
  return { code: out + code.slice(pos), urlOffsets };
}

/**
 * Writes `code` with its import sites rewritten. `header` is put on the
 * first line (no newline), so line numbers and source maps stay valid.
 * Import attributes of type `json` are dropped because the JSON is served
 * as a JavaScript module.
 */
export function rewriteImports(
  code: string,
  sites: ImportSite[],
  rewrites: SiteRewrite[],
  header = "",
  extraEdits: TextEdit[] = [],
): string {
  return spliceEdits(code, [
    { start: 0, end: 0, text: header },
    ...extraEdits,
    ...importEdits(sites, rewrites),
  ]).code;
}
