/**
 * The built-in routes answer only `GET` and `HEAD`: other methods get 405
 * (after the app's own middlewares and routes, which may take them).
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { text } from "./context.ts";

/** Answers 405 to anything but `GET` and `HEAD`. */
export function methodCheck(): NamedMiddleware {
  return {
    name: "method-check",
    handle(request, next) {
      if (request.method === "GET" || request.method === "HEAD") return next();
      return text(405, `Method ${request.method} not allowed`);
    },
  };
}
