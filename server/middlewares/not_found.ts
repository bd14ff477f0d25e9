/**
 * The end of the request path: 404, except a page load while the root has
 * no `index.html`, which gets a page that says so and what to do.
 *
 * @module
 */

import { noIndexPage } from "../no_index_page.ts";
import { resolveSafeFile } from "../path_safety.ts";
import type { ResolvedConfig } from "../types.ts";
import { allowDirs, isDocumentRequest, text } from "./context.ts";

/** Answers what no middleware took. */
export function notFound(
  config: () => ResolvedConfig,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const pathname = new URL(request.url).pathname;
    const { root, publicDir } = config();
    if (isDocumentRequest(request) && request.method === "GET") {
      const index = await resolveSafeFile(
        root,
        "/index.html",
        allowDirs(config()),
      ).catch(() => null);
      if (!index) return await noIndexPage({ root, publicDir, pathname });
    }
    return text(404, `Not found: ${pathname}`);
  };
}
