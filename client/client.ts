/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HMR client runtime, loaded by every page the dev server serves: the
 * browser wiring around the page's {@linkcode HmrClient} (which owns the
 * registries, the update queue and prune). It keeps the WebSocket, turns
 * payloads into queued steps, applies updates (network first, then the
 * client's dispose/import/accept), and reconnects (then reloads once) after
 * the server comes back.
 *
 * @module
 */

import { env } from "./env.ts";
import type {
  ErrorPayload,
  FullReloadPayload,
  HotPayload,
  Update,
  UpdatePayload,
} from "./payload.ts";
import { HotContext } from "./hot_context.ts";
import {
  type HmrClient,
  hmrClient,
  UpdateError,
  withTimestamp,
} from "./hmr_client.ts";
import { markError, notifyError, showError } from "./error_report.ts";
import { clearOverlay, hideOverlayFor, showOverlay } from "./overlay.ts";
import { setIndicator } from "./indicator.ts";
import { hasStylesheet, swapStylesheet } from "./css.ts";
import {
  inlineModulesSupported,
  registerInlineModules,
} from "./inline_modules.ts";
import { recordDisposed, reportAll, startRecording } from "./page_modules.ts";

const PREFIX = "[banana]";
const RELOAD_NOTE_KEY = "banana:reload-note";

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

function reload(reason: string, note?: string): void {
  console.log(`${PREFIX} page reload: ${reason}`);
  if (note) {
    try {
      sessionStorage.setItem(RELOAD_NOTE_KEY, note);
    } catch { /* storage off */ }
  }
  location.reload();
}

function fullReload(payload: FullReloadPayload): void {
  const path = payload.path;
  if (path && path !== "*" && path !== pageHtmlPath()) return;
  notifyListeners("banana:beforeFullReload", payload);
  reload(payload.reason ?? "the server asked for it");
}

/** After a fallback reload, shows why it happened. */
function showReloadNote(): void {
  let note: string | null = null;
  try {
    note = sessionStorage.getItem(RELOAD_NOTE_KEY);
    sessionStorage.removeItem(RELOAD_NOTE_KEY);
  } catch { /* storage off */ }
  if (!note) return;
  const err = JSON.parse(note) as ErrorPayload["err"];
  console.error(`${PREFIX} ${err.message}`);
  markError(err);
}

/**
 * Fetches and compiles (without running) a module, so disposal happens
 * after the network. `url` is a URL, not a specifier: import maps do not
 * apply.
 */
function preload(url: string): Promise<void> {
  return new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = url;
    link.onload = link.onerror = () => {
      link.remove();
      resolve();
    };
    document.head.appendChild(link);
  });
}

/** `/src/a.ts:3:7`: where in this origin's modules `err` was thrown. */
function thrownAt(err: unknown): string | null {
  const stack = err instanceof Error ? err.stack ?? "" : "";
  const origin = location.origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${origin}(/[^\\s):]*)(:\\d+:\\d+)?`).exec(stack);
  if (!match || match[1].startsWith("/@banana/")) return null;
  const path = match[1].replace(/([?&])[tv]=[^&]*&?/g, "$1").replace(
    /[?&]$/,
    "",
  );
  return path + (match[2] ?? "");
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
addEventListener(
  "load",
  () => removeEventListener("error", onStartupError),
  { once: true },
);

async function applyUpdates(payload: UpdatePayload): Promise<void> {
  const updates = payload.updates;
  notifyListeners("banana:beforeUpdate", { type: "update", updates });
  const jsUpdates = updates.filter((u) => {
    if (u.type === "css-update") {
      notifyListeners("banana:css-update", u);
      return false;
    }
    return hmrClient.isHotModule(u.path) && !hmrClient.isSuperseded(u);
  });
  // `<link rel="stylesheet">` sheets of this page (client/css.ts swaps them).
  const cssUpdates = updates.filter((u) =>
    u.type === "css-update" && hasStylesheet(u.path) &&
    !hmrClient.isSuperseded(u)
  );
  if (jsUpdates.length === 0 && cssUpdates.length === 0) {
    notifyListeners("banana:afterUpdate", { type: "update", updates });
    return;
  }
  const firstPath = (jsUpdates[0] ?? cssUpdates[0]).path;
  setIndicator("applying");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UpdateError(
            firstPath,
            new Error(`the update was not applied within ${env.timeout} ms`),
            "timeout",
          ),
        ),
      env.timeout,
    );
  });
  hmrClient.settleReplacedInstances(true);
  try {
    await Promise.race([
      Promise.all([
        jsUpdates.length > 0 ? runUpdates(jsUpdates, payload) : undefined,
        ...cssUpdates.map((u) => swapStylesheet(u.path, u.timestamp)),
      ]),
      timeout,
    ]);
    hmrClient.settleReplacedInstances(true);
    clearOverlay();
    setIndicator("success");
    notifyListeners("banana:afterUpdate", { type: "update", updates });
  } catch (err) {
    hmrClient.settleReplacedInstances(false);
    const failure = err instanceof UpdateError
      ? err
      : new UpdateError(firstPath, err, "import");
    failedUpdate(failure, jsUpdates);
  } finally {
    clearTimeout(timer);
  }
}

async function runUpdates(
  updates: Update[],
  payload: UpdatePayload,
): Promise<void> {
  hmrClient.recordInvalidations(updates);
  // Modules sent with the update need no network (client/inline_modules.ts).
  const modules = payload.modules ?? [];
  const inlined = modules.length > 0 && await inlineModulesSupported()
    ? registerInlineModules(modules)
    : new Map<string, string>();
  // Network first, in parallel. The accepted modules are only fetched: they
  // must not run before the old versions are disposed. The rest of the
  // changed chain (never accepted, never disposed) is imported right away
  // when the server says that cannot change the order modules run in, and
  // nothing must run before it: one update, whose old version has no
  // dispose handler (new code runs only after the old one is disposed).
  const accepted = new Set(
    updates.map((u) => withTimestamp(u.acceptedPath, u.timestamp)),
  );
  const early = (payload.importEarly ?? false) && updates.length === 1 &&
    !updates[0].isWithinCircularImport &&
    !hmrClient.hasDisposeHandler(updates[0].acceptedPath);
  const toFetch = (payload.preload ?? []).filter((url) => !inlined.has(url));
  const chain = toFetch.filter((url) => !accepted.has(url));
  await Promise.all([
    // Several inline modules (a chain) are compiled in parallel here; the
    // import would otherwise come upon them one level at a time.
    ...(inlined.size > 1 ? [...inlined.values()].map(preload) : []),
    ...[...accepted].filter((url) => !inlined.has(url)).map(preload),
    ...(!early
      ? chain.map(preload)
      : chain.map((url) =>
        import(/* @vite-ignore */ url).catch((err) => {
          throw new UpdateError(url.replace(/[?&]t=\d+$/, ""), err, "import");
        })
      )),
  ]);
  // Then dispose the old versions, import the new ones, run accept callbacks,
  // update by update, in the order the server sent them.
  for (const update of updates) await hmrClient.applyUpdate(update);
}

/**
 * Reports a failed update. New code that throws while it is evaluated
 * leaves the old instances running (nothing was accepted), so the page
 * stays, with the error shown, and the next save is applied as usual;
 * other failures reload when `server.hmr.reload` is on (the default), and
 * so does any failure inside an import cycle.
 */
function failedUpdate(failure: UpdateError, updates: Update[]): void {
  const cause = failure.cause;
  const thrower = failure.stage === "import" ? thrownAt(cause) : null;
  const message = `Failed to apply the update of ${failure.path}: ${
    cause instanceof Error ? cause.message : String(cause)
  }${
    thrower && !thrower.startsWith(failure.path + ":")
      ? ` (thrown at ${thrower})`
      : ""
  }`;
  console.error(`${PREFIX} ${message}`, cause);
  const err: ErrorPayload["err"] = {
    message,
    stack: cause instanceof Error ? cause.stack ?? "" : "",
    id: failure.path,
    plugin: "runtime",
  };
  notifyError(err);
  markError(err, false);
  const circular = updates.some((u) => u.isWithinCircularImport);
  if ((env.reload && failure.stage !== "import") || circular) {
    notifyListeners("banana:beforeFullReload", { type: "full-reload" });
    reload(`the update of ${failure.path} failed`, JSON.stringify(err));
    return;
  }
  if (env.overlay) showOverlay(err);
}

async function prune(paths: string[]): Promise<void> {
  await hmrClient.prune(paths);
  recordDisposed(paths);
}

startRecording();
connect();
// Probe before the first update needs the answer.
if (document.readyState === "complete") inlineModulesSupported();
else addEventListener("load", () => inlineModulesSupported(), { once: true });
