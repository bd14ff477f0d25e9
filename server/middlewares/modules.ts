/**
 * Modules: any request the module-URL scheme names a module (scripts,
 * `?import`ed CSS and assets, `/@id/`, `/@npm/` modules) is built by the
 * pipeline and served with its ETag; a `?v=` URL whose version is current
 * is immutable. A build error answers 500 and reaches the overlay; a file
 * that is not there answers 404.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { formatErrorForLog, toErrorBody } from "../errors.ts";
import { errorCode } from "../http_errors.ts";
import { isModuleRequest, stripFreshness } from "../module_urls.ts";
import { matchesEtag } from "../static.ts";
import { type RequestContext, text } from "./context.ts";

/** Builds and serves modules. */
export function modules(ctx: RequestContext): NamedMiddleware {
  return {
    name: "modules",
    async handle(request, next) {
      const url = new URL(request.url);
      if (!isModuleRequest(url.pathname + url.search)) return await next();
      return await serveModule(ctx, request, url);
    },
  };
}

async function serveModule(
  ctx: RequestContext,
  request: Request,
  url: URL,
): Promise<Response> {
  const moduleUrl = stripFreshness(url.pathname + url.search);
  const version = url.searchParams.get("v");
  try {
    const rendered = await ctx.pipeline.render(moduleUrl);
    ctx.forgetLoggedError(moduleUrl);
    const node = ctx.graph.get(moduleUrl);
    if (node) ctx.graph.recordServed(node);
    ctx.pipeline.warmup(moduleUrl);
    const immutable = version !== null && `"${version}"` === rendered.etag;
    const headers = {
      "content-type": "text/javascript; charset=utf-8",
      "etag": rendered.etag,
      "cache-control": immutable
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    };
    if (matchesEtag(request, rendered.etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(request.method === "HEAD" ? null : rendered.code, {
      headers,
    });
  } catch (err) {
    const code = errorCode(err);
    // A refused path answers its own status, as on every route.
    if (code === "denied" || code === "bad-request") throw err;
    const node = ctx.graph.get(moduleUrl);
    if (node) ctx.graph.recordServeFailure(node);
    const body = toErrorBody(err, moduleUrl);
    if (code === "not-found") {
      const referer = request.headers.get("referer");
      const importer = referer ? new URL(referer).pathname : null;
      return text(
        404,
        `${body.message} (requested as ${moduleUrl}${
          importer ? `, imported by ${importer}` : ""
        })`,
      );
    }
    ctx.logErrorOnce(moduleUrl, formatErrorForLog(body));
    ctx.channel.send({ type: "error", err: { ...body, id: moduleUrl } });
    return text(500, `${body.message}${body.frame ? "\n\n" + body.frame : ""}`);
  }
}
