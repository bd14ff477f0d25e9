/**
 * The importer of a Sass entry's relative loads (used by
 * `server/sass_worker.ts`): it finds the file by Sass's rules (`x` is
 * `x.scss`, `_x.scss`, `x.sass`, `_x.sass`, `x.css`, `_x.css`, else
 * `x/index.*` / `x/_index.*`) and loads it with its relative `url()`s
 * rebased onto the entry's folder. Sass itself inlines a partial's rules
 * into the entry without touching its URLs, so `url(../img/a.png)` written
 * in `styles/_hero.scss` would be read from the entry's folder in the
 * page; rebased, it points where the partial meant (as in Vite).
 *
 * @module
 */

import { dirname, extname, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The shape of a Sass importer (`canonicalize` + `load`). */
export interface SassImporter {
  canonicalize(url: string, context: unknown): URL | null;
  load(canonicalUrl: URL): { contents: string; syntax: string } | null;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The one file of `candidates` that exists; two is an ambiguity. */
function onlyExisting(candidates: string[], written: string): string | null {
  const found = candidates.filter(isFile);
  if (found.length > 1) {
    throw new Error(
      `It's not clear which file to import for "${written}": ${
        found.map((f) => f.split(sep).pop()).join(", ")
      }`,
    );
  }
  return found[0] ?? null;
}

/** The file Sass loads for `path` (absolute, as written, maybe without extension). */
export function findSassFile(path: string): string | null {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  const ext = extname(base);
  if ([".scss", ".sass", ".css"].includes(ext)) {
    return onlyExisting([path, resolve(dir, "_" + base)], base);
  }
  for (const exts of [[".sass", ".scss"], [".css"]]) {
    const found = onlyExisting(
      exts.flatMap((e) => [path + e, resolve(dir, "_" + base + e)]),
      base,
    );
    if (found) return found;
  }
  for (const exts of [[".sass", ".scss"], [".css"]]) {
    const found = onlyExisting(
      exts.flatMap((e) => [
        resolve(path, "index" + e),
        resolve(path, "_index" + e),
      ]),
      base,
    );
    if (found) return found;
  }
  return null;
}

const URL_FUNCTION =
  /\burl\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]*))\s*\)/gi;

/** A URL written relative to its file (not absolute, root, data, a variable). */
function isRebasable(url: string): boolean {
  return url !== "" && !/^(?:[a-z][a-z0-9+.-]*:|\/|#|\$|~)/i.test(url) &&
    !url.includes("#{");
}

/**
 * `source` (the text of `file`) with its relative `url()`s rewritten to be
 * relative to `entryDir`.
 *
 * @example
 * ```ts
 * rebaseUrls("a { b: url(../img/x.png) }", "/app/src/styles/_a.scss", "/app/src");
 * // "a { b: url(\"img/x.png\") }"
 * ```
 */
export function rebaseUrls(
  source: string,
  file: string,
  entryDir: string,
): string {
  const fileDir = dirname(file);
  if (fileDir === entryDir) return source;
  return source.replace(URL_FUNCTION, (match, dq, sq, bare) => {
    const written: string = dq ?? sq ?? bare ?? "";
    if (!isRebasable(written)) return match;
    const absolute = resolve(fileDir, written);
    let rebased = relative(entryDir, absolute).split(sep).join("/");
    if (!rebased.startsWith(".")) rebased = "./" + rebased;
    return `url(${JSON.stringify(rebased)})`;
  });
}

/**
 * The importer for the relative loads of the entry `entryFile` (and of the
 * partials it loads): the entry keeps its URLs; every other file is
 * loaded with its `url()`s rebased onto the entry's folder.
 */
export function relativeImporter(entryFile: string): SassImporter {
  const entryDir = dirname(entryFile);
  return {
    canonicalize(url) {
      // Relative loads come resolved against the file that wrote them.
      if (!url.startsWith("file:")) return null;
      const found = findSassFile(fileURLToPath(url));
      return found ? pathToFileURL(found) : null;
    },
    load(canonicalUrl) {
      const file = fileURLToPath(canonicalUrl);
      const contents = Deno.readTextFileSync(file);
      const syntax = file.endsWith(".sass")
        ? "indented"
        : file.endsWith(".css")
        ? "css"
        : "scss";
      return {
        contents: file === entryFile
          ? contents
          : rebaseUrls(contents, file, entryDir),
        syntax,
      };
    },
  };
}
