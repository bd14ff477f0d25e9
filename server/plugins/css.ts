/**
 * The built-in CSS plugin. Stylesheets reach a page two ways, and both are
 * hot-updated:
 *
 * - `<link rel="stylesheet" href="/src/style.css">`: served as compiled CSS
 *   by this plugin's middleware. The sheet is a `css` node of the module
 *   graph (keyed by its URL, self-accepting), so an edit sends a
 *   `css-update` and the page swaps the `<link>` (client/css.ts).
 * - `import "./style.css"` from JavaScript (`/src/style.css?import`): a
 *   module that injects a `<style>`, self-accepts (an edit replaces the
 *   style in place) and removes it when pruned. A CSS module
 *   (`*.module.css`) exports its class map and self-accepts only while its
 *   class names stay the same: when they change, the update goes to its
 *   importers by the normal rules, so they pick up the new names.
 *   `?inline` gives the compiled CSS as a string without injecting it.
 *
 * Files a sheet depends on (`@import`ed sheets, `url()` assets, the
 * PostCSS config) are its imports in the graph; when one changes, the
 * sheets that include it are rebuilt ({@linkcode Plugin.handleHotUpdate}).
 *
 * @module
 */

import { basename, dirname, relative } from "node:path";
import type { ResolvedConfig } from "../types.ts";
import type { ModuleNode } from "../module_graph.ts";
import type { AppDenoConfig } from "../import_map.ts";
import type { Plugin } from "../types.ts";
import type { DevServer } from "../types.ts";
import { isModuleRequest, stripFreshness } from "../module_urls.ts";
import { BananaError, formatErrorForLog, toErrorBody } from "../errors.ts";
import { contentHash } from "../hash.ts";
import { resolveSafeFile, UnsafePathError } from "../path_safety.ts";
import { matchesEtag } from "../static.ts";
import { fileToUrl } from "../resolver.ts";
import { splitId } from "../module_id.ts";
import { compileCss } from "./css_compile.ts";
import type { PackageFiles } from "../package_files.ts";
import {
  loadPostcssConfig,
  POSTCSS_CONFIG_FILES,
  type PostcssConfig,
} from "./postcss_config.ts";

import { CSS_CLIENT_URL } from "./css_client_url.ts";
import { styleModule } from "./style_module.ts";

export { CSS_CLIENT_URL };

/** Stylesheet files: CSS, and the languages compiled to it first (Sass…). */
const STYLESHEET_PATH = /\.(?:css|scss|sass|less|styl|stylus)$/;

/** True for a stylesheet path (query ignored), in CSS or a language compiled to it. */
export function isCssPath(path: string): boolean {
  return STYLESHEET_PATH.test(path.replace(/[?#].*$/, ""));
}

/** True for a graph URL of a stylesheet, direct or imported. */
function isCssUrl(url: string): boolean {
  return isCssPath(url);
}

/** True for a request a `<link rel="stylesheet">` makes (not a module). */
export function isDirectCssRequest(url: URL): boolean {
  if (!isCssPath(url.pathname) || url.pathname.startsWith("/@")) {
    return false;
  }
  return !isModuleRequest(url.pathname + url.search);
}

/** Options of the CSS plugin. */
export interface CssPluginOptions {
  config: ResolvedConfig;
  app: AppDenoConfig;
  /** Prints the error of stylesheet `id` (once) in the server's log. */
  logError: (id: string, message: string) => void;
  /** Files of npm packages: `@import "pkg"` and sheets imported from packages. */
  packages?: PackageFiles;
}

/** Named exports of a class map (valid identifiers only). */
function classExports(classMap: Record<string, string>): string {
  return Object.entries(classMap)
    .filter(([name]) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "default")
    .map(([name, scoped]) =>
      `export const ${name} = ${JSON.stringify(scoped)};`
    )
    .join("\n");
}

/**
 * The CSS plugin.
 *
 * @example
 * ```ts
 * import { cssPlugin } from "./css.ts";
 * import type { ResolvedConfig } from "../types.ts";
 * import type { AppDenoConfig } from "../import_map.ts";
 * function example(
 *   config: ResolvedConfig,
 *   app: AppDenoConfig,
 * ) {
 *   const plugin = cssPlugin({ config, app, logError: console.error });
 * }
 * ```
 */
export function cssPlugin(options: CssPluginOptions): Plugin {
  const { config, app, logError, packages } = options;
  const root = config.root;
  let server: DevServer | null = null;
  let postcssConfig: Promise<PostcssConfig | null> | null = null;
  let postcssConfigFile: string | null = null;
  /** Compiled CSS of linked stylesheets, by module id. */
  const stylesheets = new Map<string, string>();
  /** The class map each CSS module was last built with (JSON), by id. */
  const classMaps = new Map<string, string>();

  /** A root `postcss.config.*` other than the one in use (or created). */
  function isNewPostcssConfig(file: string): boolean {
    if (config.css.postcss !== null || file === postcssConfigFile) return false;
    return dirname(file) === root &&
      POSTCSS_CONFIG_FILES.includes(basename(file));
  }

  function loadConfig(): Promise<PostcssConfig | null> {
    if (!postcssConfig) {
      postcssConfig = loadPostcssConfig({
        root,
        importMap: app.importMap,
        cacheDir: config.cacheDir,
        inline: config.css.postcss,
      }).then((loaded) => {
        postcssConfigFile = loaded?.file ?? null;
        return loaded;
      });
      // A broken config is loaded again once it is saved.
      postcssConfig.catch(() => postcssConfig = null);
    }
    return postcssConfig;
  }

  /** Answers `<link rel="stylesheet">` requests with compiled CSS. */
  async function serveStylesheet(
    request: Request,
    next: () => Promise<Response>,
  ): Promise<Response> {
    const url = new URL(request.url);
    if (
      !server || !isDirectCssRequest(url) ||
      (request.method !== "GET" && request.method !== "HEAD")
    ) {
      return next();
    }
    if (url.pathname.split("/").includes(".git")) return next();
    // Files of the public folder are served as they are.
    if (config.publicDir) {
      const inPublic = await resolveSafeFile(config.publicDir, url.pathname, [
        config.publicDir,
      ]);
      if (inPublic) return next();
    }
    const file = await resolveSafeFile(root, url.pathname, [
      root,
      ...config.server.fs.allow,
    ]);
    if (!file || !(await Deno.stat(file)).isFile) return next();
    const moduleUrl = stripFreshness(url.pathname + url.search);
    const devServer = server;
    // A sheet a page loaded is a `css` node: its edits are `css-update`s
    // (also after a failed load, so that the fix reaches the page).
    const markLoaded = () => {
      const node = devServer.moduleGraph.get(moduleUrl);
      if (node) devServer.moduleGraph.markStylesheet(node);
    };
    try {
      await server.transformRequest(moduleUrl);
    } catch (err) {
      if (err instanceof UnsafePathError) throw err;
      markLoaded();
      const body = toErrorBody(err, moduleUrl);
      logError(moduleUrl, formatErrorForLog(body));
      server.hot.send({ type: "error", err: { ...body, id: moduleUrl } });
      return new Response(`/* ${body.message.replaceAll("*/", "* /")} */\n`, {
        status: 500,
        headers: { "content-type": "text/css; charset=utf-8" },
      });
    }
    markLoaded();
    const q = moduleUrl.indexOf("?");
    const css = stylesheets.get(file + (q < 0 ? "" : moduleUrl.slice(q))) ??
      "";
    const etag = `"${contentHash(css)}"`;
    const headers = {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "no-cache",
      "etag": etag,
    };
    if (matchesEtag(request, etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(request.method === "HEAD" ? null : css, { headers });
  }

  return {
    name: "banana:css",

    configureServer(devServer) {
      server = devServer;
      devServer.middlewares.use(serveStylesheet);
    },

    resolveId(source) {
      // The style runtime is the client's own module, not part of the app.
      if (source === CSS_CLIENT_URL) return { id: source, external: true };
    },

    async transform(code, id) {
      const { path, params } = splitId(id);
      if (!isCssPath(path) || params.has("raw") || params.has("url")) {
        return null;
      }
      let postcss: PostcssConfig | null;
      try {
        postcss = await loadConfig();
      } catch (err) {
        if (postcssConfigFile) this.addWatchFile(postcssConfigFile);
        throw err instanceof BananaError ? err : new BananaError({
          message: String(err),
          id: path,
          plugin: "postcss",
        });
      }
      if (postcss?.file) this.addWatchFile(postcss.file);
      const isModule = /\.module\.[a-z]+$/.test(path);
      const compiled = await compileCss(path, code, {
        root,
        fsAllow: config.server.fs.allow,
        fsDeny: config.server.fs.deny,
        importMap: app.importMap,
        alias: config.alias,
        plugins: postcss?.plugins ?? [],
        modules: isModule ? config.css.modules : null,
        addWatchFile: (file) => this.addWatchFile(file),
        packages,
      });
      if (params.has("inline")) {
        return `export default ${JSON.stringify(compiled.css)};\n`;
      }
      if (params.has("direct")) {
        // A linked stylesheet: the middleware serves the CSS; the graph
        // gets a self-accepting module (its updates are `css-update`s).
        // Keyed like the request URL's query, without the `direct` marker.
        stylesheets.set(
          id.replace(/([?&])direct(?:&|$)/, "$1").replace(/[?&]$/, ""),
          compiled.css,
        );
        return `// ${relative(root, path)} is served as CSS.\n` +
          `import.meta.hot?.accept();\n`;
      }
      const key = packages?.urlForFile(path) ?? fileToUrl(root, path);
      if (!compiled.classMap) {
        return styleModule(
          key,
          compiled.css,
          `export default __bananaCss;`,
          true,
        );
      }
      const names = JSON.stringify(compiled.classMap);
      const previous = classMaps.get(id);
      classMaps.set(id, names);
      return styleModule(
        key,
        compiled.css,
        `export default ${names};\n${classExports(compiled.classMap)}`,
        previous === undefined || previous === names,
      );
    },

    handleHotUpdate(ctx) {
      if (ctx.file === postcssConfigFile) postcssConfig = null;
      if (isNewPostcssConfig(ctx.file)) {
        // A config the sheets were not built with: every sheet the pages
        // show is built again through it.
        postcssConfig = null;
        return [...ctx.server.moduleGraph.urlToModule.values()].filter(
          (node) => isCssUrl(node.url) && ctx.server.pages.isRunning(node.url),
        );
      }
      // The stylesheets that include the changed file (`@import`, `url()`,
      // the PostCSS config), transitively: they are rebuilt too.
      const including = new Set<ModuleNode>();
      const visit = (node: ModuleNode) => {
        for (const importer of node.importers) {
          if (!isCssUrl(importer.url) || including.has(importer)) continue;
          including.add(importer);
          visit(importer);
        }
      };
      for (const node of ctx.modules) visit(node);
      if (including.size === 0) return;
      // A file that only other sheets read (no page loaded it by itself)
      // is not rebuilt on its own.
      const own = ctx.modules.filter((node) =>
        ctx.server.pages.isRunning(node.url) ||
        ![...node.importers].some((importer) => isCssUrl(importer.url))
      );
      return [...new Set([...own, ...including])];
    },
  };
}
