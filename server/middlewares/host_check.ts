/**
 * The DNS-rebinding guard: requests whose `Host` is not the server's, a
 * loopback name, an IP literal or one of `server.allowedHosts` get 403.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import type { ResolvedConfig } from "../types.ts";
import { text } from "./context.ts";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) {
    return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  }
  return hostHeader.split(":")[0];
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");
}

/** True when a `Host` header value may reach the server. */
export function isAllowedHost(
  config: ResolvedConfig,
  hostHeader: string | null,
): boolean {
  if (!hostHeader) return false;
  const host = hostnameOf(hostHeader).toLowerCase();
  const server = config.server;
  return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") ||
    isIpLiteral(host) || host === server.host.toLowerCase() ||
    server.allowedHosts.some((allowed) =>
      host === allowed.toLowerCase() ||
      (allowed.startsWith(".") && host.endsWith(allowed.toLowerCase()))
    );
}

/** True when a page's `Origin` is one of the allowed hosts. */
export function isAllowedOrigin(
  config: ResolvedConfig,
  origin: string,
): boolean {
  try {
    return isAllowedHost(config, new URL(origin).host);
  } catch {
    return false;
  }
}

/** Refuses requests for a host that is not allowed. */
export function hostCheck(
  config: () => ResolvedConfig,
): NamedMiddleware {
  return {
    name: "host-check",
    handle(request, next) {
      if (isAllowedHost(config(), request.headers.get("host"))) return next();
      const host = request.headers.get("host") ?? "(none)";
      return text(
        403,
        `Blocked request: host "${host}" is not allowed. Add it to server.allowedHosts to allow it.`,
      );
    },
  };
}
