/**
 * Reading a module's source file: the checks on the file (inside the
 * allowed folders, not denied, nor a link to a denied file) and the read
 * itself, which waits out an in-place save caught half-way.
 *
 * @module
 */

import { isAbsolute, relative } from "node:path";
import { BananaError } from "./errors.ts";
import { assertReadable, type FsRules } from "./fs_deny.ts";
import { isAllowedPath, UnsafePathError } from "./path_safety.ts";

/**
 * How long an emptied file may wait for its content, in ms: a writer slowed
 * by a loaded machine was seen to keep a file truncated for over 70 ms.
 */
export const EMPTY_SAVE_GRACE_MS = 1000;

/**
 * Reads a source file. An empty read may be an in-place save caught between
 * its truncate and its write (the watcher and the page both race editors):
 * while the file is empty and was modified less than
 * {@linkcode EMPTY_SAVE_GRACE_MS} ago, wait for its content. A file emptied
 * on purpose is served empty once it has stayed so that long.
 */
export async function readSourceFile(file: string): Promise<string> {
  let text = await Deno.readTextFile(file);
  // Also bounded by its own clock: an mtime in the future never ages.
  const deadline = performance.now() + EMPTY_SAVE_GRACE_MS;
  while (text === "" && performance.now() < deadline) {
    const { mtime } = await Deno.stat(file);
    if (!mtime || Date.now() - mtime.getTime() >= EMPTY_SAVE_GRACE_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    text = await Deno.readTextFile(file);
  }
  return text;
}

/**
 * The source of a module no plugin loaded: its file, read with
 * {@linkcode readSourceFile}. A missing file or a directory fails with a
 * {@linkcode BananaError} naming it relative to `root`.
 */
export async function readModuleSource(
  file: string,
  root: string,
): Promise<string> {
  try {
    return await readSourceFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new BananaError({
        message: `File not found: ${relative(root, file)}`,
        id: file,
        plugin: "load",
      }, { code: "not-found" });
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new BananaError({ message: `${file} is a directory`, id: file });
    }
    throw err;
  }
}

/** Where module files may be read from. */
export interface ModuleReadRules {
  root: string;
  fsAllow: string[];
  /** True for a file of an npm package in use (served as it is). */
  ownsPackageFile?: (file: string) => boolean;
  /** The deny rules (`server.fs.deny`) and allowed folders of reads. */
  fsRules: FsRules;
}

/**
 * The file a module id reads, whoever loads it (a plugin's `load` such
 * as `?raw`, or the default read): its file, or the absolute path an
 * `/@id/` URL names. It must be inside the allowed folders, and neither
 * it nor the file it links to may match `server.fs.deny`. A virtual
 * module (no absolute path) reads no file.
 */
export function assertModuleReadable(
  id: string,
  file: string | null,
  rules: ModuleReadRules,
): void {
  const q = id.search(/[?#]/);
  const path = file ?? (q < 0 ? id : id.slice(0, q));
  if (!isAbsolute(path)) return;
  if (
    !isAllowedPath(path, rules.root, rules.fsAllow) &&
    !rules.ownsPackageFile?.(path)
  ) {
    throw new UnsafePathError(
      `Refused ${path}: it is outside the root and not in server.fs.allow`,
      403,
      "OUTSIDE_ROOT",
    );
  }
  assertReadable(path, rules.fsRules);
}
