/**
 * Serves the HMR client runtime (`client/*.ts`, compiled once) and its
 * per-server settings module `/@banana/client/env.ts`.
 *
 * @module
 */

import { HMR_DEFAULTS } from "./hmr_defaults.ts";
import {
  CLIENT_DIR_URL,
  CLIENT_ROUTE_URL,
  CLIENT_URL,
  CLIENT_VERSION,
  MODULE_REGISTRY_URL,
} from "./module_urls.ts";
import { transformWithRefresh } from "./oxc_compile.ts";
import type { ResolvedConfig } from "./types.ts";
import type { ClientEnv } from "../client/env.ts";
import { contentHash } from "./hash.ts";
import { matchesEtag } from "./static.ts";
import { analyzeModule } from "./import_analysis.ts";

const compiled = new Map<string, { code: string; etag: string }>();

async function compileClientFile(
  name: string,
): Promise<{ code: string; etag: string }> {
  const cached = compiled.get(name);
  if (cached) return cached;
  const source =
    await (await fetch(new URL(`../client/${name}`, import.meta.url))).text();
  const result = await transformWithRefresh(
    source,
    `${CLIENT_DIR_URL}${name}`,
    {
      jsxImportSource: "react",
      refresh: false,
      sourcemap: true,
      // Ours (module_registry.ts is over the size bound): no process.
      inProcess: true,
    },
  );
  const entry = { code: result.code, etag: `"${contentHash(result.code)}"` };
  compiled.set(name, entry);
  return entry;
}

/**
 * The URLs of the client files `entries` (names in `client/`) import,
 * directly or not, entries included: a page preloads them, so the client's
 * import levels do not each cost a round trip before the app runs.
 */
export async function clientImportClosure(
  entries: readonly string[],
): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const { code } = await compileClientFile(name);
    await Promise.all(
      analyzeModule(code).imports
        .filter((site) => !site.dynamic && site.specifier.startsWith("./"))
        .map((site) => visit(site.specifier.slice(2))),
    );
  };
  await Promise.all(entries.map(visit));
  return [...seen].map((name) => `${CLIENT_DIR_URL}${name}`);
}

let registryPagePreloads: Promise<string[]> | null = null;

/**
 * The client files a bundle-mode page preloads: the closure of the client
 * and of the module registry (compiled once per process; a failure is not
 * kept, the next call tries again). The server starts this while it starts,
 * so the first page does not compile the client while the bundle's crawl
 * runs (~95 ms on the first page of a 10,000-module app).
 */
export function registryPageClientFiles(): Promise<string[]> {
  if (!registryPagePreloads) {
    const compiling = clientImportClosure([
      CLIENT_URL.slice(CLIENT_DIR_URL.length),
      MODULE_REGISTRY_URL.slice(CLIENT_DIR_URL.length),
    ]);
    registryPagePreloads = compiling;
    compiling.catch(() => {
      if (registryPagePreloads === compiling) registryPagePreloads = null;
    });
  }
  return registryPagePreloads;
}

const VERSIONED_NAME = /^v-([^/]+)\/(.*)$/s;

/** What the settings module is made from: the server's HMR settings. */
export interface ClientEnvOptions {
  /** The config's `hmr` (null: `--no-hmr`). */
  hmr: ResolvedConfig["hmr"];
  /** The token the page's socket presents. */
  token: string;
  /** The server's port. */
  port: number;
}

/** The URL the client imports its settings by (`./env.ts`). */
export const CLIENT_ENV_URL = `${CLIENT_DIR_URL}env.ts`;

/**
 * The settings module (`env.ts`) of the running server, and its version
 * (a hash of the code: it changes with the settings and the token, so
 * with every server process).
 *
 * @example
 * ```ts
 * import { clientEnvModule } from "./client_files.ts";
 * const { code } = clientEnvModule({ hmr: null, token: "t", port: 5173 });
 * code.startsWith("export const env = "); // true
 * ```
 */
export function clientEnvModule(
  options: ClientEnvOptions,
): { code: string; version: string } {
  const hmr = options.hmr;
  const env: ClientEnv = {
    hmr: hmr !== null,
    token: options.token,
    protocol: hmr?.protocol ?? null,
    host: hmr?.host ?? null,
    port: hmr?.clientPort ?? hmr?.port ?? null,
    path: hmr?.path ?? HMR_DEFAULTS.path,
    overlay: hmr?.overlay ?? HMR_DEFAULTS.overlay,
    indicator: hmr?.indicator ?? HMR_DEFAULTS.indicator,
    reload: hmr?.reload ?? HMR_DEFAULTS.reload,
    timeout: hmr?.timeout ?? HMR_DEFAULTS.timeout,
  };
  const code = `export const env = ${JSON.stringify(env)};\n`;
  return { code, version: contentHash(code) };
}

/**
 * The URL of the current settings module: `…/env.ts?e=<version>`, answered
 * `immutable`. A page's import map maps {@linkcode CLIENT_ENV_URL} to it,
 * so a reload takes the client's settings from the browser's cache too.
 *
 * @example
 * ```ts
 * import { clientEnvUrl } from "./client_files.ts";
 * clientEnvUrl({ hmr: null, token: "t", port: 5173 }).includes("env.ts?e="); // true
 * ```
 */
export function clientEnvUrl(options: ClientEnvOptions): string {
  return `${CLIENT_ENV_URL}?e=${clientEnvModule(options).version}`;
}

/**
 * Answers a `/@banana/client/<file>` or `/@banana/client/v-<version>/<file>`
 * request. A file of this server's version is immutable (the URL changes
 * with the client), and so is `env.ts`, the server's settings, at the
 * version it is (`?e=`, see {@linkcode clientEnvUrl}); any other URL is
 * revalidated.
 */
export async function serveClientFile(
  pathname: string,
  request: Request,
  options: ClientEnvOptions,
): Promise<Response> {
  let name = pathname.slice(CLIENT_ROUTE_URL.length);
  let immutable = false;
  const versioned = VERSIONED_NAME.exec(name);
  if (versioned) {
    name = versioned[2];
    immutable = versioned[1] === CLIENT_VERSION;
  }
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "no-cache",
  };
  if (name === "env.ts") {
    const { code, version } = clientEnvModule(options);
    // The version the page's import map named: it never changes.
    const named = new URL(request.url).searchParams.get("e");
    if (immutable && named === version) {
      headers["cache-control"] = "max-age=31536000, immutable";
    }
    return new Response(code, { headers });
  }
  if (!/^[a-z_]+\.ts$/.test(name)) {
    return new Response(`Unknown client file ${name}\n`, { status: 404 });
  }
  let file: { code: string; etag: string };
  try {
    file = await compileClientFile(name);
  } catch {
    return new Response(`Unknown client file ${name}\n`, { status: 404 });
  }
  if (immutable) headers["cache-control"] = "max-age=31536000, immutable";
  if (matchesEtag(request, file.etag)) {
    return new Response(null, {
      status: 304,
      headers: { ...headers, etag: file.etag },
    });
  }
  return new Response(file.code, { headers: { ...headers, etag: file.etag } });
}
