/**
 * The HMR engine: turns a batch of file changes (or a page's
 * `import.meta.hot.invalidate()`) into payloads. The path of one edit:
 *
 * changed files → modules built from them (smart change detection skips
 * saves that did not change the content) → `handleHotUpdate` plugins →
 * rebuild (errors go to the overlay, the page keeps running) → modules that
 * lost their last importer are pruned from the graph → per connected page,
 * {@linkcode decideForPage} over the modules that page runs (see
 * `server/pages.ts`) → new timestamps for the refreshed chains → each page
 * gets its `update`, its `full-reload` with the reason, or nothing → `prune`
 * to the pages that ran the orphans.
 *
 * @module
 */

import { relative } from "node:path";
import type {
  InlineModule,
  RegistryModule,
  Update,
} from "../client/payload.ts";
import type { ModuleGraph, ModuleNode } from "./module_graph.ts";
import type { ModulePipeline } from "./module_pipeline.ts";
import { withParam } from "./module_urls.ts";
import type { HotChannel, HotClient } from "./hot_channel.ts";
import {
  type Boundary,
  decideForPage,
  htmlEditReloads,
  invalidatedWithoutImporter,
  ranStaleVersion,
} from "./propagation.ts";
import {
  htmlFilePagePath,
  type Page,
  type PageRegistry,
  pagesSuffix,
} from "./pages.ts";
import { contentHash } from "./hash.ts";
import { BananaError, formatErrorForLog, toErrorBody } from "./errors.ts";
import type { FileChangeKind } from "./watcher.ts";
import type { DevServer } from "./types.ts";

/**
 * Most code (in UTF-16 units) an update carries inline; modules past it
 * are fetched by the page. Large enough for any hand-written chain.
 */
const INLINE_LIMIT_CHARS = 4_000_000;

/** How long a batch's edits are checked against late page reports, in ms. */
const RECENT_EDIT_MS = 5000;

/** A module a recent batch rebuilt. */
interface RecentEdit {
  timestamp: number;
  /** `performance.now()` of the batch. */
  at: number;
  /** The pages that ran it when the batch was decided (they got it). */
  decidedFor: Set<Page<HotClient>>;
}

/** What the engine needs from the server. */
export interface HmrEngineOptions {
  root: string;
  graph: ModuleGraph;
  pipeline: ModulePipeline;
  channel: HotChannel;
  /** The connected pages and what each runs: who gets which payload. */
  pages: PageRegistry<HotClient>;
  /**
   * Resolves once the modules pages reported are built (after a restart
   * the graph learns them from the reports): a batch waits for it.
   */
  pagesSettled?: () => Promise<void>;
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
  /**
   * Bundle mode: the factories a page with a module registry gets for an
   * update of `changed` (URLs): theirs, and those of modules their code
   * imports statically that `runs` says the page does not run.
   */
  hotFactories?: (
    changed: string[],
    runs: (url: string) => boolean,
  ) => Promise<RegistryModule[]>;
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
 * import type { HmrEngine } from "./hmr.ts";
 * async function example(
 *   engine: HmrEngine,
 * ) {
 *   await engine.onFileChanges(new Map([["/app/src/a.ts", "update"]]));
 * }
 * ```
 */
export class HmrEngine {
  #o: HmrEngineOptions;
  /** Serialises batches so updates reach pages in the order of the edits. */
  #queue: Promise<void> = Promise.resolve();
  #lastTimestamp = 0;
  #recent = new Map<ModuleNode, RecentEdit>();
  /** Module URL → `performance.now()` of the batch that pruned it. */
  #recentPrunes = new Map<string, number>();

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

  /**
   * Queues a check of modules `page` just reported running for the first
   * time (`urls`): a report that arrived after a batch was decided names
   * the version from before the edit, and that page gets the edit now.
   */
  onPageReport(page: Page<HotClient>, urls: string[]): Promise<void> {
    if (urls.length === 0) return this.#queue;
    if (this.#recent.size === 0 && this.#recentPrunes.size === 0) {
      return this.#queue;
    }
    const run = this.#queue.then(async () => {
      this.#forgetOldBatches();
      this.#catchUpPrunes(page, urls);
      await this.#catchUp(page, urls);
    });
    this.#queue = run.catch((err) => {
      this.#o.log(`hmr catch-up failed: ${err}`);
    });
    return this.#queue;
  }

  /**
   * True when a recent batch pruned `url` (the newest code imports it from
   * nowhere) and nothing imports it again since: a page that reports it
   * now ran it before the prune, and gets the prune instead of a build.
   */
  prunedRecently(url: string): boolean {
    const at = this.#recentPrunes.get(url);
    if (at === undefined) return false;
    if (performance.now() - at > RECENT_EDIT_MS) {
      this.#recentPrunes.delete(url);
      return false;
    }
    const node = this.#o.graph.get(url);
    return !node || node.importers.size === 0;
  }

  /**
   * Drops the edits and prunes older than {@linkcode RECENT_EDIT_MS}: once
   * both are empty, a page's report queues no catch-up.
   */
  #forgetOldBatches(): void {
    const now = performance.now();
    for (const [node, edit] of this.#recent) {
      if (now - edit.at > RECENT_EDIT_MS) this.#recent.delete(node);
    }
    for (const [url, at] of this.#recentPrunes) {
      if (now - at > RECENT_EDIT_MS) this.#recentPrunes.delete(url);
    }
  }

  /**
   * Sends `page` the prune of modules it just reported that a batch pruned
   * before the report came: it was not known to run them then, and would
   * keep them (an edit of a module they import would walk up to them and
   * reload the page).
   */
  #catchUpPrunes(page: Page<HotClient>, urls: string[]): void {
    const { channel, pages } = this.#o;
    if (pages.get(page.connection) !== page) return;
    const paths = urls.filter((url) => this.prunedRecently(url));
    if (paths.length === 0) return;
    this.#o.log(
      `hmr catch-up: a page reported ${
        paths.join(", ")
      }, pruned before its report came${pagesSuffix([page], pages.size)}`,
    );
    pages.forget(page, paths);
    channel.sendTo([page.connection], { type: "prune", paths });
  }

  async #catchUp(page: Page<HotClient>, urls: string[]): Promise<void> {
    const { graph, pipeline, pages } = this.#o;
    if (pages.get(page.connection) !== page) return;
    const stale: ModuleNode[] = [];
    let timestamp = 0;
    for (const url of urls) {
      const node = graph.get(url);
      const edit = node && this.#recent.get(node);
      if (!node || !edit || edit.decidedFor.has(page)) continue;
      const version = page.modules.get(url) ?? "";
      const change = {
        timestamp: edit.timestamp,
        currentVersion: pipeline.currentVersion(url),
      };
      if (!ranStaleVersion(version, change)) continue;
      stale.push(node);
      timestamp = Math.max(timestamp, edit.timestamp);
    }
    if (stale.length === 0) return;
    this.#o.log(
      `hmr catch-up: a page reported ${
        stale.map((n) => n.url).join(", ")
      } from before its last edit${pagesSuffix([page], pages.size)}`,
    );
    await this.#updateModules(stale, timestamp, { only: [page] });
  }

  /** Queues an invalidation from the page on `client`. */
  onInvalidate(data: InvalidateData, client: HotClient): Promise<void> {
    const run = this.#queue.then(() => this.#handleInvalidate(data, client));
    this.#queue = run.catch((err) => {
      this.#o.log(`hmr invalidate failed: ${err}`);
    });
    return this.#queue;
  }

  async #handleChanges(changes: Map<string, FileChangeKind>): Promise<void> {
    const { graph, pipeline, channel, pages } = this.#o;
    await this.#o.pagesSettled?.();
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
        htmlPages.push(htmlFilePagePath(this.#o.root, file));
        continue;
      }
      // Modules that failed because this file was missing can now build.
      const waiting = kind === "update" ? pipeline.takeWaitingFor(file) : [];
      for (const url of waiting) {
        const node = graph.get(url);
        if (node) {
          pipeline.invalidate(url);
          changed.add(node);
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
        if (kind === "update" && waiting.length === 0) {
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
        if (unchanged && waiting.length === 0) continue;
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
            if (pages.isRunning(importer.url)) changed.add(importer);
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

    if (htmlPages.length > 0) this.#reloadHtmlPages(htmlPages);
    if (changed.size > 0) await this.#updateModules([...changed], timestamp);
  }

  async #runHandleHotUpdate(
    file: string,
    timestamp: number,
    modules: ModuleNode[],
    read: () => Promise<string>,
  ): Promise<ModuleNode[]> {
    return await this.#o.pipeline.container.handleHotUpdate({
      file,
      timestamp,
      modules,
      read,
      server: this.#o.server(),
    });
  }

  /**
   * Reloads the pages showing the HTML files at `paths` (page paths in the
   * one normalised form). With no page connected, the reload waits for the
   * next page (a tab reconnecting after a restart).
   */
  #reloadHtmlPages(paths: string[]): void {
    const { channel, pages } = this.#o;
    if (pages.size === 0) {
      this.#o.log(`page reload ${paths.join(", ")}`);
      for (const path of paths) {
        channel.send({ type: "full-reload", path, reason: `${path} changed` });
      }
      return;
    }
    const showing = pages.all().filter((page) =>
      htmlEditReloads(page.htmlPath, paths)
    );
    this.#o.log(
      `page reload ${paths.join(", ")}${pagesSuffix(showing, pages.size)}`,
    );
    for (const page of showing) {
      channel.sendTo([page.connection], {
        type: "full-reload",
        path: page.htmlPath,
        reason: `${page.htmlPath} changed`,
      });
    }
  }

  /**
   * Rebuilds `changed`, prunes what lost its last importer, decides per
   * page, and sends each page its payloads (`only`: just these pages, for
   * an invalidation).
   */
  async #updateModules(
    changed: ModuleNode[],
    timestamp: number,
    options: { firstInvalidatedBy?: string; only?: Page<HotClient>[] } = {},
  ): Promise<void> {
    const { pipeline, channel, graph, pages } = this.#o;
    const { firstInvalidatedBy } = options;
    const built: ModuleNode[] = [];
    const orphans = new Set<ModuleNode>();
    await Promise.all(changed.map(async (node) => {
      try {
        const result = await pipeline.build(node.url);
        for (const orphan of result.orphaned) orphans.add(orphan);
        channel.clearError(node.url);
        built.push(node);
      } catch (err) {
        if (ownFileMissing(err, node)) {
          // Renamed away after the watcher found it (the next save began:
          // vim's): the watcher reports it again, and that batch decides.
          // Its absence is no error of the module's.
          pipeline.invalidate(node.url);
          return;
        }
        const body = toErrorBody(err, node.file ?? node.url);
        const message = formatErrorForLog(body);
        if (this.#o.logError) this.#o.logError(node.url, message);
        else this.#o.log(`error ${message}`);
        channel.send({ type: "error", err: { ...body, id: node.url } });
      }
    }));
    // Imports that are new or were pruned before are built now, so their
    // edges exist: a module imported again through one of them (main.ts
    // back on reexport.ts, which re-exports display.ts) has an importer.
    const warmed = new Set<string>();
    await Promise.all(built.map((node) => pipeline.warmup(node.url, warmed)));
    // A module that lost its last importer leads nowhere any more: its own
    // imports must not count it as an importer in this batch's walk. A
    // `<link>`ed stylesheet (a `css` node) and a page's entry have no
    // importer and stay.
    const pruned = graph.prune(
      orphans,
      (node) => node.type === "css" || pages.isEntryOfAnyPage(node.url),
    );
    // Its build is dropped: importing it again rebuilds its edges.
    for (const node of pruned) pipeline.invalidate(node.url);
    if (built.length > 0) {
      await this.#o.depsIdle();
      await this.#sendDecisions(built, timestamp, options.only, {
        firstInvalidatedBy,
      });
    }
    this.#prune(pruned);
  }

  /** Decides for every page and sends what each gets. */
  async #sendDecisions(
    built: ModuleNode[],
    timestamp: number,
    only: Page<HotClient>[] | undefined,
    options: { firstInvalidatedBy?: string },
  ): Promise<void> {
    const { channel, graph, pages } = this.#o;
    const { firstInvalidatedBy } = options;
    if (!only) {
      const at = performance.now();
      for (const node of built) {
        this.#recent.set(node, {
          timestamp,
          at,
          decidedFor: new Set(pages.pagesRunning(node.url)),
        });
      }
    }
    const reloads = new Map<string, Page<HotClient>[]>();
    const updates = new Map<
      string,
      { pages: Page<HotClient>[]; boundaries: Boundary[]; fresh: ModuleNode[] }
    >();
    const registryOnly: Page<HotClient>[] = [];
    for (const page of only ?? pages.all()) {
      const decision = decideForPage(built, page, { firstInvalidatedBy });
      if (decision.kind === "none") {
        // A registry holds factories of modules it has not run yet (lazy
        // imports): they must not run stale code later.
        if (page.runsRegistry && reachesEntry(built, page)) {
          registryOnly.push(page);
        }
        continue;
      }
      if (decision.kind === "full-reload") {
        const group = reloads.get(decision.reason);
        if (group) group.push(page);
        else reloads.set(decision.reason, [page]);
        continue;
      }
      graph.recordHotUpdate(decision.refreshed, timestamp);
      // Every module of the changed chains gets a fresh instance: the page
      // fetches them all at once (they are built already).
      const fresh = [...decision.refreshed].filter((node) =>
        page.runs(node.url) && node.type === "js"
      );
      // Pages that run the same chains get the same payload, serialised once.
      const key = (page.runsRegistry ? "registry\n" : "") +
        decision.boundaries.map((b) =>
          `${b.boundary.url}\0${b.acceptedVia.url}`
        ).join("\n") + "\n\n" + fresh.map((node) => node.url).join("\n");
      const group = updates.get(key);
      if (group) group.pages.push(page);
      else {
        updates.set(key, {
          pages: [page],
          boundaries: decision.boundaries,
          fresh,
        });
      }
    }
    if (reloads.size > 0) graph.recordHotUpdate(built, timestamp);
    for (const [reason, targets] of reloads) {
      this.#o.log(`page reload: ${reason}${pagesSuffix(targets, pages.size)}`);
      channel.sendTo(targets.map((page) => page.connection), {
        type: "full-reload",
        path: "*",
        reason,
        triggeredBy: built[0].url,
      });
    }
    const rendered = new Map<ModuleNode, Promise<InlineModule | null>>();
    const changedUrls = built.filter((node) => node.type === "js").map((
      node,
    ) => node.url);
    if (registryOnly.length > 0 && this.#o.hotFactories) {
      const factories = await this.#o.hotFactories(
        changedUrls,
        () => true,
      );
      if (factories.length > 0) {
        channel.sendTo(registryOnly.map((page) => page.connection), {
          type: "update",
          updates: [],
          factories,
        });
      }
    }
    for (const { pages: targets, boundaries, fresh } of updates.values()) {
      const list: Update[] = boundaries.map((b) => ({
        type: b.boundary.type === "css" && b.acceptedVia === b.boundary
          ? "css-update"
          : "js-update",
        path: b.boundary.url,
        acceptedPath: b.acceptedVia.url,
        timestamp,
        isWithinCircularImport: b.isWithinCircularImport,
        ...(firstInvalidatedBy ? { firstInvalidatedBy } : {}),
      }));
      this.#o.log(
        `hmr update ${[...new Set(list.map((u) => u.path))].join(", ")}${
          pagesSuffix(targets, pages.size)
        }`,
      );
      const registry = targets[0].runsRegistry && this.#o.hotFactories;
      const preload = fresh.map((node) =>
        withParam(node.url, `t=${timestamp}`)
      );
      if (registry) {
        // Each page of the group runs the same chains; what else it runs
        // may differ, so the factories it lacks are looked up per page.
        for (const page of targets) {
          const factories = await registry(
            changedUrls,
            (url) => page.runs(url),
          );
          channel.sendTo([page.connection], {
            type: "update",
            updates: list,
            preload,
            importEarly: formsSimpleChains(fresh),
            factories,
          });
        }
        continue;
      }
      const modules = await this.#inlineModules(fresh, rendered);
      channel.sendTo(targets.map((page) => page.connection), {
        type: "update",
        updates: list,
        preload,
        importEarly: formsSimpleChains(fresh),
        ...(modules.length > 0 ? { modules } : {}),
      });
    }
  }

  /**
   * Tells the pages that ran `pruned` modules to dispose them. Should an
   * import of one come back, a new timestamp makes the page run a fresh
   * instance.
   */
  #prune(pruned: ModuleNode[]): void {
    const { channel, graph, pages } = this.#o;
    if (pruned.length === 0) return;
    // Every pruned module, run or not: a page whose report of it is still
    // on its way would otherwise import its old instance again.
    graph.recordHotUpdate(pruned, this.#timestamp());
    const at = performance.now();
    for (const node of pruned) this.#recentPrunes.set(node.url, at);
    const run = pruned.filter((node) => pages.isRunning(node.url));
    if (run.length === 0) return;
    const byPaths = new Map<string, Page<HotClient>[]>();
    for (const page of pages.all()) {
      const paths = run.filter((node) => page.runs(node.url)).map((node) =>
        node.url
      );
      if (paths.length === 0) continue;
      pages.forget(page, paths);
      const key = paths.join("\n");
      const group = byPaths.get(key);
      if (group) group.push(page);
      else byPaths.set(key, [page]);
    }
    for (const [key, targets] of byPaths) {
      channel.sendTo(targets.map((page) => page.connection), {
        type: "prune",
        paths: key.split("\n"),
      });
    }
  }

  /**
   * The code of the fresh modules, sent with the update so the page need
   * not fetch them (see `client/inline_modules.ts`). A module that cannot
   * run from a `data:` URL, fails to render, or would make the message too
   * large is left out: the page fetches it.
   */
  async #inlineModules(
    fresh: ModuleNode[],
    cache: Map<ModuleNode, Promise<InlineModule | null>>,
  ): Promise<InlineModule[]> {
    const rendered = await Promise.all(fresh.map((node) => {
      let module = cache.get(node);
      if (!module) {
        module = this.#o.pipeline.renderInline(node.url).catch(() => null);
        cache.set(node, module);
      }
      return module;
    }));
    const modules: InlineModule[] = [];
    let size = 0;
    for (const module of rendered) {
      if (!module || size + module.code.length > INLINE_LIMIT_CHARS) continue;
      size += module.code.length;
      modules.push(module);
    }
    return modules;
  }

  async #handleInvalidate(
    data: InvalidateData,
    client: HotClient,
  ): Promise<void> {
    const { graph, pages, channel } = this.#o;
    const node = graph.get(data.path);
    const page = pages.get(client);
    if (!node || !page) return;
    // Each page invalidates the update it ran, once per version.
    if (!page.recordInvalidation(node.url, node.lastHMRTimestamp)) return;
    this.#o.log(
      `hmr invalidate ${data.path}${data.message ? ` (${data.message})` : ""}${
        pagesSuffix([page], pages.size)
      }`,
    );
    const next = invalidatedWithoutImporter(node, page);
    if ("reason" in next) {
      this.#o.log(
        `page reload: ${next.reason}${pagesSuffix([page], pages.size)}`,
      );
      channel.sendTo([client], {
        type: "full-reload",
        path: "*",
        reason: next.reason,
      });
      return;
    }
    // The same timestamp: importers re-import the instance the page has.
    const timestamp = node.lastHMRTimestamp || this.#timestamp();
    await this.#updateModules(next.importers, timestamp, {
      firstInvalidatedBy: data.firstInvalidatedBy ?? data.path,
      only: [page],
    });
  }
}

/**
 * True when one of `nodes` is, or is imported (through any chain) by, an
 * entry of `page`: the page's bundle defined it.
 */
function reachesEntry(
  nodes: ModuleNode[],
  page: { isEntry(url: string): boolean },
): boolean {
  const seen = new Set<ModuleNode>();
  const queue = nodes.filter((node) => node.type === "js");
  while (queue.length > 0) {
    const node = queue.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (page.isEntry(node.url)) return true;
    queue.push(...node.importers);
  }
  return false;
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

/**
 * Whether `err`, a failed build of `node`, says its own file is not found:
 * the file went away after the watcher found it (a save under way, or a
 * delete), and its events, on their way, make the batch that decides.
 */
function ownFileMissing(err: unknown, node: ModuleNode): boolean {
  return err instanceof BananaError && err.code === "not-found" &&
    node.file !== null && err.body.id === node.file;
}
