/**
 * The messages between the dev server and the page, shaped like Vite's so
 * tools written for Vite's HMR protocol understand them.
 *
 * @module
 */

/** One module to re-import in an `update`. */
export interface Update {
  type: "js-update" | "css-update";
  /** The boundary: the module whose accept callbacks run. */
  path: string;
  /** The module to re-import: the boundary itself or the dep it accepts. */
  acceptedPath: string;
  timestamp: number;
  /** Reload if the re-import fails (the boundary is in an import cycle). */
  isWithinCircularImport?: boolean;
  /** Set on updates caused by `import.meta.hot.invalidate()`. */
  firstInvalidatedBy?: string;
}

/** Sent once after the socket opens. */
export interface ConnectedPayload {
  type: "connected";
}

/** Hot updates to apply, in order. */
export interface UpdatePayload {
  type: "update";
  updates: Update[];
  /**
   * Every fresh module the update will import (`?t=` URLs), so the page
   * fetches the whole changed chain in parallel instead of as a waterfall.
   */
  preload?: string[];
  /**
   * True when the fresh modules form simple chains (each imports at most one
   * other fresh module, no cycle): importing them early, in any order, runs
   * them in the same order as importing the boundary would.
   */
  importEarly?: boolean;
  /**
   * The code of fresh modules for the page to run from `data:` URLs, so
   * that an update needs no request (a request costs the browser ~2 ms; a
   * deep chain of fresh modules was most of an update's time). A page that
   * cannot run them fetches their `preload` URLs instead.
   */
  modules?: InlineModule[];
  /**
   * Bundle mode (the page runs a module registry, `client/module_registry.ts`):
   * the factories of the changed modules and of modules their new code
   * imports that the page lacks. The page defines them, marks the fresh
   * chain (`preload`) stale, then imports as usual. Such pages get no
   * `modules`.
   */
  factories?: RegistryModule[];
}

/** A module's factory for the page's module registry (bundle mode). */
export interface RegistryModule {
  /** The module's id, `/src/a.ts` (no `?t=` / `?v=`). */
  id: string;
  /** Its version (`import.meta.url` of a first instance gets `?v=<version>`). */
  version: string;
  /** The body of an async function of `__m` (server/registry_transform.ts). */
  code: string;
}

/** A module version the page may run from a `data:` URL. */
export interface InlineModule {
  /** The version's URL, `/src/a.ts?t=<timestamp>`. */
  url: string;
  /**
   * Its code: `import.meta.url` is written as the URL, and a `sourceURL`
   * comment names it in stack traces and devtools.
   */
  code: string;
  /**
   * Offsets in `code` of root-relative URLs (`/src/b.ts`): a `data:` URL is
   * no base to resolve them against, so the page inserts its origin there.
   */
  urlOffsets: number[];
}

/** Reload the page (`path`: only pages showing that HTML; `*` or none: all). */
export interface FullReloadPayload {
  type: "full-reload";
  path?: string;
  /** Why, in words (also printed by the server). */
  reason?: string;
  triggeredBy?: string;
}

/** Modules no longer imported: run their dispose and prune callbacks. */
export interface PrunePayload {
  type: "prune";
  paths: string[];
}

/** A build or resolve error to show in the overlay. */
export interface ErrorPayload {
  type: "error";
  err: ErrorBody;
}

/** What went wrong and where (Vite's `err` shape). */
export interface ErrorBody {
  message: string;
  stack: string;
  /** The module's URL, file or id. */
  id?: string;
  /** A few source lines around the error, with a caret. */
  frame?: string;
  /** `line` is 1-based, `column` 0-based. */
  loc?: { file: string; line: number; column: number };
  /** Which step failed: `esbuild`, `oxc`, `resolve`, `dependency`, `runtime`. */
  plugin?: string;
}

/**
 * A custom event from a plugin or the server. The server's own:
 * `banana:error-cleared` with `data: { id }` hides the overlay for `id` (an
 * error was fixed without an update).
 */
export interface CustomPayload {
  type: "custom";
  event: string;
  data?: unknown;
}

/** Keep-alive. */
export interface PingPayload {
  type: "ping";
}

/** Any server → page message. */
export type HotPayload =
  | ConnectedPayload
  | UpdatePayload
  | FullReloadPayload
  | PrunePayload
  | ErrorPayload
  | CustomPayload
  | PingPayload;

/** Page → server: a custom event (`import.meta.hot.send`, invalidate). */
export interface ClientMessage {
  type: "custom";
  event: string;
  data?: unknown;
}

/**
 * What a page reports when its dev bundle did not parse (custom event
 * `banana:bundle-parse-failed`): the server writes the modules at fault as
 * strings, or serves the page per-module, and asks the page to reload.
 */
export interface BundleParseFailure {
  /** The bundle's URL path and query (`/@banana/bundle/src/main.ts`). */
  bundle: string;
  /** The browser's message (`Unexpected token …`). */
  message: string;
}
