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
import { bracketDepth } from "./bracket_depth.ts";
import { BananaError } from "./errors.ts";
import { LineProcess, LineProcessError } from "./line_process.ts";
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

/**
 * Inputs at least this long, or whose brackets nest at least
 * {@linkcode ISOLATE_DEPTH} deep, are compiled in a process of their own
 * (`server/oxc_compile_worker.ts`): Oxc recurses on the native stack and a
 * deep enough input aborts the whole process ("stack overflow"), not just
 * the compile. Measured on Deno's main thread (8 MB stack), Oxc 0.151:
 * brackets abort between 5000 and 6000 levels, a chain of conditionals
 * between 8000 and 16,000 (32–64 KB of `a?b:`), chains of binary
 * operators, calls, member reads or `!` past 32,000 (64 KB); on a thread
 * of `deno test` (a smaller stack) brackets abort at ~2000 and
 * conditionals below 4000. An app's modules are almost all below both
 * bounds and never pay for the process.
 */
const ISOLATE_LENGTH = 32 * 1024;
/** See {@linkcode ISOLATE_LENGTH}. */
const ISOLATE_DEPTH = 256;

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
  /**
   * Compile in this process whatever the input's size and nesting: for
   * trusted inputs (the server's own client files), which then never start
   * the isolated compiler process (see {@linkcode ISOLATE_LENGTH}).
   */
  inProcess?: boolean;
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
  const { cache, inProcess: _, ...settings } = options;
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
  if (
    !options.inProcess &&
    (code.length >= ISOLATE_LENGTH ||
      bracketDepth(code, ISOLATE_DEPTH) >= ISOLATE_DEPTH)
  ) {
    const isolated = await compileIsolated(code, filename, options);
    if (isolated) return isolated;
  }
  return compileHere(oxc, code, filename, options);
}

/**
 * {@linkcode transformWithRefresh} in this process, without its cache: what
 * the isolated compiler process runs (`server/oxc_compile_worker.ts`).
 *
 * @throws {RefreshTransformError} When the module does not compile.
 */
export async function transformHere(
  code: string,
  filename: string,
  options: Omit<RefreshTransformOptions, "cache">,
): Promise<RefreshTransformResult> {
  return compileHere(await loadOxc(), code, filename, options);
}

function compileHere(
  oxc: Oxc,
  code: string,
  filename: string,
  options: Omit<RefreshTransformOptions, "cache">,
): RefreshTransformResult {
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
  // Oxc's thread pool (`transform`) was no faster for the many small inputs
  // of a first start (10,000 modules) and kept ~90 MB more resident; large
  // inputs run in the isolated process, off this thread, anyway.
  const result = oxc.transformSync(filename, code, oxcOptions);

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

/** A request to the isolated compiler process. */
export interface IsolatedCompileRequest {
  code: string;
  filename: string;
  options: Omit<RefreshTransformOptions, "cache">;
}

/** Its reply: the result, the compile error's fields, or another error's message. */
export type IsolatedCompileReply =
  | { result: RefreshTransformResult }
  | { failure: string }
  | {
    error: {
      file: string;
      line: number;
      column: number;
      reason: string;
      frame?: string;
    };
  };

const WORKER_URL = new URL("./oxc_compile_worker.ts", import.meta.url).href;

let isolatedProcess:
  | LineProcess<IsolatedCompileRequest, IsolatedCompileReply>
  | null = null;
/** One compile at a time: a crash is then the fault of one input only. */
let isolatedQueue: Promise<unknown> = Promise.resolve();
/** False once the process could not be started (no `--allow-run`). */
let canIsolate = true;
/** Compiles asked of the isolated process and not yet answered. */
let inFlight = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
/** How long the isolated process is kept after its last compile. */
const ISOLATED_IDLE_MS = 10_000;

/**
 * Compiles in the isolated process; null when that process cannot start
 * (the caller compiles here, as before).
 *
 * @throws {RefreshTransformError} When the module does not compile.
 * @throws {BananaError} When Oxc crashed on it (its process ended).
 */
function compileIsolated(
  code: string,
  filename: string,
  options: RefreshTransformOptions,
): Promise<RefreshTransformResult | null> {
  const { cache: _, inProcess: __, ...settings } = options;
  const turn = isolatedQueue.then(async () => {
    if (!canIsolate) return null;
    let process = isolatedProcess;
    if (!process) {
      try {
        process = new LineProcess({
          name: "the isolated Oxc compiler",
          script: WORKER_URL,
          // What Oxc's native binding needs, nothing more.
          allow: ["--allow-read", "--allow-env", "--allow-ffi", "--allow-sys"],
        });
      } catch {
        canIsolate = false;
        return null;
      }
      const started = process;
      isolatedProcess = started;
      // A crash is not repeated: the next input starts a new process.
      started.ended.then(() => {
        if (isolatedProcess === started) isolatedProcess = null;
      });
    }
    let reply: IsolatedCompileReply;
    try {
      reply = await process.request({ code, filename, options: settings });
    } catch (err) {
      if (!(err instanceof LineProcessError)) throw err;
      if (err.code === "failed-to-start") {
        canIsolate = false;
        return null;
      }
      throw new BananaError({
        message:
          `${filename}: Oxc crashed on this file${
            err.stderr ? ` (${err.stderr})` : ""
          }: it cannot compile code nested thousands of levels deep ` +
          `(brackets, conditionals, operator chains)`,
        id: filename,
        plugin: "oxc",
      });
    }
    if ("result" in reply) return reply.result;
    if ("failure" in reply) throw new Error(reply.failure);
    const { file, line, column, reason, frame } = reply.error;
    throw new RefreshTransformError(file, line, column, reason, frame);
  });
  isolatedQueue = turn.catch(() => {});
  inFlight++;
  clearTimeout(idleTimer);
  turn.finally(() => {
    if (--inFlight > 0) return;
    // Its ~55 MB are not kept for an app that compiles such a module once.
    const timer = setTimeout(
      () => void stopIsolatedCompiler(),
      ISOLATED_IDLE_MS,
    );
    Deno.unrefTimer(timer);
    idleTimer = timer;
  }).catch(() => {});
  return turn;
}

/** Whether the isolated compiler process runs (for tests). */
export function isolatedCompilerRunning(): boolean {
  return isolatedProcess !== null;
}

/**
 * Ends the isolated compiler process, if one runs (when the last server
 * closes).
 */
export async function stopIsolatedCompiler(): Promise<void> {
  clearTimeout(idleTimer);
  const process = isolatedProcess;
  isolatedProcess = null;
  await process?.stop();
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
