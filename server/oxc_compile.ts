/**
 * TypeScript / JSX to browser ESM, with optional Fast Refresh registrations.
 *
 * esbuild cannot emit `$RefreshReg$` / `$RefreshSig$` calls, so component
 * modules that take part in Preact (prefresh) or React (react-refresh) hot
 * swapping are compiled with Oxc (`npm:oxc-transform`), which strips
 * TypeScript, compiles JSX with the automatic runtime and inserts the
 * registrations in one native pass. Measured here it is also several times
 * faster per module than calling esbuild from Deno.
 *
 * The module only produces code: defining `$RefreshReg$` / `$RefreshSig$`
 * and accepting the update (the "glue") is the server's job.
 *
 * @module
 */

import { cacheKey, type CompileCache } from "./compile_cache.ts";
import denoJson from "../deno.json" with { type: "json" };

/**
 * What the error says when Oxc fails to load. The package and its pinned
 * version live in `server/npm/oxc_transform.ts`, with why that version.
 * Loading the native binding needs `--allow-ffi --allow-env --allow-sys`.
 */
const OXC_SPECIFIER = "oxc-transform (server/npm/oxc_transform.ts)";

/**
 * Bumped when this module's own output changes for the same Oxc output
 * (the source map comment, …): cached outputs of older revisions miss. The
 * package version is part of the key as well, so a release never reads a
 * cache written by another.
 */
const OUTPUT_REVISION = `${denoJson.version}/1`;

/** The kind of {@linkcode CompileCache} entries this module stores. */
export const OXC_CACHE_KIND = "oxc";

/** Inputs at least this long are transformed off the main thread. */
const ASYNC_THRESHOLD = 64 * 1024;

type Oxc = typeof import("./npm/oxc_transform.ts");
type OxcTransformOptions = NonNullable<Parameters<Oxc["transformSync"]>[2]>;
type OxcResult = ReturnType<Oxc["transformSync"]>;
type OxcError = OxcResult["errors"][number];
type OxcSourceMap = NonNullable<OxcResult["map"]>;
type Lang = NonNullable<OxcTransformOptions["lang"]>;

/** Options for {@linkcode transformWithRefresh}. */
export interface RefreshTransformOptions {
  /**
   * Where the automatic JSX runtime is imported from: `"preact"` gives
   * `import { jsx } from "preact/jsx-runtime"`, `"react"` gives
   * `"react/jsx-runtime"`.
   */
  jsxImportSource: string;
  /**
   * Insert Fast Refresh registrations: `$RefreshReg$(Component, "Name")`
   * for every top-level component, and `$RefreshSig$()` signatures for
   * every function that calls hooks. The signature key is a hash of the
   * hook calls, so it changes when hooks are added, removed, reordered or
   * their arguments change, which tells the runtime to remount instead of
   * keeping state.
   */
  refresh: boolean;
  /**
   * Append an inline source map (`//# sourceMappingURL=data:...`) to the
   * code and return the same map as JSON in `map`. Its `sources` entry is
   * the `filename` given to {@linkcode transformWithRefresh}.
   */
  sourcemap: boolean;
  /**
   * Global constant replacements, as esbuild's and Vite's `define`
   * (`{ __APP__: '"x"' }`): each key is an identifier or member chain,
   * each value a JavaScript expression.
   */
  define?: Record<string, string>;
  /**
   * The JSX runtime; when absent, the automatic runtime imported from
   * `jsxImportSource`. Classic JSX calls `pragma` (`React.createElement`,
   * `h`) and `pragmaFrag`.
   */
  jsx?: JsxRuntimeOptions;
  /**
   * Reuse outputs compiled before (by this process or an earlier one): the
   * key is a hash of the Oxc version, the options, the file name and the
   * code, so any change to an input compiles again. Errors are not cached.
   */
  cache?: CompileCache;
}

/** How JSX compiles: the automatic runtime, or classic factory calls. */
export type JsxRuntimeOptions =
  | { runtime: "automatic"; importSource: string; development?: boolean }
  | { runtime: "classic"; pragma: string; pragmaFrag: string };

/** What {@linkcode transformWithRefresh} returns. */
export interface RefreshTransformResult {
  /** Browser-ready ESM; ends with an inline source map when asked for. */
  code: string;
  /** The source map as a JSON string, when `sourcemap` was true. */
  map?: string;
}

/**
 * A syntax (or other compile) error in a module, with its location.
 *
 * `line` and `column` are 1-based; `column` counts UTF-16 code units, as
 * JavaScript strings and source maps do. `frame` is Oxc's code frame,
 * ready to show in the error overlay.
 */
export class RefreshTransformError extends Error {
  /** The file name given to the transform. */
  readonly file: string;
  /** 1-based line of the first error. */
  readonly line: number;
  /** 1-based column of the first error. */
  readonly column: number;
  /** The compiler's message without the location prefix. */
  readonly reason: string;
  /** A code frame around the error, if the compiler gave one. */
  readonly frame?: string;

  /** Builds the error; the message reads `file:line:column: reason`. */
  constructor(
    file: string,
    line: number,
    column: number,
    reason: string,
    frame?: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = "RefreshTransformError";
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
    this.frame = frame;
  }
}

let oxcPromise: Promise<Oxc> | undefined;

function loadOxc(): Promise<Oxc> {
  oxcPromise ??= import("./npm/oxc_transform.ts").catch(
    (cause: unknown) => {
      oxcPromise = undefined;
      throw new Error(
        `Expected to load the refresh transform ${OXC_SPECIFIER}, but it ` +
          `failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    },
  );
  return oxcPromise;
}

/**
 * Compiles one TS / TSX / JSX / JS module to browser-ready ESM, optionally
 * with Fast Refresh registrations for Preact (prefresh) or React.
 *
 * TypeScript is stripped (type-only imports and unused imports are
 * dropped, enums and namespaces are compiled), JSX uses the automatic
 * runtime from `options.jsxImportSource`, and the output is always an ES
 * module, never CommonJS. The language follows the file extension:
 * `.ts/.mts/.cts` are TypeScript without JSX, `.tsx` is TypeScript with
 * JSX, and `.js/.mjs/.cjs/.jsx` are JavaScript with JSX allowed.
 *
 * With `refresh: true` the output calls `$RefreshReg$` and `$RefreshSig$`
 * but does not define them: before serving the module, the server must
 * append the framework glue that defines them (per module id) and accepts
 * the update.
 *
 * @example Compile a Preact component with refresh registrations
 * ```ts
 * import { transformWithRefresh } from "./oxc_compile.ts";
 *
 * const { code } = await transformWithRefresh(
 *   `import { useState } from "preact/hooks";
 * export function Counter() {
 *   const [n, setN] = useState(0);
 *   return <button onClick={() => setN(n + 1)}>{n}</button>;
 * }`,
 *   "/src/counter.tsx",
 *   { jsxImportSource: "preact", refresh: true, sourcemap: true },
 * );
 * // code imports "preact/jsx-runtime", signs Counter with _s(Counter, "<hash>")
 * // and ends with $RefreshReg$(_c, "Counter") and an inline source map.
 * ```
 *
 * @param code The module source.
 * @param filename The module's path or URL path (e.g. `/src/app.tsx`); it
 *   picks the language and is the `sources` entry of the source map. A
 *   `?query` or `#hash` is ignored for the language.
 * @param options JSX import source, refresh and source map switches.
 * @returns The compiled code, and the source map JSON when asked for.
 * @throws {RefreshTransformError} When the module does not parse or
 *   compile; it carries the file, 1-based line and column, and a frame.
 */
export async function transformWithRefresh(
  code: string,
  filename: string,
  options: RefreshTransformOptions,
): Promise<RefreshTransformResult> {
  const oxc = await loadOxc();
  const { cache, ...settings } = options;
  const key = cache
    ? cacheKey(
      `oxc-transform@${oxc.OXC_TRANSFORM_VERSION}/${OUTPUT_REVISION}`,
      JSON.stringify(settings),
      filename,
      code,
    )
    : "";
  const cached = cache?.get(OXC_CACHE_KIND, key);
  if (cached !== undefined) return resultFromCode(cached, options.sourcemap);
  const result = await compile(oxc, code, filename, options);
  cache?.set(OXC_CACHE_KIND, key, result.code);
  return result;
}

async function compile(
  oxc: Oxc,
  code: string,
  filename: string,
  options: RefreshTransformOptions,
): Promise<RefreshTransformResult> {
  const oxcOptions: OxcTransformOptions = {
    lang: langFor(filename),
    sourceType: "module",
    sourcemap: options.sourcemap,
    ...(options.define && Object.keys(options.define).length > 0
      ? { define: options.define }
      : {}),
    jsx: {
      ...(options.jsx ??
        { runtime: "automatic", importSource: options.jsxImportSource }),
      refresh: options.refresh,
    },
  };
  // Only a large input goes to Oxc's thread pool: for the many small ones
  // of a first start (10,000 modules) the pool was no faster and kept ~90 MB
  // more resident.
  const result = code.length >= ASYNC_THRESHOLD
    ? await oxc.transform(filename, code, oxcOptions)
    : oxc.transformSync(filename, code, oxcOptions);

  const errors = result.errors.filter((e) => e.severity === "Error");
  if (errors.length > 0) throw toTransformError(errors, code, filename);

  if (!options.sourcemap || result.map === undefined) {
    return { code: result.code };
  }
  const map = JSON.stringify(withDefaultSources(result.map, filename));
  const base64 = new TextEncoder().encode(map).toBase64();
  const separator = result.code.endsWith("\n") ? "" : "\n";
  return {
    code: `${result.code}${separator}` +
      `//# sourceMappingURL=data:application/json;base64,${base64}\n`,
    map,
  };
}

const SOURCE_MAP_COMMENT =
  "\n//# sourceMappingURL=data:application/json;base64,";

/**
 * A cached output as {@linkcode transformWithRefresh} returns it: the map,
 * when asked for, is read back from the inline comment only if used.
 */
function resultFromCode(
  code: string,
  sourcemap: boolean,
): RefreshTransformResult {
  const result: RefreshTransformResult = { code };
  if (!sourcemap) return result;
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  if (at < 0) return result;
  let map: string | undefined;
  Object.defineProperty(result, "map", {
    enumerable: true,
    get: () =>
      map ??= new TextDecoder().decode(
        Uint8Array.fromBase64(
          code.slice(at + SOURCE_MAP_COMMENT.length).trimEnd(),
        ),
      ),
  });
  return result;
}

function langFor(filename: string): Lang {
  const path = filename.replace(/[?#].*$/s, "");
  if (/\.[mc]?ts$/i.test(path)) return "ts";
  if (/\.tsx$/i.test(path)) return "tsx";
  // Plain .js may hold JSX in Preact/React apps; JSX syntax is a superset.
  return "jsx";
}

function withDefaultSources(
  map: OxcSourceMap,
  filename: string,
): OxcSourceMap {
  if (map.sources.length > 0) return map;
  return { ...map, sources: [filename] };
}

function toTransformError(
  errors: OxcError[],
  code: string,
  filename: string,
): RefreshTransformError {
  const first = errors[0];
  const { line, column } = locate(first, code);
  const more = errors.length > 1
    ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})`
    : "";
  const help = first.helpMessage ? `. ${first.helpMessage}` : "";
  return new RefreshTransformError(
    filename,
    line,
    column,
    `${first.message}${help}${more}`,
    first.codeframe?.replace(/^\n+/, "") || undefined,
  );
}

/** Oxc labels are UTF-8 byte offsets; turn the first into line/column. */
function locate(error: OxcError, code: string): {
  line: number;
  column: number;
} {
  const label = error.labels[0];
  if (label !== undefined) {
    const bytes = new TextEncoder().encode(code);
    const start = Math.min(Math.max(label.start, 0), bytes.length);
    const before = new TextDecoder().decode(bytes.subarray(0, start));
    const lines = before.split(/\r\n|\r|\n|\u2028|\u2029/);
    return { line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
  // No label: fall back to the frame header, `,-[file:line:column]`.
  const header = error.codeframe?.match(/\[[^\]\n]*:(\d+):(\d+)\]/);
  if (header) return { line: Number(header[1]), column: Number(header[2]) };
  return { line: 1, column: 1 };
}
