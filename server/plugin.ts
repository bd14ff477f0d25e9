/**
 * The plugin API. Built-in features (TypeScript/JSX, CSS, JSON, assets,
 * framework refresh) are plugins of this same shape, and simple Vite plugins
 * that use only these hooks run unchanged.
 *
 * @module
 */

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

export {
  normalizePlugins,
  sortPlugins,
  toTransformResult,
} from "./plugin_container.ts";
