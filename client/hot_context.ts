/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `import.meta.hot`: the Vite-compatible HMR API each module gets. Each
 * context is a view of one module version on the page's
 * {@linkcode HmrClient}, which owns the registries behind it.
 *
 * @module
 */

import type {
  AcceptCallback,
  EventListener,
  HmrClient,
  InstanceListeners,
} from "./hmr_client.ts";

export type { EventListener } from "./hmr_client.ts";

/** The API behind `import.meta.hot`. */
export class HotContext {
  readonly #client: HmrClient;
  readonly #owner: string;
  readonly #listeners: InstanceListeners;

  /** The context of a new version of the module at `ownerPath`. */
  constructor(client: HmrClient, ownerPath: string) {
    this.#client = client;
    this.#owner = ownerPath;
    this.#listeners = client.beginInstance(ownerPath);
  }

  /** Data kept across versions of this module (cleared after prune). */
  get data(): Record<string, unknown> {
    return this.#client.data(this.#owner);
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
    this.#client.setDisposeHandler(this.#owner, cb);
  }

  /** Runs when this module is no longer imported by the page. */
  prune(cb: (data: Record<string, unknown>) => void | Promise<void>): void {
    this.#client.setPruneHandler(this.#owner, cb);
  }

  /** This module cannot be hot-updated (the server reloads instead). */
  decline(): void {}

  /** Gives up on this update: the server propagates to the importers. */
  invalidate(message?: string): void {
    this.#client.invalidate(this.#owner, message);
  }

  /** Listens to a custom or lifecycle event. */
  on(event: string, cb: EventListener): void {
    this.#client.on(this.#listeners, event, cb);
  }

  /** Removes a listener added with `on`. */
  off(event: string, cb: EventListener): void {
    this.#client.off(this.#listeners, event, cb);
  }

  /** Sends a custom event to the server's `hot.on(event)` listeners. */
  send(event: string, data?: unknown): void {
    this.#client.send(event, data);
  }

  #register(deps: string[], fn: AcceptCallback): void {
    this.#client.addAccept(this.#owner, deps, fn);
  }
}
