/**
 * The batcher: groups the file events of a root into batches, one per save
 * or burst, and reports each with every path checked on disk. It composes
 * the units beside it — the save-event states ({@link ./save_state.ts}),
 * the ignore rules, the file stamps, the loss detector and the serial
 * reporter — and owns only the batch being gathered.
 *
 * @module
 */

import { FileStamps } from "./file_stamps.ts";
import { ignoreRules } from "./ignore_rules.ts";
import { LossDetector } from "./loss_detector.ts";
import {
  type PathState,
  quietTime,
  type SettleTimes,
  settleTimes,
  stateAfter,
} from "./save_state.ts";
import { SerialReporter } from "./serial_reporter.ts";
import type { ChangeBatcher, FileChangeKind, WatchOptions } from "./types.ts";

/** Saves of other files this soon after a lone save are taken as a burst. */
const BURST_GAP_MS = 30;

/**
 * Groups the file events of `root` into batches, one per save or burst, and
 * reports each with every path checked on disk. Separate from the watcher so
 * that the orders events arrive in (which vary with machine load) can be
 * replayed exactly.
 *
 * @example
 * ```ts
 * import { batchChanges } from "./batcher.ts";
 * const batcher = batchChanges("/app", { onBatch: (c) => console.log(c) });
 * batcher.push({ kind: "modify", paths: ["/app/a.ts"] });
 * batcher.push({ kind: "access", paths: ["/app/a.ts"] });
 * batcher.close();
 * ```
 */
export function batchChanges(
  root: string,
  options: WatchOptions,
): ChangeBatcher {
  const batcher = new SaveBatcher(root, options);
  return {
    ready: batcher.stamps.ready,
    idle: () => batcher.idle(),
    push: (event) => batcher.push(event),
    close: () => batcher.close(),
  };
}

/** The batch being gathered, and the lone save that went out last. */
class SaveBatcher {
  readonly stamps: FileStamps;
  #times: SettleTimes;
  #isIgnored: (path: string) => boolean;
  #reporter: SerialReporter;
  #loss: LossDetector;
  /** The paths of the batch being gathered, each with its last state. */
  #pending = new Map<string, PathState>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstEventAt = 0;
  #lastLoneAt = -Infinity;
  #lastLone = new Set<string>();

  constructor(root: string, options: WatchOptions) {
    this.#times = settleTimes(options);
    this.#isIgnored = ignoreRules(root, options.ignoreDirs);
    this.stamps = new FileStamps(root, this.#isIgnored, options.stampAfter);
    this.#reporter = new SerialReporter(options.onBatch, options.onError);
    // What a tree check finds is a batch of its own, so no batch waits for
    // a walk.
    this.#loss = new LossDetector({
      settleMs: this.#times.burstSettleMs,
      isGathering: () => this.#timer !== undefined,
      checkTree: () =>
        this.#reporter.enqueue(async () =>
          await this.#reporter.report(
            await this.stamps.unreported((path) => this.#pending.has(path)),
          )
        ),
    });
  }

  async idle(): Promise<void> {
    while (
      this.#timer !== undefined || this.#loss.scheduled || this.#reporter.busy
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  push(event: Deno.FsEvent): void {
    const now = performance.now();
    this.#loss.observe(event, now);
    if (event.flag === "rescan" || event.kind === "other") return;
    // "access" is the writer closing the file (inotify's close-write);
    // it only ends a save already pending, it never starts one.
    if (
      event.kind === "access" &&
      !event.paths.some((p) => this.#pending.has(p))
    ) return;
    let added = false;
    event.paths.forEach((path, index) => {
      if (this.#isIgnored(path)) return;
      this.#pending.set(path, stateAfter(event, index));
      added = true;
    });
    if (!added) return;
    if (this.#timer === undefined) this.#firstEventAt = now;
    clearTimeout(this.#timer);
    // Another file right after a lone save went out: a burst has begun.
    const burstBegun = now - this.#lastLoneAt < BURST_GAP_MS &&
      [...this.#pending.keys()].some((path) => !this.#lastLone.has(path));
    const quiet = quietTime(
      [...this.#pending.values()],
      burstBegun,
      this.#times,
    );
    if (quiet === 0) {
      this.#lastLoneAt = now;
      this.#lastLone = new Set(this.#pending.keys());
    }
    const wait = now - this.#firstEventAt >= this.#times.maxWaitMs ? 0 : quiet;
    // Even a 0 ms timer costs about 2 ms in Deno: a complete lone save
    // is flushed at once (the stat in `flush` lets a burst show itself).
    if (wait === 0) this.#flush(quiet === 0);
    else this.#timer = setTimeout(this.#flush, wait);
  }

  close(): void {
    this.#reporter.close();
    this.stamps.stop();
    clearTimeout(this.#timer);
    this.#loss.close();
  }

  /** Sends the batch being gathered; `lone` when it is one complete save. */
  #flush = (lone = false) => {
    this.#timer = undefined;
    const states = this.#pending;
    const paths = new Set(states.keys());
    this.#pending = new Map();
    this.#reporter.enqueue(async () => {
      const changes = await this.stamps.check(paths);
      this.#deferVanished(changes, states);
      // A lone save sent at once: if other files changed while it was being
      // checked, it is the start of a burst — keep it for the burst's batch.
      if (lone && [...this.#pending.keys()].some((path) => !paths.has(path))) {
        for (const path of paths) {
          if (!this.#pending.has(path)) this.#pending.set(path, "complete");
        }
        clearTimeout(this.#timer);
        this.#timer = setTimeout(this.#flush, this.#times.burstSettleMs);
        return;
      }
      await this.#reporter.report(changes);
    });
  };

  /**
   * Takes out of `changes` the paths its events left in place (closed,
   * renamed in, or still being written) that are gone on disk: a new save
   * of the file began after those events — vim renames it away before
   * writing it anew, and those events are still on their way. Reporting it
   * deleted would make its importers rebuild and reload the page, so it
   * waits for its events as a removed file does; still gone then, it is a
   * delete.
   */
  #deferVanished(
    changes: Map<string, FileChangeKind>,
    states: Map<string, PathState>,
  ): void {
    let deferred = false;
    for (const [path, state] of states) {
      if (state === "removed" || changes.get(path) !== "delete") continue;
      changes.delete(path);
      if (!this.#pending.has(path)) this.#pending.set(path, "removed");
      deferred = true;
    }
    if (!deferred) return;
    if (this.#timer === undefined) this.#firstEventAt = performance.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      this.#flush,
      quietTime([...this.#pending.values()], false, this.#times),
    );
  }
}
