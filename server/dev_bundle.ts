/**
 * Bundle mode: a page's own modules served as ONE module script, the dev
 * bundle at `/@banana/bundle/<entry>`. It imports the page's module
 * registry (`client/module_registry.ts`) and every external the modules
 * import (dependency bundles, the HMR client) natively, then defines a
 * factory for every module of the entry's static and dynamic closure
 * (`server/module_factories.ts`) and imports the entry through the
 * registry. Chromium pays per module record; one script of factories loads
 * thousands of modules in a fraction of the time, and hot updates still
 * replace one module at a time (the update carries the changed factories).
 *
 * The factories are functions of the script, not code the page compiles
 * one by one: Chromium parses the script once, and from the third load on
 * takes its compiled code from its code cache (10,000 modules: a reload's
 * run of the bundle 84 → 44 ms). Where each body starts goes with it, so
 * stack frames name the module (`client/factory_frames.ts`), and the
 * script names an index source map of the modules' maps
 * ({@linkcode DevBundler.bundleSourceMap}). Modules that can run
 * synchronously are plain functions (`server/sync_factories.ts`).
 *
 * The bundle is a join of cached per-module strings: an edit recomputes the
 * modules it changed. Its ETag names every module version, so a reload of
 * an unchanged app is a 304. The first bundle of an entry is streamed
 * while the crawl builds its modules ({@linkcode DevBundler.stream},
 * `server/bundle_script.ts`): Chromium compiles it as it arrives.
 *
 * Which pages get it (`server.bundle`): `true` every plain HTML page,
 * `false` none, `"auto"` those whose entry statically imports at least
 * {@linkcode BUNDLE_AUTO_THRESHOLD} modules. A page with a module the
 * registry cannot run falls back to per-module mode, and the terminal says
 * which module and why.
 *
 * @module
 */

import { contentHash } from "./hash.ts";
import { type Closure, crawlClosure } from "./bundle_crawl.ts";
import {
  bundleMapUrlFor,
  type ModuleFactories,
  type ModuleFactory,
} from "./module_factories.ts";
import type { BuiltModule } from "./module_builder.ts";
import type { ErrorBody, RegistryModule } from "../client/payload.ts";
import { syncModuleIds } from "./sync_factories.ts";
import { BundleScriptWriter, type ScriptLayout } from "./bundle_script.ts";
import { bundleUrlFor } from "./module_urls.ts";

export {
  BUNDLE_URL_PREFIX,
  bundleUrlFor,
  entryOfBundleUrl,
  parseBundleUrl,
} from "./module_urls.ts";

/**
 * In `server.bundle: "auto"`, a page whose entry statically imports at
 * least this many modules (itself included) is served as a dev bundle.
 */
export const BUNDLE_AUTO_THRESHOLD = 500;

/**
 * The endpoint that defines factories on demand:
 * `/@banana/registry?ids=<id>,<id>` (each id percent-encoded) answers a
 * module script that registers the externals they import and defines the
 * factories of those modules and their static imports.
 */
export const REGISTRY_URL = "/@banana/registry";

/**
 * Why a Content-Security-Policy keeps a page from running a module
 * registry (its factories are compiled by inline scripts, or by `eval`
 * where those are refused), or null when it does not.
 *
 * @example
 * ```ts
 * registryRefusedBy("script-src 'self'"); // a reason
 * registryRefusedBy("script-src 'self' 'unsafe-inline'"); // null
 * registryRefusedBy("default-src 'self' 'unsafe-eval'"); // null
 * ```
 */
export function registryRefusedBy(policy: string): string | null {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) {
      directives.set(name.toLowerCase(), values.map((v) => v.toLowerCase()));
    }
  }
  const sources = directives.get("script-src") ??
    directives.get("default-src");
  if (!sources) return null;
  if (sources.includes("'unsafe-eval'")) return null;
  // A nonce or hash makes browsers ignore 'unsafe-inline'.
  const inlineAllowed = sources.includes("'unsafe-inline'") &&
    !sources.some((v) => /^'(nonce|sha256|sha384|sha512)-/.test(v));
  if (inlineAllowed) return null;
  return "the page's Content-Security-Policy allows neither inline scripts nor eval, which the module registry compiles its modules with";
}

/** How a page loads its entry, and why (for the terminal). */
export interface PageMode {
  bundle: boolean;
  reason: string;
}

/** A served bundle, or why the entry falls back to per-module mode. */
export type BundleResult =
  | { kind: "bundle"; code: string; etag: string; modules: number }
  | { kind: "per-module"; reason: string; code: string; etag: string };

/** What the bundler needs of the module pipeline. */
export interface BundlePipeline {
  build(url: string): Promise<BuiltModule>;
  /** The version the page reports for `url` (`?v=`), once built. */
  currentVersion(url: string): string | null;
  plainKey(url: string): string | null;
  /** Changes whenever any render may have (see `ModulePipeline.renderEpoch`). */
  readonly renderEpoch: string;
}

/** Options of the {@linkcode DevBundler}. */
export interface DevBundlerOptions {
  pipeline: BundlePipeline;
  factories: ModuleFactories;
  /** `server.bundle`, read per page (the config may be replaced). */
  mode: () => boolean | "auto";
  /** Default: {@linkcode BUNDLE_AUTO_THRESHOLD}. */
  threshold?: number;
  /** Builds at once in a crawl. Default: 64 (see `bundle_crawl.ts`). */
  concurrency?: number;
  log: (message: string) => void;
  /** A module of a bundle failed to build: show the error (overlay, terminal). */
  reportError: (url: string, error: ErrorBody) => void;
}

/** A module the registry could not run, and the render it was found in. */
interface Fallback {
  url: string;
  key: string | null;
  reason: string;
}

/**
 * Serves entries as dev bundles and decides which pages get one.
 *
 * @example
 * ```ts
 * import type { DevBundler } from "./dev_bundle.ts";
 * async function example(bundler: DevBundler) {
 *   const mode = await bundler.modeFor("/src/main.ts");
 *   if (mode.bundle) {
 *     const result = await bundler.bundle("/src/main.ts");
 *     console.log(result.kind, result.etag);
 *   }
 * }
 * ```
 */
export class DevBundler {
  #o: DevBundlerOptions;
  #crawls = new Map<string, {
    closure: Promise<Closure>;
    readonly count: number;
    listeners: Set<(count: number) => void>;
    /** The modules built so far, in the order they were. */
    built: string[];
    builtListeners: Set<(url: string) => void>;
  }>();
  #fallbacks = new Map<string, Fallback>();
  #lastLine = new Map<string, string>();
  #assembled = new Map<string, Assembled>();
  /** Times of the last bundle of each entry, for profiles. */
  readonly lastTimings = new Map<string, BundleTimings>();

  constructor(options: DevBundlerOptions) {
    this.#o = options;
  }

  get #threshold(): number {
    return this.#o.threshold ?? BUNDLE_AUTO_THRESHOLD;
  }

  /**
   * The closure of `entry` (one crawl at a time per entry; a later one is
   * quick, the builds are cached). `onStaticCount` hears the static
   * closure grow.
   */
  #crawl(
    entry: string,
    onStaticCount?: (count: number) => void,
    onBuilt?: (url: string) => void,
  ): Promise<Closure> {
    let crawl = this.#crawls.get(entry);
    if (!crawl) {
      const listeners = new Set<(count: number) => void>();
      const builtListeners = new Set<(url: string) => void>();
      const built: string[] = [];
      const state = { count: 0, listeners };
      const prefetched = new Set<string>();
      const closure = crawlClosure(this.#o.pipeline, entry, {
        concurrency: this.#o.concurrency,
        // Each module's factory is made as soon as it is built, while the
        // crawl waits on files: the bundle needs them all next.
        onBuilt: (url) => {
          built.push(url);
          for (const listener of builtListeners) listener(url);
          if (this.#o.mode() === false || prefetched.has(url)) return;
          prefetched.add(url);
          this.#o.factories.get(url).catch(() => {});
        },
        onStaticCount: (count) => {
          state.count = count;
          for (const listener of listeners) listener(count);
        },
      }).finally(() => this.#crawls.delete(entry));
      crawl = {
        closure,
        listeners,
        built,
        builtListeners,
        get count() {
          return state.count;
        },
      };
      this.#crawls.set(entry, crawl);
    }
    if (onStaticCount) {
      crawl.listeners.add(onStaticCount);
      onStaticCount(crawl.count);
    }
    if (onBuilt) {
      // The modules this crawl built before, then the others as they are.
      for (const url of crawl.built) onBuilt(url);
      crawl.builtListeners.add(onBuilt);
    }
    return crawl.closure;
  }

  /** Prints `line` for `entry` unless it is the one printed last for it. */
  #say(entry: string, line: string): void {
    if (this.#lastLine.get(entry) === line) return;
    this.#lastLine.set(entry, line);
    this.#o.log(line);
  }

  /** The recorded fallback of `entry`, dropped once its module changed. */
  #currentFallback(entry: string): Fallback | null {
    const fallback = this.#fallbacks.get(entry);
    if (!fallback) return null;
    if (this.#o.pipeline.plainKey(fallback.url) !== fallback.key) {
      this.#fallbacks.delete(entry);
      return null;
    }
    return fallback;
  }

  /**
   * Builds the closure of `entry` (what a bundle of it needs), sharing a
   * crawl already running: the server's scan of the page's modules.
   */
  async crawl(entry: string): Promise<void> {
    await this.#crawl(entry);
  }

  /**
   * Whether the page of `entry` loads it as a bundle. With `"auto"` this
   * crawls the entry until its static closure reaches the threshold (or is
   * complete): the wait is bounded by the threshold, not the app's size.
   */
  async modeFor(
    entry: string,
    options: { refusedBy?: string | null } = {},
  ): Promise<PageMode> {
    const setting = this.#o.mode();
    if (setting === false) return { bundle: false, reason: "--no-bundle" };
    if (options.refusedBy) {
      this.#say(entry, `per-module ${entry}: ${options.refusedBy}`);
      return { bundle: false, reason: options.refusedBy };
    }
    const fallback = this.#currentFallback(entry);
    if (fallback) return { bundle: false, reason: fallback.reason };
    if (setting === true) return { bundle: true, reason: "server.bundle" };
    // Nothing was built or changed since the last decision: the same one
    // (a reload of a large app walks none of its modules).
    const known = this.#autoModes.get(entry);
    if (known?.epoch === this.#o.pipeline.renderEpoch) return known.mode;
    const threshold = this.#threshold;
    const reached = Promise.withResolvers<number>();
    const closure = this.#crawl(entry, (count) => {
      if (count >= threshold) reached.resolve(count);
    });
    const count = await Promise.race([
      reached.promise,
      closure.then((c) => c.staticUrls.size),
    ]);
    const mode = count >= threshold
      ? { bundle: true, reason: `${count}+ modules` }
      : { bundle: false, reason: `${count} modules, below ${threshold}` };
    // Kept once the crawl's builds have settled.
    closure.then(() => {
      this.#autoModes.set(entry, {
        epoch: this.#o.pipeline.renderEpoch,
        mode,
      });
    }, () => {});
    if (!mode.bundle) this.#say(entry, `per-module ${entry}: ${mode.reason}`);
    return mode;
  }
  #autoModes = new Map<string, { epoch: string; mode: PageMode }>();

  /**
   * The dev bundle of `entry`: every module of its closure built, rendered
   * and transformed (cached), joined. A module the registry cannot run
   * makes it a one-line module that imports the entry natively.
   */
  async bundle(entry: string): Promise<BundleResult> {
    const epoch = this.#o.pipeline.renderEpoch;
    const last = this.#assembled.get(entry);
    // Nothing was built, dropped or hot-updated since: the same bundle (a
    // reload of an unchanged app costs no walk of its modules).
    if (last?.epoch === epoch && !this.#fallbacks.has(entry)) {
      return {
        kind: "bundle",
        code: last.code,
        etag: last.etag,
        modules: last.modules,
      };
    }
    const started = performance.now();
    const closure = await this.#crawl(entry);
    // Read once the crawl's builds settled: a change from now on is seen
    // by the next call.
    const builtEpoch = this.#o.pipeline.renderEpoch;
    const crawled = performance.now();
    const factories = await this.#factoriesOf(closure.urls);
    const made = performance.now();
    const unsupported = factories.find((f) => f.unsupported);
    if (unsupported) {
      return perModuleShim(entry, this.#fallBack(entry, unsupported));
    }
    for (const factory of factories) {
      if (factory.error) this.#o.reportError(factory.id, factory.error);
    }
    const versions = factories.map((f) => this.#versionOf(f));
    const contentKey = bundleContentKey(entry, factories, versions);
    let assembled = this.#assembled.get(entry);
    if (assembled?.contentKey !== contentKey) {
      const etag = `"${contentKey}"`;
      const { code, layout } = assembleModuleScript(factories, versions, {
        ownIds: new Set(closure.urls),
        importEntry: entry,
        mapUrl: bundleMapUrlFor(entry, etag),
        syncFactories: true,
      });
      assembled = {
        etag,
        contentKey,
        code,
        layout,
        epoch: builtEpoch,
        modules: factories.length,
      };
    } else {
      // The same modules at the same versions: the same ETag, even one a
      // streamed bundle made up, so a reload stays a 304.
      assembled = { ...assembled, epoch: builtEpoch };
    }
    this.#recordBundle(entry, assembled, factories, {
      crawlMs: crawled - started,
      factoriesMs: made - crawled,
      assembleMs: performance.now() - made,
    });
    return {
      kind: "bundle",
      code: assembled.code,
      etag: assembled.etag,
      modules: factories.length,
    };
  }

  /**
   * Whether the next bundle of `entry` is better streamed
   * ({@linkcode DevBundler.stream}) than made whole: none was made yet (so
   * its modules are still to be built, and no page holds an ETag this
   * process could match) and no fallback is known.
   */
  streams(entry: string): boolean {
    return !this.#assembled.has(entry) && this.#currentFallback(entry) === null;
  }

  /**
   * The URL a page's `<script>` loads the bundle of `entry` from: the
   * current bundle's version (`/@banana/bundle@<etag>/…`, answered
   * `immutable`), so a reload of an unchanged app takes the script from
   * the browser's cache without asking (10,000 modules: a 304 cost the
   * reload a round trip through Chromium's network service and disk
   * cache). Before the first bundle, the version is reserved for the
   * stream that will make it ({@linkcode DevBundler.stream}). A bundle
   * that cannot be made names the plain URL, which says why.
   */
  async scriptUrl(entry: string): Promise<string> {
    if (this.streams(entry)) {
      let version = this.#reserved.get(entry);
      if (version === undefined) {
        version = `stream-${crypto.randomUUID()}`;
        this.#reserved.set(entry, version);
      }
      return bundleUrlFor(entry, version);
    }
    try {
      const result = await this.bundle(entry);
      return result.kind === "bundle"
        ? bundleUrlFor(entry, result.etag.slice(1, -1))
        : bundleUrlFor(entry);
    } catch {
      return bundleUrlFor(entry);
    }
  }
  /** Entry → the version its first stream is to have (see scriptUrl). */
  #reserved = new Map<string, string>();

  /**
   * The dev bundle of `entry` as a stream written while its closure is
   * crawled: each module's definition is sent as soon as its factory is
   * made, so the page compiles the script while the server still builds.
   * The ETag, given before the content is known, is `version` when it is
   * the one {@linkcode DevBundler.scriptUrl} reserved (`reserved`: the
   * response may be cached as that version for good), else made up; a
   * later bundle of the same modules at the same versions keeps it.
   *
   * A module written as a plain function whose imports turn out not all
   * synchronous is written again, as an async function, before the tail.
   * A module the registry cannot run ends the script with a reload: the
   * page comes back per-module, as {@linkcode DevBundler.modeFor} then
   * says.
   */
  stream(
    entry: string,
    version?: string,
  ): { etag: string; body: ReadableStream<Uint8Array>; reserved: boolean } {
    const reserved = version !== undefined &&
      this.#reserved.get(entry) === version;
    if (reserved) this.#reserved.delete(entry);
    // Any other version a URL names is not this stream's: it must not
    // become the ETag, nor the version later bundles answer immutable.
    const etag = `"${reserved ? version : `stream-${crypto.randomUUID()}`}"`;
    const encoder = new TextEncoder();
    let open = true;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        open = false;
      },
    });
    const send = (text: string) => {
      if (!open) return;
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        open = false;
      }
    };
    this.#streamInto(entry, etag, new BundleScriptWriter({ onChunk: send }))
      .then(() => {
        if (open) controller.close();
      }, (err) => {
        this.#o.log(
          `bundle ${entry}: the streamed bundle failed: ${
            err instanceof Error ? err.message : String(err)
          }`,
        );
        if (open) controller.error(err);
      });
    return { etag, body, reserved };
  }

  async #streamInto(
    entry: string,
    etag: string,
    writer: BundleScriptWriter,
  ): Promise<void> {
    const started = performance.now();
    const written = new Map<
      string,
      { factory: ModuleFactory; version: string }
    >();
    const writtenSync = new Set<string>();
    let unsupported: ModuleFactory | null = null;
    const write = (factory: ModuleFactory) => {
      if (unsupported || written.has(factory.id)) return;
      if (factory.unsupported) {
        unsupported = factory;
        return;
      }
      if (factory.error) this.#o.reportError(factory.id, factory.error);
      const version = this.#versionOf(factory);
      // Tentatively: it is corrected at the end if an import must wait.
      const sync = factory.syncBody !== null;
      writer.define(factory, version, sync);
      written.set(factory.id, { factory, version });
      if (sync) writtenSync.add(factory.id);
    };
    const making: Promise<void>[] = [];
    const closure = await this.#crawl(entry, undefined, (url) => {
      making.push(this.#o.factories.get(url).then(write, () => {}));
    });
    const builtEpoch = this.#o.pipeline.renderEpoch;
    const crawled = performance.now();
    await Promise.all(making);
    // Modules whose build failed were never reported built.
    const rest = closure.urls.filter((url) => !written.has(url));
    for (const factory of await this.#factoriesOf(rest)) write(factory);
    const made = performance.now();
    if (unsupported !== null) {
      const reason = this.#fallBack(entry, unsupported);
      writer.finish({
        externals: [],
        instead: `// per-module mode: ${
          reason.replaceAll("\n", " ")
        }\nlocation.reload();\n`,
      });
      return;
    }
    const ownIds = new Set(closure.urls);
    const factories = closure.urls.map((url) => written.get(url)!.factory);
    const versions = closure.urls.map((url) => written.get(url)!.version);
    const sync = syncIdsOf(factories, ownIds);
    for (const id of writtenSync) {
      if (sync.has(id)) continue;
      const { factory, version } = written.get(id)!;
      writer.define(factory, version, false);
    }
    const { code, layout } = writer.finish({
      externals: externalsOf(factories, ownIds),
      importEntry: entry,
      mapUrl: bundleMapUrlFor(entry, etag),
    });
    // A module edited while it streamed was sent as it was: the next
    // request assembles the bundle again.
    const current = factories.every((f) =>
      f.error !== undefined || this.#o.pipeline.plainKey(f.id) === f.key
    );
    this.#recordBundle(
      entry,
      {
        etag,
        contentKey: bundleContentKey(entry, factories, versions),
        code,
        layout,
        epoch: current ? builtEpoch : "",
        modules: factories.length,
      },
      factories,
      {
        crawlMs: crawled - started,
        factoriesMs: made - crawled,
        assembleMs: performance.now() - made,
      },
    );
  }

  /**
   * Records that `entry` is served per-module because of `unsupported` (a
   * module the registry cannot run) and says so; returns the reason.
   */
  #fallBack(entry: string, unsupported: ModuleFactory): string {
    const reason = unsupported.unsupported!;
    this.#fallbacks.set(entry, {
      url: unsupported.id,
      key: this.#o.pipeline.plainKey(unsupported.id),
      reason,
    });
    this.#say(entry, `per-module ${entry}: ${reason}`);
    return reason;
  }

  /** Keeps `entry`'s new bundle and its timings, and says what it holds. */
  #recordBundle(
    entry: string,
    assembled: Assembled,
    factories: readonly ModuleFactory[],
    timings: BundleTimings,
  ): void {
    this.#assembled.set(entry, assembled);
    this.lastTimings.set(entry, timings);
    const failed = factories.filter((f) => f.error).length;
    this.#say(
      entry,
      `bundle mode ${entry}: ${factories.length} modules${
        failed ? `, ${failed} failed to build` : ""
      }`,
    );
  }

  /**
   * The module script of `/@banana/registry?ids=`: the factories of `ids`
   * and of the modules they import statically (a page that has some
   * defines them again as a no-op), with the externals they import.
   */
  async definitions(ids: string[]): Promise<string> {
    const urls = new Set<string>();
    const closures = await Promise.all(ids.map(async (id) => {
      try {
        await this.#o.pipeline.build(id);
      } catch { /* its factory throws the error */ }
      return await crawlClosure(this.#o.pipeline, id, {
        concurrency: this.#o.concurrency,
      });
    }));
    for (const closure of closures) {
      for (const url of closure.staticUrls) urls.add(url);
    }
    // A few modules (a lazy part of the page): checked before they are
    // written, as a script that does not parse would fail them all.
    const { factories } = this.#o.factories.checkBodies(
      await this.#factoriesOf([...urls]),
    );
    for (const factory of factories) {
      if (factory.error) this.#o.reportError(factory.id, factory.error);
    }
    return assembleModuleScript(
      factories,
      factories.map((f) => this.#versionOf(f)),
      { ownIds: urls },
    ).code;
  }

  /**
   * What to do about `entry`'s bundle, which its page reports did not
   * parse (`message`: the browser's error): the modules of it whose bodies
   * V8 does not parse as functions are written as strings from now on
   * (each fails on its own, the rest of the bundle runs); when none is at
   * fault, the entry goes per-module. Says which, and returns the line.
   * The page reloads next.
   */
  async recoverUnparsedBundle(entry: string, message: string): Promise<string> {
    const closure = await this.#crawl(entry);
    const { unparsable } = this.#o.factories.checkBodies(
      await this.#factoriesOf(closure.urls),
    );
    this.#assembled.delete(entry);
    const reason = message.replaceAll("\n", " ").slice(0, 300);
    if (unparsable.length > 0) {
      const line =
        `bundle ${entry}: the page's bundle did not parse (${reason}): ${
          unparsable.join(", ")
        } ${unparsable.length === 1 ? "runs" : "run"} on ${
          unparsable.length === 1 ? "its" : "their"
        } own, the page reloads`;
      this.#say(entry, line);
      return line;
    }
    const fallback = {
      url: entry,
      key: this.#o.pipeline.plainKey(entry),
      reason: `its bundle did not parse in the browser (${reason})`,
    };
    this.#fallbacks.set(entry, fallback);
    const line = `per-module ${entry}: ${fallback.reason}`;
    this.#say(entry, line);
    return line;
  }

  /**
   * The factories of `urls` for a hot update (`{ id, version, code }`); a
   * module the registry cannot run is left out (its importer's update
   * fails and the page reloads).
   */
  async hotFactories(
    urls: string[],
  ): Promise<RegistryModule[]> {
    const factories = await this.#factoriesOf(urls);
    return factories.filter((f) => !f.unsupported).map((f) => ({
      id: f.id,
      version: this.#versionOf(f),
      code: f.code,
    }));
  }

  /**
   * The factories a registry page gets for an update of `changed`: theirs,
   * and those of the own modules their code imports statically (through
   * any chain) that `runs` says the page does not run.
   */
  async updateFactories(
    changed: string[],
    runs: (url: string) => boolean,
  ): Promise<RegistryModule[]> {
    const urls = new Set(changed);
    const queue = [...changed];
    while (queue.length > 0) {
      const url = queue.pop()!;
      for (const dep of await this.ownStaticImports(url)) {
        if (urls.has(dep) || runs(dep)) continue;
        urls.add(dep);
        queue.push(dep);
      }
    }
    return await this.hotFactories([...urls]);
  }

  /** The static imports of `url`'s current factory that are own modules. */
  async ownStaticImports(url: string): Promise<string[]> {
    try {
      const built = await this.#o.pipeline.build(url);
      return built.targets.flatMap((t, i) =>
        t.kind === "module" && !built.analysis.imports[i].dynamic
          ? [t.node.url]
          : []
      );
    } catch {
      return [];
    }
  }

  /**
   * The source map of module `id`'s last factory, as JSON text; null when
   * it has none.
   */
  sourceMap(id: string): string | null {
    const map = this.#o.factories.peek(id)?.map;
    if (!map) return null;
    return new TextDecoder().decode(Uint8Array.fromBase64(map));
  }

  /**
   * The source map of `entry`'s last bundle, as JSON text: an index map
   * with a section per factory function, holding that module's map; null
   * when no bundle of `entry` was made.
   */
  bundleSourceMap(entry: string): string | null {
    const layout = this.#assembled.get(entry)?.layout;
    if (!layout) return null;
    const sections: string[] = [];
    const decoder = new TextDecoder();
    layout.factories.forEach((factory, i) => {
      if (!factory.map) return;
      sections.push(
        `{"offset":{"line":${layout.lines[i]},"column":${
          layout.columns[i]
        }},"map":${decoder.decode(Uint8Array.fromBase64(factory.map))}}`,
      );
    });
    return `{"version":3,"sections":[${sections.join(",")}]}`;
  }

  #versionOf(factory: ModuleFactory): string {
    if (factory.error) return factory.key;
    return this.#o.pipeline.currentVersion(factory.id) ??
      contentHash(factory.key);
  }

  async #factoriesOf(urls: string[]): Promise<ModuleFactory[]> {
    const { factories } = this.#o;
    const limit = Math.max(1, this.#o.concurrency ?? 64);
    const out: ModuleFactory[] = new Array(urls.length);
    let next = 0;
    const worker = async () => {
      while (next < urls.length) {
        const i = next++;
        out[i] = await factories.get(urls[i]);
      }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    return out;
  }
}

/**
 * The one-line module a bundle URL answers when its entry falls back to
 * per-module mode (a page loaded before the fallback was known).
 */
function perModuleShim(entry: string, reason: string): BundleResult {
  const code = `// per-module mode: ${reason.replaceAll("\n", " ")}\nimport ${
    JSON.stringify(entry)
  };\n`;
  return {
    kind: "per-module",
    reason,
    code,
    etag: `"${contentHash(code)}"`,
  };
}

/** Where the time of an entry's last bundle went, in ms. */
export interface BundleTimings {
  crawlMs: number;
  factoriesMs: number;
  assembleMs: number;
}

/** The last bundle of an entry. */
interface Assembled {
  etag: string;
  /** Names every module of it, its version and its code's key. */
  contentKey: string;
  code: string;
  /** The render epoch it is current for ("" for none). */
  epoch: string;
  modules: number;
  layout: ScriptLayout;
}

/** The key of a bundle of `entry` made of `factories` at `versions`. */
function bundleContentKey(
  entry: string,
  factories: readonly ModuleFactory[],
  versions: readonly string[],
): string {
  return contentHash(
    entry + "\0" +
      factories.map((f, i) =>
        `${f.id}\0${versions[i]}\0${f.key}\0${f.functionBody === null ? 0 : 1}`
      ).join("\0"),
  );
}

/** The modules `factories` import that are not among `ownIds`, once each. */
function externalsOf(
  factories: readonly ModuleFactory[],
  ownIds: ReadonlySet<string>,
): Set<string> {
  const externals = new Set<string>();
  for (const factory of factories) {
    for (const id of factory.imports) {
      if (!ownIds.has(id)) externals.add(id);
    }
  }
  return externals;
}

/** Which of `factories` a bundle of them all writes as plain functions. */
function syncIdsOf(
  factories: readonly ModuleFactory[],
  ownIds: ReadonlySet<string>,
): Set<string> {
  return syncModuleIds(
    factories.map((f) => ({
      id: f.id,
      imports: f.imports,
      canBeSync: f.syncBody !== null,
    })),
    (id) => ownIds.has(id),
  );
}

/**
 * A module script that defines `factories`, registers the externals they
 * import, and (with `importEntry`) imports the entry through the registry.
 */
function assembleModuleScript(
  factories: ModuleFactory[],
  versions: string[],
  options: {
    ownIds: Set<string>;
    importEntry?: string;
    mapUrl?: string;
    /** Write plain functions for the modules that can run synchronously. */
    syncFactories?: boolean;
  },
): { code: string; layout: ScriptLayout } {
  const sync = options.syncFactories
    ? syncIdsOf(factories, options.ownIds)
    : new Set<string>();
  const writer = new BundleScriptWriter();
  factories.forEach((factory, i) => {
    writer.define(factory, versions[i], sync.has(factory.id));
  });
  return writer.finish({
    externals: externalsOf(factories, options.ownIds),
    importEntry: options.importEntry,
    mapUrl: options.mapUrl,
  });
}
