/**
 * The dev server: one `Deno.serve` that answers pages (with the HMR client
 * and import map injected), modules (built on demand), bundled dependencies,
 * static files and the HMR WebSocket — and a watcher feeding the HMR engine.
 *
 * @module
 */

import { join } from "node:path";
import { applyDefaults } from "./config.ts";
import type { ResolvedConfig } from "./types.ts";
import type { AppDenoConfig } from "./import_map.ts";
import { loadEnvFiles } from "./env_files.ts";
import { ModuleGraph } from "./module_graph.ts";
import { ModulePipeline } from "./module_pipeline.ts";
import {
  CLIENT_DIR_URL,
  CLIENT_URL,
  stripFreshness,
  withParam,
} from "./module_urls.ts";
import { DepBundler, normalizeDepSpecifier } from "./deps.ts";
import { npmPackageNames, PackageFiles } from "./package_files.ts";
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
import { formatErrorForLog, toErrorBody } from "./errors.ts";
import { esbuildPlugin, stopEsbuild } from "./plugins/esbuild.ts";
import { oxcPlugin } from "./plugins/oxc.ts";
import { stopSassCompilers } from "./sass_compiler.ts";
import { stopIsolatedCompiler } from "./oxc_compile.ts";
import type { Plugin } from "./types.ts";
import { builtinPlugins } from "./plugins/mod.ts";
import { SsrEnvironment } from "./ssr_environment.ts";
import { FreshApp, freshPluginOptions, isFreshApp } from "./fresh_app.ts";
import {
  findIslandFiles,
  freshIslandsPlugin,
  ISLANDS_MODULE_URL,
} from "./fresh_islands.ts";
import { fileToUrl } from "./resolver.ts";
import { createClientEnvironment, WatcherEvents } from "./vite_compat.ts";
import { CompileCache } from "./compile_cache.ts";
import {
  exposedMemoryCollection,
  IdleMemoryRelease,
} from "./idle_memory_release.ts";
import { OXC_CACHE_KIND } from "./oxc_compile.ts";
import { FACTORY_CACHE_KIND } from "./module_factories.ts";
import {
  CLIENT_ENV_URL,
  clientEnvUrl,
  registryPageClientFiles,
} from "./client_files.ts";
import type { DevEnvironment, ViteModuleGraph } from "./types.ts";

export type { DevServer, HotApi, InlineConfig, Middleware } from "./types.ts";
import type { DevServer, HotApi, InlineConfig, Middleware } from "./types.ts";
import { compose, type NamedMiddleware } from "./compose.ts";
import { errorCode, statusFor } from "./http_errors.ts";
import { type RequestContext, text } from "./middlewares/context.ts";
import { loadUserConfig } from "./load_user_config.ts";
import { orderPlugins } from "./plugin_order.ts";
import { hostCheck, isAllowedOrigin } from "./middlewares/host_check.ts";
import { freshRoutes } from "./middlewares/fresh_routes.ts";
import { methodCheck } from "./middlewares/method_check.ts";
import { hmrUpgrade } from "./middlewares/hmr_upgrade.ts";
import { internalEndpoints } from "./middlewares/internal_endpoints.ts";
import { denyRule } from "./middlewares/deny_rule.ts";
import { clientFiles } from "./middlewares/client_files.ts";
import { deps } from "./middlewares/deps.ts";
import { publicScripts } from "./middlewares/public_scripts.ts";
import { packageFiles } from "./middlewares/package_files.ts";
import { modules } from "./middlewares/modules.ts";
import { bundles } from "./middlewares/bundle.ts";
import { DevBundler, entryOfBundleUrl } from "./dev_bundle.ts";
import { BUNDLE_PARSE_FAILED_EVENT } from "../client/bundle_parse_error.ts";
import { isModuleRequest } from "./module_urls.ts";
import type { BundleParseFailure } from "../client/payload.ts";
import {
  REGISTRY_TRANSFORM_VERSION,
  transformToFactory,
} from "./registry_transform.ts";
import { ModuleFactories, type RegistryTransform } from "./module_factories.ts";
import { htmlPages } from "./middlewares/html_pages.ts";
import { staticFiles } from "./middlewares/static_files.ts";
import { spaFallback } from "./middlewares/spa_fallback.ts";
import { notFound } from "./middlewares/not_found.ts";

/** A handler of `server.middlewares.use()` in the request path. */
function userMiddleware(handle: Middleware): NamedMiddleware {
  return { name: handle.name || "middleware", handle };
}

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
  /** Bundle mode: the pages' dev bundles (`server/dev_bundle.ts`). */
  bundler: DevBundler;
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
  /** Settles when the scan has (it starts with the first request). */
  scanned: Promise<void>;
  /** The `.env` files read for the mode, present or not (edits restart). */
  envFiles: string[];
  /** Compiled outputs on disk (`<cacheDir>/compile`), kept across restarts. */
  compileCache: CompileCache;
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
  #lastLogged = new Map<string, { message: string; at: number }>();
  #closed = false;
  #watcherEvents = new WatcherEvents();
  /** Shared by the states of in-process restarts on the same cache dir. */
  #compileCache: CompileCache | null = null;
  /** Null where V8's `gc` is not exposed (see the module). */
  #idleRelease: IdleMemoryRelease | null = null;

  constructor(inline: InlineConfig) {
    this.#inline = inline;
    const collect = exposedMemoryCollection();
    if (collect) {
      this.#idleRelease = new IdleMemoryRelease({
        collect,
        builds: () => this.#state?.pipeline.buildEpoch ?? 0,
      });
    }
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
    // Compiled while the config loads (see registryPageClientFiles).
    this.#clientCompiled ??= registryPageClientFiles().then(() => {}, () => {});
    if (!this.#channel) {
      this.#channel = new HotChannel({
        isAllowedOrigin: (origin) =>
          isAllowedOrigin(this.#state.config, origin),
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
      this.#channel.on(
        BUNDLE_PARSE_FAILED_EVENT,
        (data, client) => void this.#onBundleParseFailed(data, client),
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
    // Not one pruned since it ran there: the engine sends the page its
    // prune, and a build would give it its importer-less edges back.
    const missing = loaded.filter((url) =>
      !pipeline.getBuilt(url) && !engine.prunedRecently(url)
    );
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
    const { root, configFile, app, user, userPlugins } = await loadUserConfig(
      this.#inline,
    );
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
    const compileCache = this.#compileCacheFor(config);
    const ssr = new SsrEnvironment({
      root,
      compileCache,
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
      compileCache,
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
    const ordered = orderPlugins({
      user: userPlugins,
      builtins,
      compiler: (skip) => {
        const options = {
          root,
          compilerOptions: app.compilerOptions,
          define: config.define,
          skip,
        };
        return config.compiler === "esbuild"
          ? esbuildPlugin(options)
          : oxcPlugin({ ...options, cache: compileCache });
      },
    });
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
    const bundler = new DevBundler({
      pipeline,
      factories: new ModuleFactories({
        pipeline,
        transform: registryTransform,
        transformVersion: REGISTRY_TRANSFORM_VERSION,
        cache: compileCache,
      }),
      mode: () => this.#state.config.server.bundle,
      log: (message) => this.log(message),
      reportError: (url, error) => {
        const node = graph.get(url);
        if (node) graph.recordServeFailure(node);
        this.#logErrorOnce(url, formatErrorForLog(error));
        this.#channel.send({ type: "error", err: { ...error, id: url } });
      },
    });
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
      hotFactories: (changed, runs) => bundler.updateFactories(changed, runs),
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
    // Counted from here: a page's request may build modules before the scan.
    const before = compileCache.stats(OXC_CACHE_KIND);
    const state: ServerState = {
      config,
      app,
      plugins: ordered,
      graph,
      environment,
      deps,
      packages,
      pipeline,
      bundler,
      engine,
      ssr,
      fresh,
      preMiddlewares: [],
      postMiddlewares: [],
      scan: () => {
        const started = performance.now();
        state.scanning ??=
          (fresh
            ? this.#scanFreshApp(root, pipeline)
            : this.#scanEntries(root, pipeline))
            .finally(() => {
              scanned.resolve();
              this.#logScan(state, before, performance.now() - started);
            });
        return state.scanning;
      },
      scanning: null,
      scanned: scanned.promise,
      envFiles: appEnv.files,
      compileCache,
    };
    return state;
  }

  /**
   * The compile cache of `config.cacheDir`: the one of the last state when
   * the folder is the same (an in-process restart keeps what it compiled;
   * `--force` applies to the first start only).
   */
  #compileCacheFor(config: ResolvedConfig): CompileCache {
    const dir = join(config.cacheDir, "compile");
    if (this.#compileCache?.dir === dir) return this.#compileCache;
    const force = this.#compileCache === null && config.server.force;
    void this.#compileCache?.close();
    this.#compileCache = new CompileCache({
      dir,
      force,
      log: (message) => this.log(message),
    });
    // Read while the server starts: the first page's builds look them up.
    void this.#compileCache.prefetch([OXC_CACHE_KIND, FACTORY_CACHE_KIND]);
    return this.#compileCache;
  }

  /**
   * Says how long the scan of the page's modules took, and how many the
   * compile cache gave (a restart of an unchanged app compiles none).
   */
  #logScan(
    state: ServerState,
    before: { hits: number; misses: number },
    ms: number,
  ): void {
    const after = state.compileCache.stats(OXC_CACHE_KIND);
    const reused = after.hits - before.hits;
    const compiled = after.misses - before.misses;
    // (The esbuild compiler does not use the cache.)
    const cache = reused + compiled > 0
      ? `: ${compiled} compiled, ${reused} from the compile cache`
      : "";
    this.log(
      `scanned ${state.graph.urlToModule.size} modules in ${
        Math.round(ms)
      } ms${cache}`,
    );
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
    const { bundler, config } = this.#state;
    await Promise.all(
      moduleScriptsOf(html).filter((src) => !/^[a-z]+:/i.test(src)).map(
        (src) => {
          const url = new URL(src, "http://x/").pathname;
          // Bundle mode may serve the page: its crawl (bounded, and shared
          // with the page's request) builds the same modules and more.
          return config.server.bundle !== false && !url.startsWith("/@")
            ? bundler.crawl(url)
            : pipeline.warmup(url, seen);
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
      // A page without islands runs no app module: its map needs no app
      // versions (and does not name modules other pages happened to build).
      importMap: this.#browserImportMap(undefined, {
        depsOnly: !options.islands,
      }),
      scripts: [CLIENT_URL, `${CLIENT_DIR_URL}fresh.ts`],
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
   * prints it anyway (a new save that fails), but not the same failure
   * again within a second: the watcher may see one save as two changes.
   */
  #logErrorOnce(id: string, message: string, always = false): void {
    const last = this.#lastLogged.get(id);
    const now = performance.now();
    if (
      last?.message === message &&
      (!always || now - last.at < REPEATED_ERROR_WINDOW_MS)
    ) return;
    this.#lastLogged.set(id, { message, at: now });
    this.log(`error ${message}`);
  }

  /**
   * A page reports that its bundle did not parse: the bundler makes the
   * next one parse (or serves the entry per-module) and says so; then
   * that page reloads.
   */
  async #onBundleParseFailed(data: unknown, client: HotClient): Promise<void> {
    const { bundle, message } = (data ?? {}) as Partial<BundleParseFailure>;
    if (typeof bundle !== "string" || typeof message !== "string") return;
    const url = new URL(bundle, "http://page");
    const path = entryOfBundleUrl(url.pathname);
    if (url.host !== "page" || path === null) return;
    const entry = path + url.search;
    if (!isModuleRequest(entry)) return;
    let reason: string;
    try {
      reason = await this.#state.bundler.recoverUnparsedBundle(entry, message);
    } catch (err) {
      this.log(
        `error bundle ${entry}: ${err instanceof Error ? err.message : err}`,
      );
      return;
    }
    client.send({ type: "full-reload", path: "*", reason });
  }

  async listen(): Promise<DevServer> {
    if (!this.#state) await this.init();
    await this.#clientCompiled;
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

  #clientCompiled: Promise<void> | null = null;

  /** Milliseconds `listen()` took. */
  readyMs = 0;

  #startWatcher(): void {
    this.#watcher?.close();
    const { root, cacheDir } = this.#state.config;
    this.#watcher = watchFiles(root, {
      ignoreDirs: [cacheDir],
      stampAfter: this.#firstScanSettled(),
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

  /**
   * Settles once the first scan of the page's modules has, or after
   * {@linkcode FIRST_WALK_DELAY_MS} if no request started one: the
   * watcher's walk of the tree waits for it, so the two do not share the
   * thread while the first page loads.
   */
  #firstScanSettled(): Promise<void> {
    const settled = Promise.withResolvers<void>();
    const state = this.#state;
    void state.scanned.then(settled.resolve);
    clearTimeout(this.#firstWalkTimer);
    this.#firstWalkTimer = setTimeout(() => {
      if (!state.scanning) settled.resolve();
    }, FIRST_WALK_DELAY_MS);
    return settled.promise;
  }
  #firstWalkTimer: ReturnType<typeof setTimeout> | undefined;

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
    this.#idleRelease?.close();
    clearTimeout(this.#firstWalkTimer);
    this.#watcher?.close();
    this.#channel?.close();
    await this.#httpServer?.shutdown();
    await this.#hmrServer?.shutdown();
    await this.#state?.scanning?.catch(() => {});
    await this.#state?.deps.idle();
    await this.#compileCache?.close();
    // esbuild's service process is shared by every server in the process.
    // So are the Sass compiler processes and the isolated Oxc compiler.
    if (--openServers === 0) {
      await Promise.all([
        stopEsbuild(),
        stopSassCompilers(),
        stopIsolatedCompiler(),
      ]);
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

  /**
   * The request path, in order: each middleware answers or passes the
   * request on (`server/middlewares/`, one file each); what none takes gets
   * the 404 (or the "no index.html" page). The user's and plugins'
   * middlewares run first (`server.middlewares.use()`), those a plugin adds
   * after `configureServer` returns run after ours.
   */
  #middlewares(state: ServerState): NamedMiddleware[] {
    const ctx = this.#requestContext;
    const config = () => this.#state.config;
    return [
      hostCheck(config),
      {
        name: "scan-on-first-request",
        handle: (_request, next) => {
          // After this response is on its way.
          if (!state.scanning) setTimeout(() => state.scan(), 0);
          return next();
        },
      },
      ...state.preMiddlewares.map(userMiddleware),
      ...(state.fresh ? [freshRoutes(state.fresh)] : []),
      methodCheck(),
      hmrUpgrade(ctx),
      internalEndpoints(ctx),
      denyRule(config),
      bundles(ctx),
      clientFiles(ctx),
      deps(ctx),
      publicScripts(ctx),
      packageFiles(ctx),
      modules(ctx),
      htmlPages(ctx),
      staticFiles(ctx),
      spaFallback(ctx),
      ...state.postMiddlewares.map(userMiddleware),
    ];
  }

  /** What the middlewares read: always the current state's. */
  #requestContext: RequestContext = (() => {
    // deno-lint-ignore no-this-alias
    const server = this;
    return {
      get config() {
        return server.#state.config;
      },
      get channel() {
        return server.#channel;
      },
      get port() {
        return server.#port;
      },
      get pipeline() {
        return server.#state.pipeline;
      },
      get graph() {
        return server.#state.graph;
      },
      get deps() {
        return server.#state.deps;
      },
      get bundler() {
        return server.#state.bundler;
      },
      get packages() {
        return server.#state.packages;
      },
      server,
      logErrorOnce: (id, message) => server.#logErrorOnce(id, message),
      forgetLoggedError: (id) => void server.#lastLogged.delete(id),
      browserImportMap: (entries, options) =>
        server.#browserImportMap(entries, options),
    };
  })();

  async #handle(
    request: Request,
    _info: Deno.ServeHandlerInfo,
  ): Promise<Response> {
    const handle = compose(
      this.#middlewares(this.#state),
      notFound(() => this.#state.config),
    );
    this.#idleRelease?.requestStarted();
    try {
      return await handle(request);
    } catch (err) {
      const code = errorCode(err);
      if (code === "denied" || code === "bad-request") {
        return text(statusFor(code), (err as Error).message);
      }
      const body = toErrorBody(err);
      this.#logErrorOnce("request", formatErrorForLog(body));
      return text(500, `Internal error: ${body.message}`);
    } finally {
      this.#idleRelease?.requestEnded();
    }
  }

  /**
   * The page's import map: the app's dependencies mapped to their bundled
   * files, and every module already built mapped to a content-versioned URL
   * (so reloads use the browser cache and re-fetch only what changed).
   */
  #browserImportMap(
    entries: Set<string> = new Set(),
    options: { depsOnly?: boolean } = {},
  ): BrowserImportMap {
    const state = this.#state;
    // The client's settings by their version: cached as its other files.
    const imports: Record<string, string> = {
      [CLIENT_ENV_URL]: clientEnvUrl({
        hmr: state.config.hmr,
        token: this.#channel.token,
        port: this.#port,
      }),
    };
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
    if (options.depsOnly) return { imports };
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

const registryTransform: RegistryTransform = transformToFactory;

/**
 * How long the watcher's first walk of the tree waits for a first request
 * (whose scan of the page's modules it then lets go first).
 */
const FIRST_WALK_DELAY_MS = 1000;

/** A failed rebuild printing what was printed this recently is one save seen twice. */
const REPEATED_ERROR_WINDOW_MS = 1000;

/** Servers created and not yet closed in this process. */
let openServers = 0;
