/**
 * The HMR WebSocket: an upgrade on the HMR path goes to the hot channel
 * (it also carries live reloads with `--no-hmr`); any other upgrade gets
 * 404.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { HMR_PATH } from "../module_urls.ts";
import { type RequestContext, text } from "./context.ts";

/** Hands WebSocket upgrades on the HMR path to the hot channel. */
export function hmrUpgrade(ctx: RequestContext): NamedMiddleware {
  return {
    name: "hmr-upgrade",
    handle(request, next) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return next();
      }
      const pathname = new URL(request.url).pathname;
      if (pathname === (ctx.config.hmr?.path ?? HMR_PATH)) {
        return ctx.channel.handleUpgrade(request);
      }
      return text(404, "No WebSocket here");
    },
  };
}
