/**
 * The types every layer shares, in one leaf: the config (`UserConfig`,
 * `ResolvedConfig`), the plugin API (`Plugin` and its hook contexts), the
 * server as plugins see it (`DevServer`, `HotApi`, `Middleware`) and the
 * Vite-compatible views (`DevEnvironment`, `Logger`, `ViteConfigFields`).
 *
 * This module declares types only and imports only types from modules that
 * import nothing of the server's upper layers, so any file may import from
 * it without closing an import cycle (`deno task check` fails on one).
 *
 * @module
 */

import type { HotPayload } from "../client/payload.ts";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { HotClient, HotListener } from "./hot_channel.ts";
import type { PageRegistry } from "./pages.ts";
import type { WatcherEvents } from "./watcher_events.ts";

// ---- the config (`banana.config.ts`) ----

/** HMR options (`server.hmr`). */
export interface HmrOptions {
  /** Port of a separate WebSocket server. Default: the HTTP server's port. */
  port?: number;
  /** Host the separate WebSocket server listens on. Default: `server.host`. */
  host?: string;
  /** Protocol the client connects with. Default: `ws` (`wss` on https pages). */
  protocol?: "ws" | "wss";
  /** Port the client connects to (behind a proxy). Default: `port`. */
  clientPort?: number;
  /** WebSocket path. Default: `/@banana/hmr`. */
  path?: string;
  /** Show the error overlay. Default: `true`. */
  overlay?: boolean;
  /** Show the update status badge. Default: `true`. */
  indicator?: boolean;
  /**
   * Reload the page when an update cannot be applied (a `dispose` handler
   * or accept callback threw, or it timed out). New code that throws while
   * it is evaluated (a top-level throw, an import failing at run time)
   * never reloads: the old instance keeps running and the overlay shows
   * the error. Default: `true`.
   */
  reload?: boolean;
  /**
   * Fast Refresh (Preact, React) only. When a component module is edited
   * and one of its exports that is not a component changed value (a
   * constant, a helper, a context), or an export was added or removed:
   * with `false`, the module invalidates itself and the update propagates
   * to its importers, which re-run with the new values (a page reload when
   * no importer accepts it), as React Fast Refresh does; with `true`, the
   * module is hot-swapped anyway: its components are replaced in place and
   * keep their state, while the modules that imported its other exports
   * keep the old values until they are edited or the page reloads. Edits
   * that touch components only are hot-swapped either way. Default:
   * `false`.
   */
  preserveState?: boolean;
  /** An update not applied within this many ms falls back to a reload. Default: 30000. */
  timeout?: number;
}

/** Server options (`server`). */
export interface ServerOptions {
  /** Default: 5173 (the next free port when taken, unless `strictPort`). */
  port?: number;
  /** Default: `localhost`. */
  host?: string;
  /** Fail instead of trying the next port. Default: `false`. */
  strictPort?: boolean;
  /** Open the browser on start. Default: `false`. */
  open?: boolean;
  /** Extra `Host` header values to accept (DNS-rebinding guard). */
  allowedHosts?: string[];
  /**
   * Do not listen: the app's own server calls `server.handler(request)`
   * (as Vite's middleware mode). The watcher and HMR run as usual; the
   * HMR WebSocket upgrade goes through the handler too. Default: `false`.
   */
  middlewareMode?: boolean;
  /** Which files may be read for the browser. */
  fs?: {
    /** Directories outside the root that may be served (`fs.allow`). */
    allow?: string[];
    /**
     * Files never served, even inside the root; replaces the default list.
     * Each pattern is matched against the path of the file a request reads
     * (after decoding, `..` and symlinks), relative to the root, segment by
     * segment and case-insensitively: `*`, `?`, `{a,b}` within a segment,
     * `**` across segments; a pattern matches at any depth unless it starts
     * with `/`, and denies everything below a folder it matches. A refused
     * request gets 403 naming the pattern. Default ({@linkcode
     * DEFAULT_FS_DENY}): `.env`, `.env.*`, `*.{crt,pem}`, `**\/.git/**`,
     * `*.key`, `*.p12`, `*.pfx`, `id_rsa*`, `id_dsa*`, `id_ecdsa*`,
     * `id_ed25519*`, `.npmrc`, `.netrc`, `.ssh/**`, `.aws/**`,
     * `.docker/config.json`.
     */
    deny?: string[];
  };
  /** `false` for live reload; an object to tune HMR. Default: `true`. */
  hmr?: boolean | HmrOptions;
  /**
   * Ignore the compiled-module cache under `cacheDir` (`compile/`) and
   * compile every module again, replacing it (CLI `--force`, as in Vite).
   * Default: `false`.
   */
  force?: boolean;
  /**
   * How a plain HTML page loads its own modules. `true`: as one dev bundle
   * (`/@banana/bundle/<entry>`: every module of the entry's static and
   * dynamic closure as a factory of the page's module registry, updated
   * per module on an edit). `false`: one native ES module request per
   * module. `"auto"`: the bundle when the entry's static graph has at least
   * `BUNDLE_AUTO_THRESHOLD` (500) modules. A page whose modules the
   * bundle cannot carry falls back to per-module mode, and the terminal
   * says why. CLI `--bundle` / `--no-bundle`. Default: `"auto"`.
   */
  bundle?: boolean | "auto";
}

/** The contents of `banana.config.ts`. */
export interface UserConfig {
  /** App root. Default: the directory given on the command line, else cwd. */
  root?: string;
  /** Static files served at `/`. Default: `public`. */
  publicDir?: string | false;
  /** Cache directory. Default: `<root>/.banana`. */
  cacheDir?: string;
  server?: ServerOptions;
  /** Plugins; Vite plugins (typed against Vite's own types) are accepted. */
  plugins?: PluginOption[];
  resolve?: { alias?: Record<string, string> };
  /** Global constant replacements, as in Vite (`{ __APP__: '"x"' }`). */
  define?: Record<string, string>;
  css?: { modules?: Record<string, unknown>; postcss?: string | object };
  /** `silent` hides the server's log lines. Default: `info`. */
  logLevel?: "info" | "silent";
  /**
   * What compiles TypeScript/JSX: `oxc` (in process, ~0.1 ms a module) or
   * `esbuild` (its service process, ~1 ms a module). Default: `oxc`.
   */
  compiler?: "oxc" | "esbuild";
  /** Mode string exposed as `import.meta.env.MODE`. Default: `development`. */
  mode?: string;
  /**
   * The folder of the `.env`, `.env.local`, `.env.[mode]` and
   * `.env.[mode].local` files, relative to the root. Default: the root.
   */
  envDir?: string;
  /**
   * Variables whose name starts with one of these reach `import.meta.env`;
   * replaces the default `["VITE_", "BANANA_"]`. An empty prefix is refused
   * (it would send every variable, secrets included, to the browser).
   */
  envPrefix?: string | string[];
  /** The config file to read (CLI `--config`); `false` skips config files. */
  configFile?: string | false;
}

/**
 * Config after defaults, with absolute paths. It also carries the fields of
 * Vite's resolved config that Vite plugins read ({@linkcode ViteConfigFields}).
 */
export interface ResolvedConfig extends ViteConfigFields {
  root: string;
  publicDir: string | null;
  cacheDir: string;
  configFile: string | null;
  server: {
    port: number;
    host: string;
    strictPort: boolean;
    open: boolean;
    allowedHosts: string[];
    middlewareMode: boolean;
    force: boolean;
    fs: { allow: string[]; deny: readonly string[] };
    /** Vite's spelling of {@linkcode ResolvedConfig.hmr}: `false` when off. */
    hmr: ResolvedConfig["hmr"] | false;
    /** See {@linkcode ServerOptions.bundle}. */
    bundle: boolean | "auto";
  };
  /** `null` when HMR is off (`--no-hmr`): any change reloads the page. */
  hmr:
    | Required<Omit<HmrOptions, "port" | "host" | "clientPort">> & {
      port: number | null;
      host: string | null;
      clientPort: number | null;
    }
    | null;
  plugins: Plugin[];
  alias: Record<string, string>;
  define: Record<string, string>;
  css: {
    modules: Record<string, unknown>;
    postcss: string | object | null;
    /** Vite's option; CSS gets no source maps here. */
    devSourcemap: false;
  };
  logLevel: "info" | "silent";
  compiler: "oxc" | "esbuild";
  mode: string;
  /** Absolute folder of the `.env` files. */
  envDir: string;
  envPrefix: string[];
}

// ---- the plugin API ----

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** What `resolveId` may return: an id, an object with one, or nothing. */
export type ResolveIdResult =
  | string
  | { id: string; external?: boolean }
  | null
  | undefined
  | void;

/** Code with an optional source map. */
export interface TransformResult {
  code: string;
  map?: string | object | null;
}

/** What `load` and `transform` may return. */
export type LoadResult = string | TransformResult | null | undefined | void;

/**
 * `this` inside `resolveId`, `load` and `transform`: the subset of Rollup's
 * plugin context that dev-server plugins use.
 */
export interface PluginContext {
  /**
   * Resolves `source` as if imported by `importer`. As in Rollup and Vite,
   * the calling plugin's own `resolveId` is skipped unless `skipSelf` is
   * false, so a `resolveId` that asks "what would the others say?" does
   * not call itself forever.
   */
  resolve(
    source: string,
    importer?: string,
    options?: { skipSelf?: boolean },
  ): Promise<{ id: string; external: boolean } | null>;
  /** Logs a warning in the terminal. */
  warn(message: string | { message: string }): void;
  /** Fails the current hook with `message`. */
  error(message: string | { message: string }): never;
  /**
   * Records that the module being built depends on `file` (a CSS `@import`,
   * an asset): it becomes an import of the module in the graph, so saving it
   * updates the module.
   */
  addWatchFile(file: string): void;
  /** Module info is not tracked per id here; always null. */
  getModuleInfo(id: string): null;
  /** Logs a line in the terminal (Rollup's `this.info`). */
  info(message: string | { message: string }): void;
  /** Logs a line in the terminal (Rollup's `this.debug`). */
  debug(message: string | { message: string }): void;
  /**
   * The environment the module is built for, as in Vite 6+: the browser's
   * (`client`) for the config's plugins; plugins read its `name` and
   * `config`. (The server-side pipeline of server-rendered apps runs only
   * built-in plugins and sets none.)
   */
  environment?: DevEnvironment;
  /**
   * `viteVersion` is the Vite release whose plugin API this server
   * follows, so plugins that branch on it take their modern path.
   */
  meta: {
    watchMode: boolean;
    framework: "banana";
    viteVersion: string;
    rollupVersion: string;
  };
}

/** The third argument of `resolveId`, as in Vite. */
export interface ResolveIdOptions {
  /** Always false: modules are built for the browser. */
  ssr: boolean;
  isEntry: boolean;
  attributes: Record<string, string>;
}

/** The last argument of `load` and `transform`, as in Vite. */
export interface HookOptions {
  /** Always false: modules are built for the browser. */
  ssr: boolean;
}

/** Context handed to `transformIndexHtml`. */
export interface IndexHtmlContext {
  /** The URL path of the page, e.g. `/index.html`. */
  path: string;
  /** The absolute HTML file. */
  filename: string;
  server: DevServer;
}

/** Context handed to `handleHotUpdate`. */
export interface HmrContext {
  /** Absolute path of the changed file. */
  file: string;
  timestamp: number;
  /** Modules built from the file; return a subset to narrow the update. */
  modules: ModuleNode[];
  /** Reads the file's new content. */
  read: () => Promise<string>;
  server: DevServer;
}

/** The environment `config` is called with. */
export interface ConfigEnv {
  command: "serve";
  mode: string;
}

/**
 * A plugin: a `name` and any hooks.
 *
 * @example
 * ```ts
 * const banner: Plugin = {
 *   name: "banner",
 *   transform(code, id) {
 *     if (id.endsWith(".ts")) return `/* built by banana *\/\n${code}`;
 *   },
 * };
 * ```
 */
export interface Plugin {
  name: string;
  /** Run before (`pre`) or after (`post`) the normal plugins. */
  enforce?: "pre" | "post";
  /** Only for `serve`; other values skip the plugin (Vite compatibility). */
  apply?: "serve" | "build" | ((config: UserConfig, env: ConfigEnv) => boolean);
  config?: (
    config: UserConfig,
    env: ConfigEnv,
  ) => Awaitable<UserConfig | null | void>;
  configResolved?: (config: ResolvedConfig) => Awaitable<void>;
  /**
   * Rollup's `options` hook: called once the plugins are set up (after
   * `configResolved`), with an empty options object; its result is
   * ignored. Vite plugins use it to finish their own setup.
   */
  options?: (options: Record<string, unknown>) => Awaitable<unknown>;
  /**
   * Called once the server is set up (after `configureServer`), as Vite
   * does before serving; plugins load their compilers here.
   */
  buildStart?: (
    this: PluginContext,
    options: Record<string, unknown>,
  ) => Awaitable<void>;
  /**
   * Called with the server before it listens. Handlers added with
   * `server.middlewares.use()` run before ours; a returned function runs
   * after our internal handlers are installed (so it adds handlers that run
   * after ours).
   */
  configureServer?: (
    server: DevServer,
  ) => Awaitable<(() => Awaitable<void>) | void>;
  resolveId?: (
    this: PluginContext,
    source: string,
    importer: string | undefined,
    options?: ResolveIdOptions,
  ) => Awaitable<ResolveIdResult>;
  load?: (
    this: PluginContext,
    id: string,
    options?: HookOptions,
  ) => Awaitable<LoadResult>;
  transform?: (
    this: PluginContext,
    code: string,
    id: string,
    options?: HookOptions,
  ) => Awaitable<LoadResult>;
  transformIndexHtml?: (
    html: string,
    ctx: IndexHtmlContext,
  ) => Awaitable<string | null | void>;
  handleHotUpdate?: (
    ctx: HmrContext,
  ) => Awaitable<ModuleNode[] | null | void>;
}

/**
 * What `plugins` may hold: our plugins, plugin objects typed against Vite's
 * own types (any object with a `name`), nested arrays, and falsy entries.
 */
export type PluginOption =
  | Plugin
  | { name: string }
  | PluginOption[]
  | false
  | null
  | undefined;

/**
 * A built-in plugin that compiles some script modules itself (instead of
 * esbuild): it runs before the esbuild plugin, which skips the ids it
 * {@linkcode CompilingPlugin.compiles | compiles}.
 */
export interface CompilingPlugin extends Plugin {
  /** True for the module ids this plugin compiles. */
  compiles(id: string): boolean;
}

// ---- the server as plugins see it ----

/** A request handler added with `server.middlewares.use()`. */
export type Middleware = (
  request: Request,
  next: () => Promise<Response>,
) => Response | Promise<Response>;

/** The server's hot channel as plugins and tools see it. */
export interface HotApi {
  send(payload: HotPayload): void;
  send(event: string, data?: unknown): void;
  on(event: string, listener: HotListener): void;
  off(event: string, listener: HotListener): void;
  readonly clients: Set<HotClient>;
}

/** A running (or ready to run) dev server. */
export interface DevServer {
  /** The resolved configuration. */
  readonly config: ResolvedConfig;
  /** `http://localhost:5173/` once listening, else null. */
  readonly url: string | null;
  /** The module graph (with Vite's method names: `getModuleById`…). */
  readonly moduleGraph: ModuleGraph & ViteModuleGraph;
  /**
   * The connected pages and which modules each runs (as each page reports
   * it). Read it; the HMR client and the server keep it current.
   */
  readonly pages: PageRegistry<HotClient>;
  /** Sends payloads and custom events to pages; listens to theirs. */
  readonly hot: HotApi;
  /** Alias of `hot`, for Vite plugins that use `server.ws`. */
  readonly ws: HotApi;
  /** Adds request handlers that run before the built-in ones. */
  readonly middlewares: { use(handler: Middleware): void };
  /**
   * Vite's environments: `client`, the browser's (its `config`,
   * `moduleGraph`, `hot`), the one every module is built for.
   */
  readonly environments: { client: DevEnvironment };
  /**
   * File events as Vite plugins expect them (`on("change" | "add" |
   * "unlink", file => …)`), fed by the server's watcher.
   */
  readonly watcher: WatcherEvents;
  /** Starts listening; resolves once the socket is bound. */
  listen(): Promise<DevServer>;
  /** Stops the server, the watcher and every socket. */
  close(): Promise<void>;
  /** Reloads the config and plugins in-process (same port), then reloads pages. */
  restart(): Promise<void>;
  /** The browser-ready code for a module URL. */
  transformRequest(url: string): Promise<{ code: string }>;
  /**
   * Loads a module of the app in the server environment (Deno, this
   * process) and returns its namespace, as Vite's `ssrLoadModule`: `url` is
   * root-relative (`/routes/index.tsx`) or an absolute path in the root.
   * After an edit of it or of anything it imports, the next call gives a
   * fresh instance; unchanged modules keep theirs.
   */
  ssrLoadModule(url: string): Promise<Record<string, unknown>>;
  /**
   * Answers one request as the dev server would (pages, modules, routes,
   * the HMR WebSocket upgrade): for `server.middlewareMode`, where the
   * app's own `Deno.serve` (or Hono, …) calls it.
   */
  handler(request: Request): Promise<Response>;
}

/** Config for `createServer`: a user config, plus the CLI's overrides. */
export type InlineConfig = UserConfig;

// ---- Vite's dev-server API, as Vite plugins use it ----

/** Vite's logger (`config.logger`). */
export interface Logger {
  info(message: string, options?: object): void;
  warn(message: string, options?: object): void;
  /** Logs `message` once per server. */
  warnOnce(message: string, options?: object): void;
  error(message: string, options?: { error?: unknown }): void;
  /** A no-op: the terminal is never cleared. */
  clearScreen(type: string): void;
  /** True for an error this logger printed. */
  hasErrorLogged(error: unknown): boolean;
  hasWarned: boolean;
}

/** Options of a resolver from {@linkcode ViteConfigFields.createResolver}. */
export interface ResolverOptions {
  /** Extensions tried on a file given without one. */
  extensions?: string[];
  /** `package.json` fields naming a package's entry (`style`, `module`). */
  mainFields?: string[];
  /** Export conditions (`style`, `import`…). */
  conditions?: string[];
  /** Try `dir/index.<ext>` for a directory. */
  tryIndex?: boolean;
  /** A bare name is tried as a relative file first (CSS `@import "a.css"`). */
  preferRelative?: boolean;
}

/**
 * `(id, importer, aliasOnly, ssr)` → an absolute file, or undefined: the
 * resolver `config.createResolver()` returns, as in Vite.
 */
export type ResolveFn = (
  id: string,
  importer?: string,
  aliasOnly?: boolean,
  ssr?: boolean,
) => Promise<string | undefined>;

/** The fields of Vite's resolved config that plugins read. */
export interface ViteConfigFields {
  command: "serve";
  isProduction: false;
  /** The public base path. Always `/`. */
  base: string;
  /** `import.meta.env` as plugins see it. */
  env: Record<string, string | boolean>;
  /** Build options: this server does not build; values a dev server has. */
  build: {
    ssr: false;
    sourcemap: false;
    cssMinify: false;
    minify: false;
    watch: null;
    outDir: string;
    assetsDir: string;
  };
  logger: Logger;
  /** Vite's `resolve` options (aliases, conditions…). */
  resolve: {
    alias: { find: string; replacement: string }[];
    conditions: string[];
    mainFields: string[];
    extensions: string[];
    dedupe: string[];
    preserveSymlinks: false;
  };
  /** Options for Vite's esbuild / Oxc transforms: none here. */
  esbuild: Record<string, never>;
  oxc: Record<string, never>;
  /**
   * A resolver with Vite's signature, through this server's rules: relative
   * paths, aliases, the app's import map, and `npm:` packages (their files
   * picked by `conditions` / `mainFields`).
   */
  createResolver(options?: ResolverOptions): ResolveFn;
}

/**
 * The module graph as Vite plugins use it (`environment.moduleGraph`,
 * `server.moduleGraph`): Vite's names over the server's graph.
 */
export interface ViteModuleGraph {
  getModuleById(id: string): ModuleNode | undefined;
  getModuleByUrl(url: string): Promise<ModuleNode | undefined>;
  getModulesByFile(file: string): Set<ModuleNode> | undefined;
  /** Drops the module's build: the next request builds it again. */
  invalidateModule(node: ModuleNode): void;
  invalidateAll(): void;
  /** Read-only: the graph is the only writer of module state. */
  readonly urlToModuleMap: ReadonlyMap<string, ModuleNode>;
  /** Read-only: the graph is the only writer of module state. */
  readonly fileToModulesMap: ReadonlyMap<string, ReadonlySet<ModuleNode>>;
}

/** The browser environment (`server.environments.client`). */
export interface DevEnvironment {
  name: "client";
  mode: "dev";
  /** The resolved config, with `consumer: "client"`. */
  config: ResolvedConfig & { consumer: "client" };
  /** The server's module graph, with Vite's method names. */
  moduleGraph: ModuleGraph & ViteModuleGraph;
  /** The server's hot channel (`send`, `on`, `off`). */
  hot: {
    send(...args: unknown[]): void;
    on(event: string, listener: (...args: never[]) => void): void;
    off(event: string, listener: (...args: never[]) => void): void;
  };
  logger: Logger;
  transformRequest(url: string): Promise<{ code: string }>;
}
