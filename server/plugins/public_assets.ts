/**
 * Imports of files in `public/` by their root URL, as create-vite's
 * templates write them (`import viteLogo from "/vite.svg"`): the module is
 * the file's URL (`export default "/vite.svg"`), and the file itself is
 * served from `public/` as it is. A script or stylesheet in `public/` cannot
 * be imported (it is not built); the error says how to reference it.
 *
 * @module
 */

import type { Plugin } from "../types.ts";
import { PUBLIC_ASSET_ID_PREFIX } from "../public_import.ts";

/**
 * The plugin that loads the URL modules of public files.
 *
 * @example
 * ```ts
 * const plugin = publicAssetsPlugin();
 * // load("banana:public/vite.svg") → 'export default "/vite.svg";'
 * ```
 */
export function publicAssetsPlugin(): Plugin {
  return {
    name: "banana:public-assets",
    load(id) {
      if (!id.startsWith(PUBLIC_ASSET_ID_PREFIX + "/")) return null;
      const url = id.slice(PUBLIC_ASSET_ID_PREFIX.length).split("?")[0];
      return `export default ${JSON.stringify(url)};\n`;
    },
  };
}
