/// <reference lib="dom" />
/**
 * Reloading the page: why it reloads (a console line), and the error that
 * made a failed update reload, kept in `sessionStorage` so the new page can
 * show it.
 *
 * @module
 */

import { markError } from "./error_report.ts";
import type { ErrorPayload } from "./payload.ts";

const PREFIX = "[banana]";
const RELOAD_NOTE_KEY = "banana:reload-note";

/**
 * Reloads the page, saying why; `note` (a JSON `ErrorPayload["err"]`) is
 * shown by the next page.
 */
export function reload(reason: string, note?: string): void {
  console.log(`${PREFIX} page reload: ${reason}`);
  if (note) {
    try {
      sessionStorage.setItem(RELOAD_NOTE_KEY, note);
    } catch { /* storage off */ }
  }
  location.reload();
}

/** After a fallback reload, shows why it happened. */
export function showReloadNote(): void {
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
