/**
 * The text of a dev bundle script (`server/dev_bundle.ts`), written one
 * module definition at a time: a head that imports the page's module
 * registry, a definition per module factory, and a tail that registers the
 * externals the factories import and (for a page's bundle) imports the
 * entry through the registry.
 *
 * The head names nothing that depends on the modules, so a bundle can be
 * sent while its modules are still being built: Chromium compiles a module
 * script as its bytes arrive (10,000 modules: from the end of the body to
 * the rendered page ~350 → ~190 ms when the same bytes are spread over the
 * load), and the externals' import declarations hoist from the tail.
 *
 * @module
 */

import { MODULE_REGISTRY_URL } from "./module_urls.ts";
import { FACTORY_PARAMETER } from "../client/registry_factory.ts";
import type { ModuleFactory } from "./module_factories.ts";

/** Where each factory body of a script starts. */
export interface ScriptLayout {
  /** The factories held as functions, in script order. */
  factories: ModuleFactory[];
  /** 0-based line of each one's body. */
  lines: number[];
  /** UTF-16 units before each body on its first line. */
  columns: number[];
}

/** A JS string literal of `value` that adds no line to the script. */
export function scriptString(value: string): string {
  // JSON leaves U+2028 and U+2029 raw; V8 counts them as line breaks.
  return JSON.stringify(value).replace(
    /[\u2028\u2029]/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;
const lineCounts = new WeakMap<ModuleFactory, number>();

/** Lines a factory's function body spans (as V8 counts them). */
function bodyLineCount(factory: ModuleFactory, body: string): number {
  let count = lineCounts.get(factory);
  if (count === undefined) {
    count = 1 + (body.match(LINE_BREAK)?.length ?? 0);
    lineCounts.set(factory, count);
  }
  return count;
}

/**
 * V8's explicit compile hint (Chromium 136 and later; other engines read a
 * comment): the script's functions are compiled with it, not one by one
 * when first called. Every factory of a bundle runs as the page loads, and
 * compiled lazily each was parsed twice (10,000 modules, a first load
 * without code cache: 620 → 460 ms from request to rendered; a warm reload,
 * which runs the cached code, unchanged). Must open the script.
 */
const COMPILE_HINT = "//# allFunctionsCalledOnLoad\n";

/** The head of a factory function in a script, before its body. */
const FUNCTION_HEAD = `async function (${FACTORY_PARAMETER}) {`;
/** The head of a synchronous factory (`server/sync_factories.ts`). */
const SYNC_FUNCTION_HEAD = `function (${FACTORY_PARAMETER}) {`;

/** How a {@linkcode BundleScriptWriter} ends its script. */
export interface ScriptEnd {
  /** Imported natively and registered as externals, before `importEntry`. */
  externals: Iterable<string>;
  /** Imported through the registry once all is defined. */
  importEntry?: string;
  /** The script's source map. */
  mapUrl?: string;
  /** Code run last instead of importing `importEntry`. */
  instead?: string;
}

/** Options of a {@linkcode BundleScriptWriter}. */
export interface BundleScriptWriterOptions {
  /**
   * Hears the script's text as it grows, in pieces of about `chunkSize`
   * UTF-16 units (the last may be shorter).
   */
  onChunk?: (text: string) => void;
  /** Default: 64 Ki units. */
  chunkSize?: number;
}

/**
 * Writes a bundle script: the head at once, then one definition per
 * {@linkcode BundleScriptWriter.define}, then the tail.
 *
 * A factory whose body parses is written as a function (compiled with the
 * script, so Chromium caches its code between loads) with where its body
 * lies, for the registry's stack frames and the script's source map; one
 * that does not parse as a string the page compiles, so the error stays
 * that module's. A later definition of the same module replaces an earlier
 * one of the script before anything runs (the registry's definer allows it
 * within one script): a factory written as a plain function that must
 * wait after all is written again as an async one.
 *
 * @example
 * ```ts
 * import { BundleScriptWriter } from "./bundle_script.ts";
 * import type { ModuleFactory } from "./module_factories.ts";
 * function example(factory: ModuleFactory) {
 *   const writer = new BundleScriptWriter({ onChunk: (text) => console.log(text.length) });
 *   writer.define(factory, "1", false);
 *   const { code, layout } = writer.finish({ externals: [], importEntry: factory.id });
 *   console.log(code.length, layout.lines);
 * }
 * ```
 */
export class BundleScriptWriter {
  readonly #parts: string[] = [];
  readonly #layout: ScriptLayout = { factories: [], lines: [], columns: [] };
  readonly #onChunk: ((text: string) => void) | null;
  readonly #chunkSize: number;
  /** Parts not yet given to onChunk, and their length. */
  #unsent = 0;
  #unsentLength = 0;
  /** 0-based line of the next part. */
  #line = 0;
  #finished = false;

  /** A script of its head alone. */
  constructor(options: BundleScriptWriterOptions = {}) {
    this.#onChunk = options.onChunk ?? null;
    this.#chunkSize = options.chunkSize ?? 64 * 1024;
    this.#push(COMPILE_HINT);
    this.#push(
      `import { registry } from ${scriptString(MODULE_REGISTRY_URL)};\n`,
    );
    this.#push("const __d = registry.definer(import.meta.url);\n");
    this.#line = 3;
  }

  /** Adds the definition of `factory` at `version`, as a plain function with `sync`. */
  define(factory: ModuleFactory, version: string, sync: boolean): void {
    if (this.#finished) throw new Error("the bundle script is finished");
    const head = `__d(${scriptString(factory.id)}, ${scriptString(version)}, `;
    const body = factory.functionBody;
    if (body === null) {
      this.#push(`${head}${scriptString(factory.code)});\n`);
      this.#line++;
      this.#flushIfFull();
      return;
    }
    const isSync = sync && factory.syncBody !== null;
    const functionHead = isSync ? SYNC_FUNCTION_HEAD : FUNCTION_HEAD;
    const column = head.length + functionHead.length;
    // The head of a body is one line: both forms span the same lines.
    const lines = bodyLineCount(factory, body);
    this.#push(head);
    this.#push(functionHead);
    this.#push(isSync ? factory.syncBody! : body);
    this.#push(
      `\n}, ${this.#line + 1}, ${column}, ${lines}${isSync ? ", 1" : ""});\n`,
    );
    this.#layout.factories.push(factory);
    this.#layout.lines.push(this.#line);
    this.#layout.columns.push(column);
    this.#line += lines + 1;
    this.#flushIfFull();
  }

  /** Writes the tail; returns the whole script and its layout. */
  finish(end: ScriptEnd): { code: string; layout: ScriptLayout } {
    if (this.#finished) throw new Error("the bundle script is finished");
    let n = 0;
    for (const id of end.externals) {
      const literal = scriptString(id);
      this.#push(
        `import * as __x${n} from ${literal};registry.external(${literal}, __x${n});\n`,
      );
      n++;
    }
    if (end.instead !== undefined) this.#push(end.instead);
    else if (end.importEntry !== undefined) {
      this.#push(`await registry.import(${scriptString(end.importEntry)});\n`);
    }
    if (end.mapUrl) this.#push(`//# sourceMappingURL=${end.mapUrl}\n`);
    this.#finished = true;
    this.#flush();
    return { code: this.#parts.join(""), layout: this.#layout };
  }

  #push(part: string): void {
    this.#parts.push(part);
    this.#unsent++;
    this.#unsentLength += part.length;
  }

  #flushIfFull(): void {
    if (this.#unsentLength >= this.#chunkSize) this.#flush();
  }

  #flush(): void {
    if (this.#unsent === 0) return;
    if (this.#onChunk === null) {
      this.#unsent = 0;
      this.#unsentLength = 0;
      return;
    }
    const from = this.#parts.length - this.#unsent;
    this.#unsent = 0;
    this.#unsentLength = 0;
    this.#onChunk(this.#parts.slice(from).join(""));
  }
}
