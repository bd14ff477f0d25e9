/**
 * The module registry (client/module_registry.ts) in real Chromium: a
 * hand-made bundle page served by a real Deno.serve, with the real client
 * files compiled as the dev server serves them.
 */

import assert from "node:assert/strict";
import { browserTest, openPage, waitForText } from "./_browser.ts";
import { serveClientFile } from "../server/client_files.ts";

/** Factory bodies in the form of Contract 1 (server/registry_transform.ts). */
const FACTORIES: Record<string, string> = {
  "/src/main.ts": [
    '"use strict";const __i0 = await __m.import("/src/a.ts");',
    "let stack = '';",
    "try {",
    "  (0, __i0.fail)();",
    "} catch (err) {",
    "  stack = err.stack;",
    "}",
    "const lazy = await __m.dynamicImport('./lazy.ts');",
    "document.querySelector('#stack').textContent = stack;",
    "document.querySelector('#url').textContent = __i0.url;",
    "document.querySelector('#lazy').textContent = lazy.lazyUrl;",
    "document.querySelector('#done').textContent = 'done';",
  ].join("\n"),
  // The throw is on line 5 of the module.
  "/src/a.ts": [
    '"use strict";__m.export({ fail: () => fail, url: () => url });',
    "const url = __m.meta.url;",
    "",
    "function fail() {",
    "  throw new Error('thrown in a');",
    "}",
  ].join("\n"),
};

/** Served by /@banana/registry on demand (not in the bundle). */
const LAZY = '"use strict";__m.export({ lazyUrl: () => __m.meta.url });';

function bundle(): string {
  return [
    'import { registry } from "/@banana/client/module_registry.ts";',
    ...Object.entries(FACTORIES).map(([id, code]) =>
      `registry.define(${JSON.stringify(id)}, "v1", ${JSON.stringify(code)});`
    ),
    'await registry.import("/src/main.ts");',
  ].join("\n");
}

const JS = { "content-type": "text/javascript; charset=utf-8" };

function serve(requests: string[]) {
  return Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => {
      const url = new URL(request.url);
      requests.push(url.pathname + url.search);
      if (url.pathname === "/") {
        return new Response(
          "<!doctype html><p id=stack></p><p id=url></p><p id=lazy></p>" +
            '<p id=done></p><script type="module" src="/@banana/bundle/src/main.ts"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/@banana/bundle/src/main.ts") {
        return new Response(bundle(), { headers: JS });
      }
      if (url.pathname === "/@banana/registry") {
        const ids = url.searchParams.get("ids")!.split(",");
        const body = [
          'import { registry } from "/@banana/client/module_registry.ts";',
          ...ids.filter((id) => id === "/src/lazy.ts").map((id) =>
            `registry.define(${JSON.stringify(id)}, "v7", ${
              JSON.stringify(LAZY)
            });`
          ),
        ].join("\n");
        return new Response(body, { headers: JS });
      }
      if (url.pathname.startsWith("/@banana/client/")) {
        return serveClientFile(url.pathname, request, {
          hmr: null,
          token: "",
          port: 0,
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
}

Deno.test({
  ...browserTest,
  name:
    "a bundle page on the module registry: stack traces and import.meta.url name the real file; a module the bundle lacks is fetched from /@banana/registry",
  async fn() {
    const requests: string[] = [];
    await using server = serve(requests);
    const origin = `http://127.0.0.1:${server.addr.port}`;
    await using tracked = await openPage(`${origin}/`);
    await waitForText(tracked, "#done", "done");
    const stack = await tracked.page.locator("#stack").textContent() ?? "";
    // Chromium's frame of the throw: `at fail (<origin>/src/a.ts:5:9)`.
    assert.match(
      stack,
      new RegExp(
        `at fail \\(${origin.replace(/\./g, "\\.")}/src/a\\.ts:5:9\\)`,
      ),
    );
    assert.match(stack, new RegExp(`${origin}/src/main\\.ts:4:`));
    assert.equal(
      await tracked.page.locator("#url").textContent(),
      `${origin}/src/a.ts?v=v1`,
    );
    assert.equal(
      await tracked.page.locator("#lazy").textContent(),
      `${origin}/src/lazy.ts?v=v7`,
    );
    assert.ok(requests.includes("/@banana/registry?ids=/src/lazy.ts"));
    assert.deepEqual(tracked.pageErrors, []);
  },
});
