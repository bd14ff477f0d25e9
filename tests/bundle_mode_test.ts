/**
 * Bundle mode end to end, in Chromium: a page whose own modules arrive as
 * one script of module factories (`/@banana/bundle/<entry>`), hot updates
 * that carry only the changed factories, build errors in the overlay, and
 * how `server.bundle` (`true`, `false`, `"auto"`) picks the mode.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  openPage,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import {
  assertNotReloaded,
  openConnectedPage,
  openHmrApp,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { createTempApp } from "./_browser.ts";
import { startServer } from "./_server.ts";
import { startCliServer } from "./_cli_server.ts";
import type { Plugin } from "../mod.ts";
import { CLIENT_DIR_URL, entryOfBundleUrl } from "../server/module_urls.ts";
import { MODULE_REGISTRY_URL } from "../server/module_urls.ts";

const OVERLAY = "banana-error-overlay";

/** The paths of the page's script resources fetched so far. */
async function fetchedPaths(tracked: TrackedPage): Promise<string[]> {
  return await tracked.page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) =>
      new URL(entry.name).pathname
    )
  );
}

/**
 * Records the ids the page's module registry defines from now on (the
 * factories an update brings) in `window.__defined`.
 */
async function recordDefines(tracked: TrackedPage): Promise<void> {
  await tracked.page.evaluate(async (registryUrl) => {
    const { registry } = await import(registryUrl);
    const seen: string[] = [];
    (globalThis as { __defined?: string[] }).__defined = seen;
    const define = registry.define.bind(registry);
    registry.define = (id: string, version: string, code: string) => {
      seen.push(id);
      return define(id, version, code);
    };
  }, MODULE_REGISTRY_URL);
}

function definedIds(tracked: TrackedPage): Promise<string[]> {
  return tracked.page.evaluate(() =>
    (globalThis as { __defined?: string[] }).__defined ?? []
  );
}

/** Runs `fn` with the server's `[banana]` lines collected in `lines`. */
async function withServerLines(
  fn: (lines: string[]) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const line = args.map(String).join(" ");
    if (line.includes("[banana]")) lines.push(line);
    else original(...args);
  };
  try {
    await fn(lines);
  } finally {
    console.log = original;
  }
}

const COUNTER_APP = {
  "index.html": pageHtml(`<button id="inc">+</button><p id="count"></p>`),
  "src/main.ts": `import { label } from "./label.ts";
import { count, increment } from "./counter.ts";
let currentLabel = label;
const render = () => {
  document.querySelector("#out")!.textContent = currentLabel();
  document.querySelector("#count")!.textContent = String(count());
};
document.querySelector("#inc")!.addEventListener("click", () => {
  increment();
  render();
});
render();
import.meta.hot?.accept("./label.ts", (mod) => {
  if (!mod) return;
  currentLabel = mod.label;
  render();
});
`,
  "src/label.ts": `export const label = (): string => "label v1";\n`,
  "src/counter.ts": `let n = 0;
export const count = (): number => n;
export const increment = (): void => void n++;
`,
};

Deno.test({
  ...browserTest,
  name:
    "bundle mode: the page renders from one script of factories; no request per module",
  async fn() {
    await using s = await openHmrApp(COUNTER_APP, {
      server: { bundle: true },
    });
    await waitForText(s.tracked, "#out", "label v1");
    await waitForText(s.tracked, "#count", "0");
    const paths = await fetchedPaths(s.tracked);
    assert.deepEqual(
      paths.filter((path) => path.startsWith("/src/")),
      [],
      Deno.inspect(paths),
    );
    // One bundle, by the version its stream was to have.
    const bundles = paths.filter((path) => path.startsWith("/@banana/bundle"));
    assert.equal(bundles.length, 1, Deno.inspect(paths));
    assert.match(
      bundles[0],
      /^\/@banana\/bundle@stream-[0-9a-f-]+\/src\/main\.ts$/,
    );
    // The client's files and the registry are preloaded, all at once: the
    // page's critical path is the HTML, then one round of requests.
    const html = await (await fetch(new URL("/", s.dev.url))).text();
    for (const file of ["client.ts", "module_registry.ts", "hmr_client.ts"]) {
      assert.ok(
        html.includes(
          `<link rel="modulepreload" href="${CLIENT_DIR_URL}${file}">`,
        ),
        `no modulepreload of ${file} in ${html}`,
      );
    }
    // A reload asks the server for the HTML only: the client's files, its
    // settings and the bundle are named by their versions (immutable), and
    // the bundle is the one the stream sent.
    const fromServer = () =>
      s.tracked.page.evaluate(() =>
        performance.getEntriesByType("resource")
          .filter((entry) =>
            (entry as PerformanceResourceTiming).transferSize > 0
          )
          .map((entry) => new URL(entry.name).pathname)
          .filter((path) => path !== "/favicon.ico")
      );
    await s.tracked.page.reload();
    await waitForText(s.tracked, "#out", "label v1");
    assert.deepEqual(await fromServer(), []);
    assert.deepEqual(
      (await fetchedPaths(s.tracked)).filter((path) =>
        path.startsWith("/@banana/bundle")
      ),
      bundles,
    );
    // An edit makes a new version: the next reload fetches it, and shows it.
    await s.app.write(
      "src/label.ts",
      `export const label = (): string => "label v2";\n`,
    );
    await waitForText(s.tracked, "#out", "label v2");
    await s.tracked.page.reload();
    await waitForText(s.tracked, "#out", "label v2");
    await waitForText(s.tracked, "#count", "0");
    const fetched = await fromServer();
    assert.equal(fetched.length, 1, Deno.inspect(fetched));
    assert.match(fetched[0], /^\/@banana\/bundle@[0-9a-f]{16}\/src\/main\.ts$/);
    // The plain URL of the bundle is revalidated: a 304 when unchanged.
    const response = await fetch(
      new URL("/@banana/bundle/src/main.ts", s.dev.url),
    );
    const etag = response.headers.get("etag")!;
    // V8's compile hint opens it: its factories are compiled with the
    // script, not each on its first call.
    assert.match(await response.text(), /^\/\/# allFunctionsCalledOnLoad\n/);
    const again = await fetch(
      new URL("/@banana/bundle/src/main.ts", s.dev.url),
      { headers: { "if-none-match": etag } },
    );
    assert.equal(again.status, 304);
  },
});

Deno.test({
  name:
    "bundle mode: only the version the page's HTML names is answered immutable; a version made up before the first bundle is not, nor does it become the ETag",
  async fn() {
    await using app = await createTempApp(COUNTER_APP);
    await using dev = await startServer(app.root, {
      server: { bundle: true },
    });
    const madeUp = "stream-00000000-0000-4000-8000-000000000000";
    const first = await fetch(
      new URL(`/@banana/bundle@${madeUp}/src/main.ts`, dev.url),
    );
    assert.equal(first.status, 200);
    assert.match(await first.text(), /label v1/);
    assert.doesNotMatch(first.headers.get("cache-control") ?? "", /immutable/);
    assert.notEqual(first.headers.get("etag"), `"${madeUp}"`);

    const html = await (await fetch(dev.url)).text();
    const named = /src="(\/@banana\/bundle@[^"]+)"/.exec(html)?.[1];
    assert.ok(named, html);
    assert.ok(!named.includes(madeUp), named);
    const current = await fetch(new URL(named, dev.url));
    assert.match(await current.text(), /label v1/);
    assert.match(current.headers.get("cache-control") ?? "", /immutable/);
    const again = await fetch(
      new URL(`/@banana/bundle@${madeUp}/src/main.ts`, dev.url),
    );
    await again.body?.cancel();
    assert.doesNotMatch(again.headers.get("cache-control") ?? "", /immutable/);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a leaf edit updates the DOM without a reload, sends only that module's factory and keeps other modules' state",
  async fn() {
    await using s = await openHmrApp(COUNTER_APP, {
      server: { bundle: true },
    });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "label v1");
    await tracked.page.click("#inc");
    await tracked.page.click("#inc");
    await waitForText(tracked, "#count", "2");
    await recordDefines(tracked);
    await app.write(
      "src/label.ts",
      `export const label = (): string => "label v2";\n`,
    );
    await waitForText(tracked, "#out", "label v2");
    // counter.ts was not re-run: its state stayed.
    await waitForText(tracked, "#count", "2");
    assert.deepEqual(await definedIds(tracked), ["/src/label.ts"]);
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: an edit that imports a new file sends that file's factory too, and the page runs it without a reload",
  async fn() {
    await using s = await openHmrApp(COUNTER_APP, {
      server: { bundle: true },
    });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "label v1");
    await recordDefines(tracked);
    await app.write("src/suffix.ts", `export const suffix = "+new";\n`);
    await app.write(
      "src/label.ts",
      `import { suffix } from "./suffix.ts";
export const label = (): string => "label v3" + suffix;
`,
    );
    await waitForText(tracked, "#out", "label v3+new");
    assert.deepEqual(
      (await definedIds(tracked)).toSorted(),
      ["/src/label.ts", "/src/suffix.ts"],
    );
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a syntax error shows the overlay while the page keeps running; the fix applies by HMR",
  async fn() {
    await using s = await openHmrApp(COUNTER_APP, {
      server: { bundle: true },
    });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "label v1");
    await app.write(
      "src/label.ts",
      `export const label = (): string => "label v2" +;\n`,
    );
    await waitForText(tracked, `${OVERLAY} .file`, /src\/label\.ts:1/);
    await waitForText(tracked, "#out", "label v1");
    await app.write(
      "src/label.ts",
      `export const label = (): string => "label fixed";\n`,
    );
    await waitForText(tracked, "#out", "label fixed");
    await waitFor(
      async () => await tracked.page.locator(OVERLAY).count() === 0,
      {
        message: "the overlay to close",
      },
    );
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a module that fails to build in the bundle shows the overlay; the fix recovers the page",
  async fn() {
    await using app = await createTempApp({
      ...COUNTER_APP,
      "src/label.ts": `export const label = (): string => "broken" +;\n`,
    });
    await using dev = await startServer(app.root, {
      server: { bundle: true },
    });
    await using tracked = await openPage(dev.url);
    // The server's error (with its location) or the page's failed import
    // of the module that throws it, whichever the page shows first.
    await waitForText(tracked, `${OVERLAY} .file`, /src\/label\.ts/);
    await app.write(
      "src/label.ts",
      `export const label = (): string => "recovered";\n`,
    );
    await waitForText(tracked, "#out", "recovered", 10_000);
  },
});

/** An app whose entry statically imports `n - 1` leaf modules. */
function wideApp(n: number): Record<string, string> {
  const files: Record<string, string> = { "index.html": pageHtml() };
  const lines: string[] = [];
  for (let i = 1; i < n; i++) {
    files[`src/m${i}.ts`] = `export const v${i} = ${i};\n`;
    lines.push(`import { v${i} } from "./m${i}.ts";`);
  }
  lines.push(
    `document.querySelector("#out")!.textContent = String(${
      Array.from({ length: n - 1 }, (_, i) => `v${i + 1}`).join(" + ")
    });`,
  );
  files["src/main.ts"] = lines.join("\n") + "\n";
  return files;
}

function scriptSrcOf(html: string): string | undefined {
  return /<script type="module" src="([^"]+)"><\/script>\s*<\/body>/.exec(
    html,
  )?.[1];
}

Deno.test({
  ...browserTest,
  name:
    'server.bundle "auto" serves a bundle from 500 modules up and per-module below, and says which in the terminal',
  async fn() {
    await withServerLines(async (lines) => {
      for (const [n, bundled] of [[499, false], [500, true]] as const) {
        await using app = await createTempApp(wideApp(n));
        await using dev = await startServer(app.root, { logLevel: "info" });
        const html = await (await fetch(dev.url)).text();
        const src = scriptSrcOf(html);
        assert.equal(
          bundled ? entryOfBundleUrl(src ?? "") : src,
          "/src/main.ts",
          src,
        );
        await using tracked = await openPage(dev.url, { timeout: 30_000 });
        const sum = (n - 1) * n / 2;
        await waitForText(tracked, "#out", String(sum), 20_000);
        const paths = await fetchedPaths(tracked);
        const own = paths.filter((path) => path.startsWith("/src/"));
        // (The page's resource timing buffer holds 250 entries, the
        // client's files among them, in whatever order they finished.)
        if (bundled) assert.equal(own.length, 0);
        else assert.ok(own.length >= 200, `${own.length} module requests`);
      }
      assert.ok(
        lines.some((line) =>
          /per-module \/src\/main\.ts: 499 modules, below 500/.test(line)
        ),
        Deno.inspect(lines),
      );
      assert.ok(
        lines.some((line) =>
          /bundle mode \/src\/main\.ts: 500 modules/.test(line)
        ),
        Deno.inspect(lines),
      );
    });
  },
});

Deno.test({
  ...browserTest,
  name: "server.bundle false (--no-bundle) serves per-module even a large app",
  async fn() {
    await using app = await createTempApp(wideApp(500));
    await using dev = await startServer(app.root, {
      server: { bundle: false },
    });
    const html = await (await fetch(dev.url)).text();
    assert.equal(scriptSrcOf(html), "/src/main.ts");
    await using tracked = await openPage(dev.url, { timeout: 30_000 });
    await waitForText(tracked, "#out", String(499 * 500 / 2), 20_000);
    const bundles = (await fetchedPaths(tracked)).filter((path) =>
      path.startsWith("/@banana/bundle")
    );
    assert.deepEqual(bundles, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a lazily imported module arrives through /@banana/registry and runs once",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageHtml(`<button id="load">load</button>`),
      "src/main.ts": `const name = "lazy";
document.querySelector("#load")!.addEventListener("click", async () => {
  const mod = await import(\`./\${name}.ts\`);
  document.querySelector("#out")!.textContent = mod.text;
});
document.querySelector("#out")!.textContent = "ready";
`,
      "src/lazy.ts": `console.log("lazy ran");\nexport const text = "lazy!";\n`,
    }, { server: { bundle: true } });
    const { tracked } = s;
    await waitForText(tracked, "#out", "ready");
    await tracked.page.click("#load");
    await waitForText(tracked, "#out", "lazy!");
    await tracked.page.click("#load");
    await waitForConsole(tracked, "lazy ran");
    assert.equal(
      tracked.consoleLines.filter((line) => line === "lazy ran").length,
      1,
    );
    const paths = await fetchedPaths(tracked);
    assert.ok(paths.includes("/@banana/registry"), Deno.inspect(paths));
    await assertNotReloaded(tracked);
  },
});

// Reloads keep bundle mode working (the bundle is revalidated).
Deno.test({
  ...browserTest,
  name: "bundle mode: after a reload the page runs the edited code",
  async fn() {
    await using s = await openHmrApp(COUNTER_APP, {
      server: { bundle: true },
    });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "label v1");
    await app.write(
      "src/counter.ts",
      `let n = 10;
export const count = (): number => n;
export const increment = (): void => void n++;
`,
    );
    // counter.ts has no accepting importer: the page reloads.
    await waitForReload(tracked);
    await waitForText(tracked, "#count", "10");
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a module the bundle defines but the page has not run yet runs its edited code when it is imported later",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageHtml(`<button id="load">load</button>`),
      "src/main.ts":
        `document.querySelector("#load")!.addEventListener("click", async () => {
  const mod = await import("./later.ts");
  document.querySelector("#out")!.textContent = mod.text;
});
document.querySelector("#out")!.textContent = "ready";
`,
      "src/later.ts": `export const text = "later v1";\n`,
    }, { server: { bundle: true } });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "ready");
    await recordDefines(tracked);
    await app.write("src/later.ts", `export const text = "later v2";\n`);
    await waitFor(
      async () => (await definedIds(tracked)).includes("/src/later.ts"),
      {
        message: "the edited factory to reach the page",
      },
    );
    await tracked.page.click("#load");
    await waitForText(tracked, "#out", "later v2");
    const paths = await fetchedPaths(tracked);
    assert.ok(!paths.includes("/@banana/registry"), Deno.inspect(paths));
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a page whose Content-Security-Policy allows neither inline scripts nor eval is served per-module, and the terminal says why",
  async fn() {
    await withServerLines(async (lines) => {
      await using app = await createTempApp({
        ...COUNTER_APP,
        "index.html": pageHtml().replace(
          "<head>",
          `<head><meta http-equiv="Content-Security-Policy" content="script-src 'self'">`,
        ),
      });
      await using dev = await startServer(app.root, {
        logLevel: "info",
        server: { bundle: true },
      });
      const html = await (await fetch(dev.url)).text();
      assert.equal(scriptSrcOf(html), "/src/main.ts");
      assert.ok(
        lines.some((line) =>
          /per-module \/src\/main\.ts: the page's Content-Security-Policy allows neither inline scripts nor eval/
            .test(line)
        ),
        Deno.inspect(lines),
      );
    });
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: the bundle names one index source map by URL (no inline map), whose section for a module sits where its factory's body starts and gives its TypeScript source; devtools in Chromium get it; a hot update's factory names its own map",
  async fn() {
    await using app = await createTempApp({
      "index.html":
        `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { label } from "./label.ts";
const out = document.querySelector("#out")!;
out.textContent = label();
import.meta.hot?.accept("./label.ts", (mod) => {
  if (mod) out.textContent = mod.label();
});
`,
      "src/label.ts":
        `export const label = (): string => "typed " + String(1 as number);\n`,
    });
    await using dev = await startServer(app.root, { server: { bundle: true } });
    const bundle = await (await fetch(
      new URL("/@banana/bundle/src/main.ts", dev.url),
    )).text();
    assert.ok(!bundle.includes("data:application/json"), "an inline map");
    const mapUrls = [...bundle.matchAll(/sourceMappingURL=(\S+)/g)].map((m) =>
      m[1]
    );
    assert.equal(mapUrls.length, 1, Deno.inspect(mapUrls));
    assert.match(mapUrls[0], /^\/@banana\/map\?bundle=%2Fsrc%2Fmain\.ts&k=/);
    const response = await fetch(new URL(mapUrls[0], dev.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /application\/json/);
    const index = await response.json() as {
      version: number;
      sections: {
        offset: { line: number; column: number };
        map: { sources: string[]; sourcesContent: string[]; mappings: string };
      }[];
    };
    assert.equal(index.version, 3);
    const section = index.sections.find((s) =>
      s.map.sources[0].endsWith("/src/label.ts")
    );
    assert.ok(section, Deno.inspect(index.sections.map((s) => s.map.sources)));
    assert.match(section.map.sourcesContent[0], /\(\): string =>/);
    assert.ok(section.map.mappings.length > 0);
    // The section starts at the first character of label.ts's body.
    const lines = bundle.split("\n");
    const head = 'function (__m) {"use strict";';
    const line = lines.findIndex((l) => l.startsWith('__d("/src/label.ts"'));
    assert.deepEqual(section.offset, {
      line,
      column: lines[line].indexOf(head) + head.length - '"use strict";'.length,
    });
    for (
      const missing of [
        "/@banana/map?id=%2Fsrc%2Fnope.ts",
        "/@banana/map?bundle=%2Fsrc%2Fnope.ts",
      ]
    ) {
      const answer = await fetch(new URL(missing, dev.url));
      assert.equal(answer.status, 404, missing);
      await answer.body?.cancel();
    }
    // Chromium's devtools take the map from that URL.
    await using tracked = await openConnectedPage(dev.url);
    await waitForText(tracked, "#out", "typed 1");
    const cdp = await tracked.page.context().newCDPSession(tracked.page);
    const maps = new Map<string, string>();
    cdp.on("Debugger.scriptParsed", (event) => {
      if (event.sourceMapURL) maps.set(event.url, event.sourceMapURL);
    });
    await cdp.send("Debugger.enable");
    const bundleUrl = () =>
      [...maps.keys()].find((url) =>
        entryOfBundleUrl(new URL(url).pathname) === "/src/main.ts"
      );
    await waitFor(() => bundleUrl() !== undefined, {
      message: "the bundle parsed with a map URL",
    });
    assert.match(
      maps.get(bundleUrl()!)!,
      /\/@banana\/map\?bundle=%2Fsrc%2Fmain/,
    );
    // A hot update's factory is compiled on its own, with its own map.
    await app.write(
      "src/label.ts",
      `export const label = (): string => "typed " + String(2 as number);\n`,
    );
    await waitForText(tracked, "#out", "typed 2");
    await assertNotReloaded(tracked);
    await waitFor(
      () =>
        [...maps.values()].some((m) =>
          /\/@banana\/map\?id=%2Fsrc%2Flabel\.ts/.test(m)
        ),
      { message: "the updated label.ts parsed with its map URL" },
    );
    const hotMap = [...maps.values()].find((m) =>
      /\/@banana\/map\?id=%2Fsrc%2Flabel\.ts/.test(m)
    )!;
    const hot = await fetch(new URL(hotMap, dev.url));
    assert.equal(hot.status, 200);
    const hotJson = await hot.json() as { sourcesContent: string[] };
    assert.match(hotJson.sourcesContent[0], /String\(2 as number\)/);
    await cdp.detach();
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a stack trace in a served bundle names each module's real URL, line and column, not the bundle",
  async fn() {
    await using app = await createTempApp({
      "index.html":
        `<pre id="out"></pre><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { boom } from "./thrower.js";
let text = "";
try {
  boom();
} catch (err) {
  text = (err as Error).stack ?? "";
}
document.querySelector("#out")!.textContent = text;
`,
      "src/thrower.js": `export function boom() {
  const x = 1;
  throw new Error("boom " + x);
}
`,
    });
    await using dev = await startServer(app.root, { server: { bundle: true } });
    await using tracked = await openPage(dev.url);
    const stack = await waitForText(tracked, "#out", /boom 1/);
    const origin = new URL(dev.url).origin.replace(/\./g, "\\.");
    assert.match(
      stack,
      new RegExp(`at boom \\(${origin}/src/thrower\\.js:3:9\\)`),
    );
    // The column is the compiled code's (the import became a record).
    assert.match(stack, new RegExp(`at ${origin}/src/main\\.ts:4:\\d+`));
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a module whose code cannot be a function of the bundle (it declares __m) breaks the first bundle's parse; the page reports it, the terminal names the module, and after one reload it fails on its own while the rest of the bundle runs",
  async fn() {
    await using app = await createTempApp({
      "index.html":
        `<p id="out"></p><p id="err"></p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { ok } from "./ok.ts";
document.querySelector("#out")!.textContent = ok;
import("./odd.js").then(
  (mod) => document.querySelector("#err")!.textContent = "ran " + mod.v,
  (err) => document.querySelector("#err")!.textContent = err.name,
);
`,
      "src/ok.ts": `export const ok: string = "main ran";\n`,
      "src/odd.js": `const __m = 2;\nexport const v = __m;\n`,
    });
    await withServerLines(async (lines) => {
      await using dev = await startServer(app.root, {
        logLevel: "info",
        server: { bundle: true },
      });
      // The first bundle is written without compiling each body first.
      const first = await (await fetch(
        new URL("/@banana/bundle/src/main.ts", dev.url),
      )).text();
      assert.match(first, /__d\("\/src\/odd\.js", "[^"]*", function \(__m\)/);
      await using tracked = await openPage(dev.url);
      await waitForText(tracked, "#out", "main ran");
      await waitForText(tracked, "#err", "SyntaxError");
      assert.equal(tracked.loads, 1, "one reload, to the bundle that parses");
      assert.ok(
        tracked.consoleLines.some((line) =>
          line.includes("the page's bundle did not parse")
        ),
        tracked.consoleLines.join("\n"),
      );
      assert.ok(
        lines.some((line) =>
          line.includes(
            "bundle /src/main.ts: the page's bundle did not parse (",
          ) && line.includes("): /src/odd.js runs on its own, the page reloads")
        ),
        lines.join("\n"),
      );
      const bundle = await (await fetch(
        new URL("/@banana/bundle/src/main.ts", dev.url),
      )).text();
      assert.match(bundle, /__d\("\/src\/ok\.ts", "[^"]*", function \(__m\)/);
      assert.match(bundle, /__d\("\/src\/odd\.js", "[^"]*", "/);
      // The next page load parses at once.
      await tracked.page.reload();
      await waitForText(tracked, "#err", "SyntaxError");
      assert.equal(tracked.loads, 2);
    });
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a module with top-level await is an async factory, and so is every importer above it; modules that await nothing are plain functions; the page runs them all in ESM order",
  async fn() {
    await using app = await createTempApp({
      "index.html":
        `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { order } from "./log.ts";
import { late } from "./tla.ts";
import { plain } from "./plain.ts";
order.push("main");
document.querySelector("#out")!.textContent = [late, plain, order.join(">")].join(" ");
`,
      "src/log.ts": `export const order: string[] = ["log"];\n`,
      "src/tla.ts": `import { order } from "./log.ts";
export const late = await Promise.resolve("late");
order.push("tla");
`,
      "src/plain.ts": `import { order } from "./log.ts";
order.push("plain");
export const plain = "plain";
`,
    });
    await using dev = await startServer(app.root, { server: { bundle: true } });
    const bundle = await (await fetch(
      new URL("/@banana/bundle/src/main.ts", dev.url),
    )).text();
    // The last definition of a module in the script is the one that runs
    // (a streamed bundle writes a module again once it knows it must wait).
    const head = (id: string) =>
      [...bundle.matchAll(
          new RegExp(`__d\\("${id}", "[^"]*", (async )?function`, "g"),
        )].at(-1)?.[1] === "async "
        ? "async"
        : "sync";
    assert.deepEqual(
      ["/src/main.ts", "/src/tla.ts", "/src/plain.ts", "/src/log.ts"].map(
        head,
      ),
      ["async", "async", "sync", "sync"],
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "late plain log>tla>plain>main");
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: the first bundle of a page is sent while its modules still build; a reload keeps its ETag (a 304), an edit gives a new one, and the page runs it",
  async fn() {
    // slow.ts's build waits for the test: until then the crawl cannot end.
    const held = Promise.withResolvers<void>();
    const plugin: Plugin = {
      name: "test:hold-slow",
      async transform(code, id) {
        if (!id.endsWith("/slow.ts")) return;
        await held.promise;
        return code;
      },
    };
    // ~1 KB a module: the definitions fill the stream's first pieces.
    const files: Record<string, string> = {
      "index.html":
        `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
      "src/slow.ts": `export const slow = "slow v1";\n`,
    };
    const names: string[] = [];
    for (let i = 0; i < 150; i++) {
      names.push(`m${i}`);
      files[`src/m${i}.ts`] = `export const m${i} = "${
        String(i).padEnd(1000, "-")
      }".length;\n`;
    }
    files["src/main.ts"] = names.map((n) => `import { ${n} } from "./${n}.ts";`)
      .join("\n") +
      `\nimport { slow } from "./slow.ts";\n` +
      `document.querySelector("#out")!.textContent = slow + " " + (${
        names.join(" + ")
      });\n`;
    await using app = await createTempApp(files);
    await using dev = await startServer(app.root, {
      server: { bundle: true },
      plugins: [plugin],
    });
    // Released before the server closes, whatever fails (it would wait).
    await using _release = {
      [Symbol.asyncDispose]: () => Promise.resolve(held.resolve()),
    };
    const url = new URL("/@banana/bundle/src/main.ts", dev.url);
    // A bundle made whole would wait for slow.ts: no answer in time.
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    const etag = response.headers.get("etag")!;
    const reader = response.body!.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes(`__d("/src/m`)) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the stream ended while slow.ts was held");
      text += value;
    }
    // Definitions arrived while slow.ts was still building.
    assert.ok(!text.includes(`__d("/src/slow.ts"`));
    assert.match(text, /^\/\/# allFunctionsCalledOnLoad\n/);
    held.resolve();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += r.value;
    }
    assert.ok(text.includes(`__d("/src/slow.ts"`));
    assert.ok(
      text.includes(`await registry.import("/src/main.ts");\n`),
      text.slice(-300),
    );
    // What a reload asks: the same ETag, a 304; without it, the same script.
    const again = await fetch(url, { headers: { "if-none-match": etag } });
    await again.body?.cancel();
    assert.equal(again.status, 304);
    const whole = await fetch(url);
    assert.equal(whole.headers.get("etag"), etag);
    assert.equal(await whole.text(), text);
    // The page runs the streamed script.
    await using tracked = await openPage(dev.url);
    const total = names.length * 1000;
    await waitForText(tracked, "#out", `slow v1 ${total}`);
    // An edit: a new ETag, the new code in it, and on the page (nothing
    // accepts it: the page reloads itself, into the new bundle).
    await app.write("src/slow.ts", `export const slow = "slow v2";\n`);
    const edited = await waitFor(async () => {
      const r = await fetch(url);
      const body = await r.text();
      return r.headers.get("etag") !== etag && body.includes("slow v2")
        ? r
        : null;
    });
    assert.notEqual(edited.headers.get("etag"), etag);
    await waitForText(tracked, "#out", `slow v2 ${total}`);
  },
});

Deno.test({
  ...browserTest,
  name:
    "bundle mode: a module the registry cannot run, found while the first bundle streams, ends it with a reload; the page comes back per-module and renders, and the terminal says why",
  async fn() {
    // Nested deeper than the registry transform's stack (the import lexer
    // and Chromium take it; Oxc does in its isolated process). The server
    // runs as users run it: the CLI, in its own process.
    const depth = 3000;
    await using app = await createTempApp({
      "index.html":
        `<!doctype html><html><body><p id="out"></p><script type="module" src="/src/main.ts"></script></body></html>`,
      "src/main.ts": `import { a } from "./a.ts";
import { deep } from "./deep.ts";
document.querySelector("#out")!.textContent = a + " " + deep;
`,
      "src/a.ts": `export const a = "a";\n`,
      "src/deep.ts": `export const deep = ${"[".repeat(depth)}"deep"${
        "]".repeat(depth)
      }.flat(Infinity)[0];\n`,
    });
    await using dev = await startCliServer(app.root, ["--bundle"]);
    await using tracked = await openPage(dev.url, { timeout: 30_000 });
    await waitForText(tracked, "#out", "a deep", 20_000);
    // It was served per-module in the end: its own modules were fetched.
    const paths = await fetchedPaths(tracked);
    assert.ok(paths.includes("/src/deep.ts"), Deno.inspect(paths));
    await dev.waitForLine(
      /per-module \/src\/main\.ts: \/src\/deep\.ts cannot run in the module registry/,
    );
    // The next page is per-module from its HTML on.
    const html = await (await fetch(dev.url)).text();
    assert.equal(scriptSrcOf(html), "/src/main.ts");
  },
});
