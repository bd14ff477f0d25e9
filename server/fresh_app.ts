/**
 * Fresh-style apps: an app root with a `routes/` folder is served by its
 * routes, rendered on the server in Deno (the {@linkcode SsrEnvironment})
 * with the app's own `preact` and `preact-render-to-string`.
 *
 * A request goes: `static/` file → route match ({@linkcode matchRoute}) →
 * the `_middleware` handlers of the route's folders, outermost first
 * (`ctx.next()` calls the next one) → the route's `handler` (a function or
 * `{ GET, POST, … }`, with `ctx.render(data)`, `ctx.params`, `ctx.state`),
 * or its default component for GET → `_layout`s and `_app` around the page
 * → HTML with the HMR client, the page follower and, when the page has
 * islands, the island module. Unmatched paths fall through to the dev
 * server's own handlers, and their 404 renders `_404`.
 *
 * Errors (a route that fails to compile or import, a handler or component
 * that throws) answer 500 with the message, the source location and a code
 * frame, and go to the overlay of open pages; other routes keep working,
 * and the next good save clears them.
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { contentHash } from "./hash.ts";
import { fileToUrl } from "./resolver.ts";
import { BananaError, codeFrame, formatErrorForLog } from "./errors.ts";
import type { ErrorBody } from "../client/payload.ts";
import type { HotChannel } from "./hot_channel.ts";
import {
  type FreshIslandsPluginOptions,
  isIslandFile,
  IslandRenderer,
  ISLANDS_MODULE_URL,
  islandsModuleUrl,
  type PreactServerApi,
} from "./fresh_islands.ts";
import {
  matchRoute,
  type Route,
  type RouteMatch,
  type RouteTable,
  scanRoutes,
} from "./fresh_routes.ts";
import type { SsrEnvironment } from "./ssr_environment.ts";
import { isInside, resolveSafeFile } from "./path_safety.ts";
import { serveFile } from "./static.ts";
import { isModuleRequest } from "./module_urls.ts";
import type { FileChangeKind } from "./watcher.ts";
import type { ModuleNode } from "./module_graph.ts";

/** What the page HTML gets from the dev server. */
export interface FinishHtmlOptions {
  /** The page has islands: the island module and Fast Refresh are added. */
  islands: boolean;
}

/** Options of the {@linkcode FreshApp}. */
export interface FreshAppOptions {
  root: string;
  ssr: SsrEnvironment;
  channel: HotChannel;
  log: (message: string) => void;
  logError: (id: string, message: string) => void;
  /** Adds the import map, the client scripts and plugins' HTML changes. */
  finishHtml: (html: string, options: FinishHtmlOptions) => Promise<string>;
  /** True when a page runs a module of `file` (the browser logs its update). */
  loadedInBrowser: (file: string) => boolean;
  /** Drops the browser's builds of module URLs starting with `prefix`. */
  invalidateBrowserModules: (prefix: string) => void;
}

/** The context a handler gets, as in Fresh. */
export interface FreshContext {
  url: URL;
  params: Record<string, string>;
  state: Record<string, unknown>;
  /** The route's pattern, e.g. `/greet/:name`. */
  route: string;
  destination: "route" | "notFound";
  /** Calls the next middleware, or the route. */
  next: () => Promise<Response>;
  /** Renders the route's page with `data`. */
  render: (data?: unknown, init?: ResponseInit) => Promise<Response>;
  /** Renders the `_404` page. */
  renderNotFound: (data?: unknown) => Promise<Response>;
}

type Handler = (
  request: Request,
  ctx: FreshContext,
) => Response | Promise<Response>;

/**
 * True when `root` holds a Fresh-style app: a `routes/` folder and no
 * `index.html` (an app with one is a browser app whose `routes/` may hold
 * client-side route modules).
 */
export async function isFreshApp(root: string): Promise<boolean> {
  try {
    if (!(await Deno.stat(join(root, "routes"))).isDirectory) return false;
  } catch {
    return false;
  }
  try {
    await Deno.stat(join(root, "index.html"));
    return false;
  } catch {
    return true;
  }
}

/** Whether the app maps `@preact/signals` (for the island module). */
export function freshPluginOptions(
  root: string,
  ssr: SsrEnvironment,
): FreshIslandsPluginOptions {
  return { root, hasSignals: ssr.resolveBare("@preact/signals") !== null };
}

function html(body: string, status: number): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

function isAsyncFunction(value: unknown): boolean {
  return typeof value === "function" &&
    value.constructor?.name === "AsyncFunction";
}

/**
 * Serves the routes of one app.
 *
 * @example
 * ```ts
 * import { FreshApp, type FreshAppOptions } from "./fresh_app.ts";
 * async function example(
 *   options: FreshAppOptions, // root, ssr, channel, log, logError, finishHtml, loadedInBrowser, invalidateBrowserModules
 *   request: Request,
 *   builtin: (request: Request) => Promise<Response>,
 * ) {
 *   const fresh = new FreshApp(options);
 *   const response = await fresh.handle(request, () => builtin(request));
 * }
 * ```
 */
export class FreshApp {
  readonly options: FreshAppOptions;
  #table: Promise<RouteTable> | null = null;
  #preact: Promise<PreactServerApi> | null = null;

  constructor(options: FreshAppOptions) {
    this.options = options;
  }

  get #routesDir(): string {
    return join(this.options.root, "routes");
  }

  /** The route table (read again after any change under `routes/`). */
  routes(): Promise<RouteTable> {
    this.#table ??= scanRoutes(this.#routesDir);
    return this.#table;
  }

  #rel(file: string): string {
    return relative(this.options.root, file);
  }

  /** The app's Preact, loaded in the server environment. */
  #loadPreact(): Promise<PreactServerApi> {
    this.#preact ??= (async () => {
      const { ssr } = this.options;
      const preact = ssr.resolveBare("preact");
      const render = ssr.resolveBare("preact-render-to-string");
      const missing = [
        ...(preact ? [] : [`"preact": "npm:preact@10.29.8"`]),
        ...(render
          ? []
          : [`"preact-render-to-string": "npm:preact-render-to-string@6.6.1"`]),
      ];
      if (missing.length > 0) {
        throw new BananaError({
          message: `Server-rendered routes need Preact: add ${
            missing.join(" and ")
          } to "imports" in deno.json`,
          plugin: "fresh",
        });
      }
      const renderUrl = await this.#renderToStringModule(render!);
      const glue = await ssr.importGenerated(
        "preact_server.js",
        `export { h, options } from ${JSON.stringify(preact)};\n` +
          `export { renderToString } from ${JSON.stringify(renderUrl)};\n`,
      );
      return glue as unknown as PreactServerApi;
    })();
    this.#preact.catch(() => this.#preact = null);
    return this.#preact;
  }

  /**
   * `preact-render-to-string` as one file importing the app's `preact`.
   * Deno 2.9 resolving it as an `npm:` package next to `preact` (whose
   * optional peer it is) can give a second copy of `preact` in the same
   * process (hooks then fail), so it is bundled once with `preact` left
   * external, and cached under the cache dir.
   */
  async #renderToStringModule(spec: string): Promise<string> {
    if (!spec.startsWith("npm:")) return spec;
    const { ssr } = this.options;
    const dir = join(dirname(ssr.options.cacheDir), "ssr-render");
    const file = join(dir, `${contentHash(spec)}.js`);
    const cached = await Deno.readTextFile(file).catch(() => null);
    if (cached === null) {
      await Deno.mkdir(dir, { recursive: true });
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform",
          "deno",
          "--no-config",
          "--no-lock",
          "--external",
          "preact",
          "--external",
          "preact/*",
          "-o",
          file + ".tmp",
          spec,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new BananaError({
          message: `Could not load ${spec}: ${
            new TextDecoder().decode(out.stderr).trim()
          }`,
          plugin: "fresh",
        });
      }
      const code = (await Deno.readTextFile(file + ".tmp")).replace(
        /(from\s*|import\s*\(\s*)(["'])(preact(?:\/[^"']*)?)\2/g,
        (whole, before: string, _quote: string, name: string) => {
          const target = ssr.resolveBare(name);
          return target ? `${before}${JSON.stringify(target)}` : whole;
        },
      );
      await Deno.writeTextFile(file, code);
      await Deno.remove(file + ".tmp").catch(() => {});
    }
    return pathToFileURL(file).href;
  }

  /** Answers a request, or passes it on with `next`. */
  async handle(
    request: Request,
    next: () => Promise<Response>,
  ): Promise<Response> {
    const url = new URL(request.url);
    const { pathname } = url;
    if (
      pathname.startsWith("/@") || isModuleRequest(pathname + url.search) ||
      request.headers.get("upgrade")
    ) {
      return await next();
    }
    const isRead = request.method === "GET" || request.method === "HEAD";
    if (isRead) {
      const staticDir = join(this.options.root, "static");
      const file = await resolveSafeFile(staticDir, pathname, [staticDir])
        .catch(() => null);
      if (file && (await Deno.stat(file)).isFile) {
        return await serveFile(request, file);
      }
    }
    const table = await this.routes();
    const match = matchRoute(table, pathname);
    if (!match) {
      const response = await next();
      if (response.status !== 404 || !isRead) return response;
      return await this.#respond(
        request,
        url,
        table,
        "notFound",
        () => this.#runNotFound(request, url, table),
      );
    }
    return await this.#respond(
      request,
      url,
      table,
      match.route.file,
      () => this.#runRoute(request, url, table, match),
    );
  }

  /** Runs `work`; an error becomes the error page and the overlay. */
  async #respond(
    request: Request,
    url: URL,
    table: RouteTable,
    key: string,
    work: () => Promise<Response>,
  ): Promise<Response> {
    const errorId = `ssr:${key === "notFound" ? key : this.#rel(key)}`;
    try {
      const response = await work();
      this.options.channel.clearError(errorId);
      if (request.method === "HEAD") {
        return new Response(null, {
          status: response.status,
          headers: response.headers,
        });
      }
      return response;
    } catch (err) {
      return await this.#errorResponse(request, err, url, table, errorId);
    }
  }

  async #middlewareHandlers(
    table: RouteTable,
    dirs: string[],
  ): Promise<Handler[]> {
    const handlers: Handler[] = [];
    for (const dir of dirs) {
      const file = table.middlewares.get(dir);
      if (!file) continue;
      const mod = await this.options.ssr.import(file);
      const handler = mod.handler;
      const list = Array.isArray(handler) ? handler : [handler];
      for (const fn of list) {
        if (typeof fn !== "function") {
          throw new BananaError({
            message: `${
              this.#rel(file)
            } must export a handler function (or an array of them)`,
            id: file,
            plugin: "fresh",
          });
        }
        handlers.push(fn as Handler);
      }
    }
    return handlers;
  }

  async #runRoute(
    request: Request,
    url: URL,
    table: RouteTable,
    match: RouteMatch,
  ): Promise<Response> {
    const { route, params } = match;
    const { ssr } = this.options;
    const mod = await ssr.import(route.file);
    const middlewares = await this.#middlewareHandlers(table, route.dirs);
    const state: Record<string, unknown> = {};
    const page = mod.default;
    const handler = mod.handler as
      | Handler
      | Record<string, Handler>
      | undefined;
    const ctx: FreshContext = {
      url,
      params,
      state,
      route: route.pattern,
      destination: "route",
      next: () => Promise.resolve(new Response(null, { status: 500 })),
      render: (data, init) =>
        this.#renderPage(request, ctx, table, route, page, data, init),
      renderNotFound: (data) =>
        this.#notFound(request, url, table, params, state, data),
    };
    const runRoute = (): Promise<Response> => {
      if (typeof handler === "function") {
        return Promise.resolve(handler(request, ctx));
      }
      if (handler && typeof handler === "object") {
        const method = request.method === "HEAD" ? "GET" : request.method;
        const fn = handler[method];
        if (typeof fn === "function") {
          return Promise.resolve(fn.call(handler, request, ctx));
        }
        if (!(method === "GET" && page)) {
          const allowed = Object.keys(handler).filter((name) =>
            typeof handler[name] === "function"
          );
          return Promise.resolve(
            new Response(`Method ${request.method} not allowed\n`, {
              status: 405,
              headers: { allow: allowed.join(", ") },
            }),
          );
        }
      }
      if (typeof page !== "function") {
        throw new BananaError({
          message: `${
            this.#rel(route.file)
          } exports neither a default component nor a handler`,
          id: route.file,
          plugin: "fresh",
        });
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        return Promise.resolve(
          new Response(`Method ${request.method} not allowed\n`, {
            status: 405,
            headers: { allow: "GET, HEAD" },
          }),
        );
      }
      return ctx.render();
    };
    const run = (i: number): Promise<Response> => {
      const middleware = middlewares[i];
      if (!middleware) return runRoute();
      const local = { ...ctx, next: () => run(i + 1) };
      // `ctx.state` stays the one object every step shares.
      return Promise.resolve(middleware(request, local));
    };
    return await run(0);
  }

  /** The `_404` page behind the top folder's middleware, as in Fresh. */
  async #runNotFound(
    request: Request,
    url: URL,
    table: RouteTable,
  ): Promise<Response> {
    const middlewares = await this.#middlewareHandlers(table, [""]);
    const state: Record<string, unknown> = {};
    const render = () => this.#notFound(request, url, table, {}, state);
    const run = (i: number): Promise<Response> => {
      const middleware = middlewares[i];
      if (!middleware) return render();
      return Promise.resolve(middleware(request, {
        url,
        params: {},
        state,
        route: url.pathname,
        destination: "notFound",
        next: () => run(i + 1),
        render,
        renderNotFound: render,
      }));
    };
    return await run(0);
  }

  /** Registers the islands among the modules `files` import. */
  async #registerIslands(
    renderer: IslandRenderer,
    files: string[],
  ): Promise<void> {
    const { ssr, root } = this.options;
    const seen = new Set<ModuleNode>();
    const queue: ModuleNode[] = [];
    for (const file of files) {
      const node = ssr.graph.get(ssr.urlOf(file));
      if (node) queue.push(node);
    }
    const islands: ModuleNode[] = [];
    while (queue.length > 0) {
      const node = queue.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      if (node.file && isIslandFile(root, node.file)) islands.push(node);
      queue.push(...node.importedModules);
    }
    for (const node of islands) {
      renderer.register(node.url, await ssr.import(node.url));
    }
  }

  async #renderPage(
    request: Request,
    ctx: FreshContext,
    table: RouteTable,
    route: Route | null,
    page: unknown,
    data: unknown,
    init: ResponseInit = {},
    extraProps: Record<string, unknown> = {},
  ): Promise<Response> {
    const { ssr } = this.options;
    const preact = await this.#loadPreact();
    const renderer = IslandRenderer.for(preact);
    const { h } = preact;
    const layoutFiles = route
      ? route.dirs.flatMap((dir) => {
        const file = table.layouts.get(dir);
        return file ? [file] : [];
      })
      : [];
    const files = [
      ...(route ? [route.file] : []),
      ...(table.notFound ? [table.notFound] : []),
      ...(table.error ? [table.error] : []),
      ...layoutFiles,
      ...(table.app ? [table.app] : []),
    ];
    const layouts = await Promise.all(
      layoutFiles.map(async (file) => (await ssr.import(file)).default),
    );
    const app = table.app ? (await ssr.import(table.app)).default : null;
    await this.#registerIslands(renderer, files);
    const props = {
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      data,
      route: ctx.route,
      pattern: ctx.route,
      ...extraProps,
    };
    let body: unknown;
    if (isAsyncFunction(page)) {
      body = await (page as Handler)(request, { ...ctx, ...props } as never);
      if (body instanceof Response) return body;
    } else {
      body = h(page, props);
    }
    let Component = () => body;
    for (const layout of layouts.reverse()) {
      if (typeof layout !== "function") continue;
      const Inner = Component;
      Component = () => h(layout, { ...props, Component: Inner });
    }
    let document: unknown;
    if (typeof app === "function") {
      if (isAsyncFunction(app)) {
        document = await (app as Handler)(
          request,
          { ...ctx, ...props, Component } as never,
        );
      } else {
        document = h(app, { ...props, Component });
      }
    } else {
      document = h(
        "html",
        null,
        h("head", null, h("meta", { charset: "utf-8" })),
        h("body", null, h(Component, null)),
      );
    }
    const rendered = renderer.render(document);
    let markup = "<!DOCTYPE html>" + rendered.html;
    if (rendered.islands > 0) {
      const tags = `<script type="application/json" id="__banana_signals">${
        JSON.stringify(rendered.signals).replace(/</g, "\\u003c")
      }</script><script type="module" src="${
        islandsModuleUrl(rendered.used)
      }"></script>`;
      const end = markup.lastIndexOf("</body>");
      markup = end < 0
        ? markup + tags
        : markup.slice(0, end) + tags + markup.slice(end);
    }
    markup = await this.options.finishHtml(markup, {
      islands: rendered.islands > 0,
    });
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) {
      headers.set("content-type", "text/html; charset=utf-8");
    }
    headers.set("cache-control", "no-cache");
    return new Response(markup, { status: init.status ?? 200, headers });
  }

  async #notFound(
    request: Request,
    url: URL,
    table: RouteTable,
    params: Record<string, string>,
    state: Record<string, unknown>,
    data?: unknown,
  ): Promise<Response> {
    if (!table.notFound) {
      return new Response(`Not found: ${url.pathname}\n`, {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const mod = await this.options.ssr.import(table.notFound);
    const ctx: FreshContext = {
      url,
      params,
      state,
      route: url.pathname,
      destination: "notFound",
      next: () => Promise.resolve(new Response(null, { status: 404 })),
      render: (renderData, init) =>
        this.#renderPage(
          request,
          ctx,
          table,
          null,
          mod.default,
          renderData,
          { status: 404, ...init },
        ),
      renderNotFound: () => ctx.render(data),
    };
    return await ctx.render(data, { status: 404 });
  }

  /** Where a thrown error happened in the app's sources, with a code frame. */
  async #locate(err: unknown): Promise<ErrorBody> {
    if (err instanceof BananaError) return err.body;
    const error = err instanceof Error ? err : new Error(String(err));
    const body: ErrorBody = {
      message: error.message,
      stack: error.stack ?? "",
      plugin: "runtime",
    };
    const { root, ssr } = this.options;
    const frames = (error.stack ?? "").matchAll(
      /(file:\/\/[^\s)]+):(\d+):(\d+)/g,
    );
    for (const [, fileUrl, line, column] of frames) {
      let file: string;
      try {
        file = decodeURIComponent(new URL(fileUrl).pathname);
      } catch {
        continue;
      }
      if (!isInside(root, file) || isInside(ssr.options.cacheDir, file)) {
        continue;
      }
      const source = await Deno.readTextFile(file).catch(() => null);
      if (source === null) continue;
      body.loc = { file, line: Number(line), column: Number(column) - 1 };
      body.frame = codeFrame(source, Number(line), Number(column) - 1);
      body.id = file;
      break;
    }
    return body;
  }

  async #errorResponse(
    request: Request,
    err: unknown,
    url: URL,
    table: RouteTable,
    errorId: string,
  ): Promise<Response> {
    const body = await this.#locate(err);
    this.options.logError(errorId, formatErrorForLog(body));
    this.options.channel.send({ type: "error", err: { ...body, id: errorId } });
    const where = body.loc
      ? `${this.#rel(body.loc.file)}:${body.loc.line}:${body.loc.column + 1}`
      : "";
    const details = [
      `<section id="banana-error">`,
      `<p>While rendering <code>${escapeHtml(url.pathname)}</code>:</p>`,
      `<pre id="banana-error-message">${escapeHtml(body.message)}</pre>`,
      where ? `<p id="banana-error-location">at ${escapeHtml(where)}</p>` : "",
      body.frame
        ? `<pre id="banana-error-frame">${escapeHtml(body.frame)}</pre>`
        : "",
      `</section>`,
    ].join("");
    // The app's _500 page, with the details for the developer below it.
    if (table.error) {
      try {
        const page = await this.#renderError(request, url, table, err);
        const end = page.lastIndexOf("</body>");
        const markup = end < 0
          ? page + details
          : page.slice(0, end) + details + page.slice(end);
        return html(markup, 500);
      } catch { /* a broken _500 page: ours below */ }
    }
    const page = [
      `<!DOCTYPE html><html><head><meta charset="utf-8">`,
      `<title>500 Internal Server Error</title></head><body>`,
      `<h1>500 Internal Server Error</h1>`,
      details,
      `</body></html>`,
    ].join("");
    return html(await this.options.finishHtml(page, { islands: false }), 500);
  }

  /** The app's `_500` page for `error` (props `{ error, url, params, state }`). */
  async #renderError(
    request: Request,
    url: URL,
    table: RouteTable,
    error: unknown,
  ): Promise<string> {
    const mod = await this.options.ssr.import(table.error!);
    const ctx: FreshContext = {
      url,
      params: {},
      state: {},
      route: url.pathname,
      destination: "route",
      next: () => Promise.resolve(new Response(null, { status: 500 })),
      render: (data, init) =>
        this.#renderPage(request, ctx, table, null, mod.default, data, init, {
          error,
        }),
      renderNotFound: () => ctx.render(),
    };
    const response = await ctx.render(undefined, { status: 500 });
    return await response.text();
  }

  /**
   * Applies a batch of file changes: new server module versions, a new
   * route table when `routes/` changed, and `banana:ssr-update` to the
   * pages so they fetch their markup again.
   */
  async onFileChanges(changes: Map<string, FileChangeKind>): Promise<void> {
    const { root, ssr, channel } = this.options;
    const files = [...changes.keys()];
    const routesChanged = files.some((file) => isInside(this.#routesDir, file));
    if (routesChanged) this.#table = null;
    const islandsAddedOrRemoved = files.some((file) =>
      isIslandFile(root, file) &&
      (changes.get(file) === "delete" || ssr.graph.byFile(file).length === 0)
    );
    if (islandsAddedOrRemoved) {
      this.options.invalidateBrowserModules(ISLANDS_MODULE_URL);
    }
    // Stylesheets of static/ are swapped in the pages like any <link> sheet.
    const staticDir = join(root, "static");
    const sheets = files.filter((file) =>
      isInside(staticDir, file) && file.endsWith(".css") &&
      changes.get(file) === "update"
    );
    if (sheets.length > 0) {
      const timestamp = Date.now();
      const paths = sheets.map((file) => fileToUrl(staticDir, file));
      this.options.log(`css update ${paths.join(", ")}`);
      channel.send({
        type: "update",
        updates: paths.map((path) => ({
          type: "css-update" as const,
          path,
          acceptedPath: path,
          timestamp,
        })),
      });
    }
    const change = await ssr.onFileChanges(changes);
    if (!change && !routesChanged) return;
    const shown = files.map((file) => this.#rel(file)).join(", ");
    // An island's edit is also a browser update, which prints its own line.
    if (!files.some((file) => this.options.loadedInBrowser(file))) {
      const count = change?.refreshed.size ?? 0;
      this.options.log(
        `ssr update ${shown}${
          count
            ? ` (${count} server module${count === 1 ? "" : "s"} fresh)`
            : ""
        }`,
      );
    }
    channel.send("banana:ssr-update", {
      files: files.map((f) => this.#rel(f)),
    });
  }
}
