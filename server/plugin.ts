/**
 * The plugin API. Built-in features (TypeScript/JSX, CSS, JSON, assets,
 * framework refresh) are plugins of this same shape, and simple Vite plugins
 * that use only these hooks run unchanged.
 *
 * @module
 */

import { matchesHookFilter } from "./hook_filter.ts";

/** The plugin API types live in `types.ts` (a leaf every layer may import). */
export type {
  Awaitable,
  ConfigEnv,
  HmrContext,
  HookOptions,
  IndexHtmlContext,
  LoadResult,
  Plugin,
  PluginContext,
  PluginOption,
  ResolveIdOptions,
  ResolveIdResult,
  TransformResult,
} from "./types.ts";
import type {
  LoadResult,
  Plugin,
  PluginOption,
  TransformResult,
} from "./types.ts";

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
