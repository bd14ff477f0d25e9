/**
 * The server-rendered routes of a Fresh-style app (a `routes/` folder):
 * they answer before the built-in routes; what they do not take goes on.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import type { FreshApp } from "../fresh_app.ts";

/** Hands requests to the app's routes first. */
export function freshRoutes(fresh: FreshApp): NamedMiddleware {
  return {
    name: "fresh-routes",
    handle: (request, next) => fresh.handle(request, next),
  };
}
