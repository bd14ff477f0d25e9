/// <reference lib="dom" />
/**
 * Fast Refresh for Preact, on top of prefresh. `@prefresh/core` (imported
 * by the dev server's runtime module before this factory runs, from the
 * same dependency bundle as the app's `preact`) hooks into Preact's
 * `options` to track every vnode of every component type and installs
 * `self.__PREFRESH__`; `@prefresh/utils` swaps the registered components.
 *
 * @module
 */

import {
  type ModuleExports,
  type RefreshRuntime,
  refreshVerdict,
  reportUncaughtErrors,
  type SignatureFunction,
} from "./refresh_runtime.ts";

/** Where `sign` is in its protocol for one signature function. */
type SignStatus = "begin" | "needsHooks";

/** The part of `self.__PREFRESH__` (`@prefresh/core`) used here. */
interface PrefreshCore {
  register(type: unknown, id: string): void;
  sign(
    type: unknown,
    key: string | undefined,
    forceReset: boolean | undefined,
    getCustomHooks: (() => unknown[]) | undefined,
    status: SignStatus,
  ): SignStatus | undefined;
  getSignature(type: unknown): object | undefined;
}

/** One hook's state in a Preact component (mangled field names). */
interface HookState {
  /** The value (a memo's result, a ref object). */
  __?: unknown;
  /** The dependency list the value was computed with. */
  __H?: unknown[];
}

/** The part of Preact's `options` used here (`_hook` is mangled `__h`). */
export interface PreactOptions {
  __h?: (component: unknown, index: number, type: number) => void;
}

/** What the runtime module hands in from `@prefresh/utils` and `preact`. */
export interface PrefreshUtils {
  /** Swaps every component registered since the last flush. */
  flush(): void;
  /** Prefresh's rule: a function whose name starts with a capital. */
  isComponent(value: unknown): boolean;
  /** The app's `options` from `preact` (the same instance prefresh hooks). */
  options: PreactOptions;
}

/** Preact's hook type number of `useRef` (passed to `options._hook`). */
const USE_REF = 5;
const SIGNAL_BRAND = Symbol.for("preact-signals");

function isSignal(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as { brand?: unknown }).brand === SIGNAL_BRAND;
}

/**
 * Keeps refs and signals across a hot swap. Prefresh clears the dependency
 * list of every hook so effects and memos run again with the new code, as
 * React Fast Refresh does; but `useRef`, `useSignal` and `useComputed` are
 * memos with `[]` too, so they would start over. Before such a hook runs
 * again, its `[]` is put back (React keeps refs as well). A hook that has
 * run has a value; only prefresh leaves one without its dependency list.
 */
function keepRefsAndSignals(options: PreactOptions): void {
  const previous = options.__h;
  options.__h = (component, index, type) => {
    const hooks = (component as { __H?: { __?: HookState[] } } | undefined)
      ?.__H?.__;
    const state = hooks?.[index];
    if (
      state && state.__H === undefined && state.__ !== undefined &&
      (type === USE_REF || isSignal(state.__))
    ) {
      state.__H = [];
    }
    previous?.(component, index, type);
  };
}

function core(): PrefreshCore {
  const prefresh = (globalThis as { __PREFRESH__?: PrefreshCore })
    .__PREFRESH__;
  if (!prefresh) {
    throw new Error(
      "Expected @prefresh/core to be loaded before any component module, " +
        "found no self.__PREFRESH__",
    );
  }
  return prefresh;
}

/**
 * Creates the Preact refresh runtime.
 *
 * How an edit applies: the new module version registers its components
 * under the same ids (`$RefreshReg$`), which queues `[old, new]` pairs in
 * prefresh; `update()` then flushes them. Each live vnode of an old
 * component gets the new function; its hooks are kept when the hook
 * signature (`$RefreshSig$` key, including custom hooks) is unchanged, and
 * replaced by an empty list (state re-initialised, DOM kept) when it
 * changed. Only components of the edited types are touched. Effects, memos
 * and callbacks run again with the new code; refs and signals are kept.
 *
 * @example
 * ```ts
 * import { createPreactRefresh, type PrefreshUtils } from "./refresh_preact.ts";
 * function example(
 *   utils: PrefreshUtils, // flush, isComponent of npm:@prefresh/utils; options of preact
 * ) {
 *   const runtime = createPreactRefresh(utils);
 * }
 * ```
 */
export function createPreactRefresh(utils: PrefreshUtils): RefreshRuntime {
  reportUncaughtErrors();
  keepRefsAndSignals(utils.options);
  return {
    register(type, moduleId, localId) {
      core().register(type, `${moduleId} ${localId}`);
    },
    createSignature(): SignatureFunction {
      let status: SignStatus | undefined = "begin";
      let saved: unknown;
      return (type, key, forceReset, getCustomHooks) => {
        saved ??= type;
        // "begin" stores the key; the first render's bare call computes the
        // full key with the custom hooks' signatures; then nothing is left.
        if (status) {
          status = core().sign(
            type ?? saved,
            key,
            forceReset,
            getCustomHooks,
            status,
          );
        }
        return type;
      };
    },
    registerExports(moduleId, exports) {
      for (const [name, value] of Object.entries(exports)) {
        if (utils.isComponent(value) && !core().getSignature(value)) {
          core().register(value, `${moduleId} export ${name}`);
        }
      }
    },
    update(moduleId, prev, next, preserveState) {
      return applyOrExplain(moduleId, prev, next, preserveState, utils);
    },
  };
}

function applyOrExplain(
  moduleId: string,
  prev: ModuleExports | undefined,
  next: ModuleExports | undefined,
  preserveState: boolean,
  utils: PrefreshUtils,
): string | undefined {
  const verdict = refreshVerdict(
    moduleId,
    prev,
    next,
    preserveState,
    utils.isComponent,
  );
  if (verdict) return verdict;
  utils.flush();
  return undefined;
}
