/**
 * `server.watcher` as Vite plugins use it, fed by the server's own watcher.
 *
 * @module
 */

import { EventEmitter } from "node:events";

/**
 * `server.watcher`: Vite's is a chokidar watcher; plugins listen to its
 * `change`, `add` and `unlink` events. This one is fed by the server's own
 * watcher; `add()` and `unwatch()` do nothing (the whole root is watched).
 */
export class WatcherEvents extends EventEmitter {
  /** Accepted for compatibility: the whole root is watched already. */
  add(_paths: string | string[]): this {
    return this;
  }
  /** Accepted for compatibility. */
  unwatch(_paths: string | string[]): this {
    return this;
  }
  /** Emits `change`/`add`/`unlink` (and `all`) for one changed file. */
  report(event: "change" | "add" | "unlink", file: string): void {
    try {
      this.emit(event, file);
      this.emit("all", event, file);
    } catch (err) {
      console.error(`[banana] a watcher.on("${event}") listener threw:`, err);
    }
  }
}
