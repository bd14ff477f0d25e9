/**
 * The types of `import.meta.hot` (Vite-compatible) and `import.meta.env` as
 * BananaJS serves them. `client/types.d.ts` puts them on `ImportMeta`.
 *
 * @module
 */

/** A module namespace object handed to accept callbacks. */
export type ModuleNamespace = Record<string, unknown> & {
  [Symbol.toStringTag]: "Module";
};

/** Names of the lifecycle events (also emitted with the `vite:` prefix). */
export type HotEventName =
  | "banana:beforeUpdate"
  | "banana:afterUpdate"
  | "banana:beforeFullReload"
  | "banana:beforePrune"
  | "banana:invalidate"
  | "banana:error"
  | "banana:ws:connect"
  | "banana:ws:disconnect"
  | "vite:beforeUpdate"
  | "vite:afterUpdate"
  | "vite:beforeFullReload"
  | "vite:beforePrune"
  | "vite:invalidate"
  | "vite:error"
  | "vite:ws:connect"
  | "vite:ws:disconnect";

/** The HMR API of one module (`import.meta.hot`). */
export interface BananaHotContext {
  /** Data kept across versions of this module (cleared after prune). */
  readonly data: Record<string, unknown>;
  /** Accepts updates of this module itself. */
  accept(): void;
  accept(cb: (mod: ModuleNamespace | undefined) => void): void;
  /** Accepts updates of one import (a relative specifier as written). */
  accept(dep: string, cb: (mod: ModuleNamespace | undefined) => void): void;
  /** Accepts updates of several imports. */
  accept(
    deps: readonly string[],
    cb: (mods: Array<ModuleNamespace | undefined>) => void,
  ): void;
  /** Vite's partial accept; treated as a self-accept. */
  acceptExports(
    exportNames: string | readonly string[],
    cb?: (mod: ModuleNamespace | undefined) => void,
  ): void;
  /** Runs before this module is replaced. */
  dispose(cb: (data: Record<string, unknown>) => void | Promise<void>): void;
  /** Runs when this module is no longer imported by the page. */
  prune(cb: (data: Record<string, unknown>) => void | Promise<void>): void;
  /** This module cannot be hot-updated. */
  decline(): void;
  /** Gives up on the current update: the importers are updated instead. */
  invalidate(message?: string): void;
  /** Listens to a lifecycle or custom event. */
  on(event: HotEventName | string, cb: (payload: unknown) => void): void;
  /** Removes a listener. */
  off(event: HotEventName | string, cb: (payload: unknown) => void): void;
  /** Sends a custom event to the server's `hot.on(event)` listeners. */
  send(event: string, data?: unknown): void;
}

/** `import.meta.env` as served in development. */
export interface BananaImportMetaEnv {
  MODE: string;
  DEV: boolean;
  PROD: boolean;
  SSR: boolean;
  BASE_URL: string;
  /**
   * The app's `VITE_*` / `BANANA_*` variables. Typed `any` as in Vite, so
   * `const title: string = import.meta.env.VITE_TITLE` checks.
   */
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}
