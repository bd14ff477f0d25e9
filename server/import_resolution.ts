/**
 * Import resolution: what an import specifier of a module points at (a
 * module of the graph, a bundled dependency, or a URL kept as written),
 * through the plugins' `resolveId` first, then the import map, aliases,
 * npm packages' stylesheets, files and `public/`. It remembers which
 * modules failed for want of a file, so creating it retries them.
 *
 * @module
 */

import { isAbsolute, relative } from "node:path";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { Plugin } from "./types.ts";
import type { PluginContainer, ResolvedId } from "./plugin_container.ts";
import { BananaError, codeFrame, offsetToLineColumn } from "./errors.ts";
import type { PackageFiles } from "./package_files.ts";
import { SCRIPT_ENTRY } from "./package_exports.ts";
import { resolveSpecifier } from "./resolver.ts";
import type { ImportMap } from "./import_map.ts";
import { isAllowedPath, pathBelow } from "./path_safety.ts";
import { isScriptPath } from "./script_path.ts";
import { publicImport } from "./public_import.ts";
import {
  probeSloppyImport,
  type SloppyMatch,
  suggestSpecifier,
} from "./sloppy_imports.ts";
import { idForUrl, urlForId } from "./module_urls.ts";

/** What an import site points at after resolution. */
export type ImportTarget =
  | { kind: "module"; node: ModuleNode }
  | { kind: "dep"; spec: string }
  | { kind: "keep" };

/** Options of the {@linkcode ImportResolver}. */
export interface ImportResolverOptions {
  root: string;
  fsAllow: string[];
  graph: ModuleGraph;
  importMap: ImportMap;
  alias: Record<string, string>;
  /** Where bare imports go: each one resolved is added to the bundle. */
  deps: { add(spec: string): void };
  packages?: PackageFiles;
  /** Deno's sloppy imports: extensionless and directory imports probed. */
  sloppyImports?: boolean;
  /** The public folder: `import logo from "/vite.svg"` may name its files. */
  publicDir?: string | null;
}

/**
 * Resolves the imports of modules as they are built.
 *
 * @example
 * ```ts
 * import type { ImportResolver } from "./import_resolution.ts";
 * async function example(
 *   resolver: ImportResolver,
 *   source: string,
 * ) {
 *   const target = await resolver.resolve("./b.ts", "/app/a.ts", "/app/a.ts", source);
 * }
 * ```
 */
export class ImportResolver {
  readonly options: ImportResolverOptions;
  #container: PluginContainer;
  /** Missing file → URLs of modules that failed to import it. */
  #missing = new Map<string, Set<string>>();

  constructor(options: ImportResolverOptions, container: PluginContainer) {
    this.options = options;
    this.#container = container;
  }

  #urlForId(id: string): string {
    return urlForId(id, this.options);
  }

  /**
   * `this.resolve()` of plugins: the whole resolution, skipping the
   * resolvers in `skipped`. Null when it fails.
   */
  async resolveForPlugin(
    source: string,
    importer: string | undefined,
    skipped: ReadonlySet<Plugin>,
  ): Promise<ResolvedId | null> {
    const from = importer ?? `${this.options.root}/index.html`;
    const target = await this.resolve(source, from, from, "", skipped)
      .catch(() => null);
    if (!target) return null;
    if (target.kind === "module") {
      const { id } = idForUrl(target.node.url, this.options);
      return { id, external: false };
    }
    return target.kind === "dep" ? { id: target.spec, external: true } : null;
  }

  /** Records that the module at `url` failed for want of `file`. */
  awaitFile(file: string, url: string): void {
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

  /**
   * What `specifier`, imported by the module `importerId` (read from
   * `importerFile`, whose `source` locates errors), points at: the first
   * plugin `resolveId` not in `skipped`, else the import map, aliases,
   * packages, files (with sloppy imports and public/ files). A missing file
   * is recorded (see {@linkcode ImportResolver.takeWaitingFor}).
   */
  async resolve(
    specifier: string,
    importerId: string,
    importerFile: string | null,
    source: string,
    skipped: ReadonlySet<Plugin> = new Set(),
  ): Promise<ImportTarget> {
    const resolved = await this.#container.resolveId(
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
      const url = this.#urlForId(marked);
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
      ? pathBelow(this.options.root, importerFile) ??
        relative(this.options.root, importerFile)
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
          const url = this.#urlForId(sheet + "?import");
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
      case "file":
        return await this.#resolveFile(
          specifier,
          resolution.file,
          resolution.query,
          { importerId, importerFile, source, shown },
        );
    }
  }

  /**
   * The module a file import points at: the file, or (when it does not
   * exist) the file Deno's sloppy imports would take, or a file of
   * `public/`. A missing file is recorded, so creating it retries the
   * importer.
   */
  async #resolveFile(
    specifier: string,
    file: string,
    query: string,
    site: {
      importerId: string;
      importerFile: string | null;
      source: string;
      shown: string;
    },
  ): Promise<ImportTarget> {
    const { importerId, importerFile, source, shown } = site;
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
      // Sync, as Vite's resolver does: an async stat's own overhead was
      // most of its cost (10,000 imports: 155 ms of the main thread).
      isFile = Deno.statSync(file).isFile;
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
          node: this.options.graph.ensure(
            this.#urlForId(inPublic.id),
            null,
          ),
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
        const awaited = this.options.sloppyImports ? [file, ...tried] : [file];
        const importerUrl = this.#urlForId(importerId);
        for (const path of awaited) this.awaitFile(path, importerUrl);
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
    const url = this.#urlForId(target + marked);
    return {
      kind: "module",
      node: this.options.graph.ensure(url, target),
    };
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
}
