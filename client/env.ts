/**
 * The client's settings. The dev server answers `/@banana/client/env.ts`
 * with the values of the running server; this file holds the defaults and
 * the type.
 *
 * @module
 */

/** Settings of the HMR client. */
export interface ClientEnv {
  /** False with `--no-hmr`: the client only performs live reloads. */
  hmr: boolean;
  /** Per-server token the socket must present. */
  token: string;
  /** Socket protocol; null: `wss` on https pages, else `ws`. */
  protocol: "ws" | "wss" | null;
  /** Host for the socket; null: the page's host. */
  host: string | null;
  /** Port for the socket; null: the page's port. */
  port: number | null;
  /** Path of the socket. */
  path: string;
  /** Show the error overlay. */
  overlay: boolean;
  /** Show the update status badge. */
  indicator: boolean;
  /** Reload when an update cannot be applied. */
  reload: boolean;
  /** Milliseconds an update may take before the page reloads. */
  timeout: number;
}

/** The settings (replaced by the server's values when served). */
export const env: ClientEnv = {
  hmr: true,
  token: "",
  protocol: null,
  host: null,
  port: null,
  path: "/@banana/hmr",
  overlay: true,
  indicator: true,
  reload: true,
  timeout: 30000,
};
