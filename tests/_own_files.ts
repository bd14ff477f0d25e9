/**
 * The files of this repository that run when BananaJS runs: `mod.ts`,
 * `deno.json` and every module of `server/` and `client/` except tests.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const REPO_ROOT: string = dirname(
  dirname(fileURLToPath(import.meta.url)),
);

async function walk(dir: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await walk(path, out);
    else if (
      entry.isFile && /\.tsx?$/.test(entry.name) &&
      !/_test\.tsx?$/.test(entry.name)
    ) {
      out.push(path);
    }
  }
}

/** `mod.ts` and the non-test modules of `server/` and `client/`, sorted. */
export async function ownSourceFiles(): Promise<string[]> {
  const out = [join(REPO_ROOT, "mod.ts")];
  await walk(join(REPO_ROOT, "server"), out);
  await walk(join(REPO_ROOT, "client"), out);
  return out.sort();
}
