/// <reference lib="dom" />
/**
 * What every Fast Refresh runtime (Preact with prefresh, React with
 * react-refresh) offers the glue the dev server appends to component
 * modules, and the parts they share: the boundary rule that decides between
 * swapping components in place and invalidating the module, and the report
 * of errors thrown while rendering.
 *
 * @module
 */

import { showError } from "./error_report.ts";

/** The exports of one instance of a module. */
export type ModuleExports = Record<string, unknown>;

/**
 * The runtime API the per-module glue calls. `moduleId` is the module's URL
 * path without a query (`/src/counter.tsx`), the same for every version.
 */
export interface RefreshRuntime {
  /** `$RefreshReg$`: registers a component as `"<moduleId> <localId>"`. */
  register(type: unknown, moduleId: string, localId: string): void;
  /** `$RefreshSig$`: a signature function for one hook-calling function. */
  createSignature(): SignatureFunction;
  /** Registers exported components the transform could not see (HOC results). */
  registerExports(moduleId: string, exports: ModuleExports): void;
  /**
   * Applies a new version of a module: swaps its components in place and
   * returns undefined, or returns why it cannot, so the glue invalidates
   * the module and the update propagates to its importers.
   *
   * @param prev The exports of the running version (undefined if unknown).
   * @param next The exports of the new version.
   * @param preserveState Swap components even when a non-component export
   *   changed (`server.hmr.preserveState`).
   */
  update(
    moduleId: string,
    prev: ModuleExports | undefined,
    next: ModuleExports | undefined,
    preserveState: boolean,
  ): string | undefined;
}

/**
 * The function `$RefreshSig$()` returns. The transform calls it once per
 * version with the component and its hook signature key (`_s(Counter,
 * "key", forceReset, () => [useCustom])`), and with no arguments at the
 * start of every render.
 */
export type SignatureFunction = (
  type?: unknown,
  key?: string,
  forceReset?: boolean,
  getCustomHooks?: () => unknown[],
) => unknown;

/**
 * Why a module's new exports cannot be applied by swapping components: an
 * export was added or removed, or an export that is not a component has a
 * new value (its importers still hold the old one). Undefined when every
 * export is a component or kept its identity.
 *
 * @example
 * ```ts
 * const isComponent = (v: unknown) => typeof v === "function";
 * exportsChangeReason({ A: 1 }, { A: 2 }, isComponent);
 * // 'export "A" is not a component and its value changed'
 * ```
 */
export function exportsChangeReason(
  prev: ModuleExports | undefined,
  next: ModuleExports | undefined,
  isComponent: (value: unknown) => boolean,
): string | undefined {
  if (!next) return "the new version of the module did not load";
  if (!prev) return "the exports of the running version are unknown";
  for (const key of Object.keys(prev)) {
    if (!(key in next)) return `export "${key}" was removed`;
  }
  for (const key of Object.keys(next)) {
    if (!(key in prev)) return `export "${key}" was added`;
    if (!isComponent(next[key]) && next[key] !== prev[key]) {
      return `export "${key}" is not a component and its value changed`;
    }
  }
  return undefined;
}

/**
 * Decides an update of a component module: the message to invalidate with
 * (its exports cannot be swapped), or undefined to refresh it. With
 * `preserveState`, a module whose non-component exports changed is still
 * refreshed (the change is logged) as long as its new version loaded.
 */
export function refreshVerdict(
  moduleId: string,
  prev: ModuleExports | undefined,
  next: ModuleExports | undefined,
  preserveState: boolean,
  isComponent: (value: unknown) => boolean,
): string | undefined {
  const reason = exportsChangeReason(prev, next, isComponent);
  if (reason && (!preserveState || !next)) {
    return `Could not Fast Refresh ${moduleId}: ${reason}`;
  }
  if (reason) {
    console.debug(
      `[banana] ${moduleId}: ${reason}; swapping its components anyway ` +
        `(server.hmr.preserveState), its importers keep the old values`,
    );
  }
  return undefined;
}

/** The id of the overlay entry for errors thrown while rendering. */
export const RENDER_ERROR_ID = "banana:render-error";

let reporting = false;

function report(error: unknown, fallback: string): void {
  const message = error instanceof Error
    ? `${error.name}: ${error.message}`
    : fallback;
  showError({
    type: "error",
    err: {
      message: `Uncaught ${message}`,
      stack: error instanceof Error ? error.stack ?? "" : "",
      id: RENDER_ERROR_ID,
      plugin: "runtime",
    },
  });
}

/**
 * Shows uncaught errors in the error overlay, through the same path as
 * build errors: a component that throws while rendering, after an edit or
 * on load (React reports it as an uncaught error; Preact's re-render after
 * a hot swap rejects a promise). The next successful hot update closes the
 * overlay; the refresh runtime then renders the failed components again.
 */
export function reportUncaughtErrors(): void {
  if (reporting) return;
  reporting = true;
  globalThis.addEventListener("error", (event: ErrorEvent) => {
    report(event.error, String(event.message));
  });
  globalThis.addEventListener(
    "unhandledrejection",
    (event: PromiseRejectionEvent) => {
      if (event.reason instanceof Error) report(event.reason, "");
    },
  );
}
