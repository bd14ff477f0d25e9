/**
 * The dev server: one `Deno.serve` that answers pages (with the HMR client
 * and import map injected), modules (built on demand), bundled dependencies,
 * static files and the HMR WebSocket — and a watcher feeding the HMR engine.
 *
 * @module
 */

import { join } from "node:path";
import {
  applyDefaults,
  ConfigError,
  findConfigFile,
  loadConfigFile,
  mergeConfig,
} from "./config.ts";
import type { ResolvedConfig, UserConfig } from "./types.ts";
import { type AppDenoConfig, loadAppDenoConfig } from "./import_map.ts";
import { loadEnvFiles } from "./env_files.ts";
import { ModuleGraph } from "./module_graph.ts";
import {
  CLIENT_URL,
  isModuleRequest,
  ModulePipeline,
  stripFreshness,
  withParam,
} from "./module_pipeline.ts";
import { DepBundler, DEPS_URL_PREFIX, normalizeDepSpecifier } from "./deps.ts";
import {
  NPM_URL_PREFIX,
  npmPackageNames,
  PackageFiles,
  servePackageFile,
} from "./package_files.ts";
import { HotChannel, type HotClient } from "./hot_channel.ts";
import { HmrEngine, type InvalidateData } from "./hmr.ts";
import {
  PAGE_MODULES_EVENT,
  type PageModulesReport,
  PageRegistry,
} from "./pages.ts";
import {
  type FileChangeKind,
  type FileWatcher,
  watchFiles,
} from "./watcher.ts";
import {
  type BrowserImportMap,
  injectIntoHtml,
  moduleScriptsOf,
} from "./html.ts";
import { matchesEtag, serveFile } from "./static.ts";
import { noIndexPage } from "./no_index_page.ts";
import {
  decodeSafePathname,
  resolveSafeFile,
  UnsafePathError,
} from "./path_safety.ts";
import { assertNotDenied, assertReadable, type FsRules } from "./fs_deny.ts";
import { BananaError, formatErrorForLog, toErrorBody } from "./errors.ts";
import { esbuildPlugin, stopEsbuild } from "./plugins/esbuild.ts";
import { oxcPlugin } from "./plugins/oxc.ts";
import { stopSassCompilers } from "./sass_compiler.ts";
import { normalizePlugins, sortPlugins } from "./plugin_container.ts";
import type { Plugin } from "./types.ts";
import { builtinPlugins, isCompilingPlugin } from "./plugins/mod.ts";
import { serveClientFile } from "./client_files.ts";
import { OPEN_IN_EDITOR_PATH, openInEditor } from "./open_in_editor.ts";
import { SsrEnvironment } from "./ssr_environment.ts";
import { FreshApp, freshPluginOptions, isFreshApp } from "./fresh_app.ts";
import {
  findIslandFiles,
  freshIslandsPlugin,
  ISLANDS_MODULE_URL,
} from "./fresh_islands.ts";
import { fileToUrl } from "./resolver.ts";
import { createClientEnvironment, WatcherEvents } from "./vite_compat.ts";
import type { DevEnvironment, ViteModuleGraph } from "./types.ts";

export type { DevServer, HotApi, InlineConfig, Middleware } from "./types.ts";
import type { DevServer, HotApi, InlineConfig, Middleware } from "./types.ts";

/** Everything that is rebuilt on a restart (config edits). */
interface ServerState {
  config: ResolvedConfig;
  app: AppDenoConfig;
  plugins: Plugin[];
  graph: ModuleGraph;
  environment: DevEnvironment;
  deps: DepBundler;
  /** Files of npm packages the page loads as they are (stylesheets). */
  packages: PackageFiles;
  pipeline: ModulePipeline;
  engine: HmrEngine;
  /** The server environment (server-rendered routes, `ssrLoadModule`). */
  ssr: SsrEnvironment;
  /** The routes of a Fresh-style app (a `routes/` folder), else null. */
  fresh: FreshApp | null;
  preMiddlewares: Middleware[];
  postMiddlewares: Middleware[];
  /** Starts the scan of the page's modules (once); resolves when done. */
  scan: () => Promise<void>;
  /** The scan, once started. */
  scanning: Promise<void> | null;
  /** The `.env` files read for the mode, present or not (edits restart). */
  envFiles: string[];
}

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

function text(
  status: number,
  body: string,
  headers: HeadersInit = {},
): Response {
  return new Response(body.endsWith("\n") ? body : body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** True for a browser's navigation (a page load), not a fetch of a file. */
function isDocumentRequest(request: Request): boolean {
  const dest = request.headers.get("sec-fetch-dest");
  const accept = request.headers.get("accept") ?? "";
  return dest === "document" || (!dest && accept.includes("text/html"));
}

function timeStamp(): string {
  return new Date().toTimeString().slice(0, 8);
}

class BananaDevServer implements DevServer {
  #inline: InlineConfig;
  #state!: ServerState;
  #channel!: HotChannel;
  #pages: PageRegistry<HotClient> = new PageRegistry();
  /** Builds of modules pages reported and the graph lacked. */
  #reportedBuilds: Promise<void> = Promise.resolve();
  #httpServer: Deno.HttpServer | null = null;
  #hmrServer: Deno.HttpServer | null = null;
  #watcher: FileWatcher | null = null;
  #url: string | null = null;
  #port = 0;
  #lastLogged = new Map<string, string>();
  #closed = false;
  #watcherEvents = new WatcherEvents();

  constructor(inline: InlineConfig) {
    this.#inline = inline;
  }

  get config(): ResolvedConfig {
    return this.#state.config;
  }
  get url(): string | null {
    return this.#url;
  }
  get moduleGraph(): ModuleGraph & ViteModuleGraph {
    return this.#state.environment.moduleGraph;
  }
  get pages(): PageRegistry<HotClient> {
    return this.#pages;
  }
  get hot(): HotApi {
    return this.#channel;
  }
  get ws(): HotApi {
    return this.#channel;
  }
  get middlewares(): { use(handler: Middleware): void } {
    return { use: (handler) => this.#state.preMiddlewares.push(handler) };
  }
  get environments(): { client: DevEnvironment } {
    return { client: this.#state.environment };
  }
  get watcher(): WatcherEvents {
    return this.#watcherEvents;
  }

  /** Loads config and builds the state; used at start and on restart. */
  async init(): Promise<void> {
    if (!this.#channel) {
      this.#channel = new HotChannel({
        isAllowedOrigin: (origin) => this.#isAllowedOrigin(origin),
      });
      this.#channel.on(
        "vite:invalidate",
        (data, client) => this.#onInvalidate(data, client),
      );
      this.#channel.on(
        "banana:invalidate",
        (data, client) => this.#onInvalidate(data, client),
      );
      this.#channel.on(
        "banana:client-connect",
        (_, client) => this.#pages.connect(client),
      );
      this.#channel.on(
        "banana:client-disconnect",
        (_, client) => this.#pages.remove(client),
      );
      this.#channel.on(
        PAGE_MODULES_EVENT,
        (data, client) => this.#onPageReport(data, client),
      );
      this.#channel.on("banana:ssr-reload", (data) => {
        const { path, reason } = (data ?? {}) as {
          path?: string;
          reason?: string;
        };
        this.log(`page reload ${path ?? ""}: ${reason ?? "no reason given"}`);
      });
    }
    const state = await this.#createState();
    this.#state = state;
    const { container } = state.pipeline;
    await container.configureServer(this, async (after) => {
      const before = state.preMiddlewares.length;
      await after();
      // Handlers added by the returned hook run after ours.
      state.postMiddlewares.push(...state.preMiddlewares.splice(before));
    });
    // As Vite does before it serves: plugins load their compilers here.
    await container.buildStart();
  }

  #onInvalidate(data: unknown, client: HotClient): void {
    const payload = data as InvalidateData;
    if (typeof payload?.path !== "string") return;
    this.#state.engine.onInvalidate(payload, client);
  }

  /**
   * Records what a page runs, and builds the modules it runs that the graph
   * does not hold (after a process restart: all of them, from the
   * browser's cache), so the next edit finds their importers and
   * boundaries. A batch of edits waits for these builds.
   */
  #onPageReport(data: unknown, client: HotClient): void {
    if (typeof data !== "object" || data === null) return;
    const { loaded, newForPage } = this.#pages.report(
      client,
      data as PageModulesReport,
    );
    const { pipeline, engine } = this.#state;
    const page = this.#pages.get(client)!;
    // Every reported module, not only those new to the registry: after an
    // in-process restart the graph is new while the pages are not.
    const missing = loaded.filter((url) => !pipeline.getBuilt(url));
    if (missing.length > 0) {
      const builds = Promise.all(
        missing.map((url) => pipeline.build(url).catch(() => {})),
      );
      this.#reportedBuilds = Promise.all([this.#reportedBuilds, builds]).then(
        () => {},
      );
    }
    // A report late for a batch: the page gets the edit it missed.
    engine.onPageReport(page, newForPage);
  }

  async #createState(): Promise<ServerState> {
    const inline = this.#inline;
    const root = await Deno.realPath(inline.root ?? Deno.cwd()).catch(() => {
      throw new ConfigError(`Root directory ${inline.root} does not exist`);
    });
    const configFile = inline.configFile === false
      ? null
      : await findConfigFile(root, inline.configFile || undefined);
    const app = await loadAppDenoConfig(root);
    const fileConfig = configFile
      ? await loadConfigFile(configFile, {
        importMap: app.importMap,
        cacheDir: join(root, ".banana", "config"),
      })
      : {};
    let user: UserConfig = mergeConfig(fileConfig, { ...inline, root });
    const userPlugins = normalizePlugins(user.plugins ?? []).filter((p) =>
      p.apply === undefined || p.apply === "serve" ||
      (typeof p.apply === "function" &&
        p.apply(user, { command: "serve", mode: "development" }))
    );
    for (const plugin of sortPlugins(userPlugins)) {
      if (!plugin.config) continue;
      const patch = await plugin.config(user, {
        command: "serve",
        mode: user.mode ?? "development",
      });
      if (patch) user = mergeConfig(user, patch);
    }
    const config = applyDefaults(user, configFile, [], {
      importMap: () => app.importMap,
      packages: () => packages,
    });
    config.root = root;
    const appEnv = await loadEnvFiles(
      config.envDir,
      config.mode,
      config.envPrefix,
    );
    const appPackages = npmPackageNames(app.importMap);
    const packages = new PackageFiles({
      mayLocateForUrl: (name) => appPackages.has(name),
    });
    const ssr = new SsrEnvironment({
      root,
      cacheDir: join(config.cacheDir, "ssr"),
      fsAllow: config.server.fs.allow,
      app,
      alias: config.alias,
      define: config.define,
      mode: config.mode,
    });
    const freshApp = await isFreshApp(root);
    config.env = { ...config.env, ...appEnv.env };
    const builtins = builtinPlugins({
      config,
      app,
      userPluginNames: userPlugins.map((plugin) => plugin.name),
      packages,
      env: appEnv.env,
      logError: (id, message) => this.#logErrorOnce(id, message),
    });
    if (freshApp) {
      builtins.push(freshIslandsPlugin(freshPluginOptions(root, ssr)));
    }
    // Built-in compilers (Fast Refresh compiles app components with Oxc)
    // run before the TS/JSX compiler, which takes the modules they leave.
    const compilers = builtins.filter(isCompilingPlugin);
    const compilerOptions = {
      root,
      compilerOptions: app.compilerOptions,
      define: config.define,
      skip: (id: string) => compilers.some((c) => c.compiles(id)),
    };
    const ordered = [
      ...userPlugins.filter((p) => p.enforce === "pre"),
      ...compilers,
      config.compiler === "esbuild"
        ? esbuildPlugin(compilerOptions)
        : oxcPlugin(compilerOptions),
      ...builtins.filter((p) => !isCompilingPlugin(p)),
      ...userPlugins.filter((p) => p.enforce !== "pre" && p.enforce !== "post"),
      ...userPlugins.filter((p) => p.enforce === "post"),
    ];
    config.plugins = ordered;
    for (const plugin of ordered) await plugin.configResolved?.(config);

    await markCacheDirIgnored(config.cacheDir);
    const graph = new ModuleGraph();
    const environment = createClientEnvironment({
      config,
      graph,
      hot: this.#channel as unknown as DevEnvironment["hot"],
      urlForId: (id) => pipeline.urlForId(id),
      normalizeUrl: (url) => stripFreshness(url),
      invalidate: (url) => pipeline.invalidate(url),
      transformRequest: (url) => this.transformRequest(url),
    });
    const deps = new DepBundler({
      cacheDir: config.cacheDir,
      log: (message) => this.log(message),
      onReplaced: (reason) => {
        this.log(`page reload: ${reason}`);
        this.#channel.send({ type: "full-reload", path: "*", reason });
      },
    });
    const pipeline = new ModulePipeline({
      root,
      fsAllow: config.server.fs.allow,
      fsDeny: config.server.fs.deny,
      graph,
      plugins: ordered,
      importMap: app.importMap,
      alias: config.alias,
      deps,
      packages,
      hmr: config.hmr !== null,
      mode: config.mode,
      sloppyImports: app.sloppyImports,
      env: appEnv.env,
      environment,
      publicDir: config.publicDir,
    });
    await pipeline.container.options();
    const engine = new HmrEngine({
      root,
      graph,
      pipeline,
      channel: this.#channel,
      pages: this.#pages,
      pagesSettled: () => this.#reportedBuilds,
      hmr: config.hmr !== null,
      depsIdle: () => deps.idle(),
      restartFiles: () => [
        ...(this.#state.config.configFile
          ? [this.#state.config.configFile]
          : []),
        ...this.#state.app.files,
        ...this.#state.envFiles,
      ],
      restart: (reason) => this.#restartFor(reason),
      server: () => this,
      log: (message) => this.log(message),
      // Each failed rebuild is printed; page requests do not repeat it.
      logError: (id, message) => this.#logErrorOnce(id, message, true),
    });
    // The scan starts with the first request, not before: it compiles the
    // whole page graph, and the server should answer its first request
    // without waiting for that.
    const scanned = Promise.withResolvers<void>();
    deps.holdUntil(scanned.promise);
    const fresh = freshApp
      ? new FreshApp({
        root,
        ssr,
        channel: this.#channel,
        log: (message) => this.log(message),
        logError: (id, message) => this.#logErrorOnce(id, message, true),
        finishHtml: (html, options) => this.#finishFreshHtml(html, options),
        loadedInBrowser: (file) =>
          graph.byFile(file).some((node) => this.#pages.isRunning(node.url)),
        invalidateBrowserModules: (prefix) => {
          for (const url of graph.urlToModule.keys()) {
            if (url.startsWith(prefix)) pipeline.invalidate(url);
          }
        },
      })
      : null;
    const state: ServerState = {
      config,
      app,
      plugins: ordered,
      graph,
      environment,
      deps,
      packages,
      pipeline,
      engine,
      ssr,
      fresh,
      preMiddlewares: [],
      postMiddlewares: [],
      scan: () => {
        state.scanning ??=
          (fresh
            ? this.#scanFreshApp(root, pipeline)
            : this.#scanEntries(root, pipeline))
            .finally(() => scanned.resolve());
        return state.scanning;
      },
      scanning: null,
      envFiles: appEnv.files,
    };
    return state;
  }

  /**
   * Builds what `index.html` loads, ahead of the first request, so the
   * dependencies are known (and bundled once) before the page asks.
   */
  async #scanEntries(
    root: string,
    pipeline: ModulePipeline,
  ): Promise<void> {
    let html: string;
    const file = join(root, "index.html");
    try {
      html = await Deno.readTextFile(file);
    } catch {
      return;
    }
    // Scan the page as it is served: plugins add page scripts (the Fast
    // Refresh preamble) whose dependencies belong in the first bundle.
    // (A plugin that fails is passed over: serving the page reports it.)
    html = await pipeline.container.transformIndexHtml(html, {
      path: "/index.html",
      filename: file,
      server: this,
    }, { ignoreErrors: true });
    const seen = new Set<string>();
    await Promise.all(
      moduleScriptsOf(html).filter((src) => !/^[a-z]+:/i.test(src)).map(
        (src) => {
          const url = new URL(src, "http://x/").pathname;
          return pipeline.warmup(url, seen);
        },
      ),
    );
  }

  /**
   * Builds what the pages of a Fresh-style app load in the browser (the
   * island module, every island, Fast Refresh's preamble) ahead of the
   * first page, so their dependencies are bundled once.
   */
  async #scanFreshApp(
    root: string,
    pipeline: ModulePipeline,
  ): Promise<void> {
    let html = "<!DOCTYPE html><html><head></head><body></body></html>";
    // (A plugin that fails is passed over: rendering a page reports it.)
    html = await pipeline.container.transformIndexHtml(html, {
      path: "/",
      filename: join(root, "index.html"),
      server: this,
    }, { ignoreErrors: true });
    const urls = [
      ...moduleScriptsOf(html).filter((src) => src.startsWith("/")),
      ISLANDS_MODULE_URL,
      ...(await findIslandFiles(root)).map((file) => fileToUrl(root, file)),
    ];
    const seen = new Set<string>();
    await Promise.all(urls.map((url) => pipeline.warmup(url, seen)));
  }

  /**
   * A server-rendered page as the browser gets it: plugins' HTML changes
   * (Fast Refresh's preamble only where islands run), the import map, the
   * HMR client and the page follower.
   */
  async #finishFreshHtml(
    html: string,
    options: { islands: boolean },
  ): Promise<string> {
    const state = this.#state;
    html = await state.pipeline.container.transformIndexHtml(html, {
      path: "/",
      filename: join(state.config.root, "index.html"),
      server: this,
    }, {
      skip: (plugin) => !options.islands && plugin.name === "banana:refresh",
    });
    return injectIntoHtml(html, {
      importMap: this.#browserImportMap(),
      scripts: [CLIENT_URL, "/@banana/client/fresh.ts"],
    });
  }

  /** Prints a line unless logging is silent. */
  log(message: string): void {
    if (
      this.#state?.config.logLevel === "silent" ||
      this.#inline.logLevel === "silent"
    ) return;
    console.log(`${timeStamp()} [banana] ${message}`);
  }

  /**
   * Prints the error of `id` unless it is the one printed last for `id`
   * (every page that requests a broken module would repeat it); `always`
   * prints it anyway (a new save that fails).
   */
  #logErrorOnce(id: string, message: string, always = false): void {
    if (!always && this.#lastLogged.get(id) === message) return;
    this.#lastLogged.set(id, message);
    this.log(`error ${message}`);
  }

  #isAllowedHost(hostHeader: string | null): boolean {
    if (!hostHeader) return false;
    const host = hostnameOf(hostHeader).toLowerCase();
    const config = this.#state.config.server;
    return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") ||
      isIpLiteral(host) || host === config.host.toLowerCase() ||
      config.allowedHosts.some((allowed) =>
        host === allowed.toLowerCase() ||
        (allowed.startsWith(".") && host.endsWith(allowed.toLowerCase()))
      );
  }

  #isAllowedOrigin(origin: string): boolean {
    try {
      return this.#isAllowedHost(new URL(origin).host);
    } catch {
      return false;
    }
  }

  async listen(): Promise<DevServer> {
    if (!this.#state) await this.init();
    const { server, hmr } = this.#state.config;
    const started = performance.now();
    const handler = (request: Request, info: Deno.ServeHandlerInfo) =>
      this.#handle(request, info);
    let port = server.port;
    for (let attempt = 0;; attempt++) {
      try {
        this.#httpServer = Deno.serve({
          port,
          hostname: server.host === "localhost" ? "127.0.0.1" : server.host,
          onListen: () => {},
          handler,
        });
        break;
      } catch (err) {
        if (
          !(err instanceof Deno.errors.AddrInUse) || server.strictPort ||
          attempt >= 20 || port === 0
        ) {
          if (err instanceof Deno.errors.AddrInUse) {
            throw new Error(
              `Port ${port} is already in use${
                server.strictPort ? " (--strict-port is set)" : ""
              }`,
            );
          }
          throw err;
        }
        port++;
      }
    }
    const addr = this.#httpServer.addr as Deno.NetAddr;
    this.#port = addr.port;
    const shownHost = server.host === "127.0.0.1" || server.host === "0.0.0.0"
      ? "localhost"
      : server.host;
    this.#url = `http://${shownHost}:${this.#port}/`;
    if (hmr?.port) {
      this.#hmrServer = Deno.serve({
        port: hmr.port,
        hostname: hmr.host ??
          (server.host === "localhost" ? "127.0.0.1" : server.host),
        onListen: () => {},
        handler: (request) =>
          request.headers.get("upgrade")?.toLowerCase() === "websocket"
            ? this.#channel.handleUpgrade(request)
            : text(404, "This port only serves the HMR WebSocket"),
      });
    }
    this.#startWatcher();
    this.readyMs = performance.now() - started;
    return this;
  }

  /** Milliseconds `listen()` took. */
  readyMs = 0;

  #startWatcher(): void {
    this.#watcher?.close();
    const { root, cacheDir } = this.#state.config;
    this.#watcher = watchFiles(root, {
      ignoreDirs: [cacheDir],
      onBatch: (changes) => {
        for (const [file, kind] of changes) {
          this.#watcherEvents.report(
            kind === "delete" ? "unlink" : "change",
            file,
          );
        }
        const state = this.#state;
        // A routes/ folder that appears makes the app a Fresh-style one.
        const routesDir = join(state.config.root, "routes");
        if (
          !state.fresh &&
          [...changes].some(([file, kind]) =>
            kind === "update" && file.startsWith(routesDir + "/")
          )
        ) {
          return isFreshApp(state.config.root).then((fresh) =>
            fresh
              ? this.#restartFor("routes/ appeared")
              : this.#feedChanges(state, changes)
          );
        }
        return this.#feedChanges(state, changes);
      },
      onError: (err) => this.log(`watcher: ${err}`),
    });
  }

  /** Hands a batch of file changes to the server environment and HMR. */
  #feedChanges(
    state: ServerState,
    changes: Map<string, FileChangeKind>,
  ): Promise<void> {
    const server = state.fresh
      ? state.fresh.onFileChanges(changes)
      : state.ssr.onFileChanges(changes);
    server.catch((err) => this.log(`ssr update failed: ${err}`));
    return state.engine.onFileChanges(changes);
  }

  async #restartFor(reason: string): Promise<void> {
    this.log(`${reason}: restarting`);
    try {
      await this.restart();
    } catch (err) {
      const body = toErrorBody(err);
      this.log(`restart failed, keeping the running server: ${body.message}`);
      this.#channel.send({
        type: "error",
        err: { ...body, id: "config", plugin: "config" },
      });
    }
  }

  async restart(): Promise<void> {
    const previous = this.#state;
    await this.init();
    if (this.#httpServer || this.#watcher) this.#startWatcher();
    if (previous.config.server.port !== this.#state.config.server.port) {
      this.log(
        `server.port changed to ${this.#state.config.server.port}; it takes effect when the server is started again`,
      );
    }
    this.#channel.clearError("config");
    this.#channel.send({
      type: "full-reload",
      path: "*",
      reason: "server restarted",
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#channel?.close();
    await this.#httpServer?.shutdown();
    await this.#hmrServer?.shutdown();
    await this.#state?.scanning?.catch(() => {});
    await this.#state?.deps.idle();
    // esbuild's service process is shared by every server in the process.
    // So are the Sass compiler processes.
    if (--openServers === 0) {
      await Promise.all([stopEsbuild(), stopSassCompilers()]);
    }
  }

  async ssrLoadModule(url: string): Promise<Record<string, unknown>> {
    return await this.#state.ssr.import(url);
  }

  /** Middleware mode: the watcher runs without a socket of our own. */
  startWithoutListening(): void {
    if (!this.#watcher && !this.#closed) this.#startWatcher();
  }

  handler(request: Request): Promise<Response> {
    return this.#handle(request, {
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
      completed: Promise.resolve(),
    });
  }

  async transformRequest(url: string): Promise<{ code: string }> {
    const rendered = await this.#state.pipeline.render(stripFreshness(url));
    return { code: rendered.code };
  }

  async #handle(
    request: Request,
    _info: Deno.ServeHandlerInfo,
  ): Promise<Response> {
    const state = this.#state;
    if (!this.#isAllowedHost(request.headers.get("host"))) {
      const host = request.headers.get("host") ?? "(none)";
      return text(
        403,
        `Blocked request: host "${host}" is not allowed. Add it to server.allowedHosts to allow it.`,
      );
    }
    if (!state.scanning) {
      // After this response is on its way.
      setTimeout(() => state.scan(), 0);
    }
    const chain = [
      ...state.preMiddlewares,
      ...(state.fresh
        ? [
          (req: Request, next: () => Promise<Response>) =>
            state.fresh!.handle(req, () => this.#builtin(req, next)),
        ]
        : [
          (req: Request, next: () => Promise<Response>) =>
            this.#builtin(req, next),
        ]),
      ...state.postMiddlewares,
    ];
    const run = (i: number, req: Request): Promise<Response> => {
      const handler = chain[i];
      if (!handler) return this.#notFound(req);
      return Promise.resolve(handler(req, () => run(i + 1, req)));
    };
    try {
      return await run(0, request);
    } catch (err) {
      if (err instanceof UnsafePathError) return text(err.status, err.message);
      const body = toErrorBody(err);
      this.#logErrorOnce("request", formatErrorForLog(body));
      return text(500, `Internal error: ${body.message}`);
    }
  }

  /**
   * The end of the chain: a page request while the root has no
   * `index.html` gets a page that says so and what to do.
   */
  async #notFound(request: Request): Promise<Response> {
    const pathname = new URL(request.url).pathname;
    const { root, publicDir } = this.#state.config;
    if (isDocumentRequest(request) && request.method === "GET") {
      const index = await resolveSafeFile(
        root,
        "/index.html",
        this.#allowDirs(),
      )
        .catch(() => null);
      if (!index) return await noIndexPage({ root, publicDir, pathname });
    }
    return text(404, `Not found: ${pathname}`);
  }

  /** The built-in handlers; returns 404 responses only via `next`. */
  async #builtin(
    request: Request,
    next: () => Promise<Response>,
  ): Promise<Response> {
    const state = this.#state;
    const url = new URL(request.url);
    const pathname = url.pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, `Method ${request.method} not allowed`);
    }
    const hmr = state.config.hmr;
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      // With --no-hmr the socket still carries live reloads.
      if (pathname === (hmr?.path ?? "/@banana/hmr")) {
        return this.#channel.handleUpgrade(request);
      }
      return text(404, "No WebSocket here");
    }
    if (pathname === "/@banana/ping") return text(200, "pong");
    if (pathname === OPEN_IN_EDITOR_PATH) {
      return await openInEditor(request, {
        root: state.config.root,
        allow: this.#allowDirs(),
      });
    }
    this.#assertRequestNotDenied(pathname);
    if (pathname.startsWith("/@banana/client/")) {
      return await serveClientFile(pathname, request, {
        hmr: hmr,
        token: this.#channel.token,
        port: this.#port,
      });
    }
    if (pathname.startsWith(DEPS_URL_PREFIX)) {
      return await this.#serveDep(request, pathname);
    }
    if (
      !url.search && !pathname.startsWith("/@") && isModuleRequest(pathname)
    ) {
      // A script the page loads by its URL (`public/sw.js`), served as is.
      const inPublic = await this.#findPublic(pathname);
      if (inPublic) return await serveFile(request, inPublic);
    }
    const requestPath = pathname + url.search;
    if (pathname.startsWith(NPM_URL_PREFIX)) {
      await state.packages.ensureLocated(pathname);
      if (!isModuleRequest(requestPath)) {
        return await servePackageFile(request, state.packages, {
          deny: state.config.server.fs.deny,
        });
      }
    }
    if (isModuleRequest(requestPath)) {
      return await this.#serveModule(request, url);
    }
    if (pathname === "/favicon.ico") {
      const file = await this.#findStatic(pathname);
      return file
        ? await serveFile(request, file)
        : new Response(null, { status: 204 });
    }
    // Pages.
    const htmlPath = pathname.endsWith("/")
      ? pathname + "index.html"
      : pathname;
    if (htmlPath.endsWith(".html")) {
      const file = await resolveSafeFile(
        state.config.root,
        htmlPath,
        this.#allowDirs(),
      );
      if (file) {
        await assertReadable(file, this.#fsRules());
        return await this.#serveHtml(htmlPath, file);
      }
    }
    const file = await this.#findStatic(pathname);
    if (file) return await serveFile(request, file);
    if (isDocumentRequest(request)) {
      // SPA fallback: client-side routes get the app's index.html.
      const index = await resolveSafeFile(
        state.config.root,
        "/index.html",
        this.#allowDirs(),
      );
      if (index) return await this.#serveHtml("/index.html", index);
    }
    // Handlers that plugins added after ours get their turn; the end of the
    // chain answers 404.
    return await next();
  }

  #allowDirs(): string[] {
    return [this.#state.config.root, ...this.#state.config.server.fs.allow];
  }

  /** Where files may be read from, and `server.fs.deny`. */
  #fsRules(root = this.#state.config.root): FsRules {
    const { fs } = this.#state.config.server;
    return { root, allow: fs.allow, deny: fs.deny };
  }

  /**
   * The first deny decision, on the decoded path a request names (as a
   * file of the root, of the public folder, or `/@fs/<absolute path>`), so
   * every route and query answers the same 403 before anything is read,
   * whether the file exists or not. The routes check the file they finally
   * read again (after symlinks and plugin resolution).
   */
  #assertRequestNotDenied(pathname: string): void {
    // `/@id/` carries an encoded module id, checked when it is built.
    if (pathname.startsWith("/@id/")) return;
    const segments = decodeSafePathname(pathname);
    if (segments[0] === "@fs") {
      assertNotDenied("/" + segments.slice(1).join("/"), this.#fsRules());
      return;
    }
    const { root, publicDir } = this.#state.config;
    assertNotDenied(join(root, ...segments), this.#fsRules());
    if (publicDir) {
      assertNotDenied(join(publicDir, ...segments), this.#fsRules(publicDir));
    }
  }

  /** The file of the public folder at `pathname`, if there is one. */
  async #findPublic(pathname: string): Promise<string | null> {
    const { publicDir } = this.#state.config;
    if (!publicDir) return null;
    const inPublic = await resolveSafeFile(publicDir, pathname, [publicDir]);
    if (!inPublic || !(await Deno.stat(inPublic)).isFile) return null;
    await assertReadable(inPublic, { ...this.#fsRules(publicDir), allow: [] });
    return inPublic;
  }

  async #findStatic(pathname: string): Promise<string | null> {
    const { root } = this.#state.config;
    const inPublic = await this.#findPublic(pathname);
    if (inPublic) return inPublic;
    const file = await resolveSafeFile(root, pathname, this.#allowDirs());
    if (file && (await Deno.stat(file)).isFile) {
      await assertReadable(file, this.#fsRules());
      return file;
    }
    return null;
  }

  async #serveDep(request: Request, pathname: string): Promise<Response> {
    decodeSafePathname(pathname);
    const file = this.#state.deps.fileFor(pathname);
    if (!file) return text(404, `Unknown dependency file ${pathname}`);
    try {
      return await serveFile(request, file, {
        "cache-control": "public, max-age=31536000, immutable",
      });
    } catch {
      return text(404, `Unknown dependency file ${pathname}`);
    }
  }

  async #serveModule(request: Request, url: URL): Promise<Response> {
    const state = this.#state;
    const moduleUrl = stripFreshness(url.pathname + url.search);
    const version = url.searchParams.get("v");
    try {
      const rendered = await state.pipeline.render(moduleUrl);
      this.#lastLogged.delete(moduleUrl);
      const node = state.graph.get(moduleUrl);
      if (node) state.graph.recordServed(node);
      state.pipeline.warmup(moduleUrl);
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
      if (err instanceof UnsafePathError) throw err;
      const node = state.graph.get(moduleUrl);
      if (node) state.graph.recordServeFailure(node);
      const body = toErrorBody(err, moduleUrl);
      const referer = request.headers.get("referer");
      const importer = referer ? new URL(referer).pathname : null;
      const notFound = err instanceof BananaError &&
        err.body.plugin === "load" &&
        body.message.startsWith("File not found");
      if (notFound) {
        return text(
          404,
          `${body.message} (requested as ${moduleUrl}${
            importer ? `, imported by ${importer}` : ""
          })`,
        );
      }
      this.#logErrorOnce(moduleUrl, formatErrorForLog(body));
      this.#channel.send({ type: "error", err: { ...body, id: moduleUrl } });
      return text(
        500,
        `${body.message}${body.frame ? "\n\n" + body.frame : ""}`,
      );
    }
  }

  async #serveHtml(path: string, file: string): Promise<Response> {
    const state = this.#state;
    let html = await Deno.readTextFile(file);
    html = await state.pipeline.container.transformIndexHtml(html, {
      path,
      filename: file,
      server: this,
    });
    // The page's own module scripts load by their plain URL (import maps do
    // not apply to <script src>): mapping them too would give an entry that
    // is imported back (a cycle through the entry) a second instance.
    const entries = new Set<string>();
    for (const src of moduleScriptsOf(html)) {
      const url = new URL(src, `http://page${path}`);
      if (url.host === "page") entries.add(url.pathname);
    }
    // The client also runs with --no-hmr: it performs the live reloads.
    html = injectIntoHtml(html, {
      importMap: this.#browserImportMap(entries),
      scripts: [CLIENT_URL],
    });
    return new Response(html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
      },
    });
  }

  /**
   * The page's import map: the app's dependencies mapped to their bundled
   * files, and every module already built mapped to a content-versioned URL
   * (so reloads use the browser cache and re-fetch only what changed).
   */
  #browserImportMap(entries: Set<string> = new Set()): BrowserImportMap {
    const state = this.#state;
    const imports: Record<string, string> = {};
    const generation = state.deps.generation;
    if (generation) {
      state.deps.markInUse();
      for (const [key, target] of Object.entries(state.app.importMap.imports)) {
        const spec = normalizeDepSpecifier(target);
        if (key.endsWith("/")) {
          for (const [dep, url] of generation.urls) {
            if (dep.startsWith(spec)) {
              imports[key + dep.slice(spec.length)] = url;
            }
          }
        } else {
          const url = generation.urls.get(spec);
          if (url) imports[key] = url;
        }
      }
    }
    for (const node of state.graph.urlToModule.values()) {
      if (node.lastHMRTimestamp || entries.has(node.url)) continue;
      const version = state.pipeline.currentVersion(node.url);
      if (version) {
        imports[node.url] = withParam(node.url, `v=${version}`);
      }
    }
    return { imports };
  }
}

/**
 * Creates a dev server for an app folder. Call `listen()` to start it.
 *
 * @example
 * ```ts
 * import { createServer } from "../mod.ts";
 * const server = await createServer({ root: "examples/basic", server: { port: 0 } });
 * await server.listen();
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function createServer(
  inline: InlineConfig = {},
): Promise<DevServer> {
  const server = new BananaDevServer(inline);
  openServers++;
  try {
    await server.init();
    if (server.config.server.middlewareMode) server.startWithoutListening();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

/**
 * Gives the cache directory a `.gitignore` of `*`: git leaves it alone, and
 * so do tools that skip ignored files — Tailwind's source scan, which
 * would otherwise read the bundled dependencies for class names.
 */
async function markCacheDirIgnored(cacheDir: string): Promise<void> {
  const file = join(cacheDir, ".gitignore");
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    await Deno.writeTextFile(file, "*\n", { createNew: true });
  } catch { /* there already, or the folder cannot be written */ }
}

/** Servers created and not yet closed in this process. */
let openServers = 0;
