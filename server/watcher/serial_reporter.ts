/**
 * Serial reporting: the watcher's jobs (checking a batch on disk, checking
 * the tree) run one after another, so batches reach `onBatch` in order and
 * one at a time.
 *
 * @module
 */

import type { FileChangeKind, WatchOptions } from "./types.ts";

/** Runs jobs one at a time and hands their batches to `onBatch`. */
export class SerialReporter {
  #onBatch: WatchOptions["onBatch"];
  #onError: WatchOptions["onError"];
  #running = Promise.resolve();
  #jobs = 0;
  #closed = false;

  /** A reporter to `onBatch`; its errors go to `onError`, never thrown. */
  constructor(
    onBatch: WatchOptions["onBatch"],
    onError?: WatchOptions["onError"],
  ) {
    this.#onBatch = onBatch;
    this.#onError = onError;
  }

  /** True while a job is queued or running. */
  get busy(): boolean {
    return this.#jobs > 0;
  }

  /** Queues `job` after the ones before it. */
  enqueue(job: () => Promise<void>): void {
    this.#jobs++;
    this.#running = this.#running.then(job).finally(() => this.#jobs--);
  }

  /** Hands `changes` to `onBatch`, unless empty or closed. */
  async report(changes: Map<string, FileChangeKind>): Promise<void> {
    if (changes.size === 0 || this.#closed) return;
    try {
      await this.#onBatch(changes);
    } catch (err) {
      this.#onError?.(err);
    }
  }

  /** Nothing more is reported. */
  close(): void {
    this.#closed = true;
  }
}
