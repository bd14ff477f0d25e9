/**
 * The defaults of `server.hmr`, in one place: the config resolution applies
 * them, and the client's settings module falls back to them when HMR is off.
 *
 * @module
 */

import { HMR_PATH } from "./module_urls.ts";

/** `server.hmr` values when the config gives none. */
export const HMR_DEFAULTS = {
  protocol: "ws",
  path: HMR_PATH,
  overlay: true,
  indicator: true,
  reload: true,
  preserveState: false,
  /** An update not applied within this many ms falls back to a reload. */
  timeout: 30000,
} as const;
