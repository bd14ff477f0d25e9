/**
 * The module pipeline: URL → id → `load` → `transform` (plugins) → import
 * analysis → resolution → graph update (the *build*, cached per source),
 * then → import rewriting with freshness params and dependency URLs (the
 * *render*, cheap, cached per build and import timestamps).
 *
 * This file assembles the parts, each in its own module: the URL scheme
 * (`module_urls.ts`), the plugin container (`plugin_container.ts`), source
 * reading (`source_file.ts`), import resolution (`import_resolution.ts`),
 * the build cache (`module_builder.ts`) and rendering
 * (`module_renderer.ts`).
 *
 * @module
 */

import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { DevEnvironment, Plugin } from "./types.ts";
import { PluginContainer } from "./plugin_container.ts";
import type { DepBundler } from "./deps.ts";
import type { PackageFiles } from "./package_files.ts";
import type { ImportMap } from "./import_map.ts";
import type { FsRules } from "./fs_deny.ts";
import type { InlineModule } from "../client/payload.ts";
import { idForUrl, urlForId } from "./module_urls.ts";
import { ImportResolver } from "./import_resolution.ts";
import { type BuiltModule, ModuleBuilder } from "./module_builder.ts";
import { ModuleRenderer, type RenderedModule } from "./module_renderer.ts";

export type { ImportTarget } from "./import_resolution.ts";
export type { BuiltModule } from "./module_builder.ts";
export { RAN_MODULES_GLOBAL, type RenderedModule } from "./module_renderer.ts";

/** Options of the {@linkcode ModulePipeline}. */
export interface ModulePipelineOptions {
  root: string;
  fsAllow: string[];
  /** `server.fs.deny`. Default: `DEFAULT_FS_DENY`. */
  fsDeny?: readonly string[];
  graph: ModuleGraph;
  plugins: Plugin[];
  importMap: ImportMap;
  alias: Record<string, string>;
  deps: DepBundler;
  /** Files of npm packages served as they are (stylesheets, their assets). */
  packages?: PackageFiles;
  /** Inject `import.meta.hot` (false with `--no-hmr`). */
  hmr: boolean;
  mode: string;
  /**
   * Deno's sloppy imports (`"unstable": ["sloppy-imports"]` in the app's
   * `deno.json`): extensionless and directory imports are probed.
   */
  sloppyImports?: boolean;
  /**
   * The app's `VITE_*` / `BANANA_*` variables from its `.env` files, put on
   * `import.meta.env` next to `MODE`, `DEV`, `PROD`, `SSR` and `BASE_URL`.
   */
  env?: Record<string, string>;
  /**
   * `this.environment` of plugin hooks: the browser's. None for the
   * server-side pipeline (`server/ssr_environment.ts`), which runs only
   * built-in plugins.
   */
  environment?: DevEnvironment;
  /** The public folder: `import logo from "/vite.svg"` may name its files. */
  publicDir?: string | null;
}

/**
 * Builds and renders modules, keeping the {@linkcode ModuleGraph} current.
 *
 * @example
 * ```ts
 * import type { ModulePipeline } from "./module_pipeline.ts";
 * async function example(
 *   pipeline: ModulePipeline,
 * ) {
 *   const { code } = await pipeline.render("/src/main.ts");
 * }
 * ```
 */
export class ModulePipeline {
  readonly options: ModulePipelineOptions;
  /** Calls the plugins' hooks. */
  readonly container: PluginContainer;
  #resolver: ImportResolver;
  #builder: ModuleBuilder;
  #renderer: ModuleRenderer;

  constructor(options: ModulePipelineOptions) {
    this.options = options;
    this.container = new PluginContainer({
      plugins: options.plugins,
      root: options.root,
      environment: options.environment,
      resolve: (source, importer, skipped) =>
        this.#resolver.resolveForPlugin(source, importer, skipped),
    });
    this.#resolver = new ImportResolver(options, this.container);
    this.#builder = new ModuleBuilder(options, this.container, this.#resolver);
    this.#renderer = new ModuleRenderer(options, this.#builder);
  }

  /**
   * The modules whose last build watched a glob that matches `file` (a file
   * no module is built from, e.g. one just created): they build again.
   */
  globWatchersOf(file: string): ModuleNode[] {
    return this.#builder.globWatchersOf(file);
  }

  /** The id and file behind a module URL (without freshness params). */
  idForUrl(url: string): { id: string; file: string | null } {
    return idForUrl(url, this.options);
  }

  /** The URL a resolved id is served under. */
  urlForId(id: string): string {
    return urlForId(id, this.options);
  }

  /**
   * The URLs of the modules that failed for want of `file` (an import of
   * it, or a file a plugin read), forgotten here: `file` now exists, and
   * they can build again.
   */
  takeWaitingFor(file: string): string[] {
    return this.#resolver.takeWaitingFor(file);
  }

  /** The last build of `url`, if it succeeded. */
  getBuilt(url: string): BuiltModule | undefined {
    return this.#builder.getBuilt(url);
  }

  /** Drops the cached build (next request rebuilds from the file). */
  invalidate(url: string): void {
    this.#builder.invalidate(url);
  }

  /**
   * Changes whenever a build settles, one is dropped, a module gets a hot
   * update or the dependency bundle is replaced: while it is the same, every
   * render is what it was.
   */
  get renderEpoch(): string {
    return `${this.#builder.epoch}|${this.options.graph.hotUpdates}|${
      this.options.deps.generation?.key ?? ""
    }`;
  }

  /** Counts builds settled and dropped so far (it only grows). */
  get buildEpoch(): number {
    return this.#builder.epoch;
  }

  /** Builds `url` (cached; concurrent callers share one build). */
  build(url: string): Promise<BuiltModule> {
    return this.#builder.build(url);
  }

  /**
   * Builds the static imports of `url` ahead of the browser asking for them,
   * so a page's import waterfall is served from memory.
   */
  warmup(url: string, seen?: Set<string>): Promise<void> {
    return this.#builder.warmup(url, seen);
  }

  /** Where files may be read from, and `server.fs.deny`. */
  get fsRules(): FsRules {
    return this.#builder.fsRules;
  }

  /** The browser-ready code of `url` (see {@linkcode ModuleRenderer.render}). */
  render(url: string): Promise<RenderedModule> {
    return this.#renderer.render(url);
  }

  /**
   * The code of `url` with plain module URLs, for the dev bundle (see
   * {@linkcode ModuleRenderer.renderPlain}).
   */
  renderPlain(
    url: string,
  ): Promise<{ code: string; key: string; built: BuiltModule }> {
    return this.#renderer.renderPlain(url);
  }

  /**
   * The key of {@linkcode ModulePipeline.renderPlain}'s code for `url`'s
   * current build (null before it is built).
   */
  plainKey(url: string): string | null {
    const built = this.#builder.getBuilt(url);
    return built ? this.#renderer.plainKey(built) : null;
  }

  /**
   * The code of `url`'s current HMR version for the page to run from a
   * `data:` URL (see {@linkcode ModuleRenderer.renderInline}).
   */
  renderInline(url: string): Promise<InlineModule | null> {
    return this.#renderer.renderInline(url);
  }

  /** The version of `url`'s rendered code, once it is built. */
  currentVersion(url: string): string | null {
    return this.#renderer.currentVersion(url);
  }
}
