/**
 * The module-URL scheme: the URLs the page requests modules by, their
 * freshness params (`?t=`, `?v=`) and which requests are modules.
 *
 * @module
 */

import { isScriptPath } from "./script_path.ts";

/** URL prefix of the HMR client's modules. */
export const CLIENT_DIR_URL = "/@banana/client/";

/** URL of the HMR client runtime. */
export const CLIENT_URL = `${CLIENT_DIR_URL}client.ts`;

/** Default path of the HMR WebSocket (`server.hmr.path`). */
export const HMR_PATH = "/@banana/hmr";

const FRESHNESS_PARAMS = /(?:^|&)(?:t|v)=[^&]*/g;

/** Removes the `t=` / `v=` freshness params: the graph's key for a URL. */
export function stripFreshness(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url.slice(q + 1).replace(FRESHNESS_PARAMS, "").replace(
    /^&/,
    "",
  );
  return query ? `${url.slice(0, q)}?${query}` : url.slice(0, q);
}

/** True when a request URL is for a module the pipeline serves as JS. */
export function isModuleRequest(url: string): boolean {
  const [path, query = ""] = url.split("?", 2);
  if (path.startsWith("/@id/")) return true;
  if (/(?:^|&)(?:import|raw|url|inline)(?:[=&]|$)/.test(query)) return true;
  return isScriptPath(path);
}

/** Appends `param` (`name=value`) to `url`'s query. */
export function withParam(url: string, param: string): string {
  return url + (url.includes("?") ? "&" : "?") + param;
}
