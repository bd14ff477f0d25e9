/// <reference lib="dom" />
/**
 * React Fast Refresh, on top of `react-refresh/runtime`. The runtime must
 * hook into React DevTools' global hook before `react-dom` is evaluated, so
 * the dev server loads this from a page script placed before the app's
 * entry.
 *
 * @module
 */

import {
  type RefreshRuntime,
  refreshVerdict,
  reportUncaughtErrors,
  type SignatureFunction,
} from "./refresh_runtime.ts";

/** The part of `react-refresh/runtime` used here. */
export interface ReactRefreshApi {
  injectIntoGlobalHook(globalObject: unknown): void;
  register(type: unknown, id: string): void;
  createSignatureFunctionForTransform(): SignatureFunction;
  isLikelyComponentType(value: unknown): boolean;
  performReactRefresh(): unknown;
}

/** One React pass for all the modules of one update (as Vite does). */
const REFRESH_DEBOUNCE_MS = 16;

/**
 * Creates the React refresh runtime and installs the DevTools hook.
 *
 * How an edit applies: the new module version registers its components
 * (`$RefreshReg$`) in the same families as the old ones; `update()` checks
 * the boundary rule and schedules `performReactRefresh()`, which re-renders
 * every mounted root. A component whose hook signature is unchanged keeps
 * its state; one whose signature changed (or a class component) is
 * remounted. Roots that failed with a render error are rendered again, so
 * the next good edit recovers without a reload.
 *
 * @example
 * ```ts
 * import { createReactRefresh, type ReactRefreshApi } from "./refresh_react.ts";
 * function example(
 *   runtime: ReactRefreshApi, // the namespace of npm:react-refresh/runtime
 * ) {
 *   const refresh = createReactRefresh(runtime);
 * }
 * ```
 */
export function createReactRefresh(api: ReactRefreshApi): RefreshRuntime {
  api.injectIntoGlobalHook(globalThis);
  reportUncaughtErrors();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    register(type, moduleId, localId) {
      api.register(type, `${moduleId} ${localId}`);
    },
    createSignature() {
      return api.createSignatureFunctionForTransform();
    },
    registerExports(moduleId, exports) {
      for (const [name, value] of Object.entries(exports)) {
        if (api.isLikelyComponentType(value)) {
          api.register(value, `${moduleId} export ${name}`);
        }
      }
    },
    update(moduleId, prev, next, preserveState) {
      const verdict = refreshVerdict(
        moduleId,
        prev,
        next,
        preserveState,
        api.isLikelyComponentType,
      );
      if (verdict) return verdict;
      clearTimeout(timer);
      timer = setTimeout(() => api.performReactRefresh(), REFRESH_DEBOUNCE_MS);
      return undefined;
    },
  };
}
