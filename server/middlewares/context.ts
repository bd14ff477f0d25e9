/**
 * What the request middlewares read from the server: its current state
 * (rebuilt on a restart, so every field is read per request) and the few
 * services they share. Only `server.ts`, the composition root, builds one.
 *
 * @module
 */

import type { DepBundler } from "../deps.ts";
import type { DevBundler } from "../dev_bundle.ts";
import type { FsRules } from "../fs_deny.ts";
import type { HotChannel } from "../hot_channel.ts";
import type { BrowserImportMap } from "../html.ts";
import type { ModuleGraph } from "../module_graph.ts";
import type { ModulePipeline } from "../module_pipeline.ts";
import type { PackageFiles } from "../package_files.ts";
import type { DevServer, ResolvedConfig } from "../types.ts";

/** The server as the request middlewares see it. */
export interface RequestContext {
  readonly config: ResolvedConfig;
  readonly channel: HotChannel;
  /** The port the server listens on (0 in middleware mode). */
  readonly port: number;
  readonly pipeline: ModulePipeline;
  readonly graph: ModuleGraph;
  readonly deps: DepBundler;
  /** Bundle mode: the pages' dev bundles. */
  readonly bundler: DevBundler;
  readonly packages: PackageFiles;
  /** The server, as `transformIndexHtml` hooks get it. */
  readonly server: DevServer;
  /** Prints the error of `id` unless it is the one printed last for it. */
  logErrorOnce(id: string, message: string): void;
  /** Forgets the error printed last for `id` (it built again). */
  forgetLoggedError(id: string): void;
  /**
   * The page's import map (`entries`: the page's own module scripts, left
   * out; `depsOnly`: no versions of own modules, for a bundle-mode page,
   * whose own modules are not fetched).
   */
  browserImportMap(
    entries?: Set<string>,
    options?: { depsOnly?: boolean },
  ): BrowserImportMap;
}

/** The folders files may be served from: the root and `server.fs.allow`. */
export function allowDirs(config: ResolvedConfig): string[] {
  return [config.root, ...config.server.fs.allow];
}

/** Where files may be read from, and `server.fs.deny`. */
export function fsRules(config: ResolvedConfig, root = config.root): FsRules {
  const { fs } = config.server;
  return { root, allow: fs.allow, deny: fs.deny };
}

/** A plain-text response (a line break added when missing). */
export function text(
  status: number,
  body: string,
  headers: HeadersInit = {},
): Response {
  return new Response(body.endsWith("\n") ? body : body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** True for a browser's navigation (a page load), not a fetch of a file. */
export function isDocumentRequest(request: Request): boolean {
  const dest = request.headers.get("sec-fetch-dest");
  const accept = request.headers.get("accept") ?? "";
  return dest === "document" || (!dest && accept.includes("text/html"));
}
