/**
 * The built-in Vue plugin: `.vue` single-file components compiled on
 * demand (see `server/vue_compile.ts`) and hot-updated through Vue's own
 * runtime (`__VUE_HMR_RUNTIME__`), as `@vitejs/plugin-vue` does in dev:
 *
 * - a template-only edit re-renders the component's instances with their
 *   state kept (`rerender`);
 * - a script edit re-creates that component's instances (`reload`): their
 *   state resets, their parents, siblings and Pinia stores keep theirs; a
 *   `<script>` that also exports other values sends the update to its
 *   importers instead;
 * - a `<style>` or `<style scoped>` edit swaps that block's CSS and runs no
 *   component code; a `<style module>` edit that changes its class names
 *   re-renders the component with the new names;
 * - anything the runtime cannot apply (no HMR runtime in the page's vue)
 *   invalidates the module, so its importers update or the page reloads
 *   with the reason in the terminal.
 *
 * Each `<style>` block is a module of its own
 * (`/src/App.vue?import&vue&type=style&index=0&lang.css`) that injects a
 * `<style>` element, like an imported CSS file. `<style module>` blocks are
 * CSS modules with the app's `css.modules` settings; `lang="scss"` and
 * `lang="sass"` blocks are compiled with the app's `sass` package first;
 * the app's PostCSS config (`postcss.config.*` or `css.postcss`) runs on
 * every block, as on `.css` files.
 *
 * It turns itself on when the app's import map resolves `vue`, unless the
 * config has its own Vue plugin (`@vitejs/plugin-vue`, named `vite:vue`, or
 * this one, added with `vue()` from `mod.ts`). Every page gets Vue's
 * compile-time flags first (`__VUE_OPTIONS_API__`, `__VUE_PROD_DEVTOOLS__`,
 * `__VUE_PROD_HYDRATION_MISMATCH_DETAILS__`) with `@vitejs/plugin-vue`'s
 * dev values unless `define` sets them, so vue's bundler build does not warn.
 *
 * @module
 */

import type { SFCDescriptor } from "../npm/vue_compiler_sfc.ts";
import type { ResolvedConfig } from "../types.ts";
import {
  type AppDenoConfig,
  loadAppDenoConfig,
  resolveWithImportMap,
} from "../import_map.ts";
import type { Plugin } from "../types.ts";
import {
  VUE_PLUGIN_NAME,
  VUE_PLUGIN_NAMES,
  VUE_STYLES_PLUGIN_NAME,
} from "./vue_plugin_names.ts";
import { fileToUrl } from "../resolver.ts";
import { isInside } from "../path_safety.ts";
import type { SfcFile, StyleBlock } from "../vue_compile.ts";
import { relative } from "node:path";
import { BananaError, codeFrame } from "../errors.ts";
import { normalizeDepSpecifier } from "../dep_specifier.ts";
import { compileSass, SassCompileError } from "../sass_compiler.ts";
import { splitId } from "../module_id.ts";
import { SUGGESTED_SASS } from "./css_preprocess.ts";
import { styleModule } from "./style_module.ts";
import { compileCss } from "./css_compile.ts";
import { loadPostcssConfig, type PostcssConfig } from "./postcss_config.ts";

let vueCompile: Promise<typeof import("../vue_compile.ts")> | null = null;

/**
 * The SFC compiler glue (with `source-map-js`), loaded with the first `.vue`
 * file: `mod.ts` exports this plugin, and a process that only imports
 * `mod.ts` (the CLI's launcher, a config) loads no npm package.
 */
function loadVueCompile(): Promise<typeof import("../vue_compile.ts")> {
  return vueCompile ??= import("../vue_compile.ts");
}

export { VUE_PLUGIN_NAME, VUE_PLUGIN_NAMES, VUE_STYLES_PLUGIN_NAME };

/** Id of the virtual module that defines Vue's compile-time flags. */
export const VUE_FLAGS_ID = "banana:vue/flags";
const VUE_FLAGS_URL = `/@id/${VUE_FLAGS_ID}`;

/**
 * Vue's compile-time flags and the values `@vitejs/plugin-vue` gives them
 * in dev (a `define` of the same name wins).
 */
const VUE_FLAGS: Record<string, string> = {
  __VUE_OPTIONS_API__: "true",
  __VUE_PROD_DEVTOOLS__: "false",
  __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
};

/** True when the app's import map resolves `vue`. */
export function usesVue(app: AppDenoConfig): boolean {
  return resolveWithImportMap("vue", app.importMap) !== null;
}

/** The module that sets the flags on `globalThis` (vue reads them there). */
function flagsModule(define: Record<string, string>): string {
  return Object.entries(VUE_FLAGS).map(([name, value]) =>
    `globalThis.${name} = ${define[name] ?? value};`
  ).join("\n") + "\n";
}

/** Puts the flags script first in `<head>`, before any app module. */
function injectFlags(html: string): string {
  const tag = `<script type="module" src="${VUE_FLAGS_URL}"></script>`;
  for (const pattern of [/<head\b[^>]*>/i, /<html\b[^>]*>/i]) {
    const match = pattern.exec(html);
    if (match) {
      const at = match.index + match[0].length;
      return html.slice(0, at) + tag + html.slice(at);
    }
  }
  return tag + html;
}

/**
 * A `<style lang="scss">` / `lang="sass"` block compiled with the app's own
 * `sass` package (as `.scss` files are, see `css_preprocess.ts`); null for
 * other languages. Errors point at the `.vue` line (or the partial's).
 */
async function compileSassBlock(
  block: StyleBlock,
  where: SfcFile,
  app: AppDenoConfig,
  context: { addWatchFile(file: string): void },
): Promise<string | null> {
  if (block.lang !== "scss" && block.lang !== "sass") return null;
  const shown = relative(where.root, where.file);
  const mapped = resolveWithImportMap("sass", app.importMap);
  if (mapped === null) {
    throw new BananaError({
      message:
        `${shown}: <style lang="${block.lang}"> needs the "sass" package; add it to the "imports" of the app's deno.json, e.g. "sass": "${SUGGESTED_SASS}"`,
      id: where.file,
      plugin: "sass",
    });
  }
  try {
    const compiled = await compileSass(normalizeDepSpecifier(mapped), {
      file: where.file,
      source: block.content,
      syntax: block.lang === "sass" ? "indented" : "scss",
      loadPaths: [where.root],
      importMap: app.importMap,
    });
    for (const file of compiled.loadedFiles) {
      if (file !== where.file) context.addWatchFile(file);
    }
    return compiled.css;
  } catch (err) {
    if (!(err instanceof SassCompileError)) throw err;
    const { failure } = err;
    if (failure.file !== where.file) context.addWatchFile(failure.file);
    const inBlock = failure.file === where.file;
    const line = failure.line === undefined
      ? undefined
      : inBlock
      ? block.line + failure.line - 1
      : failure.line;
    const file = inBlock ? where.file : failure.file;
    const message = `${relative(where.root, file)}${
      line === undefined ? "" : `:${line}:${failure.column ?? 1}`
    }: ${failure.message}`;
    if (line === undefined) {
      throw new BananaError({ message, id: where.file, plugin: "sass" });
    }
    const column = (failure.column ?? 1) - 1;
    let source: string | null = null;
    try {
      source = Deno.readTextFileSync(file);
    } catch { /* no frame */ }
    throw new BananaError({
      message,
      id: where.file,
      loc: { file, line, column },
      frame: source === null ? undefined : codeFrame(source, line, column),
      plugin: "sass",
    });
  }
}

/** Options of {@linkcode vue}. */
export interface VuePluginOptions {
  /** The app's `deno.json` settings; read from the root when absent. */
  app?: AppDenoConfig;
}

/**
 * The Vue plugin: the compiler and HMR, and a second part that goes after
 * the CSS plugin (it rebuilds the `.vue` styles when the PostCSS config is
 * saved). Built in (see the module doc); add it yourself in
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
  let config: ResolvedConfig | null = null;
  let app: AppDenoConfig | null = options.app ?? null;
  /** The descriptor each component was last compiled or edited to. */
  const descriptors = new Map<string, SFCDescriptor>();
  /** The class map each `<style module>` block was last built with (JSON). */
  const classMaps = new Map<string, string>();
  /** The app's PostCSS config (as the CSS plugin loads it), once loaded. */
  let postcss: Promise<PostcssConfig | null> | null = null;
  let postcssFile: string | null = null;

  function loadPostcss(): Promise<PostcssConfig | null> {
    if (!postcss) {
      const loading = loadPostcssConfig({
        root: config!.root,
        importMap: app!.importMap,
        cacheDir: config!.cacheDir,
        inline: config!.css.postcss,
      }).then((loaded) => {
        postcssFile = loaded?.file ?? null;
        return loaded;
      });
      postcss = loading;
      // A broken config is loaded again on the next build.
      loading.catch(() => {
        if (postcss === loading) postcss = null;
      });
    }
    return postcss;
  }

  function sfcFile(file: string): SfcFile {
    const root = config!.root;
    return { file, root, url: fileToUrl(root, file) };
  }

  function isComponent(path: string): boolean {
    return path.endsWith(".vue") && config !== null &&
      !isInside(config.cacheDir, path);
  }

  const main: Plugin = {
    name: VUE_PLUGIN_NAME,

    async configResolved(resolved) {
      config = resolved;
      app ??= await loadAppDenoConfig(resolved.root);
    },

    load(id) {
      if (id === VUE_FLAGS_ID) return flagsModule(config?.define ?? {});
      return null;
    },

    async transform(code, id) {
      const { path, params } = splitId(id);
      if (!isComponent(path)) return null;
      const where = sfcFile(path);
      if (!params.has("vue")) {
        const { compileSfc } = await loadVueCompile();
        const compiled = await compileSfc(code, where, {
          define: config!.define,
        });
        descriptors.set(path, compiled.descriptor);
        return { code: compiled.code };
      }
      if (params.get("type") !== "style") return null;
      // `code` is the component file as it is now (a style block's module
      // is rebuilt without its main module when only the CSS changed).
      const { compileSfcStyle, parseSfc } = await loadVueCompile();
      const descriptor = await parseSfc(code, where);
      const index = Number(params.get("index"));
      const style = await compileSfcStyle(descriptor, index, where, {
        preprocess: (block) => compileSassBlock(block, where, app!, this),
      });
      const postcssConfig = await loadPostcss();
      // Saving the config rebuilds the styles (see handleHotUpdate).
      if (postcssConfig?.file) this.addWatchFile(postcssConfig.file);
      const compiled = await compileCss(path, style.css, {
        root: config!.root,
        fsAllow: config!.server.fs.allow,
        importMap: app!.importMap,
        alias: config!.alias,
        plugins: postcssConfig?.plugins ?? [],
        modules: style.module ? config!.css.modules : null,
        addWatchFile: (file) => this.addWatchFile(file),
      });
      const key = `${where.url}?vue&index=${index}`;
      let selfAccepting = true;
      if (compiled.classMap) {
        // New class names must reach the component: the update goes to
        // it (it accepts this module and re-renders).
        const names = JSON.stringify(compiled.classMap);
        const previous = classMaps.get(id);
        classMaps.set(id, names);
        selfAccepting = previous === undefined || previous === names;
      }
      return styleModule(
        key,
        compiled.css,
        `export default ${
          compiled.classMap ? JSON.stringify(compiled.classMap) : "{}"
        };`,
        selfAccepting,
      );
    },

    async handleHotUpdate(ctx) {
      if (!isComponent(ctx.file)) return;
      const prev = descriptors.get(ctx.file);
      let next: SFCDescriptor;
      try {
        const { parseSfc } = await loadVueCompile();
        next = await parseSfc(await ctx.read(), sfcFile(ctx.file));
      } catch {
        // The main module's build reports the error.
        return ctx.modules.filter((node) => !node.url.includes("&vue&"));
      }
      descriptors.set(ctx.file, next);
      if (!prev) return;
      const { sfcChanges } = await loadVueCompile();
      const changes = sfcChanges(prev, next);
      const affected = ctx.modules.filter((node) => {
        if (!node.url.includes("&vue&")) return true;
        const index = Number(/[?&]index=(\d+)/.exec(node.url)?.[1]);
        return changes.styles.includes(index);
      });
      // Only styles changed: their modules alone are updated.
      if (!changes.main && changes.styles.length > 0) {
        return affected.filter((node) => node.url.includes("&vue&"));
      }
      return affected;
    },

    transformIndexHtml(html) {
      return injectFlags(html);
    },
  };
  const styles: Plugin = {
    name: VUE_STYLES_PLUGIN_NAME,
    // After the CSS plugin, whose list for a PostCSS config edit (the
    // sheets it rebuilds) would replace this one.
    handleHotUpdate(ctx) {
      if (ctx.file !== postcssFile) return;
      postcss = null;
      // From the graph: an earlier plugin may have narrowed ctx.modules.
      const configNodes = ctx.server.moduleGraph.byFile(ctx.file);
      const built = configNodes.flatMap((node) =>
        [...node.importers].filter((importer) =>
          importer.url.includes("&vue&type=style") &&
          ctx.server.pages.isRunning(importer.url)
        )
      );
      if (built.length === 0) return;
      return [...new Set([...ctx.modules, ...built])];
    },
  };
  return [main, styles];
}
