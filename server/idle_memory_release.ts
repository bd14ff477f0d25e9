/**
 * Gives memory back once the server goes quiet after a burst of builds. A
 * cold start of a large app leaves V8's heap grown to its peak — the young
 * generation at its largest, old pages full of the crawl's garbage — and V8
 * keeps it: measured 15 s after the load, the server still held it. One
 * memory-reducing collection (V8's "last resort" flavour: full GCs that
 * also shrink the young generation and release empty pages) at the first
 * quiet moment takes the process back near what the app's live data
 * needs: 1000 modules 133 → 99 MB resident, 5000 205 → 122, 10,000
 * 276 → 162, for one pause of 33 / 77 / 108 ms.
 *
 * Quiet: no request in flight, none ended for {@linkcode
 * IdleMemoryReleaseOptions.quietMs} (a second) and no build settled
 * meanwhile. A page still running its scripts asks the server nothing,
 * yet may be about to: a dev bundle of 10,000 modules runs for ~250 ms
 * after its last byte, and with 200 ms of quiet the collection fell on the
 * page's next request (a reload right after the first load waited 74 ms
 * for it). Only
 * after at least {@linkcode IdleMemoryReleaseOptions.minBuilds} builds since
 * the last release, so an edit-save-edit session (a build or two each) is
 * never paused by it.
 *
 * The collection needs V8's `gc` function, which Deno exposes with
 * `--v8-flags=--expose-gc`: the CLI's re-run server has it
 * (`server/app_context.ts`); a server made by `createServer()` in a process
 * without it does not release early (V8 does, in its own time).
 *
 * @module
 */

/** Options of {@linkcode IdleMemoryRelease}. */
export interface IdleMemoryReleaseOptions {
  /** Runs the memory-reducing collection. */
  collect: () => void;
  /**
   * Counts builds settled (and dropped) so far; it grows, or starts again
   * from 0 when the server makes a new pipeline (a config change).
   */
  builds: () => number;
  /** Quiet time before a release, ms. Default 1000. */
  quietMs?: number;
  /** Builds since the last release that make one worth it. Default 256. */
  minBuilds?: number;
}

/** V8's `gc()` with its options (`--expose-gc`). */
type V8Gc = (options: {
  type: "major";
  execution: "sync";
  flavor: "last-resort";
}) => void;

/**
 * The memory-reducing collection of this process, or null when V8's `gc`
 * is not exposed.
 *
 * @example
 * ```ts
 * import { exposedMemoryCollection } from "./idle_memory_release.ts";
 * const collect = exposedMemoryCollection();
 * if (collect) collect();
 * ```
 */
export function exposedMemoryCollection(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== "function") return null;
  return () =>
    (gc as V8Gc)({ type: "major", execution: "sync", flavor: "last-resort" });
}

/**
 * Watches requests and builds; runs the collection at the first quiet
 * moment after a burst of builds.
 *
 * @example
 * ```ts
 * import { IdleMemoryRelease } from "./idle_memory_release.ts";
 * let builds = 0;
 * const release = new IdleMemoryRelease({
 *   collect: () => console.log("collected"),
 *   builds: () => builds,
 * });
 * release.requestStarted();
 * builds += 1000;
 * release.requestEnded(); // "collected" a second later, if all stays quiet
 * release.close();
 * ```
 */
export class IdleMemoryRelease {
  #o: Required<IdleMemoryReleaseOptions>;
  #inFlight = 0;
  #releasedAt: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #releases = 0;

  constructor(options: IdleMemoryReleaseOptions) {
    this.#o = { quietMs: 1000, minBuilds: 256, ...options };
    this.#releasedAt = options.builds();
  }

  /** Collections run so far. */
  get releases(): number {
    return this.#releases;
  }

  /** A request came in. */
  requestStarted(): void {
    this.#inFlight++;
    this.#cancel();
  }

  /** A request was answered (or failed). */
  requestEnded(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight === 0) this.#schedule();
  }

  /** Stops watching: no collection runs after this. */
  close(): void {
    this.#closed = true;
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#cancel();
    if (this.#closed) return;
    const buildsThen = this.#o.builds();
    // A counter that went back is a new one (the server restarted its
    // pipeline on a config change).
    if (buildsThen < this.#releasedAt) this.#releasedAt = 0;
    if (buildsThen - this.#releasedAt < this.#o.minBuilds) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#inFlight > 0 || this.#closed) return;
      // Builds settled meanwhile (a crawl after the response): not quiet.
      if (this.#o.builds() !== buildsThen) return this.#schedule();
      this.#releasedAt = buildsThen;
      this.#releases++;
      this.#o.collect();
    }, this.#o.quietMs);
    // Never what keeps the process alive.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }
}
