/**
 * The built-in HTML env replacement (Vite's): `%VITE_TITLE%` in an HTML
 * page becomes the value `import.meta.env.VITE_TITLE` has, as do `%MODE%`,
 * `%DEV%`, `%PROD%`, `%SSR%` and `%BASE_URL%`. A name that is not on
 * `import.meta.env` stays as written.
 *
 * @module
 */

import type { Plugin } from "../types.ts";

/** Options of {@linkcode htmlEnvPlugin}. */
export interface HtmlEnvPluginOptions {
  /** The exposed `.env` variables (prefixed names only). */
  env: Record<string, string>;
  mode: string;
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * const plugin = htmlEnvPlugin({ env: { VITE_TITLE: "Shop" }, mode: "development" });
 * // "<title>%VITE_TITLE%</title>" is served as "<title>Shop</title>"
 * ```
 */
export function htmlEnvPlugin(options: HtmlEnvPluginOptions): Plugin {
  const values: Record<string, string> = {
    ...options.env,
    MODE: options.mode,
    DEV: "true",
    PROD: "false",
    SSR: "false",
    BASE_URL: "/",
  };
  return {
    name: "banana:html-env",
    transformIndexHtml(html) {
      if (!html.includes("%")) return;
      return html.replace(
        /%([A-Za-z_][\w]*)%/g,
        (whole, name: string) =>
          Object.hasOwn(values, name) ? values[name] : whole,
      );
    },
  };
}
