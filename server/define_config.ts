/**
 * `defineConfig`, in a module of its own: `mod.ts` exports it without
 * loading the server (see `createServer` there).
 *
 * @module
 */

import type { UserConfig } from "./types.ts";

/**
 * Types a config object for `banana.config.ts`.
 *
 * @example
 * ```ts
 * export default defineConfig({ server: { port: 3000, hmr: { overlay: false } } });
 * ```
 */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
