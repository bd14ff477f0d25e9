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

/**
 * Editor scratch file names, as one pattern: the tree walk at start tests
 * every file (one test instead of ten: ~25 ms less for 10,000 files).
 * Vim's swap files and its write test file "4913", backups (`~`), Emacs
 * locks (`.#`), temporary files, JetBrains "safe write", Kate's swap files,
 * and the temporary files of gedit and other GIO editors.
 */
const EDITOR_TEMP =
  /\.sw[px]$|~$|^\.#|\.tmp\.|\.tmp$|^\d+$|___jb_(?:tmp|old)___$|\.kate-swp$|^\.goutputstream-/;

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
  return EDITOR_TEMP.test(basename(path));
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
      // (Split only when a name could be there: most paths have neither.)
      ((rel.includes(".git") || rel.includes("node_modules")) &&
        rel.split("/").some((part) => IGNORED_DIR_NAMES.has(part))) ||
      isEditorTempFile(path);
  };
}
