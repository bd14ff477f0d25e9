/**
 * The server environment: app modules that run in Deno, in this process,
 * hot-reloaded without a restart.
 *
 * Modules are compiled by our pipeline (its own {@linkcode ModuleGraph},
 * TypeScript/JSX by Oxc with the app's JSX settings) and written as plain
 * JavaScript under `<cacheDir>/ssr/`, one file per module version, with
 * every import already resolved: app files point at the current version's
 * file, bare names at what the app's import map gives them (`npm:`, `jsr:`,
 * `https:`, which Deno resolves itself), `node:` stays. So the code runs in
 * the app's context whatever config this process was started with.
 *
 * Versions follow the browser side's `?t=` rule: an edit gives the edited
 * modules and every module that imports them (transitively) a new version,
 * hence a new file URL and a fresh instance on the next import; a module
 * that did not change keeps its URL, so Deno keeps its instance and its
 * state (a module-level counter, a database connection).
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ModuleGraph, type ModuleNode } from "./module_graph.ts";
import type { BuiltModule } from "./module_builder.ts";
import { ModulePipeline } from "./module_pipeline.ts";
import { importEdits, spliceEdits, type TextEdit } from "./import_analysis.ts";
import type { AppDenoConfig } from "./import_map.ts";
import type { DepBundler } from "./deps.ts";
import type { Plugin } from "./types.ts";
import { fileToUrl, resolveSpecifier } from "./resolver.ts";
import { oxcPlugin } from "./plugins/oxc.ts";
import { jsonPlugin } from "./plugins/json.ts";
import type { FileChangeKind } from "./watcher.ts";
import { isInside } from "./path_safety.ts";
import { contentHash } from "./hash.ts";
import type { CompileCache } from "./compile_cache.ts";

/** Options of the {@linkcode SsrEnvironment}. */
export interface SsrEnvironmentOptions {
  root: string;
  /** Where the compiled copies go (`<cacheDir>/ssr`). */
  cacheDir: string;
  fsAllow: string[];
  app: AppDenoConfig;
  alias: Record<string, string>;
  define: Record<string, string>;
  mode: string;
  /** Compiled outputs kept across restarts (`<cacheDir>/compile`). */
  compileCache?: CompileCache;
}

/** What an edit did to the server environment. */
export interface SsrChange {
  /** Modules built from the edited files (they are rebuilt on next use). */
  changed: ModuleNode[];
  /** Every module that gets a fresh instance: `changed` and their importers. */
  refreshed: Set<ModuleNode>;
}

let envCount = 0;

/**
 * Compiles TypeScript/JSX for Deno: the browser side's Oxc plugin, with
 * source maps naming the real file (Deno's stack traces then point at it).
 */
function ssrCompilePlugin(options: SsrEnvironmentOptions): Plugin {
  return {
    ...oxcPlugin({
      root: options.root,
      compilerOptions: options.app.compilerOptions,
      define: options.define,
      sourceName: (file) => file,
      cache: options.compileCache,
    }),
    name: "banana:ssr-compile",
  };
}

/**
 * `node:` built-ins stay as they are (Deno has them); stylesheets imported
 * by server code are for the browser, and are empty modules here (as in
 * Vite's SSR).
 */
const serverOnlyPlugin: Plugin = {
  name: "banana:ssr-node",
  resolveId(source) {
    return source.startsWith("node:") ? { id: source, external: true } : null;
  },
  load(id) {
    return /\.(css|scss|sass|less)(\?|$)/.test(id)
      ? "export default {};\n"
      : null;
  },
};

/**
 * The server environment of one app.
 *
 * @example
 * ```ts
 * import { SsrEnvironment } from "./ssr_environment.ts";
 * import type { AppDenoConfig } from "./import_map.ts";
 * async function example(
 *   root: string,
 *   cacheDir: string,
 *   app: AppDenoConfig,
 * ) {
 *   const ssr = new SsrEnvironment({ root, cacheDir, fsAllow: [], app, alias: {}, define: {}, mode: "development" });
 *   const route = await ssr.import("/routes/index.tsx");
 * }
 * ```
 */
export class SsrEnvironment {
  readonly options: SsrEnvironmentOptions;
  /** The server side's own graph (the browser's is separate). */
  readonly graph: ModuleGraph = new ModuleGraph();
  readonly pipeline: ModulePipeline;
  /** Module URL → file URL of its current version's compiled copy. */
  #written = new Map<string, string>();
  /** Module URL → its whole import closure written (cleared by any edit). */
  #ready = new Map<string, Promise<string>>();
  #lastStamp = 0;
  /** Counts edits (a walk that saw one walks again). */
  #generation = 0;
  #dir: string;
  #cleaned: Promise<void> | null = null;
  #preloaded: Promise<void> | null = null;

  constructor(options: SsrEnvironmentOptions) {
    this.options = options;
    // One folder per environment: a restarted server starts its versions
    // at 0 again, and Deno would hand back the old instances of old URLs.
    this.#dir = join(
      options.cacheDir,
      `${Date.now().toString(36)}-${(envCount++).toString(36)}`,
    );
    const deps = { add() {}, generation: null } as unknown as DepBundler;
    this.pipeline = new ModulePipeline({
      root: options.root,
      fsAllow: options.fsAllow,
      graph: this.graph,
      plugins: [
        serverOnlyPlugin,
        ssrCompilePlugin(options),
        jsonPlugin({ root: options.root }),
      ],
      importMap: options.app.importMap,
      alias: options.alias,
      deps,
      hmr: false,
      mode: options.mode,
    });
  }

  /**
   * What a bare specifier of the app resolves to in Deno (`preact` →
   * `npm:preact@10.29.8`), or null when the import map has no entry.
   */
  resolveBare(specifier: string): string | null {
    const resolution = resolveSpecifier(
      specifier,
      join(this.options.root, "deno.json"),
      {
        root: this.options.root,
        importMap: this.options.app.importMap,
        alias: this.options.alias,
      },
    );
    if (resolution.kind === "dep") return resolution.spec;
    if (resolution.kind === "file") return pathToFileURL(resolution.file).href;
    return null;
  }

  /** The URL of a file of the app (`/routes/index.tsx`). */
  urlOf(file: string): string {
    return fileToUrl(this.options.root, file);
  }

  /**
   * Loads `url` (a root-relative URL such as `/routes/index.tsx`, or an
   * absolute path inside the root) in Deno and returns its namespace. The
   * same version gives the same instance.
   */
  async import(url: string): Promise<Record<string, unknown>> {
    const fileUrl = await this.fileUrlFor(url);
    await this.#preloadFrameworks();
    return await import(fileUrl);
  }

  /**
   * Loads the app's `preact` / `react` before any of its modules: Deno
   * resolves an npm package's peer dependency to the newest matching
   * version unless one is loaded already, so `@preact/signals` imported
   * first would get a `preact` of its own (and hooks would break).
   */
  #preloadFrameworks(): Promise<unknown> {
    this.#preloaded ??= (async () => {
      const specs = ["preact", "react"].flatMap((name) => {
        const spec = this.resolveBare(name);
        return spec ? [spec] : [];
      });
      if (specs.length === 0) return;
      await this.importGenerated(
        "preload.js",
        specs.map((spec) => `import ${JSON.stringify(spec)};\n`).join(""),
      ).catch(() => {});
    })();
    return this.#preloaded;
  }

  /**
   * The file URL of `url`'s current version, after writing it and every
   * module it imports (compile errors are thrown, located).
   */
  fileUrlFor(url: string): Promise<string> {
    if (url.startsWith("/") && isInside(this.options.root, url)) {
      url = this.urlOf(url);
    }
    let ready = this.#ready.get(url);
    if (!ready) {
      ready = this.#writeClosure(url);
      this.#ready.set(url, ready);
      ready.catch(() => this.#ready.delete(url));
    }
    return ready;
  }

  /** Removes the copies of earlier runs (once, before the first write). */
  #clean(): Promise<void> {
    this.#cleaned ??= (async () => {
      try {
        for await (const entry of Deno.readDir(this.options.cacheDir)) {
          const path = join(this.options.cacheDir, entry.name);
          if (path !== this.#dir) {
            await Deno.remove(path, { recursive: true }).catch(() => {});
          }
        }
      } catch { /* no folder yet */ }
    })();
    return this.#cleaned;
  }

  /**
   * Imports generated code (`name` is its file name) that runs in the
   * server environment, such as glue importing the app's packages.
   */
  async importGenerated(
    name: string,
    code: string,
  ): Promise<Record<string, unknown>> {
    await this.#clean();
    const file = join(this.#dir, "_generated", name);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, code);
    return await import(pathToFileURL(file).href);
  }

  async #writeClosure(url: string): Promise<string> {
    await this.#clean();
    // An edit while the walk runs gives some modules new versions (new file
    // names the walk may have missed): walk again until none came.
    for (;;) {
      const generation = this.#generation;
      const seen = new Set<string>();
      const visit = async (moduleUrl: string): Promise<void> => {
        if (seen.has(moduleUrl)) return;
        seen.add(moduleUrl);
        const built = await this.pipeline.build(moduleUrl);
        await Promise.all(
          built.targets.map((target) =>
            target.kind === "module" ? visit(target.node.url) : undefined
          ),
        );
        if (this.#written.get(moduleUrl) !== this.#fileUrlOf(built.node)) {
          await this.#write(built);
        }
      };
      await visit(url);
      if (generation === this.#generation) {
        return this.#fileUrlOf(this.graph.get(url)!);
      }
    }
  }

  /** Where the current version of `node` is written. */
  #fileUrlOf(node: ModuleNode): string {
    const path = node.url.split("?")[0];
    const rel = decodeURIComponent(path).replace(/^\/+/, "");
    const query = node.url.includes("?")
      ? "." + encodeURIComponent(node.url.slice(node.url.indexOf("?") + 1))
      : "";
    const file = join(
      this.#dir,
      `${rel}${query}.${node.lastHMRTimestamp}.js`,
    );
    return pathToFileURL(file).href;
  }

  async #write(built: BuiltModule): Promise<void> {
    const rewrites = built.targets.map((target) => {
      if (target.kind === "module") return this.#fileUrlOf(target.node);
      if (target.kind === "dep") return target.spec;
      return null;
    });
    const edits: TextEdit[] = importEdits(built.analysis.imports, rewrites);
    // import.meta.url keeps naming the real file (for `new URL("./x",
    // import.meta.url)` next to the source).
    const realUrl = built.node.file
      ? pathToFileURL(built.node.file).href
      : null;
    if (realUrl) {
      for (const range of built.analysis.metaUrls) {
        edits.push({ ...range, text: JSON.stringify(realUrl) });
      }
    }
    if (built.analysis.usesEnv) {
      edits.push({
        start: 0,
        end: 0,
        text: `import.meta.env = ${
          JSON.stringify({
            MODE: this.options.mode,
            DEV: true,
            PROD: false,
            SSR: true,
            BASE_URL: "/",
          })
        };`,
      });
    }
    const code = spliceEdits(built.code, edits).code;
    const fileUrl = this.#fileUrlOf(built.node);
    const path = new URL(fileUrl).pathname;
    const file = decodeURIComponent(path);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, code);
    this.#written.set(built.node.url, fileUrl);
  }

  /**
   * Applies a batch of file changes: the modules built from them and all
   * their importers get a new version (a fresh instance on next import).
   * Returns null when no server module comes from those files.
   */
  async onFileChanges(
    changes: Map<string, FileChangeKind>,
  ): Promise<SsrChange | null> {
    const changed: ModuleNode[] = [];
    for (const [file, kind] of changes) {
      const nodes = this.graph.byFile(file);
      if (nodes.length > 0 && kind === "update") {
        // A save that did not change the content changes nothing.
        const source = await Deno.readFile(file).catch(() => null);
        const hash = source ? contentHash(source) : null;
        const same = nodes.every((node) =>
          node.sourceHash === hash &&
          this.pipeline.getBuilt(node.url) !== undefined
        );
        if (!same) changed.push(...nodes);
      } else {
        changed.push(...nodes);
      }
      // Modules that failed because this file was missing can build now.
      for (const url of this.pipeline.takeWaitingFor(file)) {
        const node = this.graph.get(url);
        if (node) changed.push(node);
      }
    }
    if (changed.length === 0) return null;
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
    const refreshed = new Set<ModuleNode>();
    const queue = [...changed];
    while (queue.length > 0) {
      const node = queue.pop()!;
      if (refreshed.has(node)) continue;
      refreshed.add(node);
      queue.push(...node.importers);
    }
    this.#generation++;
    for (const node of changed) this.pipeline.invalidate(node.url);
    this.graph.recordHotUpdate(refreshed, this.#lastStamp);
    for (const node of refreshed) this.#written.delete(node.url);
    this.#ready.clear();
    return { changed, refreshed };
  }

  /** The module's file relative to the root, for messages. */
  shown(node: ModuleNode): string {
    return node.file ? relative(this.options.root, node.file) : node.url;
  }
}
