/**
 * File stamps (mtime, size, inode): what tells that a file's content changed
 * without reading it. {@linkcode FileStamps} keeps the last known stamp of
 * every file of the tree, so that changes whose events were lost can still
 * be found, and checks the paths of a batch on disk.
 *
 * @module
 */

import { sep as SEPARATOR } from "node:path";
import type { FileChangeKind } from "./types.ts";

/** What tells a file's content changed without reading it. */
export interface FileStamp {
  /** Last modification, in ms since the epoch (0 if unknown). */
  mtimeMs: number;
  /** Size in bytes. */
  size: number;
  /** Inode, where the platform has one: an atomic save makes a new one. */
  ino: number | null;
}

/** The stamp of a file from its `Deno.stat`. */
export function stampOf(info: Deno.FileInfo): FileStamp {
  return {
    mtimeMs: info.mtime?.getTime() ?? 0,
    size: info.size,
    ino: info.ino,
  };
}

/** True when two stamps describe the same content. */
export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

/** Files stamped between two turns of the event loop. */
const STAT_SLICE = 500;

/**
 * How far a file's mtime may lag the wall clock it was written at: the
 * kernel stamps files from a coarse clock, a tick (up to 10 ms) behind.
 */
const MTIME_LAG_MS = 50;

/**
 * The stamps of every file under `root` that `isIgnored` lets through.
 * Symlinked directories are not followed; paths that vanish are skipped.
 * A few stats at a time: Deno runs each on a pool thread, and a thousand at
 * once grew the server by up to 15 MB of threads.
 */
export async function stampTree(
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
  // Sync stats in slices, the event loop served between them: an async
  // stat's overhead was most of its cost (10,000 files: 87 ms of the main
  // thread while the first page's modules were being built).
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && i % STAT_SLICE === 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    try {
      stamps.set(files[i], stampOf(Deno.statSync(files[i])));
    } catch { /* removed meanwhile */ }
  }
  return stamps;
}

/**
 * The last known stamp of every file under a root. It starts with a walk of
 * the tree ({@linkcode FileStamps.ready}); each checked batch and each tree
 * check brings it up to date.
 */
export class FileStamps {
  #root: string;
  #isIgnored: (path: string) => boolean;
  #stamps = new Map<string, FileStamp>();
  /**
   * Files the first walk found written since the watch began: their stamps
   * are the baseline, but a folder's check still reports them. A file
   * written into a new folder before the folder's watch was set up has no
   * events; were the walk's stamp trusted, the folder's check (which
   * compares stamps) would never report it.
   */
  #walkedAfterWrite = new Set<string>();
  /** Resolves once the first walk of the tree is recorded. */
  readonly ready: Promise<void>;

  #stopped = false;

  /**
   * Starts the first walk of `root` (once `after` settles, if given). The
   * tree's events are taken to be watched from now on.
   */
  constructor(
    root: string,
    isIgnored: (path: string) => boolean,
    after?: Promise<unknown>,
  ) {
    this.#root = root;
    this.#isIgnored = isIgnored;
    const watchedSince = Date.now() - MTIME_LAG_MS;
    const walk = (): Promise<Map<string, FileStamp>> =>
      this.#stopped ? Promise.resolve(new Map()) : stampTree(root, isIgnored);
    const tree = after ? after.then(walk, walk) : walk();
    this.ready = tree.then((tree) => {
      for (const [path, stamp] of tree) {
        // Batches checked meanwhile stamped their files more recently.
        if (this.#stamps.has(path)) continue;
        this.#stamps.set(path, stamp);
        if (stamp.mtimeMs >= watchedSince) this.#walkedAfterWrite.add(path);
      }
    });
  }

  /** A first walk that has not started yet will not. */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Checks `paths` on disk: a file is an update, a missing path a delete. A
   * directory (created or moved in) reports its files whose stamps differ
   * (files written into it before its watch was set up have no events of
   * their own); a removed directory reports the files known inside it as
   * deletes (it is one event: its files went with it).
   */
  async check(paths: Iterable<string>): Promise<Map<string, FileChangeKind>> {
    const changes = new Map<string, FileChangeKind>();
    for (const path of paths) {
      try {
        const info = await Deno.stat(path);
        if (info.isFile) {
          changes.set(path, "update");
          this.#stamps.set(path, stampOf(info));
          this.#walkedAfterWrite.delete(path);
        } else if (info.isDirectory) {
          for (const [file, stamp] of await stampTree(path, this.#isIgnored)) {
            const known = this.#stamps.get(file);
            if (
              known && sameStamp(known, stamp) &&
              !this.#walkedAfterWrite.has(file)
            ) continue;
            changes.set(file, "update");
            this.#stamps.set(file, stamp);
            this.#walkedAfterWrite.delete(file);
          }
        }
      } catch {
        changes.set(path, "delete");
        this.#stamps.delete(path);
        this.#walkedAfterWrite.delete(path);
        const inside = path + SEPARATOR;
        for (const file of [...this.#stamps.keys()]) {
          if (!file.startsWith(inside)) continue;
          changes.set(file, "delete");
          this.#stamps.delete(file);
          this.#walkedAfterWrite.delete(file);
        }
      }
    }
    return changes;
  }

  /**
   * Walks the tree and returns what differs on disk from the known stamps,
   * except paths `skip` accepts (paths whose events are pending: their own
   * batch reports them); the walk becomes the known stamps.
   */
  async unreported(
    skip: (path: string) => boolean,
  ): Promise<Map<string, FileChangeKind>> {
    const changes = new Map<string, FileChangeKind>();
    await this.ready;
    const tree = await stampTree(this.#root, this.#isIgnored);
    for (const [path, stamp] of tree) {
      const known = this.#stamps.get(path);
      if (skip(path) || (known && sameStamp(known, stamp))) continue;
      changes.set(path, "update");
    }
    for (const path of this.#stamps.keys()) {
      if (!tree.has(path) && !skip(path)) changes.set(path, "delete");
    }
    this.#stamps = tree;
    return changes;
  }
}
