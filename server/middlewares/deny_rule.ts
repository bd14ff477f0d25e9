/**
 * The one deny decision on the path a request names, before any route
 * reads a file: every route and query answers the same 403 whether the
 * file exists or not. (Routes check the file they finally read again, after
 * symlinks and plugin resolution, with the same `server.fs.deny` rules.)
 *
 * @module
 */

import { join } from "node:path";
import type { NamedMiddleware } from "../compose.ts";
import { assertNotDenied } from "../fs_deny.ts";
import { decodeSafePathname } from "../path_safety.ts";
import type { ResolvedConfig } from "../types.ts";
import { fsRules } from "./context.ts";

/**
 * Throws the 403 error for a request path that names a denied file (as a
 * file of the root, of the public folder, or `/@fs/<absolute path>`).
 */
export function assertRequestNotDenied(
  config: ResolvedConfig,
  pathname: string,
): void {
  // `/@id/` carries an encoded module id, checked when it is built.
  if (pathname.startsWith("/@id/")) return;
  const segments = decodeSafePathname(pathname);
  if (segments[0] === "@fs") {
    assertNotDenied("/" + segments.slice(1).join("/"), fsRules(config));
    return;
  }
  const { root, publicDir } = config;
  assertNotDenied(join(root, ...segments), fsRules(config));
  if (publicDir) {
    assertNotDenied(join(publicDir, ...segments), fsRules(config, publicDir));
  }
}

/** Refuses (403) a request whose path names a denied file. */
export function denyRule(config: () => ResolvedConfig): NamedMiddleware {
  return {
    name: "deny-rule",
    handle(request, next) {
      assertRequestNotDenied(config(), new URL(request.url).pathname);
      return next();
    },
  };
}
