/**
 * The plugin context that real Vite plugins read besides their hooks, seen
 * by a plugin written the way `@tailwindcss/vite` and `@vitejs/plugin-vue`
 * are: object hooks with filters, `this.environment`, `this.meta`, the Vite
 * fields of the resolved config, `server.environments.client`,
 * `server.watcher` and the `options` / `buildStart` hooks. (The real
 * plugins run in tests/tailwind_test.ts and tests/vite_plugin_vue_test.ts.)
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { createTempApp, waitFor } from "./_browser.ts";
import { startServer } from "./_server.ts";
import type { DevServer, ResolvedConfig } from "../mod.ts";

Deno.test("Vite plugin context: environment, meta, config fields, filters, hook order, watcher events", async () => {
  await using app = await createTempApp({
    "index.html": `<script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `import "./style.css";\nexport const main = 1;\n`,
    "src/style.css": `a { color: red; }\n`,
    "src/lib/util.ts": `export const util = 1;\n`,
  });
  const order: string[] = [];
  const seen: Record<string, unknown> = {};
  const transformed: string[] = [];
  const changed: string[] = [];
  let config: ResolvedConfig | null = null;
  let server: DevServer | null = null;
  const plugin = {
    name: "test:vite-shaped",
    enforce: "pre" as const,
    configResolved(resolved: ResolvedConfig) {
      order.push("configResolved");
      config = resolved;
      seen.command = resolved.command;
      seen.isProduction = resolved.isProduction;
      seen.ssr = resolved.build.ssr;
      seen.serverHmr = resolved.server.hmr !== false;
      seen.logger = typeof resolved.logger.warn;
    },
    options() {
      order.push("options");
      // Set late, as @vitejs/plugin-vue sets its filter in options().
      plugin.transform.filter = { id: { include: [/\.css(?:\?.*)?$/] } };
    },
    configureServer(devServer: DevServer) {
      order.push("configureServer");
      server = devServer;
      devServer.watcher.on("change", (file: string) => changed.push(file));
    },
    buildStart() {
      order.push("buildStart");
    },
    transform: {
      filter: undefined as unknown,
      handler(
        this: {
          environment: { name: string; config: ResolvedConfig };
          meta: { viteVersion: string };
        },
        code: string,
        id: string,
        options?: { ssr?: boolean },
      ) {
        transformed.push(id);
        seen.environment = this.environment.name;
        seen.environmentRoot = this.environment.config.root;
        seen.viteVersion = this.meta.viteVersion;
        seen.transformSsr = options?.ssr;
        return code;
      },
    },
  };
  await using dev = await startServer(app.root, {
    plugins: [plugin],
    resolve: { alias: { "@lib": "/src/lib" } },
  });
  const css = await fetch(new URL("/src/style.css", dev.url));
  equal(css.status, 200);
  await css.text();
  const main = await fetch(new URL("/src/main.ts", dev.url));
  equal(main.status, 200);
  await main.text();

  deepEqual(order, [
    "configResolved",
    "options",
    "configureServer",
    "buildStart",
  ]);
  deepEqual(seen, {
    command: "serve",
    isProduction: false,
    ssr: false,
    serverHmr: true,
    logger: "function",
    environment: "client",
    environmentRoot: app.root,
    viteVersion: seen.viteVersion,
    transformSsr: false,
  });
  ok(/^\d+\.\d+\.\d+$/.test(String(seen.viteVersion)));
  // The filter kept the handler to stylesheets.
  ok(transformed.length > 0, "the handler ran for the stylesheet");
  ok(transformed.every((id) => id.includes(".css")), transformed.join(", "));

  const client = server!.environments.client;
  equal(client.name, "client");
  const node = client.moduleGraph.getModuleById(`${app.root}/src/main.ts`);
  equal(node?.url, "/src/main.ts");
  equal(
    client.moduleGraph.getModulesByFile(`${app.root}/src/main.ts`)?.size,
    1,
  );
  // The server's graph answers to Vite's names too.
  equal(
    server!.moduleGraph.getModuleById(`${app.root}/src/main.ts`),
    node,
  );
  equal(
    (await server!.moduleGraph.getModuleByUrl("/src/main.ts?t=123"))?.url,
    "/src/main.ts",
  );

  // createResolver resolves relative files, aliases and extensions.
  const resolveTs = config!.createResolver({ extensions: [".ts"] });
  equal(
    await resolveTs("./lib/util", `${app.root}/src/main.ts`),
    `${app.root}/src/lib/util.ts`,
  );
  equal(
    await resolveTs("@lib/util", `${app.root}/src/main.ts`),
    `${app.root}/src/lib/util.ts`,
  );
  equal(await resolveTs("./missing", `${app.root}/src/main.ts`), undefined);

  await app.write(
    "src/main.ts",
    `import "./style.css";\nexport const main = 2;\n`,
  );
  await waitFor(() => changed.includes(`${app.root}/src/main.ts`), {
    message: "server.watcher to report the change",
  });
});
