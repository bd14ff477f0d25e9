/**
 * The built-in assets plugin: `import url from "./logo.svg?url"` (and an
 * image, media file or font imported without a query) gives the file's URL; `import text from "./notes.md?raw"` gives its text. The file
 * itself is served as a static file with its content type.
 *
 * URLs carry a content version (`/src/logo.svg?v=<hash>`), so an edited
 * asset gets a new URL: the modules that use it are updated through the
 * graph, and the browser fetches the new file instead of its cached one.
 *
 * @module
 */

import { relative } from "node:path";
import type { Plugin } from "../types.ts";
import { BananaError } from "../errors.ts";
import { contentHash } from "../hash.ts";
import { isInside } from "../path_safety.ts";
import { assertReadable } from "../fs_deny.ts";
import { fileToUrl } from "../resolver.ts";
import { splitId } from "../module_id.ts";
import { isAssetPath } from "../asset_path.ts";

const versions = new Map<string, { stamp: string; version: string }>();

/**
 * A short content version of `file` (cached by size and mtime), or null when
 * the file does not exist.
 */
export async function assetVersion(file: string): Promise<string | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch {
    return null;
  }
  if (!info.isFile) return null;
  const stamp = `${info.size}:${info.mtime?.getTime() ?? 0}`;
  const cached = versions.get(file);
  if (cached?.stamp === stamp) return cached.version;
  const version = contentHash(await Deno.readFile(file)).slice(0, 8);
  versions.set(file, { stamp, version });
  return version;
}

/**
 * The URL the page loads `file` from, with its content version
 * (`/src/logo.svg?v=1a2b3c4d`); `query` (`?x=1`) is kept in front of it.
 *
 * @example
 * ```ts
 * await assetUrl("/app", "/app/src/logo.svg"); // "/src/logo.svg?v=…"
 * ```
 */
export async function assetUrl(
  root: string,
  file: string,
  query = "",
): Promise<string> {
  const base = isInside(root, file) ? fileToUrl(root, file) : `/@fs${file}`;
  const version = await assetVersion(file);
  if (!version) return base + query;
  return base + (query ? `${query}&` : "?") + `v=${version}`;
}

/** Options of the assets plugin. */
export interface AssetsPluginOptions {
  root: string;
  /** Directories outside the root that may be read (`server.fs.allow`). */
  fsAllow: string[];
  /** `server.fs.deny`. Default: `DEFAULT_FS_DENY`. */
  fsDeny?: readonly string[];
}

/**
 * The assets plugin (`?url`, `?raw`, and plain imports of non-code files).
 *
 * @example
 * ```ts
 * const plugin = assetsPlugin({ root: "/app", fsAllow: [] });
 * ```
 */
export function assetsPlugin(options: AssetsPluginOptions): Plugin {
  const { root, fsAllow, fsDeny } = options;

  /**
   * Refuses files (or symlinks) that lead outside the allowed folders or
   * match `server.fs.deny` (the pipeline checks ids it builds too; this
   * covers plugins that call this `load` for other ids).
   */
  async function readable(file: string): Promise<void> {
    await assertReadable(file, { root, allow: fsAllow, deny: fsDeny });
    let real: string;
    try {
      real = await Deno.realPath(file);
    } catch {
      throw new BananaError({
        message: `File not found: ${relative(root, file)}`,
        id: file,
        plugin: "load",
      }, { code: "not-found" });
    }
    if (![root, ...fsAllow].some((dir) => isInside(dir, real))) {
      throw new BananaError({
        message: `Refused ${
          relative(root, file)
        }: it links outside the served root`,
        id: file,
        plugin: "assets",
      });
    }
  }

  return {
    name: "banana:assets",
    async load(id) {
      const { path, params } = splitId(id);
      if (params.has("raw")) {
        await readable(path);
        const text = await Deno.readTextFile(path);
        return `export default ${JSON.stringify(text)};\n`;
      }
      if (params.has("url") || (!params.has("direct") && isAssetPath(path))) {
        await readable(path);
        const url = await assetUrl(root, path);
        return `export default ${JSON.stringify(url)};\n`;
      }
      return null;
    },
  };
}
