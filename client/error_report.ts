/// <reference lib="dom" />
/**
 * How the page reports an error: the `banana:error` / `vite:error`
 * listeners, the console, the indicator and (unless `server.hmr.overlay` is
 * false) the overlay. Its own module so that the Fast Refresh runtimes can
 * report render errors without importing the entry module, which connects
 * on import.
 *
 * @module
 */

import { env } from "./env.ts";
import { hmrClient } from "./hmr_client.ts";
import { setIndicator } from "./indicator.ts";
import { showOverlay } from "./overlay.ts";
import type { ErrorPayload } from "./payload.ts";

const PREFIX = "[banana]";

/**
 * Reports an error everywhere: listeners, the console, the indicator and
 * the overlay. Server errors arrive here; the Fast Refresh runtimes report
 * render errors here too.
 */
export function showError(payload: ErrorPayload): void {
  hmrClient.notifyListeners("banana:error", payload);
  const err = payload.err;
  const where = err.loc
    ? `${err.loc.file}:${err.loc.line}:${err.loc.column + 1}`
    : err.id ?? "";
  console.error(`${PREFIX} ${err.message}${where ? `\n  at ${where}` : ""}`);
  markError(err);
}

/** Tells the `banana:error` / `vite:error` listeners about `err`. */
export function notifyError(err: ErrorPayload["err"]): void {
  hmrClient.notifyListeners("banana:error", { type: "error", err });
}

/** Turns the indicator red and, unless `overlay` is false, shows `err`. */
export function markError(err: ErrorPayload["err"], overlay = true): void {
  setIndicator("error");
  if (overlay && env.overlay) showOverlay(err);
}
