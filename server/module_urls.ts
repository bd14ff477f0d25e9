/**
 * The module-URL scheme: the URLs the page requests modules by, their
 * freshness params (`?t=`, `?v=`), which requests are modules, and the
 * mapping between module URLs and the ids plugins see.
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { BananaError } from "./errors.ts";
import { NPM_URL_PREFIX } from "./package_files.ts";
import {
  decodeSafePathname,
  isInside,
  UnsafePathError,
} from "./path_safety.ts";
import { fileToUrl } from "./resolver.ts";
import { isScriptPath } from "./script_path.ts";
import { contentHash } from "./hash.ts";
import denoJson from "../deno.json" with { type: "json" };

/**
 * The route of the HMR client's modules: `/@banana/client/<file>`, and
 * `/@banana/client/v-<version>/<file>`, the URLs pages get.
 */
export const CLIENT_ROUTE_URL = "/@banana/client/";

/**
 * Identifies the client's files: a hash of their sources and of BananaJS's
 * version (only the version when they cannot be read here, as when
 * BananaJS runs from a remote URL). A server serves its client files
 * unchanged for its whole life, so under a versioned URL they are cached
 * as immutable: a reload revalidates none of them (14 requests over six
 * connections were the first 40–60 ms of every bundle page's reload).
 */
export const CLIENT_VERSION: string = clientVersion();

/** URL prefix of the HMR client's modules, versioned (see {@linkcode CLIENT_VERSION}). */
export const CLIENT_DIR_URL = `${CLIENT_ROUTE_URL}v-${CLIENT_VERSION}/`;

function clientVersion(): string {
  const dir = new URL("../client/", import.meta.url);
  const fallback = contentHash(`banana ${denoJson.version}`);
  if (dir.protocol !== "file:") return fallback;
  try {
    const path = dir.pathname;
    // Never a permission prompt: without read access, the version alone.
    if (
      Deno.permissions.querySync({ name: "read", path }).state !== "granted"
    ) {
      return fallback;
    }
    const names = [...Deno.readDirSync(dir)]
      .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
      .map((entry) => entry.name).sort();
    return contentHash(
      [
        denoJson.version,
        ...names.map((name) =>
          `${name}\0${Deno.readTextFileSync(new URL(name, dir))}`
        ),
      ].join("\0"),
    );
  } catch {
    return fallback;
  }
}

/** URL of the HMR client runtime. */
export const CLIENT_URL = `${CLIENT_DIR_URL}client.ts`;

/** URL of the page's module registry (bundle mode, Contract 2). */
export const MODULE_REGISTRY_URL = `${CLIENT_DIR_URL}module_registry.ts`;

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

/** URL prefix of a module named by its id, not a file (`/@id/virtual:x`). */
export const ID_URL_PREFIX = "/@id/";

/** URL prefix of a file outside the root (`/@fs/abs/path.ts`). */
export const FS_URL_PREFIX = "/@fs/";

/**
 * What maps module URLs to files: the root, the folders outside it that may
 * be served, and the files of npm packages (served under `/@npm/`).
 */
export interface ModuleUrlScope {
  root: string;
  fsAllow: readonly string[];
  packages?: {
    fileForUrl(pathname: string): string | null;
    urlForFile(file: string): string | null;
  };
}

/**
 * The query of a file's id as plugins see it, as in Vite: the `import`
 * marker of URLs is dropped (`/abs/a.css` is CSS imported from JS), and a
 * non-script file requested by itself (a `<link>` stylesheet) gets `direct`.
 *
 * @example
 * ```ts
 * idQuery("/app/a.css", "import"); // ""
 * idQuery("/app/a.css", undefined); // "?direct"
 * ```
 */
export function idQuery(file: string, query: string | undefined): string {
  const params = new URLSearchParams(query ?? "");
  const imported = params.has("import");
  params.delete("import");
  const special = ["raw", "url", "inline", "worker"].some((k) => params.has(k));
  if (!imported && !special && !isScriptPath(file)) params.set("direct", "");
  const text = params.toString().replace(/=(?=&|$)/g, "");
  return text ? `?${text}` : "";
}

/**
 * The id and file behind a module URL (without freshness params): a file
 * of the root, of an allowed folder (`/@fs/`), of an npm package
 * (`/@npm/`), or a module named by its id (`/@id/`, no file).
 *
 * @throws {BananaError} An `/@npm/` URL of no package in use.
 * @throws {UnsafePathError} An `/@fs/` path outside `server.fs.allow`, or
 * a path that leaves its folder.
 */
export function idForUrl(
  url: string,
  scope: ModuleUrlScope,
): { id: string; file: string | null } {
  const [path, query] = url.split("?", 2);
  if (path.startsWith(ID_URL_PREFIX)) {
    const suffix = query ? `?${query}` : "";
    const id = decodeURIComponent(path.slice(ID_URL_PREFIX.length));
    return { id: id + suffix, file: null };
  }
  if (path.startsWith(NPM_URL_PREFIX)) {
    const file = scope.packages?.fileForUrl(path);
    if (!file) {
      throw new BananaError({
        message: `File not found: ${path} (no package in use has it)`,
        id: path,
        plugin: "load",
      }, { code: "not-found" });
    }
    return { id: file + idQuery(file, query), file };
  }
  if (path.startsWith(FS_URL_PREFIX)) {
    const file = "/" +
      decodeSafePathname(path.slice(FS_URL_PREFIX.length - 1)).join("/");
    if (!scope.fsAllow.some((dir) => isInside(dir, file))) {
      throw new UnsafePathError(
        `Refused ${path}: it is outside the root and not in server.fs.allow`,
        403,
        "OUTSIDE_ROOT",
      );
    }
    return { id: file + idQuery(file, query), file };
  }
  const file = [scope.root, ...decodeSafePathname(path)].join("/");
  return { id: file + idQuery(file, query), file };
}

/**
 * The URL a resolved id is served under: its path from the root, its
 * package URL, `/@fs/` for other absolute files, `/@id/` for the rest.
 *
 * @example
 * ```ts
 * urlForId("virtual:x", { root: "/app", fsAllow: ["/app"] }); // "/@id/virtual%3Ax"
 * urlForId("/app/src/a.ts?raw", { root: "/app", fsAllow: ["/app"] }); // "/src/a.ts?raw"
 * ```
 */
export function urlForId(id: string, scope: ModuleUrlScope): string {
  const q = id.search(/[?#]/);
  const path = q < 0 ? id : id.slice(0, q);
  const query = q < 0 ? "" : id.slice(q);
  if (!isAbsolute(path)) {
    return `${ID_URL_PREFIX}${encodeURIComponent(path)}${query}`;
  }
  if (isInside(scope.root, path)) return fileToUrl(scope.root, path, query);
  const packageUrl = scope.packages?.urlForFile(path);
  if (packageUrl) return packageUrl + query;
  return `${FS_URL_PREFIX.slice(0, -1)}${path}${query}`;
}

/** URL prefix of a page's dev bundle: `/@banana/bundle/src/main.ts`. */
export const BUNDLE_URL_PREFIX = "/@banana/bundle";

/** What a bundle version in a URL may be: an ETag's inside. */
const BUNDLE_VERSION = /^[A-Za-z0-9-]{1,80}$/;

/**
 * The bundle URL of an entry module; with `version`, the URL of that
 * version (`/@banana/bundle@<version>/src/main.ts`), which the server
 * answers `immutable` while it is the current one: a page naming it is
 * reloaded without a request for its bundle. `version` must be letters,
 * digits and `-` (an ETag's inside), else the plain URL is returned.
 *
 * @example
 * ```ts
 * bundleUrlFor("/src/main.ts"); // "/@banana/bundle/src/main.ts"
 * bundleUrlFor("/src/main.ts", "5f3a"); // "/@banana/bundle@5f3a/src/main.ts"
 * ```
 */
export function bundleUrlFor(entry: string, version?: string): string {
  return version !== undefined && BUNDLE_VERSION.test(version)
    ? `${BUNDLE_URL_PREFIX}@${version}${entry}`
    : BUNDLE_URL_PREFIX + entry;
}

/** A bundle URL's parts (see {@linkcode parseBundleUrl}). */
export interface BundleUrlParts {
  /** The entry module's URL path (`/src/main.ts`). */
  entry: string;
  /** The version the URL names, or null for the plain URL. */
  version: string | null;
}

/**
 * The entry and version a bundle URL path names, or null for another URL.
 *
 * @example
 * ```ts
 * parseBundleUrl("/@banana/bundle@5f3a/src/main.ts");
 * // { entry: "/src/main.ts", version: "5f3a" }
 * ```
 */
export function parseBundleUrl(url: string): BundleUrlParts | null {
  if (!url.startsWith(BUNDLE_URL_PREFIX)) return null;
  const rest = url.slice(BUNDLE_URL_PREFIX.length);
  if (rest.startsWith("/")) return { entry: rest, version: null };
  if (!rest.startsWith("@")) return null;
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  const version = rest.slice(1, slash);
  if (!BUNDLE_VERSION.test(version)) return null;
  return { entry: rest.slice(slash), version };
}

/**
 * The entry module a bundle URL names (plain or versioned), or null for
 * another URL.
 *
 * @example
 * ```ts
 * entryOfBundleUrl("/@banana/bundle/src/main.ts"); // "/src/main.ts"
 * entryOfBundleUrl("/@banana/bundle@5f3a/src/main.ts"); // "/src/main.ts"
 * entryOfBundleUrl("/src/main.ts"); // null
 * ```
 */
export function entryOfBundleUrl(url: string): string | null {
  return parseBundleUrl(url)?.entry ?? null;
}
