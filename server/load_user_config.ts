/**
 * The first step of resolving the config: the app root, its `deno.json`,
 * the config file merged under the inline (CLI) config, the plugins that
 * apply to `serve`, and their `config` hooks' patches. Defaults are applied
 * after this (`applyDefaults` in `config.ts`).
 *
 * @module
 */

import { join } from "node:path";
import {
  ConfigError,
  findConfigFile,
  loadConfigFile,
  mergeConfig,
} from "./config.ts";
import { type AppDenoConfig, loadAppDenoConfig } from "./import_map.ts";
import { normalizePlugins, sortPlugins } from "./plugin_container.ts";
import type { InlineConfig, Plugin, UserConfig } from "./types.ts";

/** What {@linkcode loadUserConfig} found. */
export interface LoadedUserConfig {
  /** The real path of the app root. */
  root: string;
  /** The config file read, or null. */
  configFile: string | null;
  /** The app's `deno.json` (import map, compiler options, its files). */
  app: AppDenoConfig;
  /** The merged user config, after the plugins' `config` hooks. */
  user: UserConfig;
  /** The user's plugins that apply to `serve`, flattened. */
  userPlugins: Plugin[];
}

/** Reads the app's config: file, inline overrides, plugins' `config` hooks. */
export async function loadUserConfig(
  inline: InlineConfig,
): Promise<LoadedUserConfig> {
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
  return { root, configFile, app, user, userPlugins };
}
