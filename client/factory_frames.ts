/**
 * Stack frames of factories that a bundle script holds as real functions,
 * told in the coordinates of the module each came from.
 *
 * A dev bundle carries its modules' factories as functions in its own
 * source (so Chromium parses them once and keeps their code in its cache
 * between loads, which per-module `eval` cannot). A frame inside one would
 * read `at render (<origin>/@banana/bundle/src/main.ts:8226:12)`; V8 lets a
 * page format its stack traces (`Error.prepareStackTrace`), and
 * {@linkcode FactoryFrames} rewrites such a location to the module's real
 * URL, line and column, `at render (<origin>/src/m17.ts:5:12)`, as `eval`
 * with a `sourceURL` did. Devtools map the bundle with its index source map
 * instead. Other engines have no such hook: their traces name the bundle.
 *
 * @module
 */

/** A V8 call site (the part of its API used here). */
export interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

type PrepareStackTrace = (error: unknown, frames: CallSite[]) => unknown;

/** The factories of one script, in the order of their lines. */
interface ScriptFactories {
  /** Line (1-based) each factory's body starts on. */
  readonly lines: number[];
  /** UTF-16 units before the body on its first line. */
  readonly columns: number[];
  /** Lines each body spans. */
  readonly lineCounts: number[];
  /** The module URL each factory stands for (origin + id). */
  readonly urls: string[];
}

/**
 * Where the factories of bundle scripts lie, and the stack formatting
 * that names their modules.
 *
 * @example
 * ```ts
 * import { FactoryFrames } from "./factory_frames.ts";
 *
 * const frames = new FactoryFrames();
 * // A factory of /src/a.ts whose body starts at line 3, after 40 units.
 * frames.add("http://localhost/@banana/bundle/src/main.ts", "http://localhost/src/a.ts", 3, 40, 2);
 * frames.locate("http://localhost/@banana/bundle/src/main.ts", 4, 7);
 * // "http://localhost/src/a.ts:2:7"
 * ```
 */
export class FactoryFrames {
  readonly #scripts = new Map<string, ScriptFactories>();
  readonly #formatsStacks: boolean;
  #installed = false;

  /**
   * With `formatStacks`, the first factory added makes this page's stack
   * traces go through {@linkcode FactoryFrames.format} (V8 only).
   */
  constructor(options: { formatStacks?: boolean } = {}) {
    this.#formatsStacks = options.formatStacks ?? false;
  }

  /**
   * Records that script `script` holds the factory of `url`, its body
   * starting at `line` after `column` UTF-16 units and spanning
   * `lineCount` lines. Factories of a script are added top to bottom.
   */
  add(
    script: string,
    url: string,
    line: number,
    column: number,
    lineCount: number,
  ): void {
    let factories = this.#scripts.get(script);
    if (!factories) {
      factories = { lines: [], columns: [], lineCounts: [], urls: [] };
      this.#scripts.set(script, factories);
      if (this.#formatsStacks) this.#install();
    }
    factories.lines.push(line);
    factories.columns.push(column);
    factories.lineCounts.push(lineCount);
    factories.urls.push(url);
  }

  /**
   * `url:line:column` of the module at position `line`:`column` (1-based,
   * as V8 reports them) of `script`, or null when no factory body is
   * there (the script's own code, another script).
   */
  locate(script: string, line: number, column: number): string | null {
    const factories = this.#scripts.get(script);
    if (!factories) return null;
    const { lines, columns, lineCounts, urls } = factories;
    let low = 0;
    let high = lines.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (lines[mid] <= line) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (found < 0) return null;
    const first = lines[found];
    if (line >= first + lineCounts[found]) return null;
    if (line === first && column <= columns[found]) return null;
    const moduleColumn = line === first ? column - columns[found] : column;
    return `${urls[found]}:${line - first + 1}:${moduleColumn}`;
  }

  /** Formats one frame as V8 does, with a factory's location mapped. */
  #frameText(frame: CallSite): string {
    const text = frame.toString();
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (!file || line === null || column === null) return text;
    const mapped = this.locate(file, line, column);
    if (mapped === null) return text;
    const location = `${file}:${line}:${column}`;
    const at = text.lastIndexOf(location);
    if (at < 0) return text;
    return text.slice(0, at) + mapped + text.slice(at + location.length);
  }

  /**
   * A stack trace as V8 writes it by default (`Error: message` and a line
   * `    at …` per frame), each factory frame naming its module.
   */
  format(error: unknown, frames: readonly CallSite[]): string {
    let text: string;
    try {
      text = Error.prototype.toString.call(error);
    } catch {
      text = "Error";
    }
    for (const frame of frames) {
      let frameText: string;
      try {
        frameText = this.#frameText(frame);
      } catch {
        frameText = "<error>";
      }
      text += `\n    at ${frameText}`;
    }
    return text;
  }

  /**
   * Formats the page's stack traces with {@linkcode FactoryFrames.format}
   * (V8 only). A formatter the page had already set keeps the job.
   */
  #install(): void {
    if (this.#installed) return;
    this.#installed = true;
    const errorClass = Error as unknown as {
      captureStackTrace?: unknown;
      prepareStackTrace?: PrepareStackTrace;
    };
    if (typeof errorClass.captureStackTrace !== "function") return;
    if (errorClass.prepareStackTrace !== undefined) return;
    errorClass.prepareStackTrace = (error, frames) =>
      this.format(error, frames);
  }
}

/** The frames of every bundle script of this page; it formats its stacks. */
export const factoryFrames: FactoryFrames = new FactoryFrames({
  formatStacks: true,
});
