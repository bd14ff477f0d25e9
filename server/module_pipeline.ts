/**
 * The module pipeline: URL → id → `load` → `transform` (plugins) → import
 * analysis → resolution → graph update (the *build*, cached per source),
 * then → import rewriting with freshness params and dependency URLs (the
 * *render*, cheap, cached per build and import timestamps).
 *
 * @module
 */

import { isAbsolute, matchesGlob, relative } from "node:path";
import {
  AcceptAnalysisError,
  analyzeModule,
  importEdits,
  type ModuleAnalysis,
  type SiteRewrite,
  spliceEdits,
  type TextEdit,
} from "./import_analysis.ts";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { Plugin, PluginContext } from "./types.ts";
import { PluginContainer } from "./plugin_container.ts";
import { BananaError, codeFrame, offsetToLineColumn } from "./errors.ts";
import { contentHash } from "./hash.ts";
import type { DepBundler } from "./deps.ts";
import type { PackageFiles } from "./package_files.ts";
import { SCRIPT_ENTRY } from "./package_exports.ts";
import { resolveSpecifier } from "./resolver.ts";
import type { ImportMap } from "./import_map.ts";
import { isAllowedPath, UnsafePathError } from "./path_safety.ts";
import { isScriptPath } from "./script_path.ts";
import type { FsRules } from "./fs_deny.ts";
import { assertModuleReadable, readModuleSource } from "./source_file.ts";
import { publicImport } from "./plugins/public_assets.ts";
import {
  probeSloppyImport,
  type SloppyMatch,
  suggestSpecifier,
} from "./sloppy_imports.ts";
import type { InlineModule } from "../client/payload.ts";
import type { DevEnvironment } from "./types.ts";

export {
  CLIENT_URL,
  isModuleRequest,
  stripFreshness,
  withParam,
} from "./module_urls.ts";
import { CLIENT_URL, idForUrl, urlForId, withParam } from "./module_urls.ts";

/**
 * The global each module served with HMR pushes its URL (with version) to
 * when it runs: the HMR client's record of what the page runs
 * (`client/page_modules.ts`).
 */
export const RAN_MODULES_GLOBAL = "__bananaRan";

/** What an import site points at after resolution. */
export type ImportTarget =
  | { kind: "module"; node: ModuleNode }
  | { kind: "dep"; spec: string }
  | { kind: "keep" };

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

/** The final code for the browser. */
export interface RenderedModule {
  code: string;
  etag: string;
}

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

function safeMatchesGlob(file: string, glob: string): boolean {
  try {
    return matchesGlob(file, glob);
  } catch {
    return false;
  }
}

/**
 * Builds and renders modules, keeping the {@linkcode ModuleGraph} current.
 *
 * @example
 * ```ts ignore
 * const { code } = await pipeline.render("/src/main.ts");
 * ```
 */
export class ModulePipeline {
  readonly options: ModulePipelineOptions;
  #built = new Map<string, BuiltModule | BananaError>();
  #inflight = new Map<string, Promise<BuiltModule>>();
  /** Missing file → URLs of modules that failed to import it. */
  #missing = new Map<string, Set<string>>();
  /** Calls the plugins' hooks. */
  readonly container: PluginContainer;
  /** Module URL → the globs its last build watched (`addWatchFile`). */
  #globWatches = new Map<string, string[]>();

  constructor(options: ModulePipelineOptions) {
    this.options = options;
    this.container = new PluginContainer({
      plugins: options.plugins,
      root: options.root,
      environment: options.environment,
      resolve: (source, importer, skipped) =>
        this.#pluginResolve(source, importer, skipped),
    });
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

  /** `this.resolve()` of plugins, skipping the resolvers in `skipped`. */
  async #pluginResolve(
    source: string,
    importer: string | undefined,
    skipped: ReadonlySet<Plugin>,
  ): Promise<{ id: string; external: boolean } | null> {
    const from = importer ?? `${this.options.root}/index.html`;
    const target = await this.#resolveSite(source, from, from, "", skipped)
      .catch(() => null);
    if (!target) return null;
    if (target.kind === "module") {
      const { id } = this.idForUrl(target.node.url);
      return { id, external: false };
    }
    return target.kind === "dep" ? { id: target.spec, external: true } : null;
  }

  /** The id and file behind a module URL (without freshness params). */
  idForUrl(url: string): { id: string; file: string | null } {
    return idForUrl(url, this.options);
  }

  /** The URL a resolved id is served under. */
  urlForId(id: string): string {
    return urlForId(id, this.options);
  }

  /** The code of the `import.meta.env` object. */
  #importMetaEnv(): string {
    return JSON.stringify({
      ...this.options.env,
      MODE: this.options.mode,
      DEV: true,
      PROD: false,
      SSR: false,
      BASE_URL: "/",
    });
  }

  /** Records that the module at `url` failed for want of `file`. */
  #awaitFile(file: string, url: string): void {
    let urls = this.#missing.get(file);
    if (!urls) this.#missing.set(file, urls = new Set());
    urls.add(url);
  }

  /**
   * The URLs of the modules that failed for want of `file` (an import of
   * it, or a file a plugin read), forgotten here: `file` now exists, and
   * they can build again.
   */
  takeWaitingFor(file: string): string[] {
    const urls = this.#missing.get(file);
    this.#missing.delete(file);
    return urls ? [...urls] : [];
  }

  /** The last build of `url`, if it succeeded. */
  getBuilt(url: string): BuiltModule | undefined {
    const built = this.#built.get(url);
    return built instanceof BananaError ? undefined : built;
  }

  /** Drops the cached build (next request rebuilds from the file). */
  invalidate(url: string): void {
    this.#built.delete(url);
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
          return built;
        },
        (err) => {
          if (err instanceof UnsafePathError) throw err;
          const error = err instanceof BananaError ? err : new BananaError({
            message: err instanceof Error ? err.message : String(err),
            id: url,
          });
          this.#built.set(url, error);
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
    const loaded = await this.container.load(id, context);
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

  async #build(url: string): Promise<BuiltModule> {
    const { id, file } = this.idForUrl(url);
    await assertModuleReadable(id, file, {
      root: this.options.root,
      fsAllow: this.options.fsAllow,
      ownsPackageFile: (path) => this.options.packages?.owns(path) ?? false,
      fsRules: this.fsRules,
    });
    const node = this.options.graph.ensure(url, file);
    // Files a plugin read besides the module (CSS `@import`, `url()`
    // assets): they become imports of the module in the graph, and while
    // the build fails, saving one of them retries it (like a missing import).
    const { context, watched, globs } = this.container.buildContext();
    let source: string;
    let code: string;
    try {
      source = await this.#callLoad(id, file, context);
      code = await this.container.transform(source, id, context);
    } catch (err) {
      for (const watchedFile of watched) this.#awaitFile(watchedFile, url);
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
      targets.push(await this.#resolveSite(site.specifier, id, file, source));
    }
    const imported = targets.flatMap((t) =>
      t.kind === "module" ? [t.node] : []
    );
    for (const watchedFile of watched) {
      imported.push(
        this.options.graph.ensure(this.urlForId(watchedFile), watchedFile),
      );
    }
    if (globs.length > 0) this.#globWatches.set(url, globs);
    else this.#globWatches.delete(url);
    const accepted = new Set<ModuleNode>();
    const acceptEdits: TextEdit[] = [];
    for (const dep of analysis.acceptedDeps) {
      const target = await this.#resolveSite(dep.specifier, id, file, source);
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
        (analysis.usesEnv ? "\0" + this.#importMetaEnv() : ""),
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

  async #resolveSite(
    specifier: string,
    importerId: string,
    importerFile: string | null,
    source: string,
    skipped: ReadonlySet<Plugin> = new Set(),
  ): Promise<ImportTarget> {
    const resolved = await this.container.resolveId(
      specifier,
      importerId,
      skipped,
    );
    if (resolved) {
      if (resolved.external) return { kind: "keep" };
      const resolvedId = resolved.id;
      const q = resolvedId.search(/[?#]/);
      const path = q < 0 ? resolvedId : resolvedId.slice(0, q);
      const query = q < 0 ? "" : resolvedId.slice(q);
      // A file that is not a script is imported as a module: mark its URL.
      const marked = !isAbsolute(path) || isScriptPath(path) || query
        ? resolvedId
        : resolvedId + "?import";
      const url = this.urlForId(marked);
      return {
        kind: "module",
        node: this.options.graph.ensure(url, isAbsolute(path) ? path : null),
      };
    }
    const importer = importerFile ?? this.options.root + "/index.html";
    const resolution = resolveSpecifier(specifier, importer, {
      root: this.options.root,
      importMap: this.options.importMap,
      alias: this.options.alias,
    });
    const shown = importerFile
      ? relative(this.options.root, importerFile)
      : importerId;
    switch (resolution.kind) {
      case "external":
        return { kind: "keep" };
      case "virtual":
        return {
          kind: "module",
          node: this.options.graph.ensure(resolution.id, null),
        };
      case "dep": {
        // A package's stylesheet is served as a file of its package, not
        // bundled as JavaScript.
        const sheet = await this.options.packages?.styleFileFor(
          resolution.spec,
          SCRIPT_ENTRY,
        );
        if (sheet) {
          const url = this.urlForId(sheet + "?import");
          return {
            kind: "module",
            node: this.options.graph.ensure(url, sheet),
          };
        }
        this.options.deps.add(resolution.spec);
        return { kind: "dep", spec: resolution.spec };
      }
      case "unresolved":
        throw this.#importError(
          `Cannot resolve "${specifier}" from ${shown}: ${resolution.reason}`,
          specifier,
          importerId,
          importerFile,
          source,
        );
      case "file": {
        const { file, query } = resolution;
        if (!isAllowedPath(file, this.options.root, this.options.fsAllow)) {
          throw this.#importError(
            `Cannot import "${specifier}" from ${shown}: ${file} is outside the app root (add its directory to server.fs.allow)`,
            specifier,
            importerId,
            importerFile,
            source,
          );
        }
        let isFile = false;
        try {
          isFile = (await Deno.stat(file)).isFile;
        } catch { /* missing */ }
        let target = file;
        if (!isFile) {
          const tried: string[] = [];
          const match = await probeSloppyImport(file, tried);
          const inPublic = match && this.options.sloppyImports
            ? null
            : await publicImport(specifier, this.options.publicDir ?? null);
          if (inPublic?.kind === "asset") {
            // `import logo from "/vite.svg"` of a file in public/.
            return {
              kind: "module",
              node: this.options.graph.ensure(this.urlForId(inPublic.id), null),
            };
          }
          if (inPublic?.kind === "not-importable") {
            throw this.#importError(
              `Cannot import "${specifier}" from ${shown}: ${inPublic.reason}`,
              specifier,
              importerId,
              importerFile,
              source,
            );
          }
          if (match && this.options.sloppyImports) {
            target = match.file;
          } else {
            // With sloppy imports, creating any probed file fixes the import.
            const awaited = this.options.sloppyImports
              ? [file, ...tried]
              : [file];
            const importerUrl = this.urlForId(importerId);
            for (const path of awaited) this.#awaitFile(path, importerUrl);
            throw this.#importError(
              `Failed to resolve import "${specifier}" from ${shown}: ${await this
                .#describeMissing(specifier, file, match)}`,
              specifier,
              importerId,
              importerFile,
              source,
            );
          }
        }
        const marked = isScriptPath(target) || query ? query : "?import";
        const url = this.urlForId(target + marked);
        return {
          kind: "module",
          node: this.options.graph.ensure(url, target),
        };
      }
    }
  }

  /**
   * Why `file` cannot be imported, with the specifier to write instead when
   * Deno's sloppy-imports probe finds one (`match`).
   */
  async #describeMissing(
    specifier: string,
    file: string,
    match: SloppyMatch | null,
  ): Promise<string> {
    const shown = relative(this.options.root, file);
    const isDirectory = await Deno.stat(file).then(
      (info) => info.isDirectory,
      () => false,
    );
    const what = isDirectory
      ? `${shown} is a directory`
      : `${shown} does not exist`;
    if (!match) return what;
    const suggestion = suggestSpecifier(specifier, file, match);
    const needs = match.kind === "directory"
      ? "a directory import needs the path of its file"
      : match.kind === "js-to-ts"
      ? "imports name the file as it is on disk"
      : "imports need explicit extensions";
    return `${what} (did you mean "${suggestion}"? ${needs}; or add "unstable": ["sloppy-imports"] to deno.json to resolve it as Deno does)`;
  }

  #importError(
    message: string,
    specifier: string,
    id: string,
    file: string | null,
    source: string,
  ): BananaError {
    let offset = source.indexOf(`"${specifier}"`);
    if (offset < 0) offset = source.indexOf(`'${specifier}'`);
    if (offset < 0) {
      return new BananaError({ message, id, plugin: "resolve" });
    }
    const { line, column } = offsetToLineColumn(source, offset);
    return new BananaError({
      message,
      id,
      loc: { file: file ?? id, line, column },
      frame: codeFrame(source, line, column),
      plugin: "resolve",
    });
  }

  /**
   * The browser-ready code of `url`, with imports pointing at fresh URLs.
   * Not cached: splicing a built module is cheap, and keeping a second copy
   * of every module's code would double the server's memory.
   */
  async render(url: string): Promise<RenderedModule> {
    const { built, edits } = await this.#renderEdits(url, "import.meta.url");
    return {
      code: spliceEdits(built.code, edits).code,
      // Taken after the dependency URLs were awaited (a bundle may be new).
      etag: `"${contentHash(this.#renderKey(built))}"`,
    };
  }

  /**
   * The code of `url`'s current HMR version (`url?t=<timestamp>`) for the
   * page to run from a `data:` URL instead of fetching it (see
   * `client/inline_modules.ts`): `import.meta.url` becomes that URL, a
   * `sourceURL` comment names it in stack traces, and `urlOffsets` say where
   * the page's origin goes. Null for code that needs its real URL while it
   * runs (it resolves specifiers at run time, or imports a relative path
   * kept as written).
   */
  async renderInline(url: string): Promise<InlineModule | null> {
    const ts = this.options.graph.get(url)?.lastHMRTimestamp;
    const versioned = ts ? withParam(url, `t=${ts}`) : url;
    const { built, edits } = await this.#renderEdits(
      url,
      JSON.stringify(versioned),
    );
    if (built.analysis.resolvesAtRuntime) return null;
    const relativeKept = built.analysis.imports.some((site, i) =>
      built.targets[i].kind === "keep" && /^\.\.?\//.test(site.specifier)
    );
    if (relativeKept) return null;
    for (const range of built.analysis.metaUrls) {
      edits.push({ ...range, text: JSON.stringify(versioned), urlAt: 1 });
    }
    const end = built.code.length;
    const comment = "\n//# sourceURL=";
    edits.push({
      start: end,
      end,
      text: comment + versioned,
      urlAt: comment.length,
    });
    return { url: versioned, ...spliceEdits(built.code, edits) };
  }

  /**
   * The build of `url` and the edits that make it browser-ready. `ranUrl`
   * is the expression of the URL the module runs under (with its version):
   * the module reports it to the HMR client when it runs, and the client
   * tells the server which modules its page runs (`server/pages.ts`).
   */
  async #renderEdits(
    url: string,
    ranUrl: string,
  ): Promise<{ built: BuiltModule; edits: TextEdit[] }> {
    const built = await this.build(url);

    const importerShown = built.node.file
      ? relative(this.options.root, built.node.file)
      : url;
    const rewriteAll = () =>
      Promise.all(
        built.targets.map(async (target): Promise<SiteRewrite> => {
          if (target.kind === "module") {
            const ts = target.node.lastHMRTimestamp;
            return ts ? withParam(target.node.url, `t=${ts}`) : target.node.url;
          }
          if (target.kind === "dep") {
            return await this.options.deps.urlFor(target.spec, importerShown);
          }
          return null;
        }),
      );
    // All dependency URLs must come from one bundle generation: when a new
    // one appeared while some were awaited, take them all again.
    let generation = this.options.deps.generation?.key;
    let rewrites: SiteRewrite[] = await rewriteAll();
    while (this.options.deps.generation?.key !== generation) {
      generation = this.options.deps.generation?.key;
      rewrites = await rewriteAll();
    }
    // The header goes on the first line, so line numbers stay valid.
    const edits: TextEdit[] = [];
    if (this.options.hmr) {
      // Optional: a module that runs without the client (a server
      // environment, a worker) reports nothing.
      edits.push({
        start: 0,
        end: 0,
        text: `globalThis.${RAN_MODULES_GLOBAL}?.push(${ranUrl});`,
      });
    }
    if (built.analysis.usesHot && this.options.hmr) {
      const before = `import { createHotContext as __bananaHot } from "`;
      edits.push({
        start: 0,
        end: 0,
        text: `${before}${CLIENT_URL}";` +
          `import.meta.hot = __bananaHot(${JSON.stringify(url)});`,
        urlAt: before.length,
      });
    }
    if (built.analysis.usesEnv) {
      edits.push({
        start: 0,
        end: 0,
        text: `import.meta.env = ${this.#importMetaEnv()};`,
      });
    }
    edits.push(
      ...built.acceptEdits,
      ...importEdits(built.analysis.imports, rewrites),
    );
    return { built, edits };
  }

  /**
   * The version of `url`'s rendered code, known as soon as it is built (for
   * the page's import map): a hash of everything the render depends on, so
   * it is stable across server restarts and changes with any input.
   */
  currentVersion(url: string): string | null {
    const built = this.#built.get(url);
    if (!built || built instanceof BananaError) return null;
    const imports = built.targets.some((t) => t.kind === "dep");
    // Dependency URLs are only known once their bundle exists.
    if (imports && !this.options.deps.generation) return null;
    return contentHash(this.#renderKey(built));
  }

  /** What a render depends on: the build, dependency URLs, import timestamps. */
  #renderKey(built: BuiltModule): string {
    // `ran:` versions the render's own header: a browser that cached a
    // module rendered without it fetches it again.
    return (this.options.hmr ? "ran:" : "") + built.version + "|" +
      (this.options.deps.generation?.key ?? "") +
      "|" +
      built.targets.map((t) =>
        t.kind === "module" ? t.node.lastHMRTimestamp : ""
      ).join(",");
  }
}
