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

export { createServer } from "./server/server.ts";
export type {
  DevServer,
  HotApi,
  InlineConfig,
  Middleware,
} from "./server/server.ts";
export { defineConfig } from "./server/config.ts";
export { vue } from "./server/plugins/vue.ts";
export type { VuePluginOptions } from "./server/plugins/vue.ts";
export type {
  HmrOptions,
  ResolvedConfig,
  ServerOptions,
  UserConfig,
} from "./server/config.ts";
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
} from "./server/plugin.ts";
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

if (import.meta.main) {
  // No top-level await: a banana.config.ts importing this module must not
  // wait for the running CLI to finish.
  import("./server/cli.ts")
    .then(({ runCli }) => runCli(Deno.args))
    .then((code) => Deno.exit(code));
}
