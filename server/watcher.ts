/**
 * File watching on `Deno.watchFs`, coalesced into batches: one save (or one
 * `git checkout` of hundreds of files) becomes one batch. Event kinds are not
 * trusted — atomic saves show up as `rename`, vim saves as remove + create —
 * so every path in a batch is checked on disk: it exists (`update`) or not
 * (`delete`).
 *
 * The parts live in `server/watcher/`: the save-event state machine
 * (`save_state.ts`), the ignore rules (`ignore_rules.ts`), file stamps
 * (`file_stamps.ts`), the lost-event detector (`loss_detector.ts`), serial
 * reporting (`serial_reporter.ts`) and the batcher that composes them
 * (`batcher.ts`, {@linkcode batchChanges}). This module wires the batcher to
 * a real `Deno.watchFs`.
 *
 * @module
 */

import { batchChanges } from "./watcher/batcher.ts";
import type { FileWatcher, WatchOptions } from "./watcher/types.ts";

export { batchChanges } from "./watcher/batcher.ts";
export { isEditorTempFile } from "./watcher/ignore_rules.ts";
export type {
  ChangeBatcher,
  FileChangeKind,
  FileWatcher,
  WatchOptions,
} from "./watcher/types.ts";

/**
 * Watches `root` recursively and reports settled batches of changes.
 *
 * @example
 * ```ts
 * import { watchFiles } from "./watcher.ts";
 * const watcher = watchFiles("/app", { onBatch: (c) => console.log(c) });
 * watcher.close();
 * ```
 */
export function watchFiles(root: string, options: WatchOptions): FileWatcher {
  const batcher = batchChanges(root, options);
  const watcher = Deno.watchFs(root, { recursive: true });
  (async () => {
    try {
      for await (const event of watcher) batcher.push(event);
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) options.onError?.(err);
    }
  })();
  return {
    ready: batcher.ready,
    close() {
      batcher.close();
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
