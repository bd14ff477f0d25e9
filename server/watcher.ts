/**
 * File watching on `Deno.watchFs`, coalesced into batches: one save (or one
 * `git checkout` of hundreds of files) becomes one batch. Event kinds are not
 * trusted — atomic saves show up as `rename`, vim saves as remove + create —
 * so every path in a batch is checked on disk: it exists (`update`) or not
 * (`delete`).
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
 * Events can also be lost when JS is busy while many files change (notify
 * then says `rescan`; Deno's own channel drops them silently). The watcher
 * keeps a stamp (mtime, size, inode) of every file and, after signs of
 * loss, reports what differs on disk as a batch of its own.
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

/**
 * Where a changed path stands after its latest event: still changing
 * (created or modified and not closed yet, or moved with the move not fully
 * reported), complete (closed after writing, or renamed into place), or
 * removed (deleted, or renamed away).
 */
type PathState = "changing" | "complete" | "removed";

/** The state of `event.paths[index]` after `event`. */
function stateAfter(event: Deno.FsEvent, index: number): PathState {
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

/** Saves of other files this soon after a lone save are taken as a burst. */
const BURST_GAP_MS = 30;

/**
 * Deno passes watcher events to JS through a channel of 16 and drops those
 * that do not fit while JS is busy, without a word. A full channel shows as
 * this many events in a row, each arriving within
 * {@linkcode BACK_TO_BACK_MS} of the one before (as does a fast burst of
 * writes); after that some may be lost, so the tree is checked against the
 * known stamps.
 */
const DENO_EVENT_SLOTS = 16;

/** Events this close together, in ms, were queued, not waited for. */
const BACK_TO_BACK_MS = 1;

/** Longest that events coming in may put off a check of the tree, in ms. */
const TREE_CHECK_MAX_DELAY_MS = 1000;

/** What tells a file's content changed without reading it. */
interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number | null;
}

function stampOf(info: Deno.FileInfo): FileStamp {
  return {
    mtimeMs: info.mtime?.getTime() ?? 0,
    size: info.size,
    ino: info.ino,
  };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

/** Stats in flight at once while stamping a tree. */
const STAT_CONCURRENCY = 8;

/**
 * The stamps of every file under `root` that `isIgnored` lets through.
 * Symlinked directories are not followed; paths that vanish are skipped.
 * A few stats at a time: Deno runs each on a pool thread, and a thousand at
 * once grew the server by up to 15 MB of threads.
 */
async function stampTree(
  root: string,
  isIgnored: (path: string) => boolean,
): Promise<Map<string, FileStamp>> {
  const files: string[] = [];
  const list = async (dir: string) => {
    const subdirs: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = `${dir}${SEPARATOR}${entry.name}`;
        if (isIgnored(path)) continue;
        if (entry.isDirectory) subdirs.push(path);
        else if (entry.isFile) files.push(path);
      }
    } catch { /* removed meanwhile */ }
    for (const subdir of subdirs) await list(subdir);
  };
  await list(root);
  const stamps = new Map<string, FileStamp>();
  let next = 0;
  const stampRest = async () => {
    while (next < files.length) {
      const path = files[next++];
      try {
        stamps.set(path, stampOf(await Deno.stat(path)));
      } catch { /* removed meanwhile */ }
    }
  };
  await Promise.all(Array.from({ length: STAT_CONCURRENCY }, stampRest));
  return stamps;
}

/** True for editor scratch files that never count as changes. */
export function isEditorTempFile(path: string): boolean {
  const name = basename(path);
  return EDITOR_TEMP.some((pattern) => pattern.test(name));
}

/** Turns the file events of `root`, in order, into settled batches. */
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

/**
 * Groups the file events of `root` into batches, one per save or burst, and
 * reports each with every path checked on disk. Separate from the watcher so
 * that the orders events arrive in (which vary with machine load) can be
 * replayed exactly.
 *
 * @example
 * ```ts
 * const batcher = batchChanges("/app", { onBatch: (c) => console.log(c) });
 * batcher.push({ kind: "modify", paths: ["/app/a.ts"] });
 * batcher.push({ kind: "access", paths: ["/app/a.ts"] });
 * ```
 */
export function batchChanges(
  root: string,
  options: WatchOptions,
): ChangeBatcher {
  const burstSettleMs = options.burstSettleMs ?? 50;
  const removeSettleMs = options.removeSettleMs ?? 100;
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

  let closed = false;
  /** The last known stamp of every file, to find changes whose events were lost. */
  let stamps = new Map<string, FileStamp>();
  const initialStamps = stampTree(root, isIgnored).then((tree) => {
    // Batches reported meanwhile stamped their files more recently.
    for (const [path, stamp] of tree) {
      if (!stamps.has(path)) stamps.set(path, stamp);
    }
  });
  let lastEventAt = -Infinity;
  let eventsInRow = 0;
  let treeCheckTimer: ReturnType<typeof setTimeout> | undefined;
  /** Since when a check of the tree is due (events may have been lost). */
  let treeCheckDueSince: number | null = null;
  /** Jobs (batches, tree checks) queued on `running` and not done. */
  let jobs = 0;
  let lastLoneAt = -Infinity;
  let lastLone = new Set<string>();
  /** The paths of the batch being gathered, each with its last state. */
  let pending = new Map<string, PathState>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstEventAt = 0;
  let running = Promise.resolve();
  const enqueue = (job: () => Promise<void>) => {
    jobs++;
    running = running.then(job).finally(() => jobs--);
  };

  const flush = (lone = false) => {
    timer = undefined;
    const paths = new Set(pending.keys());
    pending = new Map();
    enqueue(async () => {
      const changes = new Map<string, FileChangeKind>();
      for (const path of paths) {
        try {
          const info = await Deno.stat(path);
          if (info.isFile) {
            changes.set(path, "update");
            stamps.set(path, stampOf(info));
          } else if (info.isDirectory) {
            // A directory created or moved in: files written into it before
            // its watch was set up have no events of their own.
            for (const [file, stamp] of await stampTree(path, isIgnored)) {
              const known = stamps.get(file);
              if (known && sameStamp(known, stamp)) continue;
              changes.set(file, "update");
              stamps.set(file, stamp);
            }
          }
        } catch {
          changes.set(path, "delete");
          stamps.delete(path);
          // A removed directory is one event: its files went with it.
          const inside = path + SEPARATOR;
          for (const file of [...stamps.keys()]) {
            if (!file.startsWith(inside)) continue;
            changes.set(file, "delete");
            stamps.delete(file);
          }
        }
      }
      // A lone save sent at once: if other files changed while it was being
      // checked, it is the start of a burst — keep it for the burst's batch.
      if (lone && [...pending.keys()].some((path) => !paths.has(path))) {
        for (const path of paths) {
          if (!pending.has(path)) pending.set(path, "complete");
        }
        clearTimeout(timer);
        timer = setTimeout(flush, burstSettleMs);
        return;
      }
      await report(changes);
    });
  };

  // After signs of lost events, the tree is checked once events stop
  // coming: during a burst the walk would only find files whose events are
  // on their way, and report them twice. What it finds is a batch of its
  // own, so no batch waits for a walk.
  const postponeTreeCheck = (now: number) => {
    treeCheckDueSince ??= now;
    if (
      treeCheckTimer !== undefined &&
      now - treeCheckDueSince >= TREE_CHECK_MAX_DELAY_MS
    ) return;
    clearTimeout(treeCheckTimer);
    treeCheckTimer = setTimeout(checkTree, burstSettleMs);
  };
  const checkTree = () => {
    // A batch still being gathered goes first.
    if (timer !== undefined) {
      treeCheckTimer = setTimeout(checkTree, burstSettleMs);
      return;
    }
    treeCheckTimer = undefined;
    treeCheckDueSince = null;
    enqueue(async () => await report(await unreportedChanges()));
  };

  const report = async (changes: Map<string, FileChangeKind>) => {
    if (changes.size === 0 || closed) return;
    try {
      await options.onBatch(changes);
    } catch (err) {
      options.onError?.(err);
    }
  };

  /**
   * What differs on disk from the known stamps, except paths whose events
   * are pending (their own batch reports them).
   */
  const unreportedChanges = async () => {
    const changes = new Map<string, FileChangeKind>();
    await initialStamps;
    const tree = await stampTree(root, isIgnored);
    for (const [path, stamp] of tree) {
      const known = stamps.get(path);
      if (pending.has(path) || (known && sameStamp(known, stamp))) continue;
      changes.set(path, "update");
    }
    for (const path of stamps.keys()) {
      if (!tree.has(path) && !pending.has(path)) changes.set(path, "delete");
    }
    stamps = tree;
    return changes;
  };

  const push = (event: Deno.FsEvent) => {
    const now = performance.now();
    eventsInRow = now - lastEventAt < BACK_TO_BACK_MS ? eventsInRow + 1 : 1;
    lastEventAt = now;
    // A run as from a full channel, or notify's own word that events were
    // lost (seen when JS was busy while hundreds of files changed), makes a
    // check of the tree due; each event until then puts it off.
    if (
      eventsInRow >= DENO_EVENT_SLOTS || event.flag === "rescan" ||
      treeCheckDueSince !== null
    ) postponeTreeCheck(now);
    if (event.flag === "rescan" || event.kind === "other") return;
    // "access" is the writer closing the file (inotify's close-write);
    // it only ends a save already pending, it never starts one.
    if (
      event.kind === "access" && !event.paths.some((p) => pending.has(p))
    ) return;
    let added = false;
    event.paths.forEach((path, index) => {
      if (isIgnored(path)) return;
      pending.set(path, stateAfter(event, index));
      added = true;
    });
    if (!added) return;
    if (timer === undefined) firstEventAt = now;
    clearTimeout(timer);
    // A lone complete file goes out at once. Several files are a burst
    // that may go on, a changing file is waited for until it is closed
    // or its move is paired, and a removed file may be a vim-style save
    // about to write it anew: each waits for quiet, so it becomes one
    // decision.
    // Another file right after a lone save went out: a burst has begun.
    const burstBegun = now - lastLoneAt < BURST_GAP_MS &&
      [...pending.keys()].some((path) => !lastLone.has(path));
    const states = [...pending.values()];
    const quiet = pending.size > 1 || burstBegun
      ? burstSettleMs
      : states[0] === "removed"
      ? removeSettleMs
      : states[0] === "changing"
      ? burstSettleMs
      : 0;
    if (quiet === 0) {
      lastLoneAt = now;
      lastLone = new Set(pending.keys());
    }
    const wait = now - firstEventAt >= maxWaitMs ? 0 : quiet;
    // Even a 0 ms timer costs about 2 ms in Deno: a complete lone save
    // is flushed at once (the stat in `flush` lets a burst show itself).
    if (wait === 0) flush(quiet === 0);
    else timer = setTimeout(flush, wait);
  };

  return {
    ready: initialStamps,
    async idle() {
      while (timer !== undefined || treeCheckTimer !== undefined || jobs > 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    push,
    close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(treeCheckTimer);
    },
  };
}
