/**
 * File watching on `Deno.watchFs`, coalesced into batches: one save (or one
 * `git checkout` of hundreds of files) becomes one batch. Event kinds are not
 * trusted — atomic saves show up as `rename`, vim saves as remove + create —
 * so every path in a batch is checked on disk: it exists (`update`) or not
 * (`delete`).
 *
 * @module
 */

import { basename, relative, sep as SEPARATOR } from "node:path";

/** What happened to a path, as seen on disk after the batch settled. */
export type FileChangeKind = "update" | "delete";

/** Options of {@linkcode watchFiles}. */
export interface WatchOptions {
  /** Directories that are never reported, relative to the root or absolute. */
  ignoreDirs?: string[];
  /** Quiet time that ends a batch, in ms. Default: 3. */
  settleMs?: number;
  /**
   * Quiet time that ends a batch of several files (a checkout, a formatter
   * run), in ms, so that a burst stays one batch. Default: 50.
   */
  burstSettleMs?: number;
  /** Longest a batch may keep growing, in ms. Default: 300. */
  maxWaitMs?: number;
  /** Called with each batch; errors are logged, never thrown. */
  onBatch: (changes: Map<string, FileChangeKind>) => void | Promise<void>;
  /** Called when the watcher itself fails. */
  onError?: (error: unknown) => void;
}

/** A running watcher. */
export interface FileWatcher {
  close(): void;
}

const EDITOR_TEMP = [
  /\.swp$/,
  /\.swx$/,
  /~$/,
  /^\.#/,
  /\.tmp\./,
  /\.tmp$/,
  /^\d+$/, // vim's write test file "4913"
  /___jb_(tmp|old)___$/, // JetBrains "safe write"
  /\.kate-swp$/,
  /^\.goutputstream-/, // gedit and other GIO editors
];

/** Saves of other files this soon after a lone save are taken as a burst. */
const BURST_GAP_MS = 30;

/** True for editor scratch files that never count as changes. */
export function isEditorTempFile(path: string): boolean {
  const name = basename(path);
  return EDITOR_TEMP.some((pattern) => pattern.test(name));
}

/**
 * Watches `root` recursively and reports settled batches of changes.
 *
 * @example
 * ```ts
 * const watcher = watchFiles("/app", { onBatch: (c) => console.log(c) });
 * watcher.close();
 * ```
 */
export function watchFiles(root: string, options: WatchOptions): FileWatcher {
  const settleMs = options.settleMs ?? 3;
  const burstSettleMs = options.burstSettleMs ?? 50;
  const maxWaitMs = options.maxWaitMs ?? 300;
  const ignored = [".git", "node_modules", ...(options.ignoreDirs ?? [])]
    .map((dir) =>
      relative(root, dir.startsWith(SEPARATOR) ? dir : `${root}/${dir}`)
    );
  const isIgnored = (path: string) => {
    const rel = relative(root, path);
    if (rel.startsWith("..")) return true;
    return ignored.some((dir) =>
      rel === dir || rel.startsWith(dir + SEPARATOR)
    ) ||
      rel.split(SEPARATOR).some((part) =>
        part === ".git" || part === "node_modules"
      ) ||
      isEditorTempFile(path);
  };

  const watcher = Deno.watchFs(root, { recursive: true });
  let lastLoneAt = -Infinity;
  let lastLone = new Set<string>();
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstEventAt = 0;
  let running = Promise.resolve();
  const isGone = (path: string) => {
    try {
      Deno.statSync(path);
      return false;
    } catch {
      return true;
    }
  };

  const flush = (lone = false) => {
    timer = undefined;
    const paths = pending;
    pending = new Set();
    running = running.then(async () => {
      const changes = new Map<string, FileChangeKind>();
      for (const path of paths) {
        try {
          const info = await Deno.stat(path);
          if (info.isFile) changes.set(path, "update");
        } catch {
          changes.set(path, "delete");
        }
      }
      // A lone save sent at once: if other files changed while it was being
      // checked, it is the start of a burst — keep it for the burst's batch.
      if (lone && [...pending].some((path) => !paths.has(path))) {
        for (const path of paths) pending.add(path);
        clearTimeout(timer);
        timer = setTimeout(flush, burstSettleMs);
        return;
      }
      if (changes.size === 0) return;
      try {
        await options.onBatch(changes);
      } catch (err) {
        options.onError?.(err);
      }
    });
  };

  (async () => {
    try {
      for await (const event of watcher) {
        if (event.kind === "other") continue;
        // "access" is the writer closing the file (inotify's close-write);
        // it only ends a save already pending, it never starts one.
        if (
          event.kind === "access" && !event.paths.some((p) => pending.has(p))
        ) continue;
        let added = event.kind === "access";
        for (const path of event.paths) {
          if (isIgnored(path)) continue;
          pending.add(path);
          added = true;
        }
        if (!added) continue;
        const now = performance.now();
        if (timer === undefined) firstEventAt = now;
        clearTimeout(timer);
        // A file closed after writing, or renamed into place (an atomic
        // save), is complete: a lone save goes out at once. Other events of
        // one file settle fast. Several files are a burst that may go on, and
        // a file that is gone may be a vim-style save about to write it anew:
        // wait longer for quiet, so either becomes one decision.
        const finished = event.kind === "access" || event.kind === "rename";
        // Another file right after a lone save went out: a burst has begun.
        const burstBegun = now - lastLoneAt < BURST_GAP_MS &&
          [...pending].some((path) => !lastLone.has(path));
        const quiet = pending.size > 1 || burstBegun ||
            [...pending].some(isGone)
          ? burstSettleMs
          : finished
          ? 0
          : settleMs;
        if (quiet === 0) {
          lastLoneAt = now;
          lastLone = new Set(pending);
        }
        const wait = now - firstEventAt >= maxWaitMs ? 0 : quiet;
        // Even a 0 ms timer costs about 2 ms in Deno: a finished lone save
        // is flushed at once (the stat in `flush` lets a burst show itself).
        if (wait === 0) flush(quiet === 0);
        else timer = setTimeout(flush, wait);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) options.onError?.(err);
    }
  })();

  return {
    close() {
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
