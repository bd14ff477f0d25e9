/// <reference lib="dom" />
/**
 * The browser half of applying an update: modules sent inline, the network
 * (preload, or an early import of the changed chain), `<link>` stylesheet
 * swaps, the time limit and the indicator; then the page's
 * {@linkcode hmrClient} disposes, imports and accepts, update by update. A
 * failed update is reported here, and reloads the page when it must.
 *
 * @module
 */

import { env } from "./env.ts";
import { hmrClient, UpdateError, withTimestamp } from "./hmr_client.ts";
import { markError, notifyError } from "./error_report.ts";
import { clearOverlay, showOverlay } from "./overlay.ts";
import { setIndicator } from "./indicator.ts";
import { hasStylesheet, swapStylesheet } from "./css.ts";
import {
  inlineModulesSupported,
  registerInlineModules,
} from "./inline_modules.ts";
import type { ErrorPayload, Update, UpdatePayload } from "./payload.ts";
import { reload } from "./reload.ts";

const PREFIX = "[banana]";

const notifyListeners = (event: string, data?: unknown) =>
  hmrClient.notifyListeners(event, data);

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

/** Resolves in a task of its own (after the tasks already queued). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** `/src/a.ts:3:7`: where in this origin's modules `err` was thrown. */
export function thrownAt(err: unknown): string | null {
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
 * Applies one update payload: JS updates of modules this page runs hot and
 * stylesheet swaps, within `server.hmr.timeout`.
 */
export async function applyUpdates(payload: UpdatePayload): Promise<void> {
  const updates = payload.updates;
  // Bundle mode: the new code came with the update. Defined even when the
  // update is superseded or reaches no module here: defining runs nothing.
  const registry = hmrClient.registry;
  if (registry) {
    for (const { id, version, code } of payload.factories ?? []) {
      registry.define(id, version, code);
    }
  }
  // Only factories: a module the page defines but has not run changed (so
  // a later import of it runs the new code). Nothing to apply, no events.
  if (updates.length === 0) return;
  // A registry update needs no network, so nothing else would let the
  // socket's queued messages in before it runs: after a busy update, the
  // newer ones must be known here to skip those they supersede.
  if (registry) await nextTask();
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
  const registry = hmrClient.registry;
  if (registry) {
    // Bundle mode: no network (applyUpdates waited one task, so superseded
    // updates were skipped). The fresh chain gets new instances as the
    // accepted modules import it; modules outside it keep theirs.
    registry.markStale([
      ...(payload.preload ?? []),
      ...updates.map((u) => withTimestamp(u.acceptedPath, u.timestamp)),
    ]);
    for (const update of updates) await hmrClient.applyUpdate(update);
    return;
  }
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
