/**
 * Runs the dev server as users do: the CLI as a subprocess in the app's
 * folder. Server code of the app then runs in that process, never in the
 * test's (the app's packages stay out of our lockfile: `--no-lock`). A
 * server can be killed like a crashed process and started again on the
 * same port.
 *
 * @module
 */

import { join } from "node:path";
import { waitFor } from "./_wait.ts";

const REPO = join(import.meta.dirname!, "..");

/** A dev server process and its terminal output. */
export interface CliServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The process id (the same one across edits: no restart). */
  pid: number;
  /** Every line the server printed, oldest first. */
  readonly lines: string[];
  /** Resolves once a printed line matches `pattern` (after `from` lines). */
  waitForLine(pattern: RegExp, from?: number): Promise<string>;
  close(): Promise<void>;
  /** Kills the process with SIGKILL (no clean shutdown) and waits for it. */
  kill(): Promise<void>;
}

/** Options of {@linkcode startCliServer}. */
export interface CliServerOptions {
  /** Listen on this port, exiting if it is taken (default: a free one). */
  port?: number;
}

/**
 * Starts `mod.ts dev` in `root` on a free port and waits until it listens.
 *
 * @example
 * ```ts
 * await using dev = await startCliServer(app.root);
 * const page = await fetch(dev.url);
 * ```
 */
export async function startCliServer(
  root: string,
  args: string[] = [],
  options: CliServerOptions = {},
): Promise<CliServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-lock",
      "--config",
      join(REPO, "deno.json"),
      join(REPO, "mod.ts"),
      "dev",
      "--port",
      String(options.port ?? 0),
      ...(options.port ? ["--strict-port"] : []),
      ...args,
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      rest += decoder.decode(bytes, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
      if (Deno.env.get("BANANA_TEST_LOG")) {
        for (const line of parts) console.log(`[cli] ${line}`);
      }
    }
    if (rest) lines.push(rest);
  };
  const pumping = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const waitForLine = async (pattern: RegExp, from = 0) => {
    await waitFor(() => lines.slice(from).some((line) => pattern.test(line)), {
      timeout: 30_000,
      message: () =>
        `no server line matched ${pattern}; lines:\n${lines.join("\n")}`,
    });
    return lines.slice(from).find((line) => pattern.test(line))!;
  };
  let closed = false;
  const stop = async (signal: Deno.Signal) => {
    if (closed) return;
    closed = true;
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    await child.status;
    await pumping;
  };
  const close = () => stop("SIGTERM");
  try {
    const local = await waitForLine(/Local:\s+http:\/\/\S+/);
    const url = /http:\/\/\S+/.exec(local)![0].replace(
      "localhost",
      "127.0.0.1",
    );
    return {
      url,
      port: Number(new URL(url).port),
      pid: child.pid,
      lines,
      waitForLine,
      close,
      kill: () => stop("SIGKILL"),
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
