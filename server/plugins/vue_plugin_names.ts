/**
 * The names of the Vue plugin's parts (`server/plugins/vue.ts`), in a module
 * of their own: `mod.ts`'s `vue()` (`server/plugins/vue_entry.ts`) names
 * them without loading the plugin.
 *
 * @module
 */

/** The name of the Vue plugin. */
export const VUE_PLUGIN_NAME = "banana:vue";
/** The name of its part that runs after the CSS plugin (style rebuilds). */
export const VUE_STYLES_PLUGIN_NAME = "banana:vue-styles";
/** Names of Vue plugins that replace the built-in one when configured. */
export const VUE_PLUGIN_NAMES: readonly string[] = [
  VUE_PLUGIN_NAME,
  "vite:vue",
];
