/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `import.meta.hot`: the Vite-compatible HMR API each module gets, and the
 * registries behind it (accept callbacks, dispose/prune handlers, `data`,
 * custom event listeners), keyed by module URL.
 *
 * @module
 */

/** Callback of `accept(cb)` / `accept(dep, cb)`. */
type AcceptCallback = (
  mods: Array<Record<string, unknown> | undefined>,
) => void;

interface HotCallback {
  /** URLs this callback accepts (the module itself for self-accept). */
  deps: string[];
  fn: AcceptCallback;
}

interface HotModule {
  id: string;
  callbacks: HotCallback[];
}

/** A listener of a custom or lifecycle event. */
export type EventListener = (data: unknown) => void;

/** The registries shared by every hot context of the page. */
export const hotModules: Map<string, HotModule> = new Map();
/** Dispose handlers by module URL. */
export const disposeHandlers: Map<
  string,
  (data: Record<string, unknown>) => void | Promise<void>
> = new Map();
/** Prune handlers by module URL. */
export const pruneHandlers: Map<
  string,
  (data: Record<string, unknown>) => void | Promise<void>
> = new Map();
/** `import.meta.hot.data` by module URL (kept across versions). */
export const hotData: Map<string, Record<string, unknown>> = new Map();
const customListeners = new Map<string, EventListener[]>();
/**
 * The accept callbacks of instances that new versions replaced during the
 * current update: if a new version throws while it is evaluated, the old
 * instance keeps running, and so must its callbacks.
 */
const replacedCallbacks = new Map<string, HotCallback[]>();

/**
 * Ends an update's bookkeeping of replaced instances. When the update
 * failed (`applied` false), modules whose new version registered no accept
 * callback get their old instance's callbacks back, so that the next save
 * is applied as a normal update.
 */
export function settleReplacedInstances(applied: boolean): void {
  if (!applied) {
    for (const [owner, callbacks] of replacedCallbacks) {
      const mod = hotModules.get(owner);
      if (mod && mod.callbacks.length === 0) mod.callbacks = callbacks;
    }
  }
  replacedCallbacks.clear();
}
const listenersByOwner = new Map<string, Map<string, EventListener[]>>();

/** What a hot context needs from the client runtime. */
export interface HotTransport {
  send(event: string, data?: unknown): void;
  /** The invalidation this module's update came from, if any. */
  firstInvalidatedBy(path: string): string | undefined;
  log(message: string): void;
}

let transport: HotTransport = {
  send() {},
  firstInvalidatedBy: () => undefined,
  log: (message) => console.debug(message),
};

/** Connects the contexts to the runtime's socket. */
export function setTransport(next: HotTransport): void {
  transport = next;
}

/**
 * Calls the listeners of `event`. Lifecycle events are emitted under both
 * `banana:<name>` and `vite:<name>`, so Vite code keeps working.
 */
export function notifyListeners(event: string, data?: unknown): void {
  const names = event.startsWith("banana:")
    ? [event, "vite:" + event.slice(7)]
    : event.startsWith("vite:")
    ? [event, "banana:" + event.slice(5)]
    : [event];
  for (const name of names) {
    for (const listener of customListeners.get(name) ?? []) {
      try {
        listener(data);
      } catch (err) {
        console.error(`[banana] listener of "${name}" threw:`, err);
      }
    }
  }
}

/** The API behind `import.meta.hot`. */
export class HotContext {
  readonly #owner: string;
  readonly #newListeners: Map<string, EventListener[]>;

  constructor(ownerPath: string) {
    this.#owner = ownerPath;
    if (!hotData.has(ownerPath)) hotData.set(ownerPath, {});
    // A new version of the module: its old accept callbacks and event
    // listeners go away with the old instance.
    const existing = hotModules.get(ownerPath);
    if (existing) {
      if (!replacedCallbacks.has(ownerPath)) {
        replacedCallbacks.set(ownerPath, existing.callbacks);
      }
      existing.callbacks = [];
    }
    const stale = listenersByOwner.get(ownerPath);
    if (stale) {
      for (const [event, fns] of stale) {
        const list = customListeners.get(event);
        if (list) {
          customListeners.set(event, list.filter((l) => !fns.includes(l)));
        }
      }
    }
    this.#newListeners = new Map();
    listenersByOwner.set(ownerPath, this.#newListeners);
  }

  /** Data kept across versions of this module (cleared after prune). */
  get data(): Record<string, unknown> {
    return hotData.get(this.#owner)!;
  }

  /**
   * Accepts updates of this module (`accept()`, `accept(cb)`) or of the
   * given imports (`accept(dep, cb)`, `accept([deps], cb)`).
   */
  accept(
    deps?:
      | string
      | string[]
      | ((mod: Record<string, unknown> | undefined) => void),
    callback?: (mod: unknown) => void,
  ): void {
    if (typeof deps === "function" || deps === undefined) {
      const fn = deps;
      this.#register([this.#owner], ([mod]) => fn?.(mod));
    } else if (typeof deps === "string") {
      this.#register([deps], ([mod]) => callback?.(mod));
    } else if (Array.isArray(deps)) {
      this.#register(deps, (mods) => callback?.(mods));
    } else {
      throw new Error("import.meta.hot.accept(): invalid dependency argument");
    }
  }

  /** Vite's partial accept: treated as a self-accept here. */
  acceptExports(
    _exports: string | readonly string[],
    callback?: (mod: Record<string, unknown> | undefined) => void,
  ): void {
    this.#register([this.#owner], ([mod]) => callback?.(mod));
  }

  /** Runs before this module is replaced (receives `data`). */
  dispose(cb: (data: Record<string, unknown>) => void | Promise<void>): void {
    disposeHandlers.set(this.#owner, cb);
  }

  /** Runs when this module is no longer imported by the page. */
  prune(cb: (data: Record<string, unknown>) => void | Promise<void>): void {
    pruneHandlers.set(this.#owner, cb);
  }

  /** This module cannot be hot-updated (the server reloads instead). */
  decline(): void {}

  /** Gives up on this update: the server propagates to the importers. */
  invalidate(message?: string): void {
    const firstInvalidatedBy = transport.firstInvalidatedBy(this.#owner) ??
      this.#owner;
    notifyListeners("banana:invalidate", {
      path: this.#owner,
      message,
      firstInvalidatedBy,
    });
    transport.send("vite:invalidate", {
      path: this.#owner,
      message,
      firstInvalidatedBy,
    });
    transport.log(
      `[banana] invalidate ${this.#owner}${message ? `: ${message}` : ""}`,
    );
  }

  /** Listens to a custom or lifecycle event. */
  on(event: string, cb: EventListener): void {
    const add = (map: Map<string, EventListener[]>) => {
      const list = map.get(event) ?? [];
      list.push(cb);
      map.set(event, list);
    };
    add(customListeners);
    add(this.#newListeners);
  }

  /** Removes a listener added with `on`. */
  off(event: string, cb: EventListener): void {
    const remove = (map: Map<string, EventListener[]>) => {
      const list = map.get(event);
      if (!list) return;
      const next = list.filter((l) => l !== cb);
      if (next.length === 0) map.delete(event);
      else map.set(event, next);
    };
    remove(customListeners);
    remove(this.#newListeners);
  }

  /** Sends a custom event to the server's `hot.on(event)` listeners. */
  send(event: string, data?: unknown): void {
    transport.send(event, data);
  }

  #register(deps: string[], fn: AcceptCallback): void {
    const mod = hotModules.get(this.#owner) ?? {
      id: this.#owner,
      callbacks: [],
    };
    mod.callbacks.push({ deps, fn });
    hotModules.set(this.#owner, mod);
  }
}
