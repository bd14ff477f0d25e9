/**
 * The module registry (client/module_registry.ts) in real Chromium: a
 * hand-made bundle page served by a real Deno.serve, with the real client
 * files compiled as the dev server serves them.
 */

import assert from "node:assert/strict";
import {
  browserTest,
  markPage,
  openPage,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { serveClientFile } from "../server/client_files.ts";
import { HMR_DEFAULTS } from "../server/hmr_defaults.ts";

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
    "document.querySelector('#syntax').textContent = await __m.dynamicImport('/src/syntax.ts')",
    "  .then(() => 'ran', (err) => err.name);",
    "document.querySelector('#done').textContent = 'done';",
  ].join("\n"),
  "/src/syntax.ts": "let = ;",
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

/** A page whose module throws while the page starts (line 3 of bad.ts). */
const BROKEN: Record<string, string> = {
  "/src/broken_main.ts":
    '"use strict";const __i0 = await __m.import("/src/bad.ts");\nconsole.log("not reached");',
  "/src/bad.ts":
    '"use strict";\nconst x = 1;\nthrow new Error("bad at start " + x);',
};

/**
 * An app like the bench's: main accepts app; app → (counter, view); view →
 * leaf. `createHotContext` comes from /hot.js (the client's HotContext on
 * the page's hmrClient, without client.ts's socket).
 */
const HOT_APP: Record<string, string> = {
  "/src/main.ts": [
    '"use strict";const __i0 = await __m.import("/hot.js");const __i1 = await __m.import("/src/app.ts");',
    '__m.meta.hot = (0, __i0.createHotContext)("/src/main.ts");',
    "const paint = (app) => document.querySelector('#app').textContent = app.render();",
    "paint(__i1);",
    "__m.meta.hot.accept('/src/app.ts', (mod) => { globalThis.accepted = mod; paint(mod); });",
  ].join("\n"),
  "/src/app.ts":
    '"use strict";__m.export({ render: () => render });const __i0 = await __m.import("/src/counter.ts");const __i1 = await __m.import("/src/view.ts");\n' +
    "const render = () => `${(0, __i1.text)()} #${(0, __i0.next)()}`;",
  "/src/counter.ts":
    '"use strict";__m.export({ next: () => next });\nlet n = 0;\nfunction next() { return ++n; }',
  "/src/view.ts":
    '"use strict";__m.export({ text: () => text });const __i0 = await __m.import("/src/leaf.ts");\n' +
    "function text() { return `${__i0.leaf} from ${__i0.url.replace(location.origin, '')}`; }",
  "/src/leaf.ts": leafCode("v1"),
};

function leafCode(text: string): string {
  return `"use strict";__m.export({ leaf: () => leaf, url: () => __m.meta.url });\nconst leaf = ${
    JSON.stringify(text)
  };`;
}

/** Served by /@banana/registry on demand (not in the bundle). */
const LAZY = '"use strict";__m.export({ lazyUrl: () => __m.meta.url });';

function bundle(factories: Record<string, string>, entry: string): string {
  return [
    'import { registry } from "/@banana/client/module_registry.ts";',
    ...Object.entries(factories).map(([id, code]) =>
      `registry.define(${JSON.stringify(id)}, "v1", ${JSON.stringify(code)});`
    ),
    `await registry.import(${JSON.stringify(entry)});`,
  ].join("\n");
}

/**
 * A bundle in the form the dev server writes: factories as functions of
 * the script (with the line and column their bodies start at, and their
 * line count), except those in `asStrings`, defined as code to compile.
 */
function functionBundle(
  factories: Record<string, string>,
  entry: string,
  asStrings: readonly string[] = [],
): string {
  const lines = [
    'import { registry } from "/@banana/client/module_registry.ts";',
    "const __d = registry.definer(import.meta.url);",
  ];
  for (const [id, code] of Object.entries(factories)) {
    if (asStrings.includes(id)) {
      lines.push(`__d(${JSON.stringify(id)}, "v1", ${JSON.stringify(code)});`);
      continue;
    }
    const head = `__d(${JSON.stringify(id)}, "v1", async function (__m) {`;
    const first = lines.length + 1;
    const bodyLines = code.split("\n");
    bodyLines[0] = head + bodyLines[0];
    bodyLines[bodyLines.length - 1] += `\n}, ${first}, ${head.length}, ${
      code.split("\n").length
    });`;
    lines.push(...bodyLines.join("\n").split("\n"));
  }
  lines.push(`await registry.import(${JSON.stringify(entry)});`);
  return lines.join("\n");
}

/** Settings of the served client (env.ts): overlay and indicator off. */
const HMR_SETTINGS = {
  ...HMR_DEFAULTS,
  overlay: false,
  indicator: false,
  port: null,
  host: null,
  clientPort: null,
};

const JS = { "content-type": "text/javascript; charset=utf-8" };

function serve(requests: string[]) {
  return Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => {
      const url = new URL(request.url);
      requests.push(url.pathname + url.search);
      if (url.pathname === "/functions.html") {
        return new Response(
          "<!doctype html><p id=stack></p><p id=url></p><p id=lazy></p>" +
            '<p id=syntax></p><p id=done></p><script type="module" src="/@banana/bundle/src/main.ts?form=functions"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/broken_functions.html") {
        return new Response(
          "<!doctype html><p id=error></p><script>addEventListener('error', " +
            "(e) => document.querySelector('#error').textContent = e.error.stack);" +
            '</script><script type="module" src="/@banana/bundle/src/broken_main.ts?form=functions"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/" || url.pathname === "/csp.html") {
        // csp.html: a policy that refuses eval (the registry falls back to
        // a classic script per factory).
        const csp = url.pathname === "/csp.html"
          ? `<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'">`
          : "";
        return new Response(
          `<!doctype html>${csp}<p id=stack></p><p id=url></p><p id=lazy></p>` +
            '<p id=syntax></p><p id=done></p><script type="module" src="/@banana/bundle/src/main.ts"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/broken.html") {
        // What client/client.ts listens to for a page that failed to start.
        return new Response(
          "<!doctype html><p id=error></p><script>addEventListener('error', " +
            "(e) => document.querySelector('#error').textContent = e.error.stack);" +
            '</script><script type="module" src="/@banana/bundle/src/broken_main.ts"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/hot.html") {
        return new Response(
          '<!doctype html><p id=app></p><script type="module" src="/@banana/bundle/src/hot.ts"></script>',
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/hot.js") {
        return new Response(
          'import { hmrClient } from "/@banana/client/hmr_client.ts";\n' +
            'import { HotContext } from "/@banana/client/hot_context.ts";\n' +
            "export const createHotContext = (owner) => new HotContext(hmrClient, owner);",
          { headers: JS },
        );
      }
      if (url.pathname === "/@banana/bundle/src/hot.ts") {
        return new Response(
          'import * as __x0 from "/hot.js";\n' +
            bundle(HOT_APP, "/src/main.ts").replace(
              "\n",
              '\nregistry.external("/hot.js", __x0);\n',
            ),
          { headers: JS },
        );
      }
      const functions = url.searchParams.get("form") === "functions";
      if (url.pathname === "/@banana/bundle/src/main.ts") {
        return new Response(
          functions
            ? functionBundle(FACTORIES, "/src/main.ts", ["/src/syntax.ts"])
            : bundle(FACTORIES, "/src/main.ts"),
          { headers: JS },
        );
      }
      if (url.pathname === "/@banana/bundle/src/broken_main.ts") {
        return new Response(
          functions
            ? functionBundle(BROKEN, "/src/broken_main.ts")
            : bundle(BROKEN, "/src/broken_main.ts"),
          { headers: JS },
        );
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
          hmr: HMR_SETTINGS,
          token: "",
          port: 0,
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
}

for (
  const [page, how] of [
    ["/", "compiled by eval"],
    [
      "/csp.html",
      "compiled by a classic script each, under a policy that refuses eval",
    ],
    ["/functions.html", "written as functions of the bundle"],
  ]
) {
  Deno.test({
    ...browserTest,
    name:
      `a bundle page on the module registry (factories ${how}): stack traces and import.meta.url name the real file; a syntax error rejects its importer; a module the bundle lacks is fetched from /@banana/registry`,
    async fn() {
      const requests: string[] = [];
      await using server = serve(requests);
      const origin = `http://127.0.0.1:${server.addr.port}`;
      await using tracked = await openPage(`${origin}${page}`);
      await waitForText(tracked, "#done", "done");
      const stack = await tracked.page.locator("#stack").textContent() ?? "";
      // Chromium's frame of the throw: `at fail (<origin>/src/a.ts:5:9)`.
      assert.match(
        stack,
        new RegExp(
          `at fail \\(${origin.replace(/\./g, "\\.")}/src/a\\.ts:5:9\\)`,
        ),
      );
      // The module's top-level frame: eval'd code's reads `at eval (<url>)`.
      const topLevel = page === "/" ? `eval \\(${origin}` : origin;
      assert.match(stack, new RegExp(`at ${topLevel}/src/main\\.ts:4:`));
      assert.equal(
        await tracked.page.locator("#url").textContent(),
        `${origin}/src/a.ts?v=v1`,
      );
      assert.equal(
        await tracked.page.locator("#lazy").textContent(),
        `${origin}/src/lazy.ts?v=v7`,
      );
      assert.equal(
        await tracked.page.locator("#syntax").textContent(),
        "SyntaxError",
      );
      assert.ok(requests.includes("/@banana/registry?ids=/src/lazy.ts"));
      assert.deepEqual(tracked.pageErrors, []);
    },
  });
}

for (
  const [page, how] of [["/broken.html", "compiled by eval"], [
    "/broken_functions.html",
    "written as functions of the bundle",
  ]]
) {
  Deno.test({
    ...browserTest,
    name:
      `a module that throws while a bundle page starts (factories ${how}) is reported as the page's error event, its stack naming the real file and line`,
    async fn() {
      await using server = serve([]);
      const origin = `http://127.0.0.1:${server.addr.port}`;
      await using tracked = await openPage(`${origin}${page}`);
      const stack = await waitForText(tracked, "#error", /bad at start 1/);
      assert.match(stack, new RegExp(`${origin}/src/bad\\.ts:3:7`));
      assert.deepEqual(tracked.pageErrors, ["Error: bad at start 1"]);
      assert.equal(tracked.consoleLines.includes("not reached"), false);
    },
  });
}

Deno.test({
  ...browserTest,
  name:
    "a bundle page applies an update with factories: the fresh chain re-runs, a counter module outside it keeps its state, the accept callback gets the new exports; the page report says it runs a registry; of a burst of updates only the newest runs",
  async fn() {
    await using server = serve([]);
    const origin = `http://127.0.0.1:${server.addr.port}`;
    await using tracked = await openPage(`${origin}/hot.html`);
    await waitForText(tracked, "#app", "v1 from /src/leaf.ts?v=v1 #1");
    await markPage(tracked);
    const payload = {
      type: "update",
      updates: [{
        type: "js-update",
        path: "/src/main.ts",
        acceptedPath: "/src/app.ts",
        timestamp: 5,
      }],
      preload: ["/src/app.ts?t=5", "/src/view.ts?t=5", "/src/leaf.ts?t=5"],
      factories: [{ id: "/src/leaf.ts", version: "v2", code: leafCode("v2") }],
    };
    const accepted = await tracked.page.evaluate(async (payload) => {
      const { applyUpdates } = await import(
        "/@banana/client/apply_update.ts" as string
      );
      await applyUpdates(payload);
      const mod = (globalThis as { accepted?: object }).accepted!;
      return {
        tag: Object.prototype.toString.call(mod),
        keys: Object.keys(mod),
        proto: Object.getPrototypeOf(mod),
      };
    }, payload);
    // The counter was not in the chain: its instance (n = 1) went on.
    await waitForText(tracked, "#app", "v2 from /src/leaf.ts?t=5 #2");
    assert.deepEqual(accepted, {
      tag: "[object Module]",
      keys: ["render"],
      proto: null,
    });
    assert.equal(await wasReloaded(tracked), false);
    const report = await tracked.page.evaluate(async () => {
      const { reportAll } = await import(
        "/@banana/client/page_modules.ts" as string
      );
      let sent: unknown;
      reportAll((_event: string, data: unknown) => {
        sent = data;
        return true;
      });
      return sent as { registry?: boolean; loaded: string[] };
    });
    assert.equal(report.registry, true);

    // A burst: the next update's message is a task already waiting when
    // this one starts (as socket messages pile up on a busy page). The
    // first is skipped, the newest runs once.
    await tracked.page.evaluate(async ({ leafCodeLogging, ...payload }) => {
      const { applyUpdates } = await import(
        "/@banana/client/apply_update.ts" as string
      );
      const { hmrClient } = await import(
        "/@banana/client/hmr_client.ts" as string
      );
      const versionOf = (text: string, timestamp: number) => ({
        ...payload,
        updates: [{ ...payload.updates[0], timestamp }],
        preload: payload.preload.map((url: string) =>
          url.replace("t=5", `t=${timestamp}`)
        ),
        factories: [{ ...payload.factories[0], version: text, code: "" }],
      });
      const second = versionOf("v3", 7);
      second.factories[0].code = payload.factories[0].code.replace(
        '"v2"',
        '"v3"',
      );
      const first = versionOf("v2b", 6);
      first.factories[0].code = leafCodeLogging;
      const done = new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          hmrClient.noteArrival(second.updates);
          hmrClient.enqueue(() => applyUpdates(second));
          hmrClient.enqueue(resolve);
        };
        channel.port2.postMessage(null);
      });
      hmrClient.noteArrival(first.updates);
      hmrClient.enqueue(() => applyUpdates(first));
      await done;
    }, {
      ...payload,
      leafCodeLogging: leafCode("v2b") + 'console.log("v2b ran");',
    });
    assert.equal(
      await tracked.page.locator("#app").textContent(),
      "v3 from /src/leaf.ts?t=7 #3",
    );
    assert.equal(tracked.consoleLines.includes("v2b ran"), false);
    assert.deepEqual(tracked.pageErrors, []);
  },
});
