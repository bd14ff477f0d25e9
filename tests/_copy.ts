/**
 * Copies a directory tree (for running examples in temp dirs).
 *
 * @module
 */

import { join } from "node:path";

/** Copies `from` into `to` recursively, skipping `.banana` caches. */
export async function copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === ".banana") continue;
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory) await copy(src, dst);
    else if (entry.isFile) await Deno.copyFile(src, dst);
  }
}
