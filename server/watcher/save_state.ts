/**
 * The save-event state machine: where one path stands after each event of
 * a save, and how long a batch waits for quiet given those states.
 *
 * What Deno reports on Linux (inotify), per save style:
 * - in place: `modify` (truncate), `modify` (write), `access` (close-write);
 * - atomic (write a temp file, rename it over): `rename [file]`, then
 *   `rename [temp, file]`;
 * - vim with a backup: `remove [file]` or `rename [file]` (renamed away),
 *   `rename [file, backup]`, then `create`, `modify`, `access` of the new
 *   file;
 * - vim without one: `remove`, `create`, `modify`, `access`.
 *
 * So a file is complete after its close-write or after the `[from, to]`
 * event that renamed it into place, and a save that starts with a remove is
 * still going on.
 *
 * @module
 */

import type { WatchOptions } from "./types.ts";

/**
 * Where a changed path stands after its latest event: still changing
 * (created or modified and not closed yet, or moved with the move not fully
 * reported), complete (closed after writing, or renamed into place), or
 * removed (deleted, or renamed away).
 */
export type PathState = "changing" | "complete" | "removed";

/**
 * The state of `event.paths[index]` after `event`.
 *
 * @example
 * ```ts
 * import { stateAfter } from "./save_state.ts";
 * stateAfter({ kind: "rename", paths: ["/a.tmp", "/a.ts"] }, 1); // "complete"
 * ```
 */
export function stateAfter(event: Deno.FsEvent, index: number): PathState {
  switch (event.kind) {
    case "access":
      return "complete";
    case "remove":
      return "removed";
    case "rename":
      // A move inside the tree is reported path by path, then as `rename
      // [from, to]`. The one-path events do not tell the ends apart (Deno
      // names one `remove` or `rename` by whether the path exists when it
      // looks, and an editor may have written it anew by then), so only the
      // pair settles them: the source is gone, the target is in place.
      if (event.paths.length > 1) return index === 0 ? "removed" : "complete";
      return "changing";
    default:
      return "changing";
  }
}

/** The quiet times of {@linkcode WatchOptions}, defaults filled in. */
export interface SettleTimes {
  /** As {@linkcode WatchOptions.burstSettleMs}. */
  burstSettleMs: number;
  /** As {@linkcode WatchOptions.removeSettleMs}. */
  removeSettleMs: number;
  /** As {@linkcode WatchOptions.maxWaitMs}. */
  maxWaitMs: number;
}

/** The quiet times of `options`, with their defaults. */
export function settleTimes(options: WatchOptions): SettleTimes {
  return {
    burstSettleMs: options.burstSettleMs ?? 50,
    removeSettleMs: options.removeSettleMs ?? 100,
    maxWaitMs: options.maxWaitMs ?? 300,
  };
}

/**
 * How long, in ms, a batch whose paths stand at `states` waits for quiet; 0
 * sends it at once. A lone complete file goes out at once. Several files (or
 * `burstBegun`: another file right after a lone save went out) are a burst
 * that may go on, a changing file is waited for until it is closed or its
 * move is paired, and a removed file may be a vim-style save about to write
 * it anew: each waits for quiet, so it becomes one decision.
 *
 * @example
 * ```ts
 * import { quietTime } from "./save_state.ts";
 * const times = { burstSettleMs: 50, removeSettleMs: 100, maxWaitMs: 300 };
 * quietTime(["removed"], false, times); // 100
 * ```
 */
export function quietTime(
  states: readonly PathState[],
  burstBegun: boolean,
  times: SettleTimes,
): number {
  if (states.length > 1 || burstBegun) return times.burstSettleMs;
  if (states[0] === "removed") return times.removeSettleMs;
  if (states[0] === "changing") return times.burstSettleMs;
  return 0;
}
