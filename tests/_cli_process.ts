/**
 * A BananaJS CLI started as a real subprocess (`deno run … mod.ts dev`, an
 * installed `banana dev`, …): waits for its banner and reads its URL.
 *
 * @module
 */

/** A running CLI. */
export interface CliProcess {
  /** The `Local:` URL from the banner. */
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** The launcher's process. */
  child: Deno.ChildProcess;
  /** Stops it (SIGTERM) and waits for it to exit; returns the exit code. */
  stop(): Promise<number>;
}

/** Options of {@linkcode startCli}. */
export interface StartCliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** How long to wait for the banner. Defaults to 60 s (a cold cache downloads). */
  timeout?: number;
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
  readers: ReadableStreamDefaultReader<Uint8Array>[],
): Promise<void> {
  const reader = stream.getReader();
  readers.push(reader);
  const decoder = new TextDecoder();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      onText(decoder.decode(value, { stream: true }));
    }
  } catch { /* closed */ }
}

/**
 * Starts `command args…` and resolves once it printed `➜ Local: <url>`;
 * rejects with its output when it exits first or the timeout passes.
 *
 * @example
 * ```ts
 * const cli = await startCli(Deno.execPath(), ["run", "-A", "mod.ts", "dev", "app", "--port", "0"]);
 * await fetch(cli.url);
 * await cli.stop();
 * ```
 */
export async function startCli(
  command: string,
  args: string[],
  options: StartCliOptions = {},
): Promise<CliProcess> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let exited = false;
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  const drained = Promise.all([
    drain(child.stdout, (t) => text += t, readers),
    drain(child.stderr, (t) => text += t, readers),
  ]);
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    }
    const { code } = await status;
    // A process it started may still hold the pipes open: stop reading
    // after a moment rather than wait for it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      drained,
      new Promise((resolve) => timer = setTimeout(resolve, 2000)),
    ]);
    clearTimeout(timer);
    for (const reader of readers) await reader.cancel().catch(() => {});
    return code;
  };
  const deadline = Date.now() + (options.timeout ?? 60_000);
  while (true) {
    const url = /Local:\s+(\S+)/.exec(text)?.[1];
    if (url) return { url, output: () => text, child, stop };
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `${command} ${args.join(" ")} ${
          exited ? "exited" : "printed no URL in time"
        }:\n${text}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
