/**
 * The bundled dependencies (`/@deps/…`): immutable files named by content.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { DEPS_URL_PREFIX } from "../deps.ts";
import { decodeSafePathname } from "../path_safety.ts";
import { serveFile } from "../static.ts";
import { type RequestContext, text } from "./context.ts";

/** Serves the files of the dependency bundle. */
export function deps(ctx: RequestContext): NamedMiddleware {
  return {
    name: "deps",
    async handle(request, next) {
      const pathname = new URL(request.url).pathname;
      if (!pathname.startsWith(DEPS_URL_PREFIX)) return await next();
      decodeSafePathname(pathname);
      const file = ctx.deps.fileFor(pathname);
      if (!file) return text(404, `Unknown dependency file ${pathname}`);
      try {
        return await serveFile(request, file, {
          "cache-control": "public, max-age=31536000, immutable",
        });
      } catch {
        return text(404, `Unknown dependency file ${pathname}`);
      }
    },
  };
}
