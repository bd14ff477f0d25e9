/**
 * A script of the public folder that the page loads by its URL
 * (`public/sw.js`) is served as it is, not built as a module.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { isModuleRequest } from "../module_urls.ts";
import { serveFile } from "../static.ts";
import type { RequestContext } from "./context.ts";
import { findPublic } from "./files.ts";

/** Serves scripts of the public folder as they are. */
export function publicScripts(ctx: RequestContext): NamedMiddleware {
  return {
    name: "public-scripts",
    async handle(request, next) {
      const { pathname, search } = new URL(request.url);
      if (search || pathname.startsWith("/@") || !isModuleRequest(pathname)) {
        return await next();
      }
      const inPublic = await findPublic(ctx.config, pathname);
      if (inPublic) return await serveFile(request, inPublic);
      return await next();
    },
  };
}
