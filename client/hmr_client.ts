/**
 * The page's HMR state in one owner: the registries behind every
 * `import.meta.hot` (accept callbacks, dispose and prune handlers, `data`,
 * event listeners), the messages to the server, the update queue, and the
 * steps that apply one update (dispose, import, accept) or prune modules.
 * The browser wiring (socket, payload switch, overlay, indicator) is in
 * `client.ts`; this module touches no DOM, so it runs in Deno's tests too.
 *
 * @module
 */

import type { Update } from "./payload.ts";

/** Callback of `accept(cb)` / `accept(dep, cb)`. */
export type AcceptCallback = (
  mods: Array<Record<string, unknown> | undefined>,
) => void;

/** A `dispose` or `prune` handler; receives the module's `data`. */
export type DataHandler = (
  data: Record<string, unknown>,
) => void | Promise<void>;

/** A listener of a custom or lifecycle event. */
export type EventListener = (data: unknown) => void;

/** The listeners one version of a module added, by event. */
export type InstanceListeners = Map<string, EventListener[]>;

interface HotCallback {
  /** URLs this callback accepts (the module itself for self-accept). */
  deps: string[];
  fn: AcceptCallback;
}

/**
 * Where an update failed: evaluating new code (`import`: a top-level throw,
 * an import that fails at run time), a `dispose` handler, an accept
 * callback, or the time limit.
 */
export type UpdateStage = "import" | "dispose" | "accept" | "timeout";

/** An update that failed, with the module and the step it failed in. */
export class UpdateError extends Error {
  /** Wraps `cause`, thrown while updating `path` at `stage`. */
  constructor(
    readonly path: string,
    override readonly cause: unknown,
    readonly stage: UpdateStage,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * The module registry a bundle-mode page runs its modules on
 * (`client/module_registry.ts`), as updates and prune use it.
 */
export interface UpdateRegistry {
  /** Stores a module's factory (an update's `factories`). */
  define(id: string, version: string, code: string): void;
  /** Marks the fresh chain (`?t=` URLs) stale: imports make new instances. */
  markStale(urls: readonly string[]): void;
  /** Imports a module by URL (`?t=` / `?v=` stripped). */
  importUrl(url: string): Promise<Record<string, unknown>>;
  /** Drops the instances of pruned modules. */
  drop(ids: readonly string[]): void;
}

/** Options of {@linkcode HmrClient}. */
export interface HmrClientOptions {
  /** Imports a module by URL (default: dynamic `import()`). */
  importModule?: (url: string) => Promise<Record<string, unknown>>;
  /** Debug lines (default: `console.debug`). */
  log?: (message: string) => void;
}

/** `url` with the update's `t=` timestamp. */
export function withTimestamp(url: string, timestamp: number): string {
  return `${url}${url.includes("?") ? "&" : "?"}t=${timestamp}`;
}

function updateKey(update: Update): string {
  return `${update.path}\0${update.acceptedPath}`;
}

/**
 * The HMR state of one page, keyed by module URL. `HotContext`s (one per
 * module version) register into it; the runtime feeds it updates.
 *
 * @example
 * ```ts
 * import { HmrClient } from "./hmr_client.ts";
 * const client = new HmrClient({ importModule: async () => ({}) });
 * client.beginInstance("/src/a.ts");
 * client.addAccept("/src/a.ts", ["/src/a.ts"], () => {});
 * client.isHotModule("/src/a.ts"); // true
 * ```
 */
export class HmrClient {
  #importModule: (url: string) => Promise<Record<string, unknown>>;
  #log: (message: string) => void;
  /** Accept callbacks by module URL. */
  #accepts = new Map<string, HotCallback[]>();
  #disposeHandlers = new Map<string, DataHandler>();
  #pruneHandlers = new Map<string, DataHandler>();
  /** `import.meta.hot.data` by module URL (kept across versions). */
  #data = new Map<string, Record<string, unknown>>();
  #listeners = new Map<string, EventListener[]>();
  /** The listeners each module's current version added (dropped with it). */
  #listenersByOwner = new Map<string, InstanceListeners>();
  /**
   * The accept callbacks of instances that new versions replaced during the
   * current update: if a new version throws while it is evaluated, the old
   * instance keeps running, and so must its callbacks.
   */
  #replacedCallbacks = new Map<string, HotCallback[]>();
  /** Update path → the module that first invalidated it (loop detection). */
  #invalidationOrigins = new Map<string, string>();
  /** Newest update timestamp received per boundary and accepted module. */
  #newestUpdates = new Map<string, number>();
  #queue: Promise<void> = Promise.resolve();
  #outbox: string[] = [];
  #sender: ((message: string) => boolean) | null = null;
  #registry: UpdateRegistry | null = null;

  /** An empty page state. */
  constructor(options: HmrClientOptions = {}) {
    this.#importModule = options.importModule ??
      ((url) => import(/* @vite-ignore */ url));
    this.#log = options.log ?? ((message) => console.debug(message));
  }

  /**
   * Sets how updates import new module versions (`url` has the update's
   * `?t=`); the default is dynamic `import()`.
   */
  setImportModule(
    importModule: (url: string) => Promise<Record<string, unknown>>,
  ): void {
    this.#importModule = importModule;
  }

  /**
   * Runs updates on `registry` (bundle mode): new versions are imported from
   * it, its factories are defined from update payloads, pruned modules'
   * instances are dropped from it.
   */
  useRegistry(registry: UpdateRegistry): void {
    this.#registry = registry;
    this.setImportModule((url) => registry.importUrl(url));
  }

  /** The registry of a bundle-mode page; null in per-module mode. */
  get registry(): UpdateRegistry | null {
    return this.#registry;
  }

  // --- messages to the server ---

  /**
   * Sets how messages reach the server: `send` returns false when it could
   * not send (the socket is not open), and the message waits in the outbox.
   */
  setSender(send: ((message: string) => boolean) | null): void {
    this.#sender = send;
  }

  /** Sends what waited while the socket was not open. */
  flushOutbox(): void {
    const waiting = this.#outbox.splice(0);
    for (const [index, message] of waiting.entries()) {
      if (this.#sender?.(message)) continue;
      this.#outbox.unshift(...waiting.slice(index));
      return;
    }
  }

  /** Sends a custom event to the server's `hot.on(event)` listeners. */
  send(event: string, data?: unknown): void {
    const message = JSON.stringify({ type: "custom", event, data });
    if (!this.#sender?.(message)) this.#outbox.push(message);
  }

  // --- events ---

  /**
   * Calls the listeners of `event`. Lifecycle events are emitted under both
   * `banana:<name>` and `vite:<name>`, so Vite code keeps working.
   */
  notifyListeners(event: string, data?: unknown): void {
    const names = event.startsWith("banana:")
      ? [event, "vite:" + event.slice(7)]
      : event.startsWith("vite:")
      ? [event, "banana:" + event.slice(5)]
      : [event];
    for (const name of names) {
      for (const listener of this.#listeners.get(name) ?? []) {
        try {
          listener(data);
        } catch (err) {
          console.error(`[banana] listener of "${name}" threw:`, err);
        }
      }
    }
  }

  // --- what hot contexts register ---

  /**
   * A new version of `owner` starts: its old accept callbacks and event
   * listeners go away with the old instance (the callbacks are kept aside
   * until the update settles), its `data` stays. Returns the map of the
   * listeners the new version adds (pass it to `on` and `off`).
   */
  beginInstance(owner: string): InstanceListeners {
    if (!this.#data.has(owner)) this.#data.set(owner, {});
    const existing = this.#accepts.get(owner);
    if (existing) {
      if (!this.#replacedCallbacks.has(owner)) {
        this.#replacedCallbacks.set(owner, existing);
      }
      this.#accepts.set(owner, []);
    }
    const stale = this.#listenersByOwner.get(owner);
    if (stale) {
      for (const [event, fns] of stale) {
        const list = this.#listeners.get(event);
        if (list) {
          this.#listeners.set(event, list.filter((l) => !fns.includes(l)));
        }
      }
    }
    const own: InstanceListeners = new Map();
    this.#listenersByOwner.set(owner, own);
    return own;
  }

  /** `import.meta.hot.data` of `owner`. */
  data(owner: string): Record<string, unknown> {
    let data = this.#data.get(owner);
    if (!data) this.#data.set(owner, data = {});
    return data;
  }

  /** Registers an accept callback of `owner` for `deps`. */
  addAccept(owner: string, deps: string[], fn: AcceptCallback): void {
    const callbacks = this.#accepts.get(owner) ?? [];
    callbacks.push({ deps, fn });
    this.#accepts.set(owner, callbacks);
  }

  /** Sets the dispose handler of `owner`. */
  setDisposeHandler(owner: string, handler: DataHandler): void {
    this.#disposeHandlers.set(owner, handler);
  }

  /** Sets the prune handler of `owner`. */
  setPruneHandler(owner: string, handler: DataHandler): void {
    this.#pruneHandlers.set(owner, handler);
  }

  /**
   * Adds a listener of `event` for the module version whose listeners are
   * `own` (from {@linkcode HmrClient.beginInstance}); it goes away with that
   * version.
   */
  on(own: InstanceListeners, event: string, listener: EventListener): void {
    const add = (map: Map<string, EventListener[]>) => {
      const list = map.get(event) ?? [];
      list.push(listener);
      map.set(event, list);
    };
    add(this.#listeners);
    add(own);
  }

  /** Removes a listener added with {@linkcode HmrClient.on}. */
  off(own: InstanceListeners, event: string, listener: EventListener): void {
    const remove = (map: Map<string, EventListener[]>) => {
      const list = map.get(event);
      if (!list) return;
      const next = list.filter((l) => l !== listener);
      if (next.length === 0) map.delete(event);
      else map.set(event, next);
    };
    remove(this.#listeners);
    remove(own);
  }

  /** Gives up on the update of `owner`: the server propagates further. */
  invalidate(owner: string, message?: string): void {
    const firstInvalidatedBy = this.#invalidationOrigins.get(owner) ?? owner;
    this.notifyListeners("banana:invalidate", {
      path: owner,
      message,
      firstInvalidatedBy,
    });
    this.send("vite:invalidate", { path: owner, message, firstInvalidatedBy });
    this.#log(`[banana] invalidate ${owner}${message ? `: ${message}` : ""}`);
  }

  // --- the update queue ---

  /** Runs `job` after every job queued before it (updates apply in order). */
  enqueue(job: () => void | Promise<void>): void {
    this.#queue = this.#queue.then(job);
  }

  /** Notes updates as they arrive, before they wait in the queue. */
  noteArrival(updates: readonly Update[]): void {
    for (const update of updates) {
      const key = updateKey(update);
      const newest = this.#newestUpdates.get(key) ?? 0;
      this.#newestUpdates.set(key, Math.max(newest, update.timestamp));
    }
  }

  /**
   * True when a later update of the same module arrived while this one waited
   * in the queue: the later one imports the newest code, so a burst of saves
   * runs the module once, not once per save.
   */
  isSuperseded(update: Update): boolean {
    return (this.#newestUpdates.get(updateKey(update)) ?? 0) >
      update.timestamp;
  }

  // --- applying updates ---

  /** True when `path` registered an accept callback (it runs hot). */
  isHotModule(path: string): boolean {
    return this.#accepts.has(path);
  }

  /** True when `path` has a dispose handler. */
  hasDisposeHandler(path: string): boolean {
    return this.#disposeHandlers.has(path);
  }

  /** Remembers which invalidation each update came from (loop detection). */
  recordInvalidations(updates: readonly Update[]): void {
    for (const update of updates) {
      if (update.firstInvalidatedBy) {
        this.#invalidationOrigins.set(
          update.acceptedPath,
          update.firstInvalidatedBy,
        );
      } else this.#invalidationOrigins.delete(update.acceptedPath);
    }
  }

  /**
   * Applies one update: disposes the old version of the accepted module,
   * imports the new one, runs the accept callbacks. Throws an
   * {@linkcode UpdateError} naming the step that failed.
   */
  async applyUpdate(update: Update): Promise<void> {
    const callbacks = this.#accepts.get(update.path);
    if (!callbacks) return;
    const isSelfUpdate = update.path === update.acceptedPath;
    const accepting = callbacks.filter((cb) =>
      cb.deps.includes(update.acceptedPath)
    );
    if (!isSelfUpdate && accepting.length === 0) return;
    const dispose = this.#disposeHandlers.get(update.acceptedPath);
    if (dispose) {
      try {
        await dispose(this.#data.get(update.acceptedPath) ?? {});
      } catch (err) {
        throw new UpdateError(update.acceptedPath, err, "dispose");
      }
    }
    let fresh: Record<string, unknown>;
    try {
      fresh = await this.#importModule(
        withTimestamp(update.acceptedPath, update.timestamp),
      );
    } catch (err) {
      throw new UpdateError(update.acceptedPath, err, "import");
    }
    for (const { deps, fn } of accepting) {
      try {
        fn(deps.map((dep) => dep === update.acceptedPath ? fresh : undefined));
      } catch (err) {
        throw new UpdateError(update.path, err, "accept");
      }
    }
    this.#log(
      `[banana] hot updated: ${
        isSelfUpdate ? update.path : `${update.acceptedPath} via ${update.path}`
      }`,
    );
  }

  /**
   * Ends an update's bookkeeping of replaced instances. When the update
   * failed (`applied` false), modules whose new version registered no accept
   * callback get their old instance's callbacks back, so that the next save
   * is applied as a normal update.
   */
  settleReplacedInstances(applied: boolean): void {
    if (!applied) {
      for (const [owner, callbacks] of this.#replacedCallbacks) {
        const current = this.#accepts.get(owner);
        if (current && current.length === 0) {
          this.#accepts.set(owner, callbacks);
        }
      }
    }
    this.#replacedCallbacks.clear();
  }

  /**
   * Runs the dispose and prune handlers of modules the page no longer
   * imports and forgets them (their `data` too).
   */
  async prune(paths: readonly string[]): Promise<void> {
    this.notifyListeners("banana:beforePrune", { type: "prune", paths });
    for (const path of paths) {
      const data = this.#data.get(path) ?? {};
      try {
        await this.#disposeHandlers.get(path)?.(data);
        await this.#pruneHandlers.get(path)?.(data);
      } catch (err) {
        console.error(`[banana] prune handler of ${path} threw:`, err);
      }
      this.#disposeHandlers.delete(path);
      this.#pruneHandlers.delete(path);
      this.#accepts.delete(path);
      this.#data.delete(path);
    }
    this.#registry?.drop(paths);
  }
}

/** The page's one HMR state, shared by the runtime and every hot context. */
export const hmrClient: HmrClient = new HmrClient();
