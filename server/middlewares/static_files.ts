/**
 * Static files: the public folder's, then the root's, as they are (ETag,
 * 304). `/favicon.ico` that is not there answers 204, not 404, so a page
 * without one logs no error.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { serveFile } from "../static.ts";
import type { RequestContext } from "./context.ts";
import { findStatic } from "./files.ts";

/** Serves files of the public folder and the root. */
export function staticFiles(ctx: RequestContext): NamedMiddleware {
  return {
    name: "static-files",
    async handle(request, next) {
      const { pathname } = new URL(request.url);
      const file = await findStatic(ctx.config, pathname);
      if (file) return await serveFile(request, file);
      if (pathname === "/favicon.ico") {
        return new Response(null, { status: 204 });
      }
      return await next();
    },
  };
}
