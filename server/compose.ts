/**
 * Composes the request path: an ordered list of middlewares, each of which
 * answers a request or passes it on with `next()`, ending in a handler that
 * answers what none took. Pure: no server state, so it is tested on its own
 * (`compose_test.ts`).
 *
 * @module
 */

import type { Middleware } from "./types.ts";

/** A middleware and the name it is listed under (logs, tests). */
export interface NamedMiddleware {
  /** What the middleware answers, e.g. `modules`, `html-pages`. */
  name: string;
  handle: Middleware;
}

/**
 * One handler running `middlewares` in order, then `end`. A middleware
 * that calls `next()` twice gets an error (the request would be answered
 * twice); one that throws rejects the returned promise, for the caller to
 * map to a response.
 *
 * @example
 * ```ts
 * import { compose } from "./compose.ts";
 * const handle = compose([
 *   { name: "ping", handle: (req, next) =>
 *     new URL(req.url).pathname === "/ping" ? new Response("pong") : next() },
 * ], () => Promise.resolve(new Response("not found", { status: 404 })));
 * const response = await handle(new Request("http://localhost/ping"));
 * console.assert(await response.text() === "pong");
 * ```
 */
export function compose(
  middlewares: readonly NamedMiddleware[],
  end: (request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return (request) => {
    const dispatch = (index: number): Promise<Response> => {
      const middleware = middlewares[index];
      if (!middleware) return end(request);
      let called = false;
      const next = () => {
        if (called) {
          return Promise.reject(
            new Error(
              `Middleware "${middleware.name}" called next() more than once`,
            ),
          );
        }
        called = true;
        return dispatch(index + 1);
      };
      try {
        return Promise.resolve(middleware.handle(request, next));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
