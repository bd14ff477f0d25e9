/**
 * The plugin API. Built-in features (TypeScript/JSX, CSS, JSON, assets,
 * framework refresh) are plugins of this same shape, and simple Vite plugins
 * that use only these hooks run unchanged.
 *
 * @module
 */

import type { ModuleNode } from "./module_graph.ts";
import type { ResolvedConfig, UserConfig } from "./config.ts";
import type { DevServer } from "./server.ts";
import type { DevEnvironment } from "./vite_compat.ts";
import { matchesHookFilter } from "./hook_filter.ts";

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

const HOOKS = [
  "config",
  "configResolved",
  "options",
  "buildStart",
  "configureServer",
  "resolveId",
  "load",
  "transform",
  "transformIndexHtml",
  "handleHotUpdate",
] as const;

/** Hooks whose object form may carry a `filter` (Vite 6.3+, Rolldown). */
const FILTERED_HOOKS = new Set(["resolveId", "load", "transform"]);

/**
 * The function that runs an object hook (`{ handler, filter?, order? }`).
 * The filter is read on every call, not once: plugins may set it later
 * (`@vitejs/plugin-vue` sets its `transform.filter` in `options()`).
 */
function objectHookRunner(
  hook: string,
  value: { handler: (...args: unknown[]) => unknown; filter?: unknown },
): (...args: unknown[]) => unknown {
  if (!FILTERED_HOOKS.has(hook)) {
    return function (this: unknown, ...args: unknown[]) {
      return value.handler.apply(this, args);
    };
  }
  return function (this: unknown, ...args: unknown[]) {
    const filter = value.filter;
    if (filter) {
      // resolveId(source), load(id), transform(code, id)
      const id = String(hook === "transform" ? args[1] : args[0]);
      const code = hook === "transform" ? String(args[0]) : undefined;
      if (!matchesHookFilter(filter, id, code)) return null;
    }
    return value.handler.apply(this, args);
  };
}

/**
 * Flattens `plugins` into our {@linkcode Plugin} shape: Vite's object hooks
 * (`transform: { order, handler, filter }`) become plain functions that
 * honour their `filter`, and an object hook's `order: "pre" | "post"`
 * becomes the plugin's `enforce` when it has none.
 */
export function normalizePlugins(plugins: PluginOption[]): Plugin[] {
  const out: Plugin[] = [];
  for (const option of plugins) {
    if (!option) continue;
    if (Array.isArray(option)) {
      out.push(...normalizePlugins(option));
      continue;
    }
    const plugin = { ...option } as Record<string, unknown> & { name: string };
    for (const hook of HOOKS) {
      const value = plugin[hook];
      if (value && typeof value === "object" && "handler" in value) {
        const { order } = value as { order?: string };
        plugin[hook] = objectHookRunner(
          hook,
          value as Parameters<typeof objectHookRunner>[1],
        );
        if (!plugin.enforce && (order === "pre" || order === "post")) {
          plugin.enforce = order;
        }
      }
    }
    out.push(plugin as unknown as Plugin);
  }
  return out;
}

/** Orders plugins: `pre`, then normal, then `post`, keeping their order. */
export function sortPlugins(plugins: Plugin[]): Plugin[] {
  const rank = (p: Plugin) =>
    p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1;
  return [...plugins].sort((a, b) => rank(a) - rank(b));
}

/** Normalises a `load`/`transform` result to code + map, or null. */
export function toTransformResult(result: LoadResult): TransformResult | null {
  if (result === null || result === undefined) return null;
  if (typeof result === "string") return { code: result };
  return result;
}
