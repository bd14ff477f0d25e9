/**
 * Which paths the watcher never reports: anything outside the root, inside
 * a `.git` or `node_modules` directory at any depth, inside a configured
 * ignored directory, or an editor's scratch file.
 *
 * @module
 */

import { basename, sep as SEPARATOR } from "node:path";
import { pathBelow } from "../path_safety.ts";

/** Directory names ignored wherever they appear in the tree. */
const IGNORED_DIR_NAMES = new Set([".git", "node_modules"]);

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
 * True for editor scratch files that never count as changes.
 *
 * @example
 * ```ts
 * import { isEditorTempFile } from "./ignore_rules.ts";
 * isEditorTempFile("/app/.main.ts.swp"); // true
 * ```
 */
export function isEditorTempFile(path: string): boolean {
  const name = basename(path);
  return EDITOR_TEMP.some((pattern) => pattern.test(name));
}

/**
 * The ignore test of a watched `root`; `ignoreDirs` are relative to the root
 * or absolute.
 *
 * @example
 * ```ts
 * import { ignoreRules } from "./ignore_rules.ts";
 * const isIgnored = ignoreRules("/app", ["dist"]);
 * isIgnored("/app/dist/a.js"); // true
 * isIgnored("/app/src/.git/HEAD"); // true
 * ```
 */
export function ignoreRules(
  root: string,
  ignoreDirs: readonly string[] = [],
): (path: string) => boolean {
  const ignored = ignoreDirs.flatMap((dir) =>
    pathBelow(root, dir.startsWith(SEPARATOR) ? dir : `${root}/${dir}`) ?? []
  );
  return (path) => {
    const rel = pathBelow(root, path);
    if (rel === null) return true;
    return ignored.some((dir) => rel === dir || rel.startsWith(dir + "/")) ||
      rel.split("/").some((part) => IGNORED_DIR_NAMES.has(part)) ||
      isEditorTempFile(path);
  };
}
