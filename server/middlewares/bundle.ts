/**
 * Bundle mode's routes: `/@banana/bundle@<version>/<entry>` (the page's dev
 * bundle as its HTML names it, `immutable` while that version is the
 * current one: a reload of an unchanged app takes it from the browser's
 * cache; another version gets the current bundle, `no-cache`),
 * `/@banana/bundle/<entry>` (the current bundle, ETag + `no-cache`: a
 * reload is a 304; the first one of an entry is streamed as its modules
 * build),
 * `/@banana/registry?ids=` (factories a page's registry asks for at run
 * time), `/@banana/map?bundle=` (a bundle's index source map) and
 * `/@banana/map?id=` (a factory's source map, which devtools
 * fetch). See `server/dev_bundle.ts`.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { parseBundleUrl, REGISTRY_URL } from "../dev_bundle.ts";
import { matchesEtag } from "../static.ts";
import { errorCode } from "../http_errors.ts";
import { toErrorBody } from "../errors.ts";
import { isModuleRequest } from "../module_urls.ts";
import { SOURCE_MAP_URL } from "../module_factories.ts";
import { type RequestContext, text } from "./context.ts";

const SCRIPT_HEADERS = {
  "content-type": "text/javascript; charset=utf-8",
  "cache-control": "no-cache",
};

/** A bundle at the version its URL names: it never changes. */
const IMMUTABLE = "max-age=31536000, immutable";

/** Serves dev bundles and on-demand factories. */
export function bundles(ctx: RequestContext): NamedMiddleware {
  return {
    name: "bundles",
    async handle(request, next) {
      const url = new URL(request.url);
      if (url.pathname === REGISTRY_URL) {
        // `searchParams` decodes each id (the registry encodes them).
        const ids = (url.searchParams.get("ids") ?? "").split(",")
          .filter((id) => id.startsWith("/") && !id.startsWith("//"));
        if (ids.length === 0) {
          return text(400, `${REGISTRY_URL} expects ?ids=<module URL>,…`);
        }
        const code = await ctx.bundler.definitions(ids);
        return new Response(request.method === "HEAD" ? null : code, {
          headers: SCRIPT_HEADERS,
        });
      }
      if (url.pathname === SOURCE_MAP_URL) {
        const entry = url.searchParams.get("bundle");
        const id = url.searchParams.get("id") ?? "";
        const map = entry === null
          ? ctx.bundler.sourceMap(id)
          : ctx.bundler.bundleSourceMap(entry);
        if (map === null) {
          return text(
            404,
            entry === null
              ? `${SOURCE_MAP_URL}: no source map of ${id} (it is made with the module's bundle factory)`
              : `${SOURCE_MAP_URL}: no bundle of ${entry} was made`,
          );
        }
        return new Response(request.method === "HEAD" ? null : map, {
          headers: {
            "content-type": "application/json; charset=utf-8",
            "cache-control": "no-cache",
          },
        });
      }
      const parts = parseBundleUrl(url.pathname);
      if (parts === null) return await next();
      const entry = parts.entry + url.search;
      const version = parts.version;
      if (!isModuleRequest(entry)) {
        return text(404, `${entry} is not a module a bundle can start from`);
      }
      try {
        await ctx.pipeline.build(entry);
      } catch (err) {
        const code = errorCode(err);
        // A refused path answers its own status, as on every route.
        if (code === "denied" || code === "bad-request") throw err;
        if (code === "not-found") {
          return text(404, `${toErrorBody(err, entry).message}`);
        }
        // Any other build error: the entry's factory throws it.
      }
      if (
        request.method === "GET" && !request.headers.has("if-none-match") &&
        ctx.bundler.streams(entry)
      ) {
        // The first bundle of this entry: sent while its modules build,
        // as the version the page's HTML named (only that one is final).
        const { etag, body, reserved } = ctx.bundler.stream(
          entry,
          version ?? undefined,
        );
        const headers: Record<string, string> = { ...SCRIPT_HEADERS, etag };
        if (reserved) headers["cache-control"] = IMMUTABLE;
        return new Response(body, { headers });
      }
      const result = await ctx.bundler.bundle(entry);
      const headers: Record<string, string> = {
        ...SCRIPT_HEADERS,
        etag: result.etag,
      };
      if (result.kind === "bundle" && result.etag === `"${version}"`) {
        headers["cache-control"] = IMMUTABLE;
      }
      if (matchesEtag(request, result.etag)) {
        return new Response(null, { status: 304, headers });
      }
      return new Response(request.method === "HEAD" ? null : result.code, {
        headers,
      });
    },
  };
}
