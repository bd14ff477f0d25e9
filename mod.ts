/**
 * BananaJS (`@banana/dev`): a Deno-first, zero-install dev server with
 * import-map hot module replacement.
 *
 * Run it in an app folder: `deno run -A jsr:@banana/dev dev` (here:
 * `deno run -A mod.ts dev <dir>`), or embed it:
 *
 * @example
 * ```ts
 * import { createServer } from "./mod.ts";
 *
 * const server = await createServer({ root: "./examples/basic", server: { port: 0 } });
 * await server.listen();
 * console.log(`open ${server.url}`);
 * await server.close();
 * ```
 *
 * @module
 */

import type { DevServer, InlineConfig } from "./server/types.ts";

export type {
  DevServer,
  HotApi,
  InlineConfig,
  Middleware,
} from "./server/types.ts";
export { defineConfig } from "./server/define_config.ts";
export { vue } from "./server/plugins/vue_entry.ts";
export type { VuePluginOptions } from "./server/plugins/vue.ts";
export type {
  HmrOptions,
  ResolvedConfig,
  ServerOptions,
  UserConfig,
} from "./server/types.ts";
export type {
  ConfigEnv,
  HmrContext,
  IndexHtmlContext,
  LoadResult,
  Plugin,
  PluginContext,
  PluginOption,
  ResolveIdResult,
  TransformResult,
} from "./server/types.ts";
export type { ModuleGraph, ModuleNode } from "./server/module_graph.ts";
export type {
  BananaHotContext,
  BananaImportMetaEnv,
  HotEventName,
  ModuleNamespace,
} from "./client/hot_types.ts";
export type { HotClient, HotListener } from "./server/hot_channel.ts";
export type {
  ClientMessage,
  ErrorPayload,
  FullReloadPayload,
  HotPayload,
  PrunePayload,
  Update,
  UpdatePayload,
} from "./client/payload.ts";

/**
 * Creates a dev server for an app folder. Call `listen()` to start it.
 *
 * The server's modules (and its npm packages) load on the first call, not
 * with this module: `deno run mod.ts dev`, which re-runs itself in the app's
 * context, stays a small process while the server runs.
 *
 * @example
 * ```ts
 * import { createServer } from "./mod.ts";
 * const server = await createServer({ root: "./examples/basic", server: { port: 0 } });
 * await server.listen();
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function createServer(
  inline: InlineConfig = {},
): Promise<DevServer> {
  // Not a literal specifier: Deno would load the server's module graph
  // (and its npm packages) with this module's, in every process that
  // imports it (a config, the CLI's launcher).
  const server = await (import(
    new URL("./server/server.ts", import.meta.url).href
  ) as Promise<typeof import("./server/server.ts")>);
  return await server.createServer(inline);
}

if (import.meta.main) {
  // No top-level await: a banana.config.ts importing this module must not
  // wait for the running CLI to finish.
  (import(new URL("./server/cli.ts", import.meta.url).href) as Promise<
    typeof import("./server/cli.ts")
  >)
    .then(({ runCli }) => runCli(Deno.args))
    .then((code) => Deno.exit(code));
}
