/**
 * The JavaScript module that stands for a stylesheet in the page: it injects
 * the CSS as a `<style>`, swaps its text on a hot update and removes it when
 * the module is pruned. Shared by the CSS plugin (`import "./x.css"`) and the
 * Vue plugin (`<style>` blocks), in a module of its own so the Vue plugin does
 * not load the CSS plugin.
 *
 * @module
 */

import { CSS_CLIENT_URL } from "./css_client_url.ts";

/**
 * The module code of one stylesheet.
 *
 * @param key The `<style>`'s identity in the page (kept across versions).
 * @param css The compiled CSS.
 * @param exported The module's export statements (e.g. a CSS module's class map).
 * @param selfAccepting Whether an edit replaces the CSS in place.
 *
 * @example
 * ```ts
 * import { styleModule } from "./style_module.ts";
 * const code = styleModule("/src/a.css", "a { color: red }", "export default {};", true);
 * ```
 */
export function styleModule(
  key: string,
  css: string,
  exported: string,
  selfAccepting: boolean,
): string {
  return [
    `import { updateStyle as __bananaUpdateStyle, removeStyle as __bananaRemoveStyle } from ${
      JSON.stringify(CSS_CLIENT_URL)
    };`,
    `const __bananaId = ${JSON.stringify(key)};`,
    `const __bananaCss = ${JSON.stringify(css)};`,
    `__bananaUpdateStyle(__bananaId, __bananaCss);`,
    exported,
    selfAccepting ? `import.meta.hot?.accept();` : "",
    `import.meta.hot?.prune(() => __bananaRemoveStyle(__bananaId));`,
    "",
  ].join("\n");
}
