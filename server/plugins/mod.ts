/**
 * The built-in plugins: each feature (CSS, JSON, assets, framework
 * refresh) is a plugin of the public API. Built-in compilers
 * ({@linkcode CompilingPlugin}, Fast Refresh) run before the TypeScript/JSX
 * one; the others after it.
 *
 * @module
 */

import type { ResolvedConfig } from "../types.ts";
import type { AppDenoConfig } from "../import_map.ts";
import type { Plugin } from "../types.ts";
import type { PackageFiles } from "../package_files.ts";
import type { CompileCache } from "../compile_cache.ts";
import { assetsPlugin } from "./assets.ts";
import { cssPlugin } from "./css.ts";
import { cssPreprocessPlugin } from "./css_preprocess.ts";
import { globPlugin } from "./glob.ts";
import { htmlEnvPlugin } from "./html_env.ts";
import { publicAssetsPlugin } from "./public_assets.ts";
import { jsonPlugin } from "./json.ts";
import { detectRefreshFramework, refreshPlugin } from "./refresh.ts";
import { usesVue, vue, VUE_PLUGIN_NAMES } from "./vue.ts";

/** What built-in plugins may read. */
export interface BuiltinPluginContext {
  config: ResolvedConfig;
  app: AppDenoConfig;
  /** The app's exposed `.env` variables (for `%VITE_*%` in HTML). */
  env?: Record<string, string>;
  /** Files of npm packages (package stylesheets and their assets). */
  packages?: PackageFiles;
  /**
   * Prints the error of module `id` in the server's log, unless that error
   * was printed last for `id`.
   */
  logError?: (id: string, message: string) => void;
  /**
   * Names of the plugins the config adds: a framework plugin of the user's
   * (`vite:vue`) takes over from the built-in one.
   */
  userPluginNames?: string[];
  /** Compiled outputs kept across restarts, for the plugins that compile. */
  compileCache?: CompileCache;
}

export type { CompilingPlugin } from "../types.ts";
import type { CompilingPlugin } from "../types.ts";

/** True for a {@linkcode CompilingPlugin}. */
export function isCompilingPlugin(plugin: Plugin): plugin is CompilingPlugin {
  return typeof (plugin as Partial<CompilingPlugin>).compiles === "function";
}

/**
 * The built-in plugins, in pipeline order: Fast Refresh (when the app uses
 * Preact or React with the automatic JSX runtime), Vue single-file
 * components (when its import map resolves `vue`), then `import.meta.glob`
 * (it expands calls into imports the others see), then assets (`?url`,
 * `?raw`, files imported as URLs) which load first, then Sass (to CSS),
 * CSS and JSON, which turn their files into modules.
 *
 * @example
 * ```ts
 * import { builtinPlugins } from "./mod.ts";
 * import type { ResolvedConfig } from "../types.ts";
 * import type { AppDenoConfig } from "../import_map.ts";
 * function example(
 *   config: ResolvedConfig,
 *   app: AppDenoConfig,
 * ) {
 *   const plugins = builtinPlugins({ config, app });
 * }
 * ```
 */
export function builtinPlugins(context: BuiltinPluginContext): Plugin[] {
  const { config, app } = context;
  const logError = context.logError ??
    ((_id: string, message: string) => {
      if (config.logLevel !== "silent") {
        console.log(`[banana] error ${message}`);
      }
    });
  const plugins: Plugin[] = [
    htmlEnvPlugin({ env: context.env ?? {}, mode: config.mode }),
  ];
  const framework = detectRefreshFramework(app);
  // Fast Refresh works through import.meta.hot: off with --no-hmr.
  if (framework && config.hmr !== null) {
    plugins.push(refreshPlugin({
      root: config.root,
      exclude: [config.cacheDir],
      framework,
      jsxImportSource: app.compilerOptions.jsxImportSource,
      define: config.define,
      preserveState: config.hmr?.preserveState ?? false,
      cache: context.compileCache,
    }));
  }
  // Vue: when the app imports it, unless a Vue plugin of the config does.
  const userNames = new Set(context.userPluginNames ?? []);
  const vuePlugins =
    usesVue(app) && !VUE_PLUGIN_NAMES.some((name) => userNames.has(name))
      ? vue({ app })
      : null;
  if (vuePlugins) plugins.push(vuePlugins[0]);
  plugins.push(
    globPlugin({ root: config.root, exclude: [config.cacheDir] }),
    publicAssetsPlugin(),
    assetsPlugin({
      root: config.root,
      fsAllow: config.server.fs.allow,
      fsDeny: config.server.fs.deny,
    }),
    // Sass and friends become CSS before the CSS plugin takes them.
    cssPreprocessPlugin({
      root: config.root,
      importMap: app.importMap,
      log: (message) => {
        if (config.logLevel !== "silent") console.log(`[banana] ${message}`);
      },
    }),
    cssPlugin({ config, app, logError, packages: context.packages }),
    jsonPlugin({ root: config.root }),
  );
  if (vuePlugins) plugins.push(vuePlugins[1]);
  return plugins;
}
