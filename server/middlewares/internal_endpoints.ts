/**
 * The server's own endpoints under `/@banana/`: `ping` (a liveness probe)
 * and open-in-editor (the overlay's file links).
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { OPEN_IN_EDITOR_PATH, openInEditor } from "../open_in_editor.ts";
import { allowDirs, type RequestContext, text } from "./context.ts";

/** Answers `/@banana/ping` and the open-in-editor endpoint. */
export function internalEndpoints(ctx: RequestContext): NamedMiddleware {
  return {
    name: "internal-endpoints",
    async handle(request, next) {
      const pathname = new URL(request.url).pathname;
      if (pathname === "/@banana/ping") return text(200, "pong");
      if (pathname === OPEN_IN_EDITOR_PATH) {
        return await openInEditor(request, {
          root: ctx.config.root,
          allow: allowDirs(ctx.config),
        });
      }
      return await next();
    },
  };
}
