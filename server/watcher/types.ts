/**
 * The watcher's public shapes: what a change is, the options, and the two
 * handles (the live watcher and the batcher that replays events).
 *
 * @module
 */

/** What happened to a path, as seen on disk after the batch settled. */
export type FileChangeKind = "update" | "delete";

/** Options of `watchFiles` and {@linkcode ChangeBatcher}s. */
export interface WatchOptions {
  /** Directories that are never reported, relative to the root or absolute. */
  ignoreDirs?: string[];
  /**
   * Quiet time that ends a batch of several files (a checkout, a formatter
   * run), or of one file whose writer has not closed it yet, in ms. Default:
   * 50.
   */
  burstSettleMs?: number;
  /**
   * Quiet time that ends a batch of one removed file, in ms: long enough for
   * an editor that saves by remove + create to write the file anew, so the
   * save is one update and not a delete and an update. Default: 100.
   */
  removeSettleMs?: number;
  /** Longest a batch may keep growing, in ms. Default: 300. */
  maxWaitMs?: number;
  /** Called with each batch; errors are logged, never thrown. */
  onBatch: (changes: Map<string, FileChangeKind>) => void | Promise<void>;
  /** Called when the watcher itself fails. */
  onError?: (error: unknown) => void;
  /**
   * The first walk of the tree (its stamps: {@linkcode FileWatcher.ready})
   * starts once this settles, not at once: the server's scan of the page's
   * modules needs the thread first (a 10,000-file tree took ~150 ms).
   */
  stampAfter?: Promise<unknown>;
}

/** A running watcher. */
export interface FileWatcher {
  /**
   * Resolves once the watcher has stamped the files of the tree: changes
   * made before that are found only through their events, which Deno can
   * drop.
   */
  ready: Promise<void>;
  /** Stops watching; a batch still being gathered is dropped. */
  close(): void;
}

/** Turns the file events of a root, in order, into settled batches. */
export interface ChangeBatcher {
  /** As {@linkcode FileWatcher.ready}. */
  ready: Promise<void>;
  /**
   * Resolves when nothing is left to report: no batch being gathered, no
   * check of the tree due, every batch handed to `onBatch`.
   */
  idle(): Promise<void>;
  /** Takes the next event, in the order the watcher reported them. */
  push(event: Deno.FsEvent): void;
  /** Drops the batch being gathered; nothing more is reported. */
  close(): void;
}
