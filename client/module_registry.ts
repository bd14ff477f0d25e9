/**
 * The module registry a bundle-mode page runs its own modules on.
 *
 * In bundle mode the page gets one script (Contract 3 of issue 16): it
 * imports this file, imports every external natively (dependencies, the HMR
 * client) and hands each namespace to {@linkcode ModuleRegistry.external},
 * defines every app module through {@linkcode ModuleRegistry.definer} (its
 * factory written as a function of the script, or as code to compile where
 * the code does not parse as one), and ends with
 * `await registry.import("/src/main.ts")`. A factory is the body of an async
 * function of one parameter, `__m` ({@linkcode ModuleApi}), written by
 * `server/registry_transform.ts` from the module's browser-ready ESM: static
 * imports become `await __m.import(id)`, exports `__m.export({ name: () =>
 * local })`, `import.meta` is `__m.meta`, `import()` is `__m.dynamicImport`.
 *
 * A factory the bundle marks synchronous (`server/sync_factories.ts`: it
 * awaits nothing, and neither does anything it imports) is a plain function
 * whose imports return the dependency's exports at once: it runs inside its
 * importer's import, depth first, as an ES module graph evaluates, without
 * a promise per module. After the first hot update one not run yet runs as
 * an async factory instead (its imports may be hot code by then).
 *
 * What it keeps of ESM: one instance per module; an import that closes a
 * cycle gets the partial exports at once; concurrent imports of a module
 * share one evaluation (top-level await works); a module that throws leaves
 * no instance and rejects its importers; exports objects look like module
 * namespaces (null prototype, enumerable getters, `Symbol.toStringTag`
 * `"Module"`, not extensible once evaluated). Stack traces name the real
 * file and line: a factory compiled from code (a hot update's) gets a
 * `sourceURL` of the module's real URL, and frames in a function of the
 * bundle are told in the module's coordinates (`client/factory_frames.ts`;
 * devtools use the bundle's index source map).
 *
 * HMR: an update marks the fresh chain stale ({@linkcode
 * ModuleRegistry.markStale}); the next import of a stale module makes a new
 * instance, the rest keep theirs. In a page (not in Deno's tests) the file
 * plugs the page's registry into the HMR client (`hmrClient.useRegistry`)
 * and into the page report (`registry: true`, so the server sends this page
 * factories instead of module URLs).
 *
 * @module
 */

import { hmrClient, type UpdateRegistry } from "./hmr_client.ts";
import {
  noteRegistryRun,
  recordRegistryRuns,
  recordRunsRegistry,
} from "./page_modules.ts";
import { wrapFactory } from "./registry_factory.ts";
import { factoryFrames } from "./factory_frames.ts";

/** A module's exports object (what `import * as ns` and accept callbacks get). */
export type ModuleExports = Record<string, unknown>;

/**
 * `import.meta` of a module run by the registry. The module's own code sets
 * `hot` and `env` on it (per-module mode's header, transformed).
 */
export interface RegistryImportMeta {
  /**
   * The module's real URL with its version: `<origin>/src/a.ts?v=<version>`
   * for the page's first instance, `<origin>/src/a.ts?t=<timestamp>` for an
   * instance made by a hot update.
   */
  url: string;
  /** Resolves a specifier against this module, like `import.meta.resolve`. */
  resolve(specifier: string): string;
  /** Whatever the module's code adds (`hot`, `env`). */
  [key: string]: unknown;
}

/** What a factory's code gets as `__m`. */
export interface ModuleApi {
  /**
   * A static import (`await`ed): the dependency's exports (partial ones in
   * a cycle), or a promise of them while the dependency still runs.
   * `names`: the exports the import takes by name; one the evaluated module
   * does not have is a `SyntaxError`, as when an ES module is linked.
   */
  import(
    id: string,
    names?: readonly string[],
  ): ModuleExports | Promise<ModuleExports>;
  /**
   * `import(specifier)`: a relative or root-relative specifier resolves
   * against the module's URL to an id of this origin; a bare specifier or
   * another origin's URL is imported natively (the page's import map
   * applies).
   */
  dynamicImport(specifier: unknown): Promise<ModuleExports>;
  /**
   * Adds the module's exports: each getter returns a live binding's
   * current value; `values` holds exports whose value is fixed before the
   * module runs (hoisted functions nothing assigns to), kept as plain
   * read-only values.
   */
  export(
    getters: Record<string, () => unknown>,
    values?: Record<string, unknown>,
  ): void;
  /** `export * from`: every export of `namespace` but `default`. */
  exportAll(namespace: ModuleExports): void;
  /** The module's `import.meta`. */
  readonly meta: RegistryImportMeta;
  /** The module's exports object. */
  readonly exports: ModuleExports;
}

/** Why the registry could not give a module. */
export type RegistryErrorCode =
  /** The server answered, but did not define the module. */
  | "REGISTRY_MODULE_NOT_FOUND"
  /** The factories could not be fetched from the server. */
  | "REGISTRY_FETCH_FAILED";

/** A module the registry could not give, with a code saying why. */
export class RegistryError extends Error {
  /** An error of kind `code` about module `id`. */
  constructor(
    readonly code: RegistryErrorCode,
    readonly id: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}

/** The path the registry fetches factories it does not have from. */
export const REGISTRY_PATH = "/@banana/registry";

/** Options of {@linkcode ModuleRegistry} (tests inject both). */
export interface ModuleRegistryOptions {
  /** The page's origin (default: `location.origin`). */
  origin?: string;
  /**
   * Imports a URL natively (default: dynamic `import()`): externals the
   * bundle did not carry, and the server's answer to a factory request.
   */
  nativeImport?: (url: string) => Promise<ModuleExports>;
  /**
   * Told each time a module ran (its instance settled, its factory did not
   * throw); {@linkcode ModuleRegistry.takeRuns} then says which. The page's
   * registry tells the HMR client, which reports what the page runs
   * (`client/page_modules.ts`): its modules carry no header to say it.
   */
  onRun?: () => void;
}

type Factory = (this: undefined, api: ModuleApi) => Promise<void>;

/**
 * What {@linkcode ModuleRegistry.definer} returns: defines module `id` at
 * `version` from `factory`, a body to compile or a function of the script
 * whose body starts at `line` after `column` units and spans `lineCount`
 * lines.
 */
export type BundleDefine = (
  id: string,
  version: string,
  factory: string | Factory,
  line?: number,
  column?: number,
  lineCount?: number,
  /** 1: a plain function whose imports are synchronous too. */
  sync?: number,
) => void;

interface Definition {
  version: string;
  /** The factory's body, compiled on the first instance; or the factory. */
  code: string | Factory;
  /**
   * A plain function whose imports are all synchronous too: it runs at
   * once, inside its importer's import (`server/sync_factories.ts`).
   */
  sync: boolean;
}

interface Instance {
  readonly id: string;
  readonly exports: ModuleExports;
  /** Made on the first read (most modules never read `import.meta`). */
  meta: RegistryImportMeta | null;
  /** The stale mark this instance replaces (undefined: a first instance). */
  readonly staleMark: string | null | undefined;
  /** Evaluated, or failed: it waits for nothing any more. */
  settled: boolean;
  /** Its factory. */
  readonly definition: Definition;
  /** Started by the first import that waits for it. */
  evaluation: Promise<ModuleExports> | null;
  /** Its synchronous factory is on the stack (an import of it closes a cycle). */
  running: boolean;
  /**
   * The instances whose evaluation this one's waited for (while it is not
   * settled, the ones it may still be waiting for).
   */
  awaiting: Set<Instance> | null;
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The body of a synchronous factory as an async factory's (its imports
 * awaited), compiled on its own: for a module first run after an update,
 * whose imports may be hot code.
 */
function asyncBodyOf(factory: Factory): string {
  const source = String(factory);
  const body = source.slice(source.indexOf("{") + 1, source.lastIndexOf("}"));
  // Only the head makes such records (`server/registry_transform.ts`).
  return body.replace(/(const __i\d+ = )__m\.import\(/g, "$1await __m.import(");
}

/** The prototype of every `import.meta`: empty, and with none of its own. */
const META_PROTOTYPE: object = Object.freeze(Object.create(null));
/** A query parameter that versions a module URL (`t=<ts>`, `v=<version>`). */
const VERSION_PARAM = /^[tv](=|$)/;
/** Factories started on one stack before the next starts on a fresh one. */
const MAX_SYNC_DEPTH = 100;

/** False once the page refused `eval` (a Content-Security-Policy). */
let evalAllowed = true;

/**
 * Compiles a factory (`wrapFactory`, client/registry_factory.ts): `code` is
 * the body of an async function of `__m`. The prefix stays on the first
 * line so the body's line numbers are the module's; `sourceURL` names the
 * module's real file.
 *
 * By indirect `eval`: a classic `<script>` per factory would make frames
 * read `at <url>:4:27` rather than `at eval (<url>:4:27)`, but costs
 * Chromium 2–3.5 times as much (5000 factories: 1.8 s against 0.8 s on a
 * first load, 0.65 s against 0.18 s on a reload; bench/registry_bench.ts).
 * Where a Content-Security-Policy refuses `eval`, scripts it is.
 */
function compile(code: string, sourceUrl: string): Factory {
  const source = wrapFactory(code, sourceUrl);
  if (evalAllowed) {
    try {
      return (0, eval)(source);
    } catch (err) {
      if (!(err instanceof EvalError) || !("document" in globalThis)) {
        throw err;
      }
      evalAllowed = false;
    }
  }
  return compileAsScript(source, sourceUrl);
}

/** The global a factory script hands its function to (taken back at once). */
const TAKE_FACTORY = "__bananaTakeFactory";

/** Compiles `source` as an inline classic script (eval is refused). */
function compileAsScript(source: string, sourceUrl: string): Factory {
  const page = globalThis as unknown as {
    document: {
      createElement(tag: "script"): { textContent: string; remove(): void };
      head: { append(node: unknown): void };
    };
    addEventListener(type: "error", fn: (event: ErrorEvent) => void): void;
    removeEventListener(type: "error", fn: (event: ErrorEvent) => void): void;
    [TAKE_FACTORY]?: (factory: Factory) => void;
  };
  let factory: Factory | null = null;
  let thrown: { error: unknown } | null = null;
  // A syntax error in the script is reported, not thrown: take it back.
  const onError = (event: ErrorEvent) => {
    thrown = { error: event.error };
    event.preventDefault();
  };
  page[TAKE_FACTORY] = (taken) => factory = taken;
  page.addEventListener("error", onError);
  try {
    const script = page.document.createElement("script");
    script.textContent = `${TAKE_FACTORY}(${source}\n)`;
    page.document.head.append(script);
    script.remove();
  } finally {
    page.removeEventListener("error", onError);
    delete page[TAKE_FACTORY];
  }
  if (factory) return factory;
  if (thrown) throw (thrown as { error: unknown }).error;
  throw new Error(
    `Cannot run ${sourceUrl}: the page's Content-Security-Policy allows ` +
      "neither eval nor inline scripts",
  );
}

/**
 * Throws the `SyntaxError` a browser throws when it links an import of a
 * name `id` does not export. Partial exports (an import that closes a
 * cycle) are not checked: `export *` names arrive as their module runs.
 */
function assertExported(
  exports: ModuleExports,
  id: string,
  names: readonly string[],
): ModuleExports {
  // Still extensible: the module is being evaluated (a cycle).
  if (Object.isExtensible(exports)) return exports;
  for (const name of names) {
    if (!(name in exports)) {
      throw new SyntaxError(
        `The requested module '${id}' does not provide an export named '${name}'`,
      );
    }
  }
  return exports;
}

const TO_STRING_TAG = { value: "Module" };

/**
 * A module's exports object: what `import * as ns` gets.
 *
 * A live binding is an accessor; but every module's accessor for a name
 * is ONE shared function that reads the module's own slot (`#slots`, the
 * `() => local` closures of its `export` calls). (An export whose value
 * never changes is a plain read-only value, {@linkcode Namespace.defineValue}.) V8
 * gives objects whose accessors are distinct closures a map each, then
 * turns them into dictionaries: every `ns.name` became a hash lookup and a
 * getter call no optimiser inlines (a 10,000-module tree rendered 5× slower
 * than plain functions). With shared accessors, namespaces of modules that
 * export the same names share their maps and stay fast.
 */
class Namespace {
  readonly #slots: Record<string, () => unknown> = {};

  /** A namespace with a null prototype, as a module namespace has. */
  static create(): ModuleExports {
    const namespace = new Namespace();
    Object.setPrototypeOf(namespace, null);
    Object.defineProperty(namespace, Symbol.toStringTag, TO_STRING_TAG);
    return namespace as unknown as ModuleExports;
  }

  /** Adds export `name` to `namespace`, its value read by `get`. */
  static define(
    namespace: ModuleExports,
    name: string,
    get: () => unknown,
  ): void {
    (namespace as unknown as Namespace).#slots[name] = get;
    Object.defineProperty(namespace, name, {
      get: Namespace.#accessor(name),
      enumerable: true,
      configurable: false,
    });
  }

  /** Adds export `name` to `namespace` with a value that never changes. */
  static defineValue(
    namespace: ModuleExports,
    name: string,
    value: unknown,
  ): void {
    Object.defineProperty(namespace, name, {
      value,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }

  static #accessors = new Map<string, () => unknown>();

  /** The one accessor of export `name`, shared by every namespace. */
  static #accessor(name: string): () => unknown {
    let accessor = Namespace.#accessors.get(name);
    if (!accessor) {
      accessor = function (this: unknown) {
        return Namespace.#owner(this).#slots[name]();
      };
      Namespace.#accessors.set(name, accessor);
    }
    return accessor;
  }

  /**
   * The namespace an accessor was called on: the receiver, or (read through
   * an object inheriting from one, `Object.create(ns).name`) the namespace
   * on its prototype chain.
   */
  static #owner(receiver: unknown): Namespace {
    let target = receiver;
    while (typeof target === "object" && target !== null) {
      if (#slots in target) return target;
      target = Object.getPrototypeOf(target);
    }
    throw new TypeError("a module namespace's export read off another object");
  }
}

function nativeResolve(specifier: string): string {
  return import.meta.resolve(specifier);
}

/**
 * One page's modules: their factories, instances and externals.
 *
 * @example Two modules, run from factories
 * ```ts
 * import { ModuleRegistry } from "./module_registry.ts";
 *
 * const registry = new ModuleRegistry({ origin: "http://localhost:5173" });
 * registry.define(
 *   "/src/main.ts",
 *   "1",
 *   '"use strict";__m.export({ text: () => text });const __i0 = await __m.import("/src/greet.ts");\n' +
 *     "const text = (0, __i0.greet)('you');",
 * );
 * registry.define(
 *   "/src/greet.ts",
 *   "1",
 *   '"use strict";__m.export({ greet: () => greet });\nfunction greet(name) { return `hi ${name}`; }',
 * );
 * const main = await registry.import("/src/main.ts");
 * main.text; // "hi you"
 * ```
 */
export class ModuleRegistry implements UpdateRegistry {
  readonly #origin: string;
  readonly #nativeImport: (url: string) => Promise<ModuleExports>;
  readonly #onRun: (() => void) | null;
  /** Instances settled since the last takeRuns() (with onRun only). */
  #ranSince: Instance[] = [];
  readonly #definitions = new Map<string, Definition>();
  readonly #externals = new Map<string, ModuleExports>();
  /** The current, evaluated instance of each module. */
  readonly #instances = new Map<string, Instance>();
  /** Instances being evaluated (a first one, or a stale one's successor). */
  readonly #evaluating = new Map<string, Instance>();
  /** Stale module → the query of its next instance (`t=<timestamp>`). */
  readonly #stale = new Map<string, string | null>();
  /** Ids being fetched from the server → the fetch. */
  readonly #fetching = new Map<string, Promise<void>>();
  /** Ids to fetch in the next request (missing ids of one task, batched). */
  #batch: Set<string> | null = null;
  #batchFetch: Promise<void> | null = null;
  /** How many factories are starting on the current stack. */
  #syncDepth = 0;
  /** No update yet: synchronous factories find their imports ready. */
  #syncSafe = true;
  /** Request URLs that failed: the next try gets a new URL. */
  readonly #failedRequests = new Map<string, number>();

  /** An empty registry. */
  constructor(options: ModuleRegistryOptions = {}) {
    this.#origin = options.origin ??
      (globalThis as { location?: { origin: string } }).location?.origin ??
      "";
    this.#nativeImport = options.nativeImport ??
      ((url) => import(/* @vite-ignore */ url));
    this.#onRun = options.onRun ?? null;
  }

  /**
   * Stores the factory of `id` (compiled when an instance is first made).
   * The same version again is a no-op; a new version serves the module's
   * next instance (running instances stay until an update makes them
   * stale).
   */
  define(id: string, version: string, code: string): void {
    if (this.#definitions.get(id)?.version === version) return;
    this.#definitions.set(id, { version, code, sync: false });
  }

  /**
   * The define function of the bundle script at `script` (its
   * `import.meta.url`). It takes a factory's body as a string, as
   * {@linkcode ModuleRegistry.define} does, or the factory itself written
   * in the script, with where its body lies there: from `line` (1-based)
   * after `column` UTF-16 units, for `lineCount` lines. Such a factory is
   * compiled with the script (and cached with it between loads); stack
   * frames in it name the module (see `client/factory_frames.ts`).
   *
   * A script's later definition of a module replaces its earlier one,
   * whatever the versions: a bundle written while its modules were built
   * corrects a factory it wrote as a plain function before it runs any
   * (`server/bundle_script.ts`).
   */
  definer(script: string): BundleDefine {
    const definedHere = new Set<string>();
    return (id, version, factory, line, column, lineCount, sync) => {
      if (definedHere.has(id)) this.#definitions.delete(id);
      else definedHere.add(id);
      if (this.#definitions.get(id)?.version === version) return;
      this.#definitions.set(id, {
        version,
        code: factory,
        sync: sync === 1 && typeof factory === "function",
      });
      if (typeof factory === "function" && line !== undefined) {
        factoryFrames.add(
          script,
          this.#origin + id,
          line,
          column ?? 0,
          lineCount ?? 1,
        );
      }
    };
  }

  /** Registers `namespace`, imported natively, as the module `id`. */
  external(id: string, namespace: ModuleExports): void {
    this.#externals.set(id, namespace);
  }

  /** True when `id` has a factory or is an external. */
  has(id: string): boolean {
    return this.#definitions.has(id) || this.#externals.has(id);
  }

  /**
   * The exports of module `id` (an external, or an instance of its
   * factory, made on the first import). A module that neither is defined
   * nor is an external is fetched from the server, see
   * {@linkcode ModuleRegistry.fetchUrl}; a URL of another origin is
   * imported natively.
   */
  import(id: string): Promise<ModuleExports> {
    let got: ModuleExports | Promise<ModuleExports>;
    try {
      got = this.#importFrom(null, id);
    } catch (err) {
      // A synchronous factory threw.
      return Promise.reject(err);
    }
    return got instanceof Promise ? got : Promise.resolve(got);
  }

  /** {@linkcode ModuleRegistry.import} by URL: the origin, `t=` and `v=` go. */
  importUrl(url: string): Promise<ModuleExports> {
    return this.import(this.idOf(url));
  }

  /**
   * The id of a module URL of this page: `<origin>/src/a.ts?t=5` and
   * `/src/a.ts?v=1` are `/src/a.ts` (other query parameters stay). A URL of
   * another origin is returned as it is.
   */
  idOf(url: string): string {
    const base = this.#origin || "http://registry.invalid";
    let parsed: URL;
    try {
      parsed = new URL(url, base + "/");
    } catch {
      return url;
    }
    if (parsed.origin !== new URL(base).origin) return url;
    if (!parsed.search) return parsed.pathname;
    // Taken apart by hand: URLSearchParams would write `?import` back as
    // `?import=`, another id.
    const rest = parsed.search.slice(1).split("&").filter((param) =>
      !VERSION_PARAM.test(param)
    ).join("&");
    return rest ? `${parsed.pathname}?${rest}` : parsed.pathname;
  }

  /**
   * Marks the modules at `urls` (`/src/a.ts?t=<timestamp>`) stale: the next
   * import of each makes a new instance (its `import.meta.url` carries the
   * timestamp); importers that are not re-run keep the old one. A mark stays
   * until an instance is made, as a `?t=` URL in new code does per module:
   * a module of the chain that the new code imports only later (a lazy
   * `import()`) still gets its new version then. A stale module whose new
   * instance throws keeps its old instance, and stays stale.
   */
  markStale(urls: readonly string[]): void {
    // From the first update on, a module's imports may be hot code (async
    // factories): a synchronous factory not yet run runs async instead.
    this.#syncSafe = false;
    for (const url of urls) {
      const id = this.idOf(url);
      const t = /[?&]t=([^&#]*)/.exec(url)?.[1];
      this.#stale.set(id, t ? `t=${t}` : null);
    }
  }

  /**
   * The modules that ran since the last call (see `onRun`), as a flat array
   * of pairs: id, and root-relative URL with its query (`/src/a.ts?v=1`,
   * `/src/a.ts?t=5`), the URL `import.meta.url` names without the origin.
   * Made on demand: after the task that ran them.
   */
  takeRuns(): string[] {
    const ran = this.#ranSince;
    this.#ranSince = [];
    const pairs: string[] = [];
    for (const instance of ran) pairs.push(instance.id, this.#pathOf(instance));
    return pairs;
  }

  /** True when `id` has an evaluated instance. */
  isInstantiated(id: string): boolean {
    return this.#instances.has(id);
  }

  /** Drops the instances of `ids` (pruned): a later import runs them anew. */
  drop(ids: readonly string[]): void {
    for (const id of ids) {
      this.#instances.delete(id);
      this.#stale.delete(id);
    }
  }

  /**
   * The URL the registry fetches missing modules from:
   * `GET /@banana/registry?ids=/src/a.ts,/src/b.ts` — the server reads
   * `url.searchParams.get("ids")!.split(",")` (an id containing `,` cannot
   * be fetched). It is imported as a
   * module script (so it may import externals natively), and must define
   * each id it was asked for, in the bundle's own form:
   *
   * ```text
   * import { registry } from "/@banana/client/module_registry.ts";
   * import * as __x0 from "/@deps/x.js"; registry.external("/@deps/x.js", __x0);
   * const __d = registry.definer(import.meta.url);
   * __d("/src/a.ts", "<version>", async function (__m) {<body>
   * }, <line>, <column>, <lines>);
   * __d("/src/b.ts", "<version>", "<factory code>");
   * ```
   *
   * An id the server cannot build should still be defined, by a factory
   * that throws the error (as the bundle does for build errors): the
   * importer then sees the real message. An id left undefined rejects with
   * `REGISTRY_MODULE_NOT_FOUND`; a failed request with
   * `REGISTRY_FETCH_FAILED`. The server may define more than was asked
   * (the modules' static imports the page lacks): `define` of a known
   * version is a no-op.
   */
  fetchUrl(ids: readonly string[]): string {
    // Encoded as a query value (`searchParams.get("ids")` gives the ids back,
    // joined with `,`), with the characters a query keeps left readable.
    const list = ids.map((id) =>
      encodeURIComponent(id).replace(/%(2F|40|3A)/g, decodeURIComponent)
    ).join(",");
    return `${this.#origin}${REGISTRY_PATH}?ids=${list}`;
  }

  /**
   * What an import of `id` by `importer` (null: from outside) gets: the
   * exports themselves when they are ready (no promise to wait for: most
   * imports in a page load are of modules already run), else a promise.
   */
  #importFrom(
    importer: Instance | null,
    id: string,
  ): ModuleExports | Promise<ModuleExports> {
    const external = this.#externals.get(id);
    if (external) return external;
    const instance = this.#instanceFor(id);
    if (!instance) return this.#importMissing(importer, id);
    if (instance.settled || instance.running) return instance.exports;
    const { definition } = instance;
    if (definition.sync && !instance.evaluation) {
      if (this.#syncSafe) return this.#evaluateSync(instance);
      definition.code = asyncBodyOf(definition.code as Factory);
      definition.sync = false;
    }
    if (importer) {
      // An import that closes a cycle gets the partial exports, as in ESM.
      if (instance === importer || this.#awaits(instance, importer)) {
        return instance.exports;
      }
      // Before the dependency starts: its imports must see the edge. Never
      // removed: a settled instance waits for nothing (see #awaits).
      (importer.awaiting ??= new Set()).add(instance);
    }
    // Whoever starts an instance waits for it: a rejection has a handler.
    return instance.evaluation ??= this.#evaluate(instance);
  }

  async #importMissing(
    importer: Instance | null,
    id: string,
  ): Promise<ModuleExports> {
    if (HAS_SCHEME.test(id)) return await this.#nativeImport(id);
    await this.#fetchDefinition(id);
    if (!this.has(id)) {
      throw new RegistryError(
        "REGISTRY_MODULE_NOT_FOUND",
        id,
        `Cannot import ${id}: expected the server to define it at ${
          this.fetchUrl([id])
        }, it did not`,
      );
    }
    return await this.#importFrom(importer, id);
  }

  /** True when `from`'s evaluation waits (through others) for `target`'s. */
  #awaits(from: Instance, target: Instance): boolean {
    // Most imports start a fresh instance, which waits for nothing yet.
    if (!from.awaiting) return false;
    const seen = new Set<Instance>();
    const todo = [from];
    while (todo.length > 0) {
      const next = todo.pop()!;
      if (!next.awaiting) continue;
      for (const dep of next.awaiting) {
        if (dep === target) return true;
        if (!dep.settled && !seen.has(dep)) {
          seen.add(dep);
          todo.push(dep);
        }
      }
    }
    return false;
  }

  /** The instance an import of `id` gets; null when `id` has no factory. */
  #instanceFor(id: string): Instance | null {
    const evaluating = this.#evaluating.get(id);
    if (evaluating) return evaluating;
    const current = this.#instances.get(id);
    if (current && !this.#stale.has(id)) return current;
    const definition = this.#definitions.get(id);
    if (!definition) return null;
    return this.#instantiate(id, definition);
  }

  #instantiate(id: string, definition: Definition): Instance {
    const staleMark = this.#stale.get(id);
    const instance: Instance = {
      id,
      exports: Namespace.create(),
      meta: null,
      staleMark,
      settled: false,
      definition,
      evaluation: null,
      running: false,
      awaiting: null,
    };
    this.#evaluating.set(id, instance);
    return instance;
  }

  /**
   * `instance`'s URL without the origin: its id with `v=<version>`, or with
   * its `t=` mark.
   */
  #pathOf(instance: Instance): string {
    const { id } = instance;
    const query = instance.staleMark ??
      `v=${encodeURIComponent(instance.definition.version)}`;
    return `${id}${id.includes("?") ? "&" : "?"}${query}`;
  }

  /** `import.meta` of `instance`, made on the first read. */
  #metaOf(instance: Instance): RegistryImportMeta {
    if (instance.meta) return instance.meta;
    const url = this.#origin + this.#pathOf(instance);
    // Inherits nothing, as `import.meta` (whose prototype is null): a
    // null-prototype object of its own would be a slow dictionary in V8.
    const meta: RegistryImportMeta = Object.create(META_PROTOTYPE);
    meta.url = url;
    meta.resolve = (specifier: string) => this.#resolve(specifier, url);
    return instance.meta = meta;
  }

  /**
   * Runs a synchronous factory now: its imports run inside it, as an ES
   * module graph evaluates; a throw leaves no instance and goes up through
   * its importers.
   */
  #evaluateSync(instance: Instance): ModuleExports {
    const { id, definition } = instance;
    instance.running = true;
    try {
      (definition.code as Factory).call(undefined, this.#api(instance));
    } catch (err) {
      instance.running = false;
      instance.settled = true;
      if (this.#evaluating.get(id) === instance) this.#evaluating.delete(id);
      throw err;
    }
    instance.running = false;
    return this.#settle(instance);
  }

  /** Makes an evaluated instance the module's current one. */
  #settle(instance: Instance): ModuleExports {
    const { id } = instance;
    // Once it ran: a module whose build failed (its factory throws the
    // error) is not one the page runs, and gets reloaded when it builds.
    if (this.#onRun) {
      this.#ranSince.push(instance);
      this.#onRun();
    }
    Object.preventExtensions(instance.exports);
    instance.settled = true;
    if (this.#evaluating.get(id) === instance) this.#evaluating.delete(id);
    this.#instances.set(id, instance);
    // Marked again while it ran (a later update): it stays stale.
    if (this.#stale.has(id) && this.#stale.get(id) === instance.staleMark) {
      this.#stale.delete(id);
    }
    return instance.exports;
  }

  async #evaluate(instance: Instance): Promise<ModuleExports> {
    // Factories start synchronously (as the importer's await would let them
    // anyway), except deep in a chain: a fresh stack every so often, so a
    // long chain of imports does not overflow it.
    if (this.#syncDepth >= MAX_SYNC_DEPTH) await undefined;
    const { id, definition } = instance;
    let running: Promise<void>;
    this.#syncDepth++;
    try {
      if (typeof definition.code === "string") {
        definition.code = compile(definition.code, this.#origin + id);
      }
      running = definition.code.call(undefined, this.#api(instance));
    } catch (err) {
      // A syntax error in the code.
      running = Promise.reject(err);
    } finally {
      this.#syncDepth--;
    }
    try {
      await running;
    } catch (err) {
      instance.settled = true;
      if (this.#evaluating.get(id) === instance) this.#evaluating.delete(id);
      throw err;
    }
    return this.#settle(instance);
  }

  #api(instance: Instance): ModuleApi {
    return new ModuleRegistry.#Scope(this, instance);
  }

  /**
   * `__m` of one instance: one object per module with shared methods
   * (closures per module were 10,000 × 5 objects on a large page's load,
   * most of a garbage collection that landed in the middle of it).
   */
  static #Scope = class ModuleScope implements ModuleApi {
    readonly exports: ModuleExports;
    readonly #registry: ModuleRegistry;
    readonly #instance: Instance;

    constructor(registry: ModuleRegistry, instance: Instance) {
      this.#registry = registry;
      this.#instance = instance;
      this.exports = instance.exports;
    }

    get meta(): RegistryImportMeta {
      return this.#registry.#metaOf(this.#instance);
    }

    import(
      id: string,
      names?: readonly string[],
    ): ModuleExports | Promise<ModuleExports> {
      const got = this.#registry.#importFrom(this.#instance, id);
      if (!names) return got;
      return got instanceof Promise
        ? got.then((exports) => assertExported(exports, id, names))
        : assertExported(got, id, names);
    }

    dynamicImport(specifier: unknown): Promise<ModuleExports> {
      return this.#registry.#dynamicImport(String(specifier), this.meta.url);
    }

    export(
      getters: Record<string, () => unknown>,
      values?: Record<string, unknown>,
    ): void {
      const exports = this.exports;
      // In code-unit order, as a module namespace lists its exports.
      const names = Object.keys(getters);
      if (values) names.push(...Object.keys(values));
      for (const name of names.sort()) {
        if (Object.hasOwn(exports, name)) continue;
        if (values && Object.hasOwn(values, name)) {
          Namespace.defineValue(exports, name, values[name]);
        } else Namespace.define(exports, name, getters[name]);
      }
    }

    exportAll(namespace: ModuleExports): void {
      const exports = this.exports;
      // Local exports win over star exports, and `default` is never one.
      for (const name of Object.keys(namespace).sort()) {
        if (name === "default" || Object.hasOwn(exports, name)) continue;
        Namespace.define(exports, name, () => namespace[name]);
      }
    }
  };

  async #dynamicImport(
    specifier: string,
    importerUrl: string,
  ): Promise<ModuleExports> {
    const isPath = specifier.startsWith("/") || specifier.startsWith("./") ||
      specifier.startsWith("../");
    if (!isPath && !HAS_SCHEME.test(specifier)) {
      // A bare specifier: the page's import map knows it.
      return await this.#nativeImport(specifier);
    }
    const url = new URL(specifier, importerUrl).href;
    const id = this.idOf(url);
    if (id === url) return await this.#nativeImport(url);
    return await this.import(id);
  }

  #resolve(specifier: string, importerUrl: string): string {
    const isPath = specifier.startsWith("/") || specifier.startsWith("./") ||
      specifier.startsWith("../");
    if (isPath || HAS_SCHEME.test(specifier)) {
      return new URL(specifier, importerUrl).href;
    }
    return nativeResolve(specifier);
  }

  #fetchDefinition(id: string): Promise<void> {
    const fetching = this.#fetching.get(id);
    if (fetching) return fetching;
    if (!this.#batch) {
      const batch = new Set<string>();
      this.#batch = batch;
      // Ids missing in the same task go in one request.
      this.#batchFetch = Promise.resolve().then(() => {
        this.#batch = null;
        return this.#fetchBatch([...batch]);
      });
    }
    this.#batch.add(id);
    const request = this.#batchFetch!;
    this.#fetching.set(id, request);
    request.catch(() => {}).finally(() => this.#fetching.delete(id));
    return request;
  }

  async #fetchBatch(ids: string[]): Promise<void> {
    let url = this.fetchUrl(ids);
    const failures = this.#failedRequests.get(url) ?? 0;
    // A failed module fetch may stay in the page's module map: ask anew.
    const requested = failures > 0 ? `${url}&retry=${failures}` : url;
    try {
      await this.#nativeImport(requested);
      this.#failedRequests.delete(url);
    } catch (err) {
      this.#failedRequests.set(url, failures + 1);
      url = requested;
      throw new RegistryError(
        "REGISTRY_FETCH_FAILED",
        ids[0],
        `Cannot import ${ids.join(", ")}: fetching ${url} failed: ${
          err instanceof Error ? err.message : String(err)
        }`,
        { cause: err },
      );
    }
  }
}

/** The page's registry (the bundle defines its modules on it). */
export const registry: ModuleRegistry = new ModuleRegistry({
  onRun: "document" in globalThis ? noteRegistryRun : undefined,
});

if ("document" in globalThis) {
  hmrClient.useRegistry(registry);
  recordRunsRegistry();
  recordRegistryRuns(() => registry.takeRuns());
}
