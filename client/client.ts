/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HMR client runtime, loaded by every page the dev server serves: the
 * browser wiring around the page's {@linkcode HmrClient} (which owns the
 * registries, the update queue and prune). It keeps the WebSocket, turns
 * payloads into queued steps (updates are applied by `apply_update.ts`),
 * notices a page that failed to start, and reconnects (then reloads once)
 * after the server comes back.
 *
 * @module
 */

import { env } from "./env.ts";
import type { ErrorPayload, FullReloadPayload, HotPayload } from "./payload.ts";
import { HotContext } from "./hot_context.ts";
import { type HmrClient, hmrClient } from "./hmr_client.ts";
import { markError, notifyError, showError } from "./error_report.ts";
import { hideOverlayFor } from "./overlay.ts";
import { inlineModulesSupported } from "./inline_modules.ts";
import { recordDisposed, reportAll, startRecording } from "./page_modules.ts";
import { applyUpdates, thrownAt } from "./apply_update.ts";
import { reload, showReloadNote } from "./reload.ts";
import {
  BUNDLE_PARSE_FAILED_EVENT,
  bundleParseFailureOf,
} from "./bundle_parse_error.ts";

const PREFIX = "[banana]";

/** Creates `import.meta.hot` for the module at `ownerPath` (injected by the server). */
export function createHotContext(ownerPath: string): HotContext {
  return new HotContext(hmrClient, ownerPath);
}

/** Reports an error (kept here for code that imports it from the entry). */
export { showError };

const notifyListeners: HmrClient["notifyListeners"] = (event, data) =>
  hmrClient.notifyListeners(event, data);

function socketUrl(): string {
  const protocol = env.protocol ??
    (location.protocol === "https:" ? "wss" : "ws");
  const host = env.host ?? location.hostname;
  const port = env.port ?? location.port;
  const hostPart = host.includes(":") && !host.startsWith("[")
    ? `[${host}]`
    : host;
  return `${protocol}://${hostPart}${port ? `:${port}` : ""}${env.path}?token=${
    encodeURIComponent(env.token)
  }`;
}

let socket: WebSocket;
let wasConnected = false;

hmrClient.setSender((message) => {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(message);
  return true;
});

function connect(): void {
  socket = new WebSocket(socketUrl());
  socket.addEventListener("open", () => {
    wasConnected = true;
    // First what the page runs: the server decides per page from it.
    const opened = socket;
    reportAll((event, data) => {
      if (opened.readyState !== WebSocket.OPEN) return false;
      opened.send(JSON.stringify({ type: "custom", event, data }));
      return true;
    });
    notifyListeners("banana:ws:connect", { webSocket: socket });
    hmrClient.flushOutbox();
  });
  socket.addEventListener("message", (event) => {
    let payload: HotPayload;
    try {
      payload = JSON.parse(String(event.data));
    } catch {
      return;
    }
    handlePayload(payload);
  });
  socket.addEventListener("close", (event) => {
    if (event.wasClean && event.code === 1000) return;
    notifyListeners("banana:ws:disconnect", { webSocket: socket });
    if (!wasConnected) {
      // Never connected: wrong token after a server restart, or a proxy.
      // Poll the server; a reload picks up its new settings.
    }
    console.log(`${PREFIX} server connection lost. Polling for restart...`);
    waitForServerThenReload();
  });
}

let polling = false;

/** Polls until the server answers, then reloads once (no reload storm). */
async function waitForServerThenReload(): Promise<void> {
  if (polling) return;
  polling = true;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if (document.visibilityState === "hidden") continue;
    try {
      const response = await fetch("/@banana/ping", { cache: "no-store" });
      if (response.ok) break;
    } catch { /* still down */ }
  }
  location.reload();
}

function handlePayload(payload: HotPayload): void {
  switch (payload.type) {
    case "connected":
      console.debug(`${PREFIX} connected.`);
      showReloadNote();
      break;
    case "ping":
      break;
    case "update":
      if (startupFailure) {
        // The page never finished starting: there is no running instance
        // to update, so run the new code from the start.
        const failed = startupFailure;
        hmrClient.enqueue(() =>
          reload(
            `the page failed to start (${failed}) and ${
              payload.updates[0]?.path ?? "a module"
            } changed`,
          )
        );
        break;
      }
      hmrClient.noteArrival(payload.updates);
      hmrClient.enqueue(() => applyUpdates(payload));
      break;
    case "full-reload":
      hmrClient.enqueue(() => fullReload(payload));
      break;
    case "prune":
      hmrClient.enqueue(() => prune(payload.paths));
      break;
    case "error":
      hmrClient.enqueue(() => showError(payload));
      break;
    case "custom":
      if (payload.event === "banana:error-cleared") {
        hideOverlayFor((payload.data as { id: string }).id);
      }
      notifyListeners(payload.event, payload.data);
      break;
  }
}

/** The page's HTML file, in the server's one form (decoded, NFC). */
function pageHtmlPath(): string {
  let path = location.pathname;
  try {
    path = decodeURIComponent(path);
  } catch { /* kept as it is */ }
  path = path.normalize("NFC");
  if (path.endsWith("/")) return path + "index.html";
  return path.endsWith(".html") ? path : "/index.html";
}

function fullReload(payload: FullReloadPayload): void {
  const path = payload.path;
  if (path && path !== "*" && path !== pageHtmlPath()) return;
  notifyListeners("banana:beforeFullReload", payload);
  reload(payload.reason ?? "the server asked for it");
}

/**
 * Set when a module of the page threw while the page started (its first
 * evaluation): no instance of it (or of its importers) runs, so there is
 * nothing to hot-update — the next update reloads the page instead.
 */
let startupFailure: string | null = null;

function onStartupError(event: ErrorEvent): void {
  if (startupFailure || !(event.error instanceof Error)) return;
  const where = thrownAt(event.error) ??
    (event.filename ? new URL(event.filename, location.href).pathname : "");
  if (where.startsWith("/@banana/")) return;
  startupFailure = `${where ? `${where}: ` : ""}${event.error.message}`;
  const err: ErrorPayload["err"] = {
    message: `The page failed to start: ${startupFailure}`,
    stack: event.error.stack ?? "",
    id: where.replace(/:\d+:\d+$/, "") || undefined,
    plugin: "runtime",
  };
  notifyError(err);
  markError(err);
}

addEventListener("error", onStartupError);
// Before the page's bundle runs (this script comes first): the server
// answers the report with a reload once the next bundle parses.
addEventListener("error", (event: ErrorEvent) => {
  const failure = bundleParseFailureOf(event);
  if (!failure) return;
  console.warn(
    `${PREFIX} the page's bundle did not parse (${failure.message}); asking the server for one that does`,
  );
  hmrClient.send(BUNDLE_PARSE_FAILED_EVENT, failure);
});
addEventListener(
  "load",
  () => removeEventListener("error", onStartupError),
  { once: true },
);

async function prune(paths: string[]): Promise<void> {
  await hmrClient.prune(paths);
  recordDisposed(paths);
}

startRecording();
connect();
// Probe before the first update needs the answer.
if (document.readyState === "complete") inlineModulesSupported();
else addEventListener("load", () => inlineModulesSupported(), { once: true });
