/**
 * The single-page-app fallback: a page load of a path no file answers
 * (a client-side route) gets the app's `index.html`.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { resolveSafeFile } from "../path_safety.ts";
import {
  allowDirs,
  isDocumentRequest,
  type RequestContext,
} from "./context.ts";
import { serveHtmlPage } from "./html_pages.ts";

/** Answers page loads of unknown paths with `index.html`. */
export function spaFallback(ctx: RequestContext): NamedMiddleware {
  return {
    name: "spa-fallback",
    async handle(request, next) {
      if (!isDocumentRequest(request)) return await next();
      const index = await resolveSafeFile(
        ctx.config.root,
        "/index.html",
        allowDirs(ctx.config),
      );
      if (!index) return await next();
      return await serveHtmlPage(ctx, "/index.html", index);
    },
  };
}
