/**
 * HTML pages: a `.html` file of the root (or a folder's `index.html`) runs
 * through the plugins' `transformIndexHtml`, then gets the import map and
 * the HMR client.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { assertReadable } from "../fs_deny.ts";
import {
  injectIntoHtml,
  metaContentSecurityPolicies,
  moduleScriptsOf,
  replaceModuleScriptSrcs,
} from "../html.ts";
import { registryRefusedBy } from "../dev_bundle.ts";
import {
  CLIENT_ENV_URL,
  clientEnvUrl,
  registryPageClientFiles,
} from "../client_files.ts";
import { CLIENT_URL } from "../module_urls.ts";
import { resolveSafeFile } from "../path_safety.ts";
import { allowDirs, fsRules, type RequestContext } from "./context.ts";

/** Serves the app's HTML pages. */
export function htmlPages(ctx: RequestContext): NamedMiddleware {
  return {
    name: "html-pages",
    async handle(request, next) {
      const { pathname } = new URL(request.url);
      const htmlPath = pathname.endsWith("/")
        ? pathname + "index.html"
        : pathname;
      if (!htmlPath.endsWith(".html")) return await next();
      const file = await resolveSafeFile(
        ctx.config.root,
        htmlPath,
        allowDirs(ctx.config),
      );
      if (!file) return await next();
      assertReadable(file, fsRules(ctx.config));
      return await serveHtmlPage(ctx, htmlPath, file);
    },
  };
}

/** One page: `file` (at URL `path`) transformed and with the client in it. */
export async function serveHtmlPage(
  ctx: RequestContext,
  path: string,
  file: string,
): Promise<Response> {
  let html = await Deno.readTextFile(file);
  html = await ctx.pipeline.container.transformIndexHtml(html, {
    path,
    filename: file,
    server: ctx.server,
  });
  // The page's own module scripts load by their plain URL (import maps do
  // not apply to <script src>): mapping them too would give an entry that
  // is imported back (a cycle through the entry) a second instance.
  const entries = new Set<string>();
  for (const src of moduleScriptsOf(html)) {
    const url = new URL(src, `http://page${path}`);
    if (url.host === "page") entries.add(url.pathname + url.search);
  }
  // Bundle mode (server/dev_bundle.ts): each own entry the bundler takes
  // loads as one script of module factories.
  const bundled = new Set<string>();
  const refusedBy = metaContentSecurityPolicies(html).map(registryRefusedBy)
    .find((reason) => reason !== null) ?? null;
  await Promise.all([...entries].map(async (entry) => {
    // The server's own scripts (`/@banana/…`, `/@deps/…`) are no app entry.
    if (entry.startsWith("/@")) return;
    const mode = await ctx.bundler.modeFor(entry, { refusedBy });
    if (mode.bundle) bundled.add(entry);
  }));
  // Each by the URL of its current version (see DevBundler.scriptUrl).
  const scriptUrls = new Map<string, string>();
  await Promise.all([...bundled].map(async (entry) => {
    scriptUrls.set(entry, await ctx.bundler.scriptUrl(entry));
  }));
  if (bundled.size > 0) {
    html = replaceModuleScriptSrcs(html, (src) => {
      const url = new URL(src, `http://page${path}`);
      const entry = url.pathname + url.search;
      return url.host === "page" && scriptUrls.get(entry) || src;
    });
  }
  // The client also runs with --no-hmr: it performs the live reloads.
  html = injectIntoHtml(html, {
    importMap: ctx.browserImportMap(entries, {
      depsOnly: bundled.size > 0 && bundled.size === entries.size,
    }),
    scripts: [CLIENT_URL],
    // A bundle page's app code is one request; the client's files (and
    // the registry the bundle imports) would be the rest of its critical
    // path, one import level at a time. The bundle goes first: its
    // `<script>` comes late in the page, and was requested ~15 ms after
    // the client's files.
    modulePreloads: bundled.size > 0
      ? [
        ...scriptUrls.values(),
        ...(await registryPageClientFiles()).map((url) =>
          url === CLIENT_ENV_URL
            ? clientEnvUrl({
              hmr: ctx.config.hmr,
              token: ctx.channel.token,
              port: ctx.port,
            })
            : url
        ),
      ]
      : [],
  });
  return new Response(html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}
