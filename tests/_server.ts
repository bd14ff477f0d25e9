/**
 * Starts the dev server in-process for a test, on a free port, quiet.
 *
 * @module
 */

import { createServer, type DevServer, type InlineConfig } from "../mod.ts";

/** A started server that closes itself with `await using`. */
export interface TestServer extends AsyncDisposable {
  server: DevServer;
  /** Base URL, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Creates and starts a server for `root`.
 *
 * @example
 * ```ts
 * await using dev = await startServer(app.root);
 * await openPage(dev.url);
 * ```
 */
export async function startServer(
  root: string,
  config: InlineConfig = {},
): Promise<TestServer> {
  const server = await createServer({
    logLevel: Deno.env.get("BANANA_TEST_LOG") ? "info" : "silent",
    ...config,
    root,
    server: { port: 0, ...config.server },
  });
  await server.listen();
  const url = server.url!.replace("localhost", "127.0.0.1");
  const close = () => server.close();
  return { server, url, close, [Symbol.asyncDispose]: close };
}
