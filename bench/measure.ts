/**
 * Measurement helpers for benchmarking dev servers: bounded waits, epoch
 * clocks shared between Deno and the page, server processes and their
 * resident memory, page loads until an app has rendered, and HMR edits
 * observed in the page by a `MutationObserver`.
 *
 * Every wait here is bounded by a timeout, so a benchmark built from these
 * helpers never hangs on a broken server.
 *
 * The page-side helpers expect an app whose entry sets
 * `document.body.dataset.rendered = "1"` and `dataset.renderedAt` (epoch ms)
 * after each render into `#app`, as the app from `generate_app.ts` does.
 *
 * @example Usage
 * ```ts ignore
 * import {
 *   installPageProbe,
 *   launchChromium,
 *   loadUntilRendered,
 *   measureEdit,
 *   NavigationCounter,
 *   ServerProcess,
 *   waitForHttpOk,
 * } from "./measure.ts";
 *
 * const server = ServerProcess.start("node", ["vite.js", "--port", "5173"], {
 *   cwd: "/tmp/app",
 * });
 * try {
 *   await waitForHttpOk("http://localhost:5173/", { server });
 *   const browser = await launchChromium();
 *   const context = await browser.newContext();
 *   await installPageProbe(context);
 *   const page = await context.newPage();
 *   const navigations = new NavigationCounter(page);
 *   console.log((await loadUntilRendered(page, "http://localhost:5173/")).ms);
 *   console.log(
 *     await measureEdit(page, navigations, {
 *       file: "/tmp/app/src/m17.ts",
 *       content: "…",
 *       expectedText: "m17:v1",
 *     }),
 *   );
 *   await browser.close();
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @module
 */

import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
} from "playwright-core";
import { BROWSER_ARGS } from "../tests/_browser.ts";

/** Path of the Debian Chromium binary. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Chromium flags that work in this sandboxed environment (the tests' own). */
export const CHROMIUM_ARGS: readonly string[] = BROWSER_ARGS;

/**
 * Returns the current time in epoch milliseconds with sub-millisecond
 * resolution: `performance.timeOrigin + performance.now()`, the same
 * expression the page uses, so Deno and page timestamps can be subtracted.
 *
 * @example Usage
 * ```ts
 * import { epochNow } from "./measure.ts";
 * const t0 = epochNow();
 * ```
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example Usage
 * ```ts
 * import { sleep } from "./measure.ts";
 * await sleep(1);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error {@linkcode withTimeout} rejects with when time runs out. */
export class TimeoutError extends Error {
  /** Creates the error for a wait called `label` that took over `ms`. */
  constructor(label: string, ms: number) {
    super(`Timed out after ${ms} ms waiting for ${label}`);
    this.name = "TimeoutError";
  }
}

/**
 * Resolves like `promise`, or rejects with a {@linkcode TimeoutError} after
 * `ms` milliseconds. The underlying operation is not cancelled; a late
 * rejection of `promise` is ignored.
 *
 * @example Usage
 * ```ts
 * import { withTimeout } from "./measure.ts";
 * const value = await withTimeout(Promise.resolve(1), 100, "a value");
 * ```
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  label: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, ms)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Returns a human-readable message for any thrown value: the first line of
 * an error's message, shortened to `max` characters.
 *
 * @example Usage
 * ```ts
 * import { errorMessage } from "./measure.ts";
 * errorMessage(new Error("boom\nstack")); // "boom"
 * ```
 */
export function errorMessage(error: unknown, max = 300): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? text;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Summary statistics of a list of samples. */
export interface Stats {
  /** Number of samples. */
  n: number;
  /** Median (average of the two middle samples for an even count). */
  median: number;
  /** 90th percentile (nearest rank). */
  p90: number;
  /** Smallest sample. */
  min: number;
  /** Largest sample. */
  max: number;
}

/**
 * Returns the `p`-th percentile (0–100) of `samples` by nearest rank, or
 * `NaN` for no samples.
 *
 * @example Usage
 * ```ts
 * import { percentile } from "./measure.ts";
 * percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90); // 9
 * ```
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Returns the median of `samples`, or `NaN` for no samples.
 *
 * @example Usage
 * ```ts
 * import { median } from "./measure.ts";
 * median([3, 1, 2, 10]); // 2.5
 * ```
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Returns count, median, p90, min and max of `samples`.
 *
 * @example Usage
 * ```ts
 * import { stats } from "./measure.ts";
 * stats([5, 1, 3]).median; // 3
 * ```
 */
export function stats(samples: readonly number[]): Stats {
  return {
    n: samples.length,
    median: median(samples),
    p90: percentile(samples, 90),
    min: samples.length === 0 ? NaN : Math.min(...samples),
    max: samples.length === 0 ? NaN : Math.max(...samples),
  };
}

/**
 * The command that starts BananaJS's dev server from this repository for
 * `appDir` on `port` (exactly that port), with `extra` flags.
 *
 * @example Usage
 * ```ts
 * import { bananaDevCommand } from "./measure.ts";
 * const { args } = bananaDevCommand("/tmp/app", 5173, ["--no-bundle"]);
 * args.includes("--strict-port"); // true
 * ```
 */
export function bananaDevCommand(
  appDir: string,
  port: number,
  extra: readonly string[] = [],
): { cmd: string; args: string[]; cwd: string } {
  const repo = new URL("..", import.meta.url).pathname;
  return {
    cmd: Deno.execPath(),
    args: [
      "run",
      "-A",
      `${repo}mod.ts`,
      "dev",
      appDir,
      "--port",
      String(port),
      "--strict-port",
      ...extra,
    ],
    cwd: repo,
  };
}

/**
 * Returns a TCP port that was free on 127.0.0.1 a moment ago.
 *
 * @example Usage
 * ```ts
 * import { freePort } from "./measure.ts";
 * const port = freePort();
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Removes ANSI escape sequences (colors, cursor moves) from `text`.
 *
 * @example Usage
 * ```ts
 * import { stripAnsi } from "./measure.ts";
 * stripAnsi("\x1b[31merror\x1b[0m"); // "error"
 * ```
 */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/** Options for {@linkcode ServerProcess.start}. */
export interface ServerProcessOptions {
  /** Working directory of the process. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How many characters of combined stdout/stderr to keep. Default 64 KiB. */
  logLimit?: number;
}

/** How a {@linkcode ServerProcess} ended. */
export interface ServerExit {
  /** Exit code, or `null` if killed by a signal. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
}

/**
 * A spawned server process whose output is captured (the last
 * `logLimit` characters) and whose whole process tree can be measured and
 * stopped.
 */
export class ServerProcess {
  /** The spawned child. */
  readonly child: Deno.ChildProcess;
  /** Process id of the spawned child (root of the process tree). */
  readonly pid: number;
  /** Epoch ms just before the process was spawned. */
  readonly startedAt: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServerExit>;
  #log = "";
  #logLimit: number;
  #exit: ServerExit | undefined;
  #pumps: Promise<void>[];

  private constructor(
    command: string,
    args: string[],
    options: ServerProcessOptions,
  ) {
    this.#logLimit = options.logLimit ?? 64 * 1024;
    this.startedAt = epochNow();
    this.child = new Deno.Command(command, {
      args,
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.child.pid;
    this.#pumps = [
      this.#pump(this.child.stdout),
      this.#pump(this.child.stderr),
    ];
    this.exited = this.child.status.then((status) => {
      this.#exit = {
        code: status.signal ? null : status.code,
        signal: status.signal,
      };
      return this.#exit;
    });
  }

  /**
   * Spawns `command` with `args`. The epoch time just before spawning is
   * {@linkcode ServerProcess.startedAt}.
   */
  static start(
    command: string,
    args: string[],
    options: ServerProcessOptions = {},
  ): ServerProcess {
    return new ServerProcess(command, args, options);
  }

  /** How the process ended, or `undefined` while it runs. */
  get exit(): ServerExit | undefined {
    return this.#exit;
  }

  /** The captured tail of stdout and stderr, interleaved as it arrived. */
  get log(): string {
    return this.#log;
  }

  /** The last `lines` non-empty lines of output, joined by " | ". */
  logTail(lines = 3): string {
    return stripAnsi(this.#log)
      .split("\n")
      .filter((line) => !/^\s*(Stack backtrace:|\d+: <unknown>)/.test(line))
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .slice(-lines)
      .join(" | ");
  }

  /** Sum of VmRSS over the process tree, in KiB. */
  rssKb(): Promise<number> {
    return processTreeRssKb(this.pid);
  }

  /**
   * Stops the whole process tree: SIGTERM to every process in it, then
   * SIGKILL to whatever is left after `graceMs`. Safe to call twice.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#exit === undefined) {
      await killProcessTree(this.pid, graceMs);
      await withTimeout(this.exited, graceMs + 1000, "the server to exit")
        .catch(() => {});
    }
    await withTimeout(Promise.all(this.#pumps), 1000, "server output")
      .catch(() => {});
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        this.#log += text;
        if (this.#log.length > this.#logLimit) {
          this.#log = this.#log.slice(this.#log.length - this.#logLimit);
        }
      }
    } catch {
      // The stream ends with an error when the process is killed.
    }
  }
}

/** Options for {@linkcode waitForHttpOk}. */
export interface WaitForHttpOkOptions {
  /** Epoch ms to measure from. Defaults to `server.startedAt`, else now. */
  since?: number;
  /** Give up after this many ms. Default 60 000. */
  timeoutMs?: number;
  /** Poll interval in ms. Default 5. */
  intervalMs?: number;
  /** Fail early with the server's output when this process exits. */
  server?: ServerProcess;
}

/** The first 200 answer seen by {@linkcode waitForHttpOk}. */
export interface HttpOk {
  /** ms from `since` until the response headers arrived. */
  ms: number;
  /** The response body. */
  body: string;
}

/**
 * Polls `url` until it answers 200 and returns the ms elapsed since
 * `options.since` (by default the server's spawn time) until the headers
 * arrived, with the body. Throws when the server exits first or the timeout
 * passes.
 *
 * @example Usage
 * ```ts ignore
 * import { waitForHttpOk } from "./measure.ts";
 * const { ms } = await waitForHttpOk("http://localhost:5173/", {
 *   timeoutMs: 5000,
 * });
 * ```
 */
export async function waitForHttpOk(
  url: string,
  options: WaitForHttpOkOptions = {},
): Promise<HttpOk> {
  const since = options.since ?? options.server?.startedAt ?? epochNow();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = since + timeoutMs;
  let lastProblem = "no answer yet";
  while (epochNow() < deadline) {
    const exit = options.server?.exit;
    if (exit !== undefined) {
      const how = exit.signal ? exit.signal : `code ${exit.code}`;
      const tail = options.server?.logTail() || "no output";
      throw new Error(`exited (${how}) before answering 200: ${tail}`);
    }
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(
          Math.max(1, Math.min(5000, deadline - epochNow())),
        ),
      });
      if (response.status === 200) {
        const ms = epochNow() - since;
        return { ms, body: await response.text() };
      }
      await response.body?.cancel();
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = errorMessage(error, 120);
    }
    await sleep(intervalMs);
  }
  throw new TimeoutError(
    `HTTP 200 from ${url} (last: ${lastProblem})`,
    timeoutMs,
  );
}

async function readProcText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/**
 * Returns `rootPid` and all its descendants, found through `/proc/<pid>/stat`.
 *
 * @example Usage
 * ```ts
 * import { processTreePids } from "./measure.ts";
 * (await processTreePids(Deno.pid)).includes(Deno.pid); // true
 * ```
 */
export async function processTreePids(rootPid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await readProcText(`/proc/${entry.name}/stat`);
    if (stat === undefined) continue;
    // Fields after the command name, which is in parentheses and may
    // contain spaces: state ppid ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry.name));
    children.set(ppid, list);
  }
  const pids: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (pids.includes(pid)) continue;
    pids.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return pids;
}

/**
 * Returns the sum of `VmRSS` (KiB) over `rootPid` and its descendants. A
 * process that vanished meanwhile counts as 0.
 *
 * @example Usage
 * ```ts
 * import { processTreeRssKb } from "./measure.ts";
 * (await processTreeRssKb(Deno.pid)) > 0; // true
 * ```
 */
export async function processTreeRssKb(rootPid: number): Promise<number> {
  let total = 0;
  for (const pid of await processTreePids(rootPid)) {
    const status = await readProcText(`/proc/${pid}/status`);
    const match = status?.match(/^VmRSS:\s+(\d+)\s+kB/m);
    if (match) total += Number(match[1]);
  }
  return total;
}

/**
 * Sends SIGTERM to `rootPid` and each descendant (by pid), waits up to
 * `graceMs` for them to disappear, then sends SIGKILL to the survivors.
 *
 * @example Usage
 * ```ts ignore
 * import { killProcessTree } from "./measure.ts";
 * await killProcessTree(child.pid);
 * ```
 */
export async function killProcessTree(
  rootPid: number,
  graceMs = 2000,
): Promise<void> {
  const pids = await processTreePids(rootPid);
  const signal = (pid: number, sig: Deno.Signal) => {
    try {
      Deno.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = epochNow() + graceMs;
  let alive = pids;
  while (alive.length > 0 && epochNow() < deadline) {
    await sleep(25);
    alive = await filterAlive(alive);
  }
  for (const pid of alive) signal(pid, "SIGKILL");
}

async function filterAlive(pids: number[]): Promise<number[]> {
  const alive: number[] = [];
  for (const pid of pids) {
    const stat = await readProcText(`/proc/${pid}/stat`);
    // A zombie ("Z") has exited; its parent just has not reaped it yet.
    if (
      stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
    ) {
      alive.push(pid);
    }
  }
  return alive;
}

/**
 * Launches headless Debian Chromium through `playwright-core` with the flags
 * in {@linkcode CHROMIUM_ARGS}.
 *
 * @example Usage
 * ```ts ignore
 * import { launchChromium } from "./measure.ts";
 * const browser = await launchChromium();
 * await browser.close();
 * ```
 */
export function launchChromium(timeoutMs = 30_000): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    timeout: timeoutMs,
  });
}

/**
 * The page-side probe, installed before any page script runs. It defines
 * `window.__bench.arm(text, token, timeoutMs)`, which marks the window with
 * `token` and starts a `MutationObserver` that records the epoch time at
 * which `#app`'s text first contains `text` in `window.__bench.pending`
 * (a promise of that time, or of `null` after `timeoutMs`).
 */
const PAGE_PROBE = `(() => {
  const bench = {
    pending: Promise.resolve(null),
    arm(text, token, timeoutMs) {
      window.__benchMark = token;
      bench.pending = new Promise((resolve) => {
        const has = () =>
          (document.getElementById("app")?.textContent ?? "").includes(text);
        if (has()) {
          resolve(performance.timeOrigin + performance.now());
          return;
        }
        const observer = new MutationObserver(() => {
          if (!has()) return;
          const at = performance.timeOrigin + performance.now();
          observer.disconnect();
          clearTimeout(timer);
          resolve(at);
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          resolve(null);
        }, timeoutMs);
        observer.observe(document.documentElement, {
          childList: true,
          subtree: true,
          characterData: true,
        });
      });
      return true;
    },
  };
  Object.defineProperty(window, "__bench", { value: bench });
})();`;

/**
 * Installs the page probe used by {@linkcode measureEdit} into every page
 * of `context`, including pages after reloads.
 */
export async function installPageProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: PAGE_PROBE });
}

/** Counts main-frame navigations (loads and reloads) of a page. */
export class NavigationCounter {
  #count = 0;

  /** Starts counting navigations of `page`'s main frame. */
  constructor(page: Page) {
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) this.#count++;
    });
  }

  /** Main-frame navigations seen so far. */
  get count(): number {
    return this.#count;
  }
}

const RENDERED = `document.body?.dataset.rendered === "1"`;

/** When a page finished rendering, as reported by the page itself. */
export interface RenderedAt {
  /** Epoch ms (page clock) of the app's last render. */
  renderedAt: number;
  /** The same moment in ms since the current document's navigation start. */
  documentMs: number;
}

function isNavigationError(error: unknown): boolean {
  return /Execution context was destroyed|navigat|Target closed|frame was detached/i
    .test(errorMessage(error, 1000));
}

/**
 * Waits until the page's app marked itself rendered (and `#app` contains
 * `expectedText`, if given), surviving navigations in between (a server's
 * "bundling in progress" page, an automatic reload), and returns when the
 * app rendered.
 *
 * @example Usage
 * ```ts ignore
 * import { waitForRendered } from "./measure.ts";
 * const { renderedAt } = await waitForRendered(page, 10_000, "m17:v1");
 * ```
 */
export async function waitForRendered(
  page: Page,
  timeoutMs: number,
  expectedText?: string,
): Promise<RenderedAt> {
  const condition = expectedText === undefined
    ? RENDERED
    : `${RENDERED} && (document.getElementById("app")?.textContent ?? "")` +
      `.includes(${JSON.stringify(expectedText)})`;
  const deadline = epochNow() + timeoutMs;
  while (true) {
    const remaining = Math.max(1, deadline - epochNow());
    try {
      await page.waitForFunction(condition, null, {
        timeout: remaining,
        polling: 10,
      });
      const [renderedAt, timeOrigin] = await page.evaluate<[number, number]>(
        "[Number(document.body.dataset.renderedAt), performance.timeOrigin]",
      );
      return { renderedAt, documentMs: renderedAt - timeOrigin };
    } catch (error) {
      if (!isNavigationError(error) || epochNow() >= deadline) throw error;
      await sleep(10);
    }
  }
}

/** The outcome of {@linkcode loadUntilRendered} / {@linkcode reloadUntilRendered}. */
export interface LoadResult extends RenderedAt {
  /**
   * ms from just before the navigation was requested (Deno clock) until the
   * app rendered (page clock), across any intermediate navigations.
   */
  ms: number;
}

/**
 * Navigates `page` to `url` and measures the time until the app marked
 * itself rendered.
 *
 * @example Usage
 * ```ts ignore
 * import { loadUntilRendered } from "./measure.ts";
 * const { ms } = await loadUntilRendered(page, "http://localhost:5173/");
 * ```
 */
export async function loadUntilRendered(
  page: Page,
  url: string,
  timeoutMs = 60_000,
): Promise<LoadResult> {
  const start = epochNow();
  await page.goto(url, { waitUntil: "commit", timeout: timeoutMs });
  const rendered = await waitForRendered(
    page,
    Math.max(1, start + timeoutMs - epochNow()),
  );
  return { ...rendered, ms: rendered.renderedAt - start };
}

/**
 * Reloads `page` and measures the time until the app marked itself rendered
 * again.
 *
 * @example Usage
 * ```ts ignore
 * import { reloadUntilRendered } from "./measure.ts";
 * const { ms } = await reloadUntilRendered(page);
 * ```
 */
export async function reloadUntilRendered(
  page: Page,
  timeoutMs = 60_000,
): Promise<LoadResult> {
  const start = epochNow();
  await page.reload({ waitUntil: "commit", timeout: timeoutMs });
  const rendered = await waitForRendered(
    page,
    Math.max(1, start + timeoutMs - epochNow()),
  );
  return { ...rendered, ms: rendered.renderedAt - start };
}

/** The offset of the page's epoch clock from Deno's. */
export interface ClockOffset {
  /** Page clock minus Deno clock, in ms (positive: the page is ahead). */
  offsetMs: number;
  /** Round trip of the sample the estimate came from, in ms. */
  rttMs: number;
}

/**
 * Estimates how far the page's `performance.timeOrigin + performance.now()`
 * is from Deno's, from the sample with the shortest round trip.
 *
 * @example Usage
 * ```ts ignore
 * import { estimateClockOffset } from "./measure.ts";
 * const { offsetMs, rttMs } = await estimateClockOffset(page);
 * ```
 */
export async function estimateClockOffset(
  page: Page,
  samples = 9,
): Promise<ClockOffset> {
  let best: ClockOffset = { offsetMs: NaN, rttMs: Infinity };
  for (let i = 0; i < samples; i++) {
    const before = epochNow();
    const inPage = await withTimeout(
      page.evaluate<number>("performance.timeOrigin + performance.now()"),
      5000,
      "the page clock",
    );
    const after = epochNow();
    if (after - before < best.rttMs) {
      best = { offsetMs: inPage - (before + after) / 2, rttMs: after - before };
    }
  }
  return best;
}

/** Options for {@linkcode measureEdit}. */
export interface EditOptions {
  /** File to write. */
  file: string;
  /** New content of the file. */
  content: string;
  /** Text that appears in `#app` once the edit is applied. */
  expectedText: string;
  /** Give up after this many ms. Default 10 000. */
  timeoutMs?: number;
  /** Wait this long after the text appeared before checking for reloads. */
  settleMs?: number;
}

/** The outcome of one edit measured by {@linkcode measureEdit}. */
export interface EditResult {
  /** Epoch ms the page saw the text minus epoch ms before the write. */
  latencyMs: number | null;
  /** Whether the expected text appeared in the page at all. */
  applied: boolean;
  /** Whether the page reloaded (a navigation, or the window mark was lost). */
  reloaded: boolean;
  /** Main-frame navigations between the write and the settle check. */
  navigations: number;
  /**
   * ms the app's own render of the edit took in the page (`dataset.paintMs`
   * of the bench app), if the page reports it.
   */
  appRenderMs?: number;
  /** Why the edit was not applied, if it was not. */
  error?: string;
}

/**
 * Writes `options.content` to `options.file` and measures the time from just
 * before the write until `options.expectedText` is observed in `#app` by the
 * page probe (see {@linkcode installPageProbe}); both ends use epoch ms. Also
 * reports whether the page reloaded instead of applying the edit in place:
 * the window is marked before the write and the mark is checked after.
 *
 * @example Usage
 * ```ts ignore
 * import { measureEdit, NavigationCounter } from "./measure.ts";
 * const result = await measureEdit(page, new NavigationCounter(page), {
 *   file: "/tmp/app/src/m17.ts",
 *   content: moduleSource(17, 1000, 1),
 *   expectedText: "m17:v1",
 * });
 * ```
 */
export async function measureEdit(
  page: Page,
  navigations: NavigationCounter,
  options: EditOptions,
): Promise<EditResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const settleMs = options.settleMs ?? 100;
  const token = crypto.randomUUID();
  await withTimeout(
    page.evaluate(
      `window.__bench.arm(${JSON.stringify(options.expectedText)}, ` +
        `${JSON.stringify(token)}, ${timeoutMs})`,
    ),
    5000,
    "the page probe to arm",
  );
  const navigationsBefore = navigations.count;
  const t0 = epochNow();
  await Deno.writeTextFile(options.file, options.content);
  const deadline = t0 + timeoutMs;

  let observedAt: number | null = null;
  let error: string | undefined;
  try {
    observedAt = await withTimeout(
      page.evaluate<number | null>("window.__bench.pending"),
      timeoutMs + 2000,
      `"${options.expectedText}" in the page`,
    );
    if (observedAt === null) error = `"${options.expectedText}" did not appear`;
  } catch (e) {
    error = errorMessage(e);
  }
  if (observedAt === null) {
    // The page may have reloaded (a full reload instead of HMR), taking the
    // probe with it: take the time the reloaded page rendered the new text.
    try {
      observedAt = (await waitForRendered(
        page,
        Math.max(1, deadline - epochNow()),
        options.expectedText,
      )).renderedAt;
      error = undefined;
    } catch (e) {
      error = errorMessage(e);
    }
  }
  await sleep(settleMs);
  let markKept = false;
  try {
    markKept = await withTimeout(
      page.evaluate<boolean>(`window.__benchMark === ${JSON.stringify(token)}`),
      5000,
      "the window mark",
    );
  } catch {
    markKept = false;
  }
  const navigationCount = navigations.count - navigationsBefore;
  let appRenderMs: number | undefined;
  try {
    const reported = await withTimeout(
      page.evaluate<string | null>("document.body?.dataset.paintMs ?? null"),
      5000,
      "the app's render time",
    );
    if (reported !== null && Number.isFinite(Number(reported))) {
      appRenderMs = Number(reported);
    }
  } catch {
    appRenderMs = undefined;
  }
  return {
    ...(appRenderMs === undefined ? {} : { appRenderMs }),
    latencyMs: observedAt === null ? null : observedAt - t0,
    applied: observedAt !== null,
    reloaded: navigationCount > 0 || !markKept,
    navigations: navigationCount,
    ...(error === undefined ? {} : { error }),
  };
}
