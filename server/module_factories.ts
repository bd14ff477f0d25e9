/**
 * Module factories for the dev bundle: a module's browser-ready code with
 * plain module URLs (`ModulePipeline.renderPlain`) turned by the registry
 * transform into the body of the factory the page's module registry runs
 * (`client/module_registry.ts`). Cached per module and render key in
 * memory, and by content in the persistent compile cache when there is one,
 * so an edit recomputes only the modules it changed.
 *
 * A module whose build fails gets a factory that throws the build error (the
 * page shows it, the rest of the bundle still loads); one the transform
 * cannot handle is `unsupported`, and its page falls back to per-module mode.
 *
 * @module
 */

import type { ErrorBody } from "../client/payload.ts";
import { toErrorBody } from "./errors.ts";
import { contentHash, fnv1a } from "./hash.ts";
import { cacheKey } from "./compile_cache.ts";
import type { BuiltModule } from "./module_builder.ts";
import { factoryBodiesParse } from "./factory_body_check.ts";

/** What the registry transform returns (Contract 1, `server/registry_transform.ts`). */
export interface RegistryTransformOutput {
  /** The factory's body: an async function's, of one parameter `__m`. */
  code: string;
  /** Static import specifiers (plain ids), in source order. */
  imports: string[];
  /** Literal dynamic import specifiers. */
  dynamicImports: string[];
  exports: string[];
  hasTopLevelAwait: boolean;
  /** Length of the code's head (its exports and awaited imports). */
  headLength: number;
}

/** The registry transform: ESM code → a factory body. Throws on what it cannot handle. */
export type RegistryTransform = (
  code: string,
  id: string,
) => RegistryTransformOutput;

/** A store of transform outputs by content key (`server/compile_cache.ts`). */
export interface FactoryCacheStore {
  get(kind: string, key: string): string | undefined;
  set(kind: string, key: string, value: string): void;
}

/** What the factories need of the module pipeline. */
export interface FactoryPipeline {
  build(url: string): Promise<BuiltModule>;
  renderPlain(
    url: string,
  ): Promise<{ code: string; key: string; built: BuiltModule }>;
  plainKey(url: string): string | null;
}

/** One module as the page's registry defines it. */
export interface ModuleFactory {
  /** The module's URL without freshness params: its id in the registry. */
  id: string;
  /** Changes whenever `code` does. */
  key: string;
  /** The factory's body (what hot updates carry; the page compiles it). */
  code: string;
  /**
   * `code` without its source map comment, as the body of an async
   * function of `__m`: the bundle carries it as that function. Null once
   * V8 was found not to parse it so ({@linkcode ModuleFactories.checkBodies}):
   * the bundle carries `code` as a string, so the error stays the module's
   * and the rest of it loads.
   */
  functionBody: string | null;
  /**
   * `functionBody` as the body of a plain function (its imports not
   * awaited), when the module awaits nothing at its top level; null
   * otherwise. A bundle uses it where all the module's imports run
   * synchronously too (`server/sync_factories.ts`).
   */
  syncBody: string | null;
  /**
   * The base64 of the module's source map, served at `code`'s
   * `sourceMappingURL` ({@linkcode sourceMapUrlFor}); null without one.
   */
  map?: string | null;
  /** Static import ids the factory names. */
  imports: string[];
  /** Literal dynamic import ids. */
  dynamicImports: string[];
  /** The build error the factory throws, if the build failed. */
  error?: ErrorBody;
  /** Why the registry cannot run this module (its page goes per-module). */
  unsupported?: string;
}

/** Options of {@linkcode ModuleFactories}. */
export interface ModuleFactoriesOptions {
  pipeline: FactoryPipeline;
  transform: RegistryTransform;
  /**
   * Identifies the transform and its output format in the persistent cache
   * (change it with the transform's output).
   */
  transformVersion?: string;
  cache?: FactoryCacheStore | null;
}

/**
 * Where a bundle page's devtools fetch a factory's source map:
 * `/@banana/map?id=<module URL>&k=<key hash>`. The bundle carries the URL,
 * not the map: inline maps were half a bundle's bytes (4.9 MB at 5000
 * modules), parsed and kept on every load by a page that never reads them.
 */
export const SOURCE_MAP_URL = "/@banana/map";

/**
 * The URL of the source map of module `id` with factory `key`. `k` only
 * tells versions apart for devtools (the map is served `no-cache`): a
 * 32-bit FNV-1a of the key, not a content hash (10,000 of those cost a
 * first load 20 ms).
 */
export function sourceMapUrlFor(id: string, key: string): string {
  return `${SOURCE_MAP_URL}?id=${encodeURIComponent(id)}&k=${
    fnv1a(key).toString(36)
  }`;
}

const INLINE_MAP_HEAD = "\n//# sourceMappingURL=data:application/json;base64,";
/** The base64 of an inline map and the space that may follow it, to the end. */
const INLINE_MAP_TAIL = /^[A-Za-z0-9+/=]*\s*$/;

/**
 * Moves `code`'s inline source map behind {@linkcode sourceMapUrlFor}:
 * the code with a URL comment instead, the map's base64 (null when `code`
 * has no inline map), and the code with no map comment at all (`body`).
 *
 * @example
 * ```ts
 * const { code, map } = splitSourceMap(
 *   "a;\n//# sourceMappingURL=data:application/json;base64,e30=\n",
 *   "/src/a.ts",
 *   "k1",
 * );
 * code.startsWith("a;\n//# sourceMappingURL=/@banana/map?id=%2Fsrc%2Fa.ts"); // true
 * map; // "e30="
 * ```
 */
export function splitSourceMap(
  code: string,
  id: string,
  key: string,
): { code: string; map: string | null; body: string } {
  // The last comment only (found from the end: a regular expression
  // scanned the whole code for it, per module).
  const at = code.lastIndexOf(INLINE_MAP_HEAD);
  const tail = at < 0 ? "" : code.slice(at + INLINE_MAP_HEAD.length);
  if (at < 0 || !INLINE_MAP_TAIL.test(tail)) {
    return { code, map: null, body: code };
  }
  const body = code.slice(0, at);
  return {
    code: `${body}\n//# sourceMappingURL=${sourceMapUrlFor(id, key)}\n`,
    map: tail.trimEnd(),
    body,
  };
}

/**
 * The URL of the source map of `entry`'s dev bundle with ETag `etag`:
 * `/@banana/map?bundle=<entry>&k=<hash>` (`k` tells versions apart for
 * devtools, as in {@linkcode sourceMapUrlFor}).
 */
export function bundleMapUrlFor(entry: string, etag: string): string {
  return `${SOURCE_MAP_URL}?bundle=${encodeURIComponent(entry)}&k=${
    fnv1a(etag).toString(36)
  }`;
}

/** The persistent cache's kind for transform outputs. */
export const FACTORY_CACHE_KIND = "registry-transform";

/** Names what a cached transform output holds besides the transform's own. */
const CACHED_OUTPUT_FORMAT = "transform-output@3";

/**
 * `body` for a plain function: the imports in its head (the first
 * `headLength` units) are not awaited. Only the head awaits them, and the
 * module itself awaits nothing at its top level.
 *
 * @example
 * ```ts
 * syncBodyOf('const __i0 = await __m.import("/src/a.ts");a();', 43);
 * // 'const __i0 = __m.import("/src/a.ts");a();'
 * ```
 */
export function syncBodyOf(body: string, headLength: number): string {
  return body.slice(0, headLength).replaceAll(
    "= await __m.import(",
    "= __m.import(",
  ) + body.slice(headLength);
}

/**
 * The code of a factory that throws `error` (a build error): the overlay
 * shows the error the server sent with it; the console names the module.
 *
 * @example
 * ```ts
 * failingFactoryCode({ message: "Unexpected token", stack: "", id: "/src/a.ts" });
 * ```
 */
export function failingFactoryCode(error: ErrorBody): string {
  const props = {
    id: error.id,
    frame: error.frame,
    loc: error.loc,
    plugin: error.plugin,
  };
  return `throw Object.assign(new Error(${JSON.stringify(error.message)}), ${
    JSON.stringify(props)
  });`;
}

/**
 * Factories of modules, cached.
 *
 * @example
 * ```ts
 * import type { ModuleFactories } from "./module_factories.ts";
 * async function example(factories: ModuleFactories) {
 *   const factory = await factories.get("/src/main.ts");
 *   console.log(factory.unsupported ?? factory.code);
 * }
 * ```
 */
export class ModuleFactories {
  #o: ModuleFactoriesOptions;
  #byUrl = new Map<string, ModuleFactory>();
  #inflight = new Map<string, Promise<ModuleFactory>>();
  /** Time spent in the registry transform, in ms (for profiles). */
  transformMs = 0;
  /** Transform outputs taken from the persistent cache. */
  cacheHits = 0;

  constructor(options: ModuleFactoriesOptions) {
    this.#o = options;
  }

  /**
   * The factory of `url`'s current build (building and rendering it when
   * needed; a cached factory is reused while its render key holds).
   */
  get(url: string): Promise<ModuleFactory> {
    const cached = this.#byUrl.get(url);
    if (
      cached && !cached.error && cached.key === this.#o.pipeline.plainKey(url)
    ) {
      return Promise.resolve(cached);
    }
    let pending = this.#inflight.get(url);
    if (!pending) {
      pending = this.#make(url).then((factory) => {
        this.#byUrl.set(url, factory);
        return factory;
      }).finally(() => this.#inflight.delete(url));
      this.#inflight.set(url, pending);
    }
    return pending;
  }

  /** The last factory made for `url`, current or not. */
  peek(url: string): ModuleFactory | undefined {
    return this.#byUrl.get(url);
  }

  async #make(url: string): Promise<ModuleFactory> {
    let rendered: { code: string; key: string; built: BuiltModule };
    try {
      rendered = await this.#o.pipeline.renderPlain(url);
    } catch (err) {
      const error = { ...toErrorBody(err, url), id: url };
      const code = failingFactoryCode(error);
      return {
        id: url,
        key: "error:" + contentHash(code),
        code,
        functionBody: code,
        syncBody: code,
        imports: [],
        dynamicImports: [],
        error,
      };
    }
    const output = this.#transform(rendered.code, url);
    if (typeof output === "string") {
      return {
        id: url,
        key: rendered.key,
        code: "",
        functionBody: null,
        syncBody: null,
        imports: [],
        dynamicImports: [],
        unsupported: output,
      };
    }
    const { code, map, body } = splitSourceMap(
      output.code,
      url,
      rendered.key,
    );
    // Taken to parse as a body unless found not to: checked where a script
    // of few factories is written, and for a page's bundle once the page
    // reports that it did not parse (checkBodies).
    const parses = this.#unparsableKeys.get(url) !== rendered.key;
    return {
      id: url,
      key: rendered.key,
      code,
      functionBody: parses ? body : null,
      syncBody: parses && !output.hasTopLevelAwait
        ? syncBodyOf(body, output.headLength)
        : null,
      map,
      imports: output.imports,
      dynamicImports: output.dynamicImports,
    };
  }

  /** The transform's output, from the persistent cache when it has it; a string says why it failed. */
  #transform(code: string, url: string): RegistryTransformOutput | string {
    const { cache, transformVersion = "1" } = this.#o;
    const key = cache
      ? cacheKey(`${transformVersion}+${CACHED_OUTPUT_FORMAT}`, url, code)
      : "";
    const hit = cache?.get(FACTORY_CACHE_KIND, key);
    if (hit) {
      try {
        this.cacheHits++;
        return JSON.parse(hit) as RegistryTransformOutput;
      } catch { /* a damaged entry: transform again */ }
    }
    const started = performance.now();
    let transformed: RegistryTransformOutput;
    try {
      transformed = this.#o.transform(code, url);
    } catch (err) {
      return `${url} cannot run in the module registry (${
        err instanceof Error ? err.message : String(err)
      })`;
    } finally {
      this.transformMs += performance.now() - started;
    }
    cache?.set(FACTORY_CACHE_KIND, key, JSON.stringify(transformed));
    return transformed;
  }

  /**
   * `factories` with each body V8 does not parse as a function body (see
   * `server/factory_body_check.ts`) made a string instead (`functionBody`
   * and `syncBody` null), which the factories made for the same key keep;
   * also says which modules those were.
   *
   * Not checked when factories are made: the check is V8 compiling every
   * body (~130 ms of a 10,000-module first start), and a body that does
   * not parse is rare (a module that declares `__m`, say). A page's bundle
   * is written as it is and the page reports a bundle that does not parse
   * (the dev bundle then checks its factories); scripts of a few factories
   * are checked before they are written.
   */
  checkBodies(
    factories: readonly ModuleFactory[],
  ): { factories: ModuleFactory[]; unparsable: string[] } {
    const bodies = factories.filter((f) => f.functionBody !== null);
    const parses = factoryBodiesParse(bodies.map((f) => f.functionBody!));
    const failing = new Set(bodies.filter((_, i) => !parses[i]));
    if (failing.size === 0) {
      return { factories: [...factories], unparsable: [] };
    }
    const checked = factories.map((factory) => {
      if (!failing.has(factory)) return factory;
      const asString = { ...factory, functionBody: null, syncBody: null };
      const current = this.#byUrl.get(factory.id);
      if (current?.key === factory.key) this.#byUrl.set(factory.id, asString);
      this.#unparsableKeys.set(factory.id, factory.key);
      return asString;
    });
    return { factories: checked, unparsable: [...failing].map((f) => f.id) };
  }
  /** Modules whose body at this key was found not to parse. */
  #unparsableKeys = new Map<string, string>();
}
