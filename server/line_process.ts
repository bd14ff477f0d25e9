/**
 * A helper process spoken to in JSON lines: each request is one line
 * `{ id, ...request }` on its stdin, each reply one line `{ id, ...reply }`
 * on its stdout. Its first line says whether it could start: `{ ready:
 * true }`, or `{ failed: message }`. {@linkcode LineProcess} is the
 * server's side, {@linkcode serveLineRequests} the helper's. The Sass compiler
 * (`server/sass_compiler.ts`) and the isolated Oxc compiler
 * (`server/oxc_compile.ts`) run in such processes: code the server must
 * not load, or must not crash with.
 *
 * @module
 */

/** Why a request to a {@linkcode LineProcess} got no reply. */
export type LineProcessErrorCode =
  /** The process could not start (its `{ failed }` line). */
  | "failed-to-start"
  /** The process ended (exited, crashed, or was stopped) before replying. */
  | "ended";

/** A request that got no reply: the process failed to start, or ended. */
export class LineProcessError extends Error {
  /** Which of the two. */
  readonly code: LineProcessErrorCode;
  /** The first line the process wrote to stderr ("" for none). */
  readonly stderr: string;

  /** An error of `code` with `message` and the process's first stderr line. */
  constructor(code: LineProcessErrorCode, message: string, stderr: string) {
    super(message);
    this.name = "LineProcessError";
    this.code = code;
    this.stderr = stderr;
  }
}

/** How to start a {@linkcode LineProcess}. */
export interface LineProcessOptions {
  /** What the process is, for messages: "the Sass compiler". */
  name: string;
  /** The worker script's URL (it serves with {@linkcode serveLineRequests}). */
  script: string;
  /** Its arguments. */
  scriptArgs?: string[];
  /** Its permission flags (`--allow-read`, …): it gets no others. */
  allow: string[];
}

type Waiter = {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (error: Error) => void;
};

/**
 * One started helper process and its pending requests.
 *
 * @example
 * ```ts ignore
 * import { LineProcess } from "./line_process.ts";
 *
 * const helper = new LineProcess<{ text: string }, { upper: string }>({
 *   name: "the upper-caser",
 *   script: new URL("./upper_worker.ts", import.meta.url).href,
 *   allow: [],
 * });
 * const { upper } = await helper.request({ text: "a" });
 * await helper.stop();
 * ```
 */
export class LineProcess<Request extends object, Reply extends object> {
  readonly #name: string;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<number, Waiter>();
  readonly #ready: Promise<void>;
  #nextId = 1;
  #stderr = "";
  /** Settles once the process has ended (after any pending request failed). */
  readonly ended: Promise<void>;

  /**
   * Starts the process: the script runs without a config or lockfile, so
   * what it loads never enters the server's `deno.lock`.
   */
  constructor(options: LineProcessOptions) {
    this.#name = options.name;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        "--quiet",
        ...options.allow,
        options.script,
        ...options.scriptArgs ?? [],
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const ready = Promise.withResolvers<void>();
    this.#ready = ready.promise;
    // Settled by the first line; a process that dies first rejects it.
    this.#ready.catch(() => {});
    const stderr = this.#readStderr();
    const replies = this.#readReplies(ready);
    this.ended = Promise.all([replies, stderr, this.#child.status]).then(
      () => {
        const reason = this.#error("ended", `${this.#name} process ended`);
        ready.reject(reason);
        for (const waiter of this.#pending.values()) waiter.reject(reason);
        this.#pending.clear();
      },
    );
  }

  /** Sends `request`; resolves with its reply (without its `id`). */
  async request(request: Request): Promise<Reply> {
    await this.#ready;
    const id = this.#nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    try {
      await this.#writer.write(
        new TextEncoder().encode(JSON.stringify({ ...request, id }) + "\n"),
      );
    } catch {
      // The process is gone: `ended` rejects the reply.
    }
    const { id: _, ...rest } = await reply;
    return rest as Reply;
  }

  /** Ends the process; pending requests fail with an `"ended"` error. */
  async stop(): Promise<void> {
    await this.#writer.close().catch(() => {});
    try {
      this.#child.kill();
    } catch { /* already ended */ }
    await this.ended;
  }

  #error(code: LineProcessErrorCode, message: string): LineProcessError {
    const first = this.#stderr.trim().split("\n")[0] ?? "";
    return new LineProcessError(
      code,
      first ? `${message}: ${first}` : message,
      first,
    );
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoderStream();
    for await (const chunk of this.#child.stderr.pipeThrough(decoder)) {
      // Keep the start: that is where Deno says what went wrong.
      if (this.#stderr.length < 4000) this.#stderr += chunk;
    }
  }

  async #readReplies(ready: PromiseWithResolvers<void>): Promise<void> {
    let buffered = "";
    const decoder = new TextDecoderStream();
    for await (const chunk of this.#child.stdout.pipeThrough(decoder)) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let reply: Record<string, unknown>;
        try {
          reply = JSON.parse(line);
        } catch {
          continue; // Not ours (a stray print of the loaded code).
        }
        if (reply.ready === true) ready.resolve();
        else if (typeof reply.failed === "string") {
          ready.reject(
            new LineProcessError("failed-to-start", reply.failed, ""),
          );
        } else if (typeof reply.id === "number") {
          const waiter = this.#pending.get(reply.id);
          this.#pending.delete(reply.id);
          waiter?.resolve(reply);
        }
      }
    }
  }
}

async function writeLine(value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(value) + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

/**
 * The helper's side of a {@linkcode LineProcess}: runs `start` (a throw is
 * the `{ failed }` line, and the process exits), says it is ready, then
 * answers each request line with `answer`'s reply, one at a time, in order.
 *
 * @example
 * ```ts ignore
 * import { serveLineRequests } from "./line_process.ts";
 *
 * await serveLineRequests(
 *   async () => {},
 *   async (request: { text: string }) => ({ upper: request.text.toUpperCase() }),
 * );
 * ```
 */
export async function serveLineRequests<
  Request extends object,
  Reply extends object,
>(
  start: () => Promise<void>,
  answer: (request: Request) => Promise<Reply>,
): Promise<void> {
  try {
    await start();
  } catch (err) {
    await writeLine({
      failed: err instanceof Error ? err.message : String(err),
    });
    Deno.exit(1);
  }
  await writeLine({ ready: true });
  let buffered = "";
  for await (
    const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  ) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() === "") continue;
      const { id, ...request } = JSON.parse(line) as Request & { id: number };
      await writeLine({ ...await answer(request as Request), id });
    }
  }
}
