/**
 * Lost-event detection. Events can be lost when JS is busy while many files
 * change: notify then says `rescan`, and Deno's own channel drops them
 * silently. After signs of loss a check of the tree is due; it runs once
 * events stop coming (during a burst the walk would only find files whose
 * events are on their way, and report them twice), at most
 * {@linkcode TREE_CHECK_MAX_DELAY_MS} after it became due.
 *
 * @module
 */

/**
 * Deno passes watcher events to JS through a channel of 16 and drops those
 * that do not fit while JS is busy, without a word. A full channel shows as
 * this many events in a row, each arriving within
 * {@linkcode BACK_TO_BACK_MS} of the one before (as does a fast burst of
 * writes); after that some may be lost, so the tree is checked against the
 * known stamps.
 */
export const DENO_EVENT_SLOTS = 16;

/** Events this close together, in ms, were queued, not waited for. */
export const BACK_TO_BACK_MS = 1;

/** Longest that events coming in may put off a check of the tree, in ms. */
export const TREE_CHECK_MAX_DELAY_MS = 1000;

/** Options of {@linkcode LossDetector}. */
export interface LossDetectorOptions {
  /** Quiet time after the last event before the tree is checked, in ms. */
  settleMs: number;
  /**
   * True while a batch is being gathered: it goes first, the check waits
   * another `settleMs`.
   */
  isGathering: () => boolean;
  /** Checks the tree (called once per due check). */
  checkTree: () => void;
}

/** Watches the rhythm of events for signs of loss and schedules tree checks. */
export class LossDetector {
  #options: LossDetectorOptions;
  #lastEventAt = -Infinity;
  #eventsInRow = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Since when a check of the tree is due (events may have been lost). */
  #dueSince: number | null = null;

  /** A detector that calls `options.checkTree` when a due check may run. */
  constructor(options: LossDetectorOptions) {
    this.#options = options;
  }

  /** True while a check of the tree is scheduled. */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Takes the next event, arrived at `now` (`performance.now()`). A run as
   * from a full channel, or notify's own word that events were lost (seen
   * when JS was busy while hundreds of files changed), makes a check of the
   * tree due; each event until then puts it off.
   */
  observe(event: Deno.FsEvent, now: number): void {
    this.#eventsInRow = now - this.#lastEventAt < BACK_TO_BACK_MS
      ? this.#eventsInRow + 1
      : 1;
    this.#lastEventAt = now;
    if (
      this.#eventsInRow >= DENO_EVENT_SLOTS || event.flag === "rescan" ||
      this.#dueSince !== null
    ) this.#postpone(now);
  }

  /** Cancels a scheduled check. */
  close(): void {
    clearTimeout(this.#timer);
  }

  #postpone(now: number) {
    this.#dueSince ??= now;
    if (
      this.#timer !== undefined &&
      now - this.#dueSince >= TREE_CHECK_MAX_DELAY_MS
    ) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#run, this.#options.settleMs);
  }

  #run = () => {
    if (this.#options.isGathering()) {
      this.#timer = setTimeout(this.#run, this.#options.settleMs);
      return;
    }
    this.#timer = undefined;
    this.#dueSince = null;
    this.#options.checkTree();
  };
}
