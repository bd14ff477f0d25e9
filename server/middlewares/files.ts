/**
 * Finding the file a request names in the public folder or the root, with
 * the deny rule checked on the real file.
 *
 * @module
 */

import { assertReadable } from "../fs_deny.ts";
import { resolveSafeFile } from "../path_safety.ts";
import type { ResolvedConfig } from "../types.ts";
import { allowDirs, fsRules } from "./context.ts";

/** The file of the public folder at `pathname`, if there is one. */
export async function findPublic(
  config: ResolvedConfig,
  pathname: string,
): Promise<string | null> {
  const { publicDir } = config;
  if (!publicDir) return null;
  const inPublic = await resolveSafeFile(publicDir, pathname, [publicDir]);
  if (!inPublic || !(await Deno.stat(inPublic)).isFile) return null;
  assertReadable(inPublic, { ...fsRules(config, publicDir), allow: [] });
  return inPublic;
}

/** The file at `pathname`: the public folder's first, then the root's. */
export async function findStatic(
  config: ResolvedConfig,
  pathname: string,
): Promise<string | null> {
  const inPublic = await findPublic(config, pathname);
  if (inPublic) return inPublic;
  const file = await resolveSafeFile(config.root, pathname, allowDirs(config));
  if (file && (await Deno.stat(file)).isFile) {
    assertReadable(file, fsRules(config));
    return file;
  }
  return null;
}
