/**
 * The plugin container: the one place plugin hooks are called. It turns the
 * config's plugin options into plugins (object hooks with `handler`,
 * `order` and `filter`; `enforce` ordering), and runs `resolveId`, `load`
 * and `transform` with their Rollup-like `this`, `transformIndexHtml`,
 * `handleHotUpdate`, `configureServer`, `options` and `buildStart`.
 *
 * What the hooks are for is decided elsewhere: the module pipeline asks the
 * container for a resolution and falls back to its own resolver, and
 * `this.resolve()` goes back through that whole resolution (see
 * {@linkcode PluginContainerOptions.resolve}).
 *
 * @module
 */

import { resolve as resolvePath } from "node:path";
import { BananaError } from "./errors.ts";
import { matchesHookFilter } from "./hook_filter.ts";
import type {
  Awaitable,
  DevEnvironment,
  DevServer,
  HmrContext,
  IndexHtmlContext,
  LoadResult,
  Plugin,
  PluginContext,
  PluginOption,
  TransformResult,
} from "./types.ts";
import type { ModuleNode } from "./module_graph.ts";
import { ROLLUP_VERSION, VITE_VERSION } from "./vite_compat.ts";

/** Hooks that may be given in Vite's object form (`{ handler, order }`). */
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
 *
 * @example
 * ```ts
 * // Nested arrays and falsy entries are flattened away.
 * const plugins = normalizePlugins([[{ name: "a" }, false], null]);
 * ```
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

/**
 * Orders plugins: `pre`, then normal, then `post`, keeping their order.
 *
 * @example
 * ```ts
 * sortPlugins([{ name: "b", enforce: "post" }, { name: "a" }]); // a, b
 * ```
 */
export function sortPlugins(plugins: Plugin[]): Plugin[] {
  const rank = (p: Plugin) =>
    p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1;
  return [...plugins].sort((a, b) => rank(a) - rank(b));
}

/**
 * Normalises a `load`/`transform` result to code + map, or null.
 *
 * @example
 * ```ts
 * toTransformResult("x"); // { code: "x" }
 * ```
 */
export function toTransformResult(result: LoadResult): TransformResult | null {
  if (result === null || result === undefined) return null;
  if (typeof result === "string") return { code: result };
  return result;
}

/** A resolution as `this.resolve()` and {@linkcode PluginContainer.resolveId} give it. */
export interface ResolvedId {
  id: string;
  external: boolean;
}

/** Options of the {@linkcode PluginContainer}. */
export interface PluginContainerOptions {
  /** The plugins, in the order their hooks run. */
  plugins: readonly Plugin[];
  /** The app root: `addWatchFile` paths are relative to it. */
  root: string;
  /**
   * `this.resolve()` of plugins: the whole resolution of `source` (the
   * resolvers not in `skipped`, then the server's own), or null.
   */
  resolve: (
    source: string,
    importer: string | undefined,
    skipped: ReadonlySet<Plugin>,
  ) => Promise<ResolvedId | null>;
  /**
   * `this.environment` of hooks: the browser's. None for the server-side
   * pipeline (`server/ssr_environment.ts`), which runs only built-in
   * plugins.
   */
  environment?: DevEnvironment;
}

/**
 * The context of one module's build: `this` of its `load` and `transform`
 * hooks, and the files and globs they watched (`this.addWatchFile`).
 */
export interface BuildContext {
  context: PluginContext;
  /** Absolute files a hook read besides the module. */
  watched: Set<string>;
  /** Absolute globs (Tailwind's sources) standing for files to come. */
  globs: string[];
}

/** Options of {@linkcode PluginContainer.transformIndexHtml}. */
export interface IndexHtmlOptions {
  /** Plugins whose `transformIndexHtml` does not run for this page. */
  skip?: (plugin: Plugin) => boolean;
  /**
   * A plugin that throws is passed over instead of failing the page (a
   * scan ahead of the page, which reports the error when it is served).
   */
  ignoreErrors?: boolean;
}

function messageOf(m: string | { message: string }): string {
  return typeof m === "string" ? m : m.message;
}

/**
 * Runs the plugins' hooks, in order, with their context.
 *
 * @example
 * ```ts
 * import { PluginContainer, type PluginContainerOptions } from "./plugin_container.ts";
 * import type { Plugin } from "./types.ts";
 * async function example(
 *   plugins: Plugin[],
 *   root: string,
 *   resolve: PluginContainerOptions["resolve"],
 *   id: string,
 * ) {
 *   const container = new PluginContainer({ plugins, root, resolve });
 *   const code = await container.load(id, container.buildContext().context);
 * }
 * ```
 */
export class PluginContainer {
  readonly plugins: readonly Plugin[];
  #options: PluginContainerOptions;
  /** `this` of hooks outside a module's build (`buildStart`, `this.resolve`). */
  readonly context: PluginContext;

  constructor(options: PluginContainerOptions) {
    this.#options = options;
    this.plugins = options.plugins;
    this.context = {
      resolve: (source, importer) =>
        options.resolve(source, importer, new Set()),
      warn: (m) => console.warn(`[banana] plugin warning: ${messageOf(m)}`),
      error: (m) => {
        throw new BananaError({ message: messageOf(m), plugin: "plugin" });
      },
      addWatchFile: () => {},
      getModuleInfo: () => null,
      info: (m) => console.log(`[banana] ${messageOf(m)}`),
      debug: () => {},
      environment: options.environment,
      meta: {
        watchMode: true,
        framework: "banana",
        viteVersion: VITE_VERSION,
        rollupVersion: ROLLUP_VERSION,
      },
    };
  }

  /**
   * A fresh context for one module's build: what its hooks pass to
   * `this.addWatchFile` is collected (a glob such as Tailwind's
   * `src/**\/*.{ts,tsx}`, relative to the root, stands for files that may
   * not exist yet).
   */
  buildContext(): BuildContext {
    const watched = new Set<string>();
    const globs: string[] = [];
    const { root } = this.#options;
    const context: PluginContext = {
      ...this.context,
      addWatchFile: (file) => {
        if (/[*{]/.test(file)) globs.push(resolvePath(root, file));
        else watched.add(resolvePath(root, file));
      },
    };
    return { context, watched, globs };
  }

  /**
   * The first `resolveId` (of the plugins not in `skipped`) that resolves
   * `source`, or null. Each plugin's `this.resolve()` skips that plugin
   * (and those already skipped on the way here) unless it passes
   * `skipSelf: false`, as in Rollup, so a resolver that asks the others
   * does not call itself forever.
   */
  async resolveId(
    source: string,
    importer: string | undefined,
    skipped: ReadonlySet<Plugin> = new Set(),
  ): Promise<ResolvedId | null> {
    for (const plugin of this.plugins) {
      if (!plugin.resolveId || skipped.has(plugin)) continue;
      const context: PluginContext = {
        ...this.context,
        resolve: (s, i, options) =>
          this.#options.resolve(
            s,
            i,
            options?.skipSelf === false
              ? skipped
              : new Set([...skipped, plugin]),
          ),
      };
      const result = await plugin.resolveId.call(context, source, importer, {
        ssr: false,
        isEntry: false,
        attributes: {},
      });
      if (result === null || result === undefined) continue;
      if (typeof result === "string") return { id: result, external: false };
      return { id: result.id, external: Boolean(result.external) };
    }
    return null;
  }

  /** The code of the first `load` that returns some, or null. */
  async load(id: string, context: PluginContext): Promise<string | null> {
    for (const plugin of this.plugins) {
      if (!plugin.load) continue;
      const result = toTransformResult(
        await plugin.load.call(context, id, { ssr: false }) as LoadResult,
      );
      if (result) return result.code;
    }
    return null;
  }

  /** `code` after every `transform`, each taking the previous one's output. */
  async transform(
    code: string,
    id: string,
    context: PluginContext,
  ): Promise<string> {
    for (const plugin of this.plugins) {
      if (!plugin.transform) continue;
      const result = toTransformResult(
        await plugin.transform.call(context, code, id, {
          ssr: false,
        }) as LoadResult,
      );
      if (result) code = result.code;
    }
    return code;
  }

  /** `html` after every `transformIndexHtml` that returns a string. */
  async transformIndexHtml(
    html: string,
    ctx: IndexHtmlContext,
    options: IndexHtmlOptions = {},
  ): Promise<string> {
    for (const plugin of this.plugins) {
      if (!plugin.transformIndexHtml || options.skip?.(plugin)) continue;
      try {
        const out = await plugin.transformIndexHtml(html, ctx);
        if (typeof out === "string") html = out;
      } catch (err) {
        if (!options.ignoreErrors) throw err;
      }
    }
    return html;
  }

  /**
   * The modules a change updates: each `handleHotUpdate` sees the previous
   * one's answer in `modules` and may narrow it (an empty list: the plugin
   * handled the change itself).
   */
  async handleHotUpdate(ctx: HmrContext): Promise<ModuleNode[]> {
    let current = ctx.modules;
    for (const plugin of this.plugins) {
      if (!plugin.handleHotUpdate) continue;
      const result = await plugin.handleHotUpdate({ ...ctx, modules: current });
      if (result) current = result;
    }
    return current;
  }

  /**
   * Calls `configureServer` of each plugin; a function it returns is handed
   * to `runPostHook` at once (the server decides where the handlers it adds
   * go).
   */
  async configureServer(
    server: DevServer,
    runPostHook: (hook: () => Awaitable<void>) => Promise<void>,
  ): Promise<void> {
    for (const plugin of this.plugins) {
      if (!plugin.configureServer) continue;
      const after = await plugin.configureServer(server);
      if (typeof after === "function") await runPostHook(after);
    }
  }

  /** Rollup's `options` hook, with an empty options object. */
  async options(): Promise<void> {
    for (const plugin of this.plugins) await plugin.options?.({});
  }

  /** `buildStart`, as Vite calls it before serving, with the container's `this`. */
  async buildStart(): Promise<void> {
    for (const plugin of this.plugins) {
      await plugin.buildStart?.call(this.context, {});
    }
  }
}
