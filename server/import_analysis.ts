/**
 * Static analysis of a transformed JavaScript module: its import sites
 * (so they can be resolved and rewritten), whether it uses `import.meta.hot`,
 * and what its `import.meta.hot.accept(...)` calls accept.
 *
 * @module
 */

import { init, parse } from "es-module-lexer";

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
  };
  for (const record of records) {
    if (record.d === -2) {
      // import.meta: look at what follows it.
      const after = record.e;
      if (code.startsWith(".env", after)) analysis.usesEnv = true;
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
    if (record.n === undefined) continue; // import(expression): resolved at run time
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
  const edits: TextEdit[] = [...extraEdits];
  sites.forEach((site, i) => {
    const next = rewrites[i];
    if (next !== null && next !== undefined) {
      edits.push({
        start: site.start,
        end: site.end,
        text: site.quoted ? JSON.stringify(next) : next,
      });
    }
    if (site.attributes?.type === "json") {
      edits.push({
        start: site.attributes.start,
        end: site.attributes.end,
        text: "",
      });
    }
  });
  edits.sort((a, b) => a.start - b.start);
  let out = header;
  let pos = 0;
  for (const edit of edits) {
    out += code.slice(pos, edit.start) + edit.text;
    pos = edit.end;
  }
  return out + code.slice(pos);
}
