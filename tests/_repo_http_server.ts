/**
 * This repository served over `http:` by a small static server: the
 * stand-in for `jsr:@banana/dev` (JSR is not reachable from our machines),
 * so `deno run -A http://127.0.0.1:<port>/mod.ts dev` loads every module of
 * ours from a URL, as a remote package would.
 *
 * @module
 */

import { extname, join, normalize } from "node:path";
import { REPO_ROOT } from "./_own_files.ts";

/** The running static server. */
export interface RepoHttpServer extends AsyncDisposable {
  /** Base URL, ending in `/`: `${base}mod.ts` is our entry. */
  base: string;
  /** Paths requested so far (to see what a run loaded). */
  requested: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".tsx": "application/typescript; charset=utf-8",
  ".mts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/**
 * Serves the repository's files on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * await using repo = await serveRepo();
 * const mod = `${repo.base}mod.ts`;
 * ```
 */
export function serveRepo(): Promise<RepoHttpServer> {
  const requested: string[] = [];
  const { promise, resolve } = Promise.withResolvers<RepoHttpServer>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen({ port }) {
      const close = () => server.shutdown();
      resolve({
        base: `http://127.0.0.1:${port}/`,
        requested,
        close,
        [Symbol.asyncDispose]: close,
      });
    },
  }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    requested.push(path);
    const file = normalize(join(REPO_ROOT, path));
    if (!file.startsWith(REPO_ROOT + "/")) {
      return new Response("outside the repository\n", { status: 403 });
    }
    try {
      return new Response(await Deno.readFile(file), {
        headers: {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        },
      });
    } catch {
      return new Response(`not found: ${path}\n`, { status: 404 });
    }
  });
  return promise;
}
