/**
 * The module builder: a module URL → its built code, analysis and resolved
 * imports, with the graph updated. Builds are cached until invalidated,
 * concurrent requests share one build, and `warmup` builds a page's
 * static imports ahead of the browser.
 *
 * @module
 */

import { matchesGlob, relative } from "node:path";
import {
  AcceptAnalysisError,
  analyzeModule,
  type ModuleAnalysis,
  type TextEdit,
} from "./import_analysis.ts";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { PluginContext } from "./types.ts";
import type { PluginContainer } from "./plugin_container.ts";
import { BananaError, codeFrame, offsetToLineColumn } from "./errors.ts";
import { contentHash } from "./hash.ts";
import type { PackageFiles } from "./package_files.ts";
import { UnsafePathError } from "./path_safety.ts";
import type { FsRules } from "./fs_deny.ts";
import { assertModuleReadable, readModuleSource } from "./source_file.ts";
import type { ImportResolver, ImportTarget } from "./import_resolution.ts";
import { idForUrl, urlForId } from "./module_urls.ts";

/** A module after load, transform, analysis and resolution. */
export interface BuiltModule {
  node: ModuleNode;
  code: string;
  analysis: ModuleAnalysis;
  targets: ImportTarget[];
  /** `accept("./dep")` literals rewritten to the dep's URL, as the client keys them. */
  acceptEdits: TextEdit[];
  /** Modules no longer imported by anyone after this build (prune). */
  orphaned: ModuleNode[];
  /** Changes whenever the built code or its imports change. */
  version: string;
}

/** Options of the {@linkcode ModuleBuilder}. */
export interface ModuleBuilderOptions {
  root: string;
  fsAllow: string[];
  /** `server.fs.deny`. Default: `DEFAULT_FS_DENY`. */
  fsDeny?: readonly string[];
  graph: ModuleGraph;
  packages?: PackageFiles;
  mode: string;
  /** The app's `import.meta.env` variables (part of a module's version). */
  env?: Record<string, string>;
}

function safeMatchesGlob(file: string, glob: string): boolean {
  try {
    return matchesGlob(file, glob);
  } catch {
    return false;
  }
}

/**
 * The code of the `import.meta.env` object: the app's variables, `MODE`,
 * `DEV`, `PROD`, `SSR` and `BASE_URL`.
 *
 * @example
 * ```ts
 * importMetaEnvCode({ mode: "development", env: { VITE_A: "1" } });
 * ```
 */
export function importMetaEnvCode(
  options: { mode: string; env?: Record<string, string> },
): string {
  return JSON.stringify({
    ...options.env,
    MODE: options.mode,
    DEV: true,
    PROD: false,
    SSR: false,
    BASE_URL: "/",
  });
}

/**
 * Builds modules and caches the builds.
 *
 * @example
 * ```ts
 * import type { ModuleBuilder } from "./module_builder.ts";
 * async function example(
 *   builder: ModuleBuilder,
 * ) {
 *   const built = await builder.build("/src/main.ts");
 * }
 * ```
 */
export class ModuleBuilder {
  readonly options: ModuleBuilderOptions;
  #container: PluginContainer;
  #resolver: ImportResolver;
  #built = new Map<string, BuiltModule | BananaError>();
  #inflight = new Map<string, Promise<BuiltModule>>();
  /** Module URL → the globs its last build watched (`addWatchFile`). */
  #globWatches = new Map<string, string[]>();
  #epoch = 0;

  constructor(
    options: ModuleBuilderOptions,
    container: PluginContainer,
    resolver: ImportResolver,
  ) {
    this.options = options;
    this.#container = container;
    this.#resolver = resolver;
  }

  #urlForId(id: string): string {
    return urlForId(id, this.options);
  }

  /**
   * The modules whose last build watched a glob that matches `file` (a file
   * no module is built from, e.g. one just created): they build again.
   */
  globWatchersOf(file: string): ModuleNode[] {
    const nodes: ModuleNode[] = [];
    for (const [url, globs] of this.#globWatches) {
      const node = this.options.graph.get(url);
      if (!node) continue;
      if (globs.some((glob) => safeMatchesGlob(file, glob))) nodes.push(node);
    }
    return nodes;
  }

  /**
   * Counts builds settled and invalidations: while it stays the same, every
   * cached build (and so every render of one) is what it was.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /** The last build of `url`, if it succeeded. */
  getBuilt(url: string): BuiltModule | undefined {
    const built = this.#built.get(url);
    return built instanceof BananaError ? undefined : built;
  }

  /** Drops the cached build (next request rebuilds from the file). */
  invalidate(url: string): void {
    this.#built.delete(url);
    this.#epoch++;
  }

  /** Builds `url` (cached; concurrent callers share one build). */
  build(url: string): Promise<BuiltModule> {
    const cached = this.#built.get(url);
    if (cached instanceof BananaError) return Promise.reject(cached);
    if (cached) return Promise.resolve(cached);
    let pending = this.#inflight.get(url);
    if (!pending) {
      pending = this.#build(url).then(
        (built) => {
          this.#built.set(url, built);
          this.#epoch++;
          return built;
        },
        (err) => {
          if (err instanceof UnsafePathError) throw err;
          const error = err instanceof BananaError ? err : new BananaError({
            message: err instanceof Error ? err.message : String(err),
            id: url,
          });
          this.#built.set(url, error);
          this.#epoch++;
          throw error;
        },
      ).finally(() => this.#inflight.delete(url));
      this.#inflight.set(url, pending);
    }
    return pending;
  }

  /**
   * Builds the static imports of `url` ahead of the browser asking for them,
   * so a page's import waterfall is served from memory.
   */
  warmup(url: string, seen: Set<string> = new Set()): Promise<void> {
    if (seen.has(url)) return Promise.resolve();
    seen.add(url);
    return this.build(url).then(
      (built) =>
        Promise.all(
          built.targets.map((target, i) =>
            // A module built before had its own imports warmed then: walking
            // its subtree again on every request would cost O(graph) each.
            target.kind === "module" && !built.analysis.imports[i].dynamic &&
              !this.#built.has(target.node.url)
              ? this.warmup(target.node.url, seen)
              : undefined
          ),
        ).then(() => {}),
      () => {},
    );
  }

  async #callLoad(
    id: string,
    file: string | null,
    context: PluginContext,
  ): Promise<string> {
    const loaded = await this.#container.load(id, context);
    if (loaded !== null) return loaded;
    if (!file) {
      throw new BananaError({ message: `No plugin can load ${id}`, id });
    }
    return await readModuleSource(file, this.options.root);
  }

  /** Where files may be read from, and `server.fs.deny`. */
  get fsRules(): FsRules {
    const { root, fsAllow, fsDeny, packages } = this.options;
    return {
      root,
      allow: [...fsAllow, ...packages?.dirs() ?? []],
      deny: fsDeny,
    };
  }

  /**
   * One build: check the file may be read, `load` and `transform` it
   * (plugins), analyse its imports, resolve each, and record the result in
   * the graph (its imports, accepted deps, source hash).
   */
  async #build(url: string): Promise<BuiltModule> {
    const { id, file } = idForUrl(url, this.options);
    assertModuleReadable(id, file, {
      root: this.options.root,
      fsAllow: this.options.fsAllow,
      ownsPackageFile: (path) => this.options.packages?.owns(path) ?? false,
      fsRules: this.fsRules,
    });
    const node = this.options.graph.ensure(url, file);
    // Files a plugin read besides the module (CSS `@import`, `url()`
    // assets): they become imports of the module in the graph, and while
    // the build fails, saving one of them retries it (like a missing import).
    const { context, watched, globs } = this.#container.buildContext();
    let source: string;
    let code: string;
    try {
      source = await this.#callLoad(id, file, context);
      code = await this.#container.transform(source, id, context);
    } catch (err) {
      for (const watchedFile of watched) {
        this.#resolver.awaitFile(watchedFile, url);
      }
      throw err;
    }
    let analysis: ModuleAnalysis;
    try {
      analysis = analyzeModule(code);
    } catch (err) {
      throw this.#locatedError(err, code, id, file);
    }
    const targets: ImportTarget[] = [];
    for (const site of analysis.imports) {
      targets.push(
        await this.#resolver.resolve(site.specifier, id, file, source),
      );
    }
    const imported = targets.flatMap((t) =>
      t.kind === "module" ? [t.node] : []
    );
    for (const watchedFile of watched) {
      imported.push(
        this.options.graph.ensure(this.#urlForId(watchedFile), watchedFile),
      );
    }
    if (globs.length > 0) this.#globWatches.set(url, globs);
    else this.#globWatches.delete(url);
    const accepted = new Set<ModuleNode>();
    const acceptEdits: TextEdit[] = [];
    for (const dep of analysis.acceptedDeps) {
      const target = await this.#resolver.resolve(
        dep.specifier,
        id,
        file,
        source,
      );
      if (target.kind !== "module" || !imported.includes(target.node)) {
        throw this.#locatedError(
          new AcceptAnalysisError(
            `import.meta.hot.accept("${dep.specifier}") names a module this file does not import`,
            dep.start,
          ),
          code,
          id,
          file,
        );
      }
      accepted.add(target.node);
      acceptEdits.push({
        start: dep.start,
        end: dep.end,
        text: JSON.stringify(target.node.url),
      });
    }
    const orphaned = this.options.graph.setImports(
      node,
      imported,
      accepted,
      analysis.isSelfAccepting,
      analysis.isDeclined,
    );
    this.options.graph.recordSource(node, contentHash(source));
    // The env values are part of what the page runs: a new `.env` value
    // must not be taken from the browser's cache of the old version.
    const version = contentHash(
      code + "\0" +
        targets.map((t) =>
          t.kind === "module" ? t.node.url : t.kind === "dep" ? t.spec : ""
        ).join("\0") +
        (analysis.usesEnv ? "\0" + importMetaEnvCode(this.options) : ""),
    );
    return { node, code, analysis, targets, acceptEdits, orphaned, version };
  }

  #locatedError(
    err: unknown,
    code: string,
    id: string,
    file: string | null,
  ): BananaError {
    if (!(err instanceof AcceptAnalysisError)) {
      return err instanceof BananaError
        ? err
        : new BananaError({ message: String(err), id });
    }
    const { line, column } = offsetToLineColumn(code, err.offset);
    const shown = file ? relative(this.options.root, file) : id;
    return new BananaError({
      message: `${shown}: ${err.message}`,
      id,
      loc: { file: file ?? id, line, column },
      frame: codeFrame(code, line, column),
      plugin: "import-analysis",
    });
  }
}
