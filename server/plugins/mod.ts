/**
 * The built-in plugins after the TypeScript/JSX one: each feature (CSS,
 * JSON, assets, framework refresh) is a plugin of the public API.
 *
 * @module
 */

import type { ResolvedConfig } from "../config.ts";
import type { AppDenoConfig } from "../import_map.ts";
import type { Plugin } from "../plugin.ts";

/** What built-in plugins may read. */
export interface BuiltinPluginContext {
  config: ResolvedConfig;
  app: AppDenoConfig;
}

/** The built-in plugins, in pipeline order. */
export function builtinPlugins(_context: BuiltinPluginContext): Plugin[] {
  return [];
}
