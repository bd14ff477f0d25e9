/**
 * The HMR engine: turns a batch of file changes (or a page's
 * `import.meta.hot.invalidate()`) into payloads. The path of one edit:
 *
 * changed files → modules built from them (smart change detection skips
 * saves that did not change the content) → `handleHotUpdate` plugins →
 * rebuild (errors go to the overlay, the page keeps running) →
 * {@linkcode propagateUpdate} → new timestamps for the refreshed chain →
 * `update` (or `full-reload` with the reason) → `prune` for orphans.
 *
 * @module
 */

import { relative } from "node:path";
import type { InlineModule, Update } from "../client/payload.ts";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import { type ModulePipeline, withParam } from "./module_pipeline.ts";
import type { HotChannel } from "./hot_channel.ts";
import { propagateUpdate } from "./propagation.ts";
import { contentHash } from "./hash.ts";
import { BananaError, formatErrorForLog, toErrorBody } from "./errors.ts";
import type { FileChangeKind } from "./watcher.ts";
import type { HmrContext, Plugin } from "./plugin.ts";
import type { DevServer } from "./server.ts";

/**
 * Most code (in UTF-16 units) an update carries inline; modules past it
 * are fetched by the page. Large enough for any hand-written chain.
 */
const INLINE_LIMIT_CHARS = 4_000_000;

/** What the engine needs from the server. */
export interface HmrEngineOptions {
  root: string;
  graph: ModuleGraph;
  pipeline: ModulePipeline;
  channel: HotChannel;
  plugins: Plugin[];
  /** `false` with `--no-hmr`: every change reloads the page. */
  hmr: boolean;
  /** Files whose edit restarts the server (config, import maps). */
  restartFiles: () => string[];
  /**
   * Resolves when dependency bundling has settled: an edit that imports a
   * new package re-bundles, and that reload must go out with this one.
   */
  depsIdle: () => Promise<void>;
  restart: (reason: string) => Promise<void>;
  server: () => DevServer;
  log: (message: string) => void;
  /** Prints the error of module `id` (default: a `log` line). */
  logError?: (id: string, message: string) => void;
}

/** Data of the `vite:invalidate` event a page sends. */
export interface InvalidateData {
  path: string;
  message?: string;
  firstInvalidatedBy?: string;
}

/**
 * Handles file changes and invalidations.
 *
 * @example
 * ```ts
 * await engine.onFileChanges(new Map([["/app/src/a.ts", "update"]]));
 * ```
 */
export class HmrEngine {
  #o: HmrEngineOptions;
  /** Serialises batches so updates reach pages in the order of the edits. */
  #queue: Promise<void> = Promise.resolve();
  #lastTimestamp = 0;

  constructor(options: HmrEngineOptions) {
    this.#o = options;
  }

  #timestamp(): number {
    // Strictly increasing, so two edits in one millisecond get two versions.
    this.#lastTimestamp = Math.max(Date.now(), this.#lastTimestamp + 1);
    return this.#lastTimestamp;
  }

  #rel(file: string): string {
    return relative(this.#o.root, file);
  }

  /** Queues a batch from the watcher. */
  onFileChanges(changes: Map<string, FileChangeKind>): Promise<void> {
    const run = this.#queue.then(() => this.#handleChanges(changes));
    this.#queue = run.catch((err) => {
      this.#o.log(`hmr failed: ${err instanceof Error ? err.stack : err}`);
    });
    return this.#queue;
  }

  /** Queues an invalidation from a page. */
  onInvalidate(data: InvalidateData): Promise<void> {
    const run = this.#queue.then(() => this.#handleInvalidate(data));
    this.#queue = run.catch((err) => {
      this.#o.log(`hmr invalidate failed: ${err}`);
    });
    return this.#queue;
  }

  async #handleChanges(changes: Map<string, FileChangeKind>): Promise<void> {
    const { graph, pipeline, channel } = this.#o;
    const restartFiles = new Set(this.#o.restartFiles());
    for (const file of changes.keys()) {
      if (restartFiles.has(file)) {
        await this.#o.restart(`${this.#rel(file)} changed`);
        return;
      }
    }
    if (!this.#o.hmr) {
      const files = [...changes.keys()].map((f) => this.#rel(f));
      this.#o.log(`page reload (live reload): ${files.join(", ")} changed`);
      for (const file of changes.keys()) {
        for (const node of graph.byFile(file)) pipeline.invalidate(node.url);
      }
      channel.send({ type: "full-reload", path: "*", reason: "live reload" });
      return;
    }

    const timestamp = this.#timestamp();
    const changed = new Set<ModuleNode>();
    const htmlPages: string[] = [];
    for (const [file, kind] of changes) {
      if (file.endsWith(".html")) {
        htmlPages.push("/" + this.#rel(file));
        continue;
      }
      // Modules that failed because this file was missing can now build.
      const waiting = kind === "update"
        ? pipeline.missing.get(file)
        : undefined;
      if (waiting) {
        pipeline.missing.delete(file);
        for (const url of waiting) {
          const node = graph.get(url);
          if (node) {
            pipeline.invalidate(url);
            changed.add(node);
          }
        }
      }
      let modules = graph.byFile(file);
      if (modules.length === 0 && kind === "update") {
        // A module that watched a glob this new file matches (Tailwind's
        // sources) builds again.
        for (const node of pipeline.globWatchersOf(file)) {
          pipeline.invalidate(node.url);
          changed.add(node);
        }
      }
      if (modules.length === 0) {
        // No module is built from it, but a plugin may care (a PostCSS
        // config that was just created), as in Vite.
        if (kind === "update" && !waiting) {
          modules = await this.#runHandleHotUpdate(
            file,
            timestamp,
            [],
            () => Deno.readTextFile(file),
          );
          for (const node of modules) {
            pipeline.invalidate(node.url);
            changed.add(node);
          }
        }
        continue;
      }
      if (kind === "update") {
        const source = await Deno.readFile(file).catch(() => null);
        if (source === null) continue;
        const hash = contentHash(source);
        const text = new TextDecoder().decode(source);
        const unchanged = modules.every((node) =>
          node.sourceHash === hash && pipeline.getBuilt(node.url) !== undefined
        );
        if (unchanged && !waiting) continue;
        modules = await this.#runHandleHotUpdate(
          file,
          timestamp,
          modules,
          () => Promise.resolve(text),
        );
      } else {
        // A deleted file: its importers must rebuild (and will report the
        // missing import); the module itself is gone.
        for (const node of modules) {
          for (const importer of node.importers) {
            pipeline.invalidate(importer.url);
            if (importer.loadedByClient) changed.add(importer);
          }
        }
        for (const node of modules) pipeline.invalidate(node.url);
        modules = [];
      }
      for (const node of modules) {
        pipeline.invalidate(node.url);
        changed.add(node);
      }
    }

    if (htmlPages.length > 0) {
      this.#o.log(`page reload ${htmlPages.join(", ")}`);
      for (const path of htmlPages) {
        channel.send({ type: "full-reload", path, reason: `${path} changed` });
      }
    }
    if (changed.size > 0) await this.#updateModules([...changed], timestamp);
  }

  async #runHandleHotUpdate(
    file: string,
    timestamp: number,
    modules: ModuleNode[],
    read: () => Promise<string>,
  ): Promise<ModuleNode[]> {
    let current = modules;
    for (const plugin of this.#o.plugins) {
      if (!plugin.handleHotUpdate) continue;
      const ctx: HmrContext = {
        file,
        timestamp,
        modules: current,
        read,
        server: this.#o.server(),
      };
      const result = await plugin.handleHotUpdate(ctx);
      if (result) current = result;
    }
    return current;
  }

  /** Rebuilds `changed`, propagates, and sends the payloads. */
  async #updateModules(
    changed: ModuleNode[],
    timestamp: number,
    firstInvalidatedBy?: string,
  ): Promise<void> {
    const { pipeline, channel } = this.#o;
    const built: ModuleNode[] = [];
    const orphans = new Set<ModuleNode>();
    await Promise.all(changed.map(async (node) => {
      try {
        const result = await pipeline.build(node.url);
        for (const orphan of result.orphaned) orphans.add(orphan);
        channel.clearError(node.url);
        built.push(node);
      } catch (err) {
        const body = toErrorBody(err, node.file ?? node.url);
        const message = formatErrorForLog(body);
        if (this.#o.logError) this.#o.logError(node.url, message);
        else this.#o.log(`error ${message}`);
        channel.send({ type: "error", err: { ...body, id: node.url } });
      }
    }));
    if (built.length === 0) return;
    await this.#o.depsIdle();

    // A module a page failed to load has no running instance to update:
    // now that it builds, the page must load it again.
    const failed = built.find((node) => node.failedInPage);
    if (failed) {
      this.#markRefreshed(built, timestamp);
      const reason =
        `${failed.url} failed to load in the page and builds again`;
      this.#o.log(`page reload: ${reason}`);
      channel.send({ type: "full-reload", path: "*", reason });
      return;
    }
    const result = propagateUpdate(built);
    if (result.kind === "none") return;
    if (result.kind === "full-reload") {
      this.#markRefreshed(built, timestamp);
      this.#o.log(`page reload: ${result.reason}`);
      channel.send({
        type: "full-reload",
        path: "*",
        reason: result.reason,
        triggeredBy: built[0].url,
      });
      return;
    }
    if (
      firstInvalidatedBy &&
      result.boundaries.some((b) => b.acceptedVia.url === firstInvalidatedBy)
    ) {
      const reason =
        `${firstInvalidatedBy} invalidated itself and the update came back to it through an import cycle`;
      this.#o.log(`page reload: ${reason}`);
      channel.send({ type: "full-reload", path: "*", reason });
      return;
    }
    this.#markRefreshed(result.refreshed, timestamp);
    const updates: Update[] = result.boundaries.map((b) => ({
      type: b.boundary.type === "css" && b.acceptedVia === b.boundary
        ? "css-update"
        : "js-update",
      path: b.boundary.url,
      acceptedPath: b.acceptedVia.url,
      timestamp,
      isWithinCircularImport: b.isWithinCircularImport,
      ...(firstInvalidatedBy ? { firstInvalidatedBy } : {}),
    }));
    // Every module of the changed chains gets a fresh instance: tell the
    // page to fetch them all at once (they are built already).
    const fresh = [...result.refreshed].filter((node) =>
      node.loadedByClient && node.type === "js"
    );
    this.#o.log(
      `hmr update ${[...new Set(updates.map((u) => u.path))].join(", ")}`,
    );
    const modules = await this.#inlineModules(fresh);
    channel.send({
      type: "update",
      updates,
      preload: fresh.map((node) => withParam(node.url, `t=${timestamp}`)),
      importEarly: formsSimpleChains(fresh),
      ...(modules.length > 0 ? { modules } : {}),
    });

    // A `<link>`ed stylesheet (a `css` node) is not an import: a sheet that
    // stops `@import`ing it does not remove it from the page.
    const pruned = [...orphans].filter((node) =>
      node.importers.size === 0 && node.loadedByClient && node.type !== "css"
    );
    if (pruned.length > 0) {
      // The page disposes its instance of a pruned module; should an import
      // of it come back, a new timestamp makes the page run a fresh one.
      const prunedAt = this.#timestamp();
      for (const node of pruned) {
        node.loadedByClient = false;
        node.lastHMRTimestamp = prunedAt;
      }
      channel.send({ type: "prune", paths: pruned.map((node) => node.url) });
    }
  }

  /**
   * The code of the fresh modules, sent with the update so the page need
   * not fetch them (see `client/inline_modules.ts`). A module that cannot
   * run from a `data:` URL, fails to render, or would make the message too
   * large is left out: the page fetches it.
   */
  async #inlineModules(fresh: ModuleNode[]): Promise<InlineModule[]> {
    const rendered = await Promise.all(
      fresh.map((node) =>
        this.#o.pipeline.renderInline(node.url).catch(() => null)
      ),
    );
    const modules: InlineModule[] = [];
    let size = 0;
    for (const module of rendered) {
      if (!module || size + module.code.length > INLINE_LIMIT_CHARS) continue;
      size += module.code.length;
      modules.push(module);
    }
    return modules;
  }

  #markRefreshed(nodes: Iterable<ModuleNode>, timestamp: number): void {
    for (const node of nodes) {
      node.lastHMRTimestamp = timestamp;
      node.lastHMRInvalidationReceived = false;
    }
  }

  async #handleInvalidate(data: InvalidateData): Promise<void> {
    const node = this.#o.graph.get(data.path);
    if (!node || node.lastHMRInvalidationReceived) return;
    node.lastHMRInvalidationReceived = true;
    this.#o.log(
      `hmr invalidate ${data.path}${data.message ? ` (${data.message})` : ""}`,
    );
    const importers = [...node.importers].filter((i) => i.loadedByClient);
    if (importers.length === 0) {
      const reason =
        `${data.path} invalidated its update and no module imports it`;
      this.#o.log(`page reload: ${reason}`);
      this.#o.channel.send({ type: "full-reload", path: "*", reason });
      return;
    }
    // The same timestamp: importers re-import the instance the page has.
    const timestamp = node.lastHMRTimestamp || this.#timestamp();
    await this.#updateModules(
      importers,
      timestamp,
      data.firstInvalidatedBy ?? data.path,
    );
  }
}

/**
 * True when every module of `nodes` imports at most one other module of
 * `nodes` and they hold no cycle: then evaluating any of them early cannot
 * change the order in which the page runs them.
 */
export function formsSimpleChains(nodes: ModuleNode[]): boolean {
  const set = new Set(nodes);
  for (const node of nodes) {
    let fresh = 0;
    for (const dep of node.importedModules) if (set.has(dep)) fresh++;
    if (fresh > 1) return false;
  }
  // With at most one fresh import each, a cycle is a walk that comes back.
  for (const start of nodes) {
    let node: ModuleNode | undefined = start;
    for (let steps = 0; node && steps <= nodes.length; steps++) {
      node = [...node.importedModules].find((dep) => set.has(dep));
      if (node === start) return false;
    }
  }
  return true;
}

/** Turns a thrown value into a one-line log message. */
export function describeError(err: unknown): string {
  if (err instanceof BananaError) return formatErrorForLog(err.body);
  return err instanceof Error ? err.message : String(err);
}
