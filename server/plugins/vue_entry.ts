/**
 * The `vue()` that `mod.ts` exports: the Vue plugin's two parts, whose hooks
 * load the plugin (`server/plugins/vue.ts`) on their first call. A process
 * that imports `mod.ts` without serving — the CLI's launcher, which runs the
 * CLI again in the app's Deno context and waits — then loads none of the
 * plugin's modules: it starts in ~30 ms and ~40 MB instead of ~110 ms and
 * ~57 MB.
 *
 * @module
 */

import type { HmrContext, IndexHtmlContext, Plugin } from "../types.ts";
import type { VuePluginOptions } from "./vue.ts";
import { VUE_PLUGIN_NAME, VUE_STYLES_PLUGIN_NAME } from "./vue_plugin_names.ts";

type VuePlugins = [Plugin, Plugin];

/**
 * The Vue plugin (see `server/plugins/vue.ts`): the compiler and HMR, and a
 * second part that goes after the CSS plugin. Built in; add it yourself in
 * `banana.config.ts` to have it on an app whose import map does not name
 * `vue` itself.
 *
 * @example
 * ```ts
 * import { defineConfig, vue } from "../../mod.ts";
 * export default defineConfig({ plugins: [vue()] });
 * ```
 */
export function vue(options: VuePluginOptions = {}): [Plugin, Plugin] {
  let loading: Promise<VuePlugins> | null = null;
  // Not a literal specifier: Deno would load the plugin's module graph
  // with this module's.
  const plugins = () =>
    loading ??= (import(
      new URL("./vue.ts", import.meta.url).href
    ) as Promise<typeof import("./vue.ts")>).then((m) => m.vue(options));
  const main: Plugin = {
    name: VUE_PLUGIN_NAME,
    async configResolved(config) {
      await (await plugins())[0].configResolved?.(config);
    },
    async load(id, hookOptions) {
      return await (await plugins())[0].load?.call(this, id, hookOptions);
    },
    async transform(code, id, hookOptions) {
      return await (await plugins())[0].transform?.call(
        this,
        code,
        id,
        hookOptions,
      );
    },
    async handleHotUpdate(ctx: HmrContext) {
      return await (await plugins())[0].handleHotUpdate?.(ctx);
    },
    async transformIndexHtml(html: string, ctx: IndexHtmlContext) {
      return await (await plugins())[0].transformIndexHtml?.(html, ctx);
    },
  };
  const styles: Plugin = {
    name: VUE_STYLES_PLUGIN_NAME,
    async handleHotUpdate(ctx: HmrContext) {
      return await (await plugins())[1].handleHotUpdate?.(ctx);
    },
  };
  return [main, styles];
}
