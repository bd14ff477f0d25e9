/**
 * Compiling Sass with the app's own `sass` package, in a process of its own
 * (`server/sass_worker.ts`): that process imports the package the app's
 * import map names, with no config and no lockfile, so the app's compiler
 * (any version it pins) is never written into the dev server's `deno.lock`
 * and never loaded into the server. One process per package specifier,
 * started on the first `.scss` and kept for the next ones (an edit compiles
 * in milliseconds); {@linkcode stopSassCompilers} ends them.
 *
 * @module
 */

import type { ImportMap } from "./import_map.ts";
import { LineProcess } from "./line_process.ts";

/** What one compile is asked to do. */
export interface SassCompileRequest {
  /** The stylesheet's absolute path (relative `@use`s resolve from it). */
  file: string;
  source: string;
  /** `scss`, or `indented` for `.sass` files. */
  syntax: "scss" | "indented";
  /** Folders `@use "name"` also looks in (the app's root). */
  loadPaths: string[];
  /** The app's import map: `@use "pkg/x"` reads npm packages through it. */
  importMap: ImportMap;
}

/** A compiled stylesheet. */
export interface SassCompiled {
  css: string;
  /** Every file read, the stylesheet itself included. */
  loadedFiles: string[];
  /** Sass's warnings (deprecations, `@warn`). */
  warnings: string[];
}

/** Where Sass stopped. */
export interface SassFailure {
  message: string;
  /** The file the error is in (a partial, maybe). */
  file: string;
  /** 1-based, when Sass knows it. */
  line?: number;
  /** 1-based, when Sass knows it. */
  column?: number;
}

/** A compile that Sass refused (its error), as opposed to a crash. */
export class SassCompileError extends Error {
  readonly failure: SassFailure;
  constructor(failure: SassFailure) {
    super(failure.message);
    this.name = "SassCompileError";
    this.failure = failure;
  }
}

type Reply =
  | { css: string; loadedFiles: string[]; warnings: string[] }
  | { error: SassFailure };

const WORKER_URL = new URL("./sass_worker.ts", import.meta.url).href;

/** One compiler process for one `sass` specifier. */
class SassProcess {
  readonly #process: LineProcess<SassCompileRequest, Reply>;
  /** Set once the process has ended (or failed to load the package). */
  readonly ended: Promise<void>;

  constructor(spec: string) {
    this.#process = new LineProcess({
      name: "the Sass compiler",
      script: WORKER_URL,
      scriptArgs: [spec],
      allow: [
        "--allow-read",
        "--allow-env",
        // `deno info`, which fetches a package `@use`d from npm.
        `--allow-run=${Deno.execPath()}`,
      ],
    });
    this.ended = this.#process.ended;
  }

  async compile(request: SassCompileRequest): Promise<SassCompiled> {
    const reply = await this.#process.request(request);
    if ("error" in reply) throw new SassCompileError(reply.error);
    return reply;
  }

  stop(): Promise<void> {
    return this.#process.stop();
  }
}

const processes = new Map<string, SassProcess>();

/**
 * Compiles a Sass stylesheet with the `sass` package `spec` names (an
 * `npm:` specifier from the app's import map).
 *
 * @throws {SassCompileError} for an error in the stylesheet (with its file,
 * line and column); an `Error` when the package cannot be loaded.
 *
 * @example
 * ```ts
 * const { css } = await compileSass("npm:sass@1.108.2", {
 *   file: "/app/src/app.scss", source: "$c: red; a { color: $c }",
 *   syntax: "scss", loadPaths: ["/app"],
 *   importMap: { imports: {}, scopes: {} },
 * });
 * ```
 */
export async function compileSass(
  spec: string,
  request: SassCompileRequest,
): Promise<SassCompiled> {
  let process = processes.get(spec);
  if (!process) {
    const started = new SassProcess(spec);
    processes.set(spec, started);
    // The next compile starts a new one (a package that failed to load
    // may load after a fix of the import map, a crash is not repeated).
    started.ended.then(() => {
      if (processes.get(spec) === started) processes.delete(spec);
    });
    process = started;
  }
  return await process.compile(request);
}

/** Ends every Sass compiler process (when the last server closes). */
export async function stopSassCompilers(): Promise<void> {
  const running = [...processes.values()];
  processes.clear();
  await Promise.all(running.map((process) => process.stop()));
}

/**
 * How many Sass compiler processes are running (for tests: the last
 * server's close ends them all).
 */
export function runningSassCompilers(): number {
  return processes.size;
}
