/**
 * Helpers for the HMR browser tests: one temp app, one dev server and one
 * tracked page per test, plus small assertions on what the app logged and
 * whether the page reloaded.
 *
 * @example
 * ```ts
 * await using s = await openHmrApp({
 *   "index.html": pageHtml(),
 *   "src/main.ts": `console.log("main v1"); import.meta.hot?.accept();`,
 * });
 * await s.app.write("src/main.ts", `console.log("main v2"); import.meta.hot?.accept();`);
 * await waitForConsole(s.tracked, "main v2");
 * await assertNotReloaded(s.tracked);
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createTempApp,
  markedNavigation,
  markPage,
  openPage,
  type TempApp,
  type TrackedPage,
  waitFor,
  waitForConsole,
  wasReloaded,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_server.ts";
import { assertServedAsConfigured } from "./_modes.ts";
import type { InlineConfig } from "../mod.ts";
import type { HotPayload } from "../client/payload.ts";

/** The console line the HMR client logs once its socket is open. */
export const CONNECTED_LINE = "[banana] connected.";

/** A temp app served by a dev server and shown in a tracked page. */
export interface HmrSession extends AsyncDisposable {
  app: TempApp;
  dev: TestServer;
  tracked: TrackedPage;
}

/**
 * A minimal page: an `#out` element (and `extraBody`) and `/src/main.ts` as
 * its module entry.
 */
export function pageHtml(extraBody = "", entry = "/src/main.ts"): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>hmr test</title></head>
<body>
<div id="out"></div>
${extraBody}
<script type="module" src="${entry}"></script>
</body>
</html>
`;
}

/**
 * Opens `url` in a new tracked page, waits until the HMR client is connected
 * and marks the page (see `markPage`), so later edits are not lost and
 * reloads can be detected.
 */
export async function openConnectedPage(
  url: string,
  path = "",
): Promise<TrackedPage> {
  const tracked = await openPage(new URL(path, url).href);
  try {
    await waitForConsole(tracked, CONNECTED_LINE, 10_000);
    await markPage(tracked);
  } catch (error) {
    await tracked.close();
    throw error;
  }
  return tracked;
}

/**
 * Creates a temp app from `files`, starts a dev server on it (with
 * `config`), and opens its root page, connected and marked. A config that
 * sets `server.bundle` is checked to have taken effect in the page.
 */
export async function openHmrApp(
  files: Record<string, string>,
  config: InlineConfig = {},
): Promise<HmrSession> {
  const app = await createTempApp(files);
  let dev: TestServer | undefined;
  try {
    dev = await startServer(app.root, config);
    const tracked = await openConnectedPage(dev.url);
    try {
      await assertServedAsConfigured(tracked, config);
    } catch (error) {
      await tracked.close();
      throw error;
    }
    const close = async () => {
      await tracked.close();
      await dev!.close();
      await app.cleanup();
    };
    return { app, dev, tracked, [Symbol.asyncDispose]: close };
  } catch (error) {
    await dev?.close();
    await app.cleanup();
    throw error;
  }
}

/** How many console lines equal `line` exactly. */
export function countLines(tracked: TrackedPage, line: string): number {
  return tracked.consoleLines.filter((l) => l === line).length;
}

/** Console lines the app itself logged (not the HMR client's `[banana]` lines). */
export function appLines(tracked: TrackedPage): string[] {
  return tracked.consoleLines.filter((l) => !l.startsWith("[banana]"));
}

/**
 * Waits until the page has logged the exact `line` at least `times` times.
 */
export async function waitForLineCount(
  tracked: TrackedPage,
  line: string,
  times: number,
  timeout = 10_000,
): Promise<void> {
  try {
    await waitFor(() => countLines(tracked, line) >= times, {
      timeout,
      interval: 25,
    });
  } catch {
    throw new Error(
      `Timed out after ${timeout} ms waiting for ${times}× ${
        JSON.stringify(line)
      }: found ${Deno.inspect(tracked.consoleLines)}`,
    );
  }
}

/** Asserts the page was not reloaded since it was last marked. */
export async function assertNotReloaded(tracked: TrackedPage): Promise<void> {
  assert.equal(
    await wasReloaded(tracked),
    false,
    `expected no reload; console: ${Deno.inspect(tracked.consoleLines)}`,
  );
}

/**
 * Waits until the marked page has been replaced by a reload and the new
 * document's HMR client is connected again; then re-marks it.
 */
export async function waitForReload(
  tracked: TrackedPage,
  timeout = 10_000,
): Promise<void> {
  // Counted by document, not by lines: under load the new document can
  // connect before this function first looks.
  const marked = markedNavigation(tracked);
  await waitFor(async () => await wasReloaded(tracked), {
    timeout,
    message: "the page to reload",
  });
  try {
    await waitFor(
      () =>
        tracked.consoleEntries.some((entry) =>
          entry.text === CONNECTED_LINE && entry.navigation > marked
        ),
      { timeout, interval: 25 },
    );
  } catch {
    throw new Error(
      `Timed out after ${timeout} ms waiting for the reloaded page to log ${
        JSON.stringify(CONNECTED_LINE)
      }: found ${Deno.inspect(tracked.consoleLines)}`,
    );
  }
  await markPage(tracked);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A WebSocket to the dev server's hot channel, as a page would open it. */
export interface RawHotSocket extends Disposable {
  /** Every payload received, oldest first. */
  readonly messages: HotPayload[];
  /** Sends a custom event, as `import.meta.hot.send` would. */
  send(event: string, data?: unknown): void;
  close(): void;
}

/** The HMR token a server hands to its pages (read from its client env). */
export async function hotTokenOf(url: string): Promise<string> {
  const response = await fetch(new URL("/@banana/client/env.ts", url));
  const env = await response.text();
  const token = /"token":"([^"]+)"/.exec(env)?.[1];
  assert.ok(token, `env.ts carries a token: ${env}`);
  return token;
}

/**
 * Connects to the hot channel of the server at `url` (default path) with
 * its token and records the payloads; resolves once `connected` arrived.
 * With `runs`, it reports those module URLs as a page running them would
 * (the server sends updates only to pages that run the module).
 */
export async function openRawHotSocket(
  url: string,
  options: { runs?: string[] } = {},
): Promise<RawHotSocket> {
  const token = await hotTokenOf(url);
  const socketUrl = new URL(`/@banana/hmr?token=${token}`, url);
  socketUrl.protocol = "ws:";
  const socket = new WebSocket(socketUrl);
  const messages: HotPayload[] = [];
  socket.onmessage = (event) => messages.push(JSON.parse(event.data));
  const close = () => socket.close();
  try {
    await waitFor(() => messages.some((m) => m.type === "connected"), {
      message: "the hot channel to say connected",
    });
    if (options.runs) {
      socket.send(JSON.stringify({
        type: "custom",
        event: "banana:page-modules",
        data: { page: "/", reset: true, loaded: options.runs },
      }));
    }
  } catch (error) {
    close();
    throw error;
  }
  const send = (event: string, data?: unknown) =>
    socket.send(JSON.stringify({ type: "custom", event, data }));
  return { messages, send, close, [Symbol.dispose]: close };
}
