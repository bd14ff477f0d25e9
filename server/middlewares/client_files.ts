/**
 * The HMR client's own modules (`/@banana/client/…`).
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { serveClientFile } from "../client_files.ts";
import { CLIENT_ROUTE_URL } from "../module_urls.ts";
import type { RequestContext } from "./context.ts";

/** Serves the HMR client's modules. */
export function clientFiles(ctx: RequestContext): NamedMiddleware {
  return {
    name: "client-files",
    async handle(request, next) {
      const pathname = new URL(request.url).pathname;
      if (!pathname.startsWith(CLIENT_ROUTE_URL)) return await next();
      return await serveClientFile(pathname, request, {
        hmr: ctx.config.hmr,
        token: ctx.channel.token,
        port: ctx.port,
      });
    },
  };
}
