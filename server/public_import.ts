/**
 * Imports of files in `public/` by their root URL, as create-vite's
 * templates write them (`import viteLogo from "/vite.svg"`): what such an
 * import names. Import resolution asks; the public-assets plugin
 * (`server/plugins/public_assets.ts`) loads the URL modules.
 *
 * @module
 */

import { join } from "node:path";
import { decodeSafePathname } from "./path_safety.ts";
import { isAssetPath } from "./asset_path.ts";

/** The id prefix of a public file's URL module. */
export const PUBLIC_ASSET_ID_PREFIX = "banana:public";

/** What a root-relative import names in `public/`. */
export type PublicImport =
  | { kind: "asset"; id: string }
  | { kind: "not-importable"; reason: string }
  | null;

/**
 * What the root-relative `specifier` (`/vite.svg`, `/logo.png?url`) is in
 * `publicDir`: the id of its URL module, a reason it cannot be imported, or
 * null when `public/` has no such file.
 *
 * @example
 * ```ts
 * await publicImport("/vite.svg", "/app/public"); // { kind: "asset", id: "banana:public/vite.svg" }
 * ```
 */
export async function publicImport(
  specifier: string,
  publicDir: string | null,
): Promise<PublicImport> {
  if (!publicDir || !specifier.startsWith("/") || specifier.startsWith("//")) {
    return null;
  }
  const q = specifier.search(/[?#]/);
  const path = q < 0 ? specifier : specifier.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : specifier.slice(q + 1));
  let file: string;
  try {
    file = join(publicDir, ...decodeSafePathname(path));
  } catch {
    return null;
  }
  const isFile = await Deno.stat(file).then((i) => i.isFile, () => false);
  if (!isFile) return null;
  if (params.has("url") || (params.size === 0 && isAssetPath(path))) {
    return { kind: "asset", id: PUBLIC_ASSET_ID_PREFIX + path };
  }
  return {
    kind: "not-importable",
    reason:
      `${path} is in the public folder, whose files are served as they are and cannot be imported; reference it by URL (<script src="${path}">, <link href="${path}">), import "${path}?url" for its URL, or move it out of public/ to import it`,
  };
}
