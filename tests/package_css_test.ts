/**
 * Stylesheets from npm packages, with only a `deno.json` entry: imported
 * from JavaScript (`import "normalize.css"`, `import "@fontsource/inter"`)
 * or `@import`ed by a stylesheet (`@import "normalize.css"`,
 * `@import "@fontsource/inter/400.css"`, `@import "tailwindcss"`), they
 * apply as CSS (never bundled as JavaScript), and the font files they
 * reference load from their package. Files of packages the app does not use
 * are not served.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  computedStyle,
  createTempApp,
  openPage,
  type TrackedPage,
  waitFor,
  waitForStyle,
} from "./_browser.ts";
import { startServer } from "./_server.ts";
import { pageHtml } from "./_hmr_app.ts";
import { rawGet } from "./_raw_http.ts";
import { REPO_ROOT } from "./_own_files.ts";
import { join } from "node:path";

const DENO_JSON = JSON.stringify({
  imports: {
    "normalize.css": "npm:normalize.css@8.0.1",
    "@fontsource/inter": "npm:@fontsource/inter@5.2.8",
    "tailwindcss": "npm:tailwindcss@4.3.5",
  },
});

/**
 * Waits until the page has loaded an Inter font face, and returns the
 * font files it fetched (path and HTTP status).
 */
async function loadedInterFiles(
  tracked: TrackedPage,
): Promise<{ path: string; status: number }[]> {
  return await waitFor(async () => {
    // Runs in the page (the test process has no DOM types).
    const files = await tracked.page.evaluate<
      { path: string; status: number }[] | null
    >(`(async () => {
      await document.fonts.load("400 16px Inter", "Hello");
      const loaded = [...document.fonts].some((face) =>
        face.family.replaceAll(/["']/g, "") === "Inter" &&
        face.status === "loaded"
      );
      if (!loaded) return null;
      return performance.getEntriesByType("resource")
        .filter((entry) => /\\.woff2?$/.test(new URL(entry.name).pathname))
        .map((entry) => ({
          path: new URL(entry.name).pathname,
          status: entry.responseStatus,
        }));
    })()`);
    return files && files.length > 0 ? files : null;
  }, { timeout: 15_000, message: "no Inter font face was loaded" });
}

Deno.test({
  ...browserTest,
  name:
    'package CSS: import "normalize.css" and "@fontsource/inter" from JavaScript apply their styles and load the font files',
  async fn() {
    await using app = await createTempApp({
      "deno.json": DENO_JSON,
      "index.html": pageHtml("<h1 id=title>Title</h1>"),
      "src/main.ts": `import "normalize.css";
import "@fontsource/inter";
import "./app.css";
document.querySelector("#out")!.textContent = "ready";
`,
      "src/app.css": `body { font-family: Inter, monospace; }\n`,
    });
    await using dev = await startServer(app.root);
    // On a fresh Deno cache the load includes fetching the packages.
    await using tracked = await openPage(dev.url, { timeout: 60_000 });
    // normalize.css: `body { margin: 0 }` (Chromium's default is 8px) and
    // `h1 { font-size: 2em }`.
    await waitForStyle(tracked, "body", "margin-top", "0px");
    assert.equal(await computedStyle(tracked, "h1", "font-size"), "32px");
    const fonts = await loadedInterFiles(tracked);
    for (const file of fonts) {
      assert.match(file.path, /^\/@npm\/@fontsource\/inter@5\.2\.8\/files\//);
      assert.equal(file.status, 200, file.path);
    }
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    '@import of package stylesheets: "normalize.css", "@fontsource/inter/400.css" and "tailwindcss" are inlined, and their fonts load',
  async fn() {
    await using app = await createTempApp({
      "deno.json": DENO_JSON,
      "index.html": pageHtml(
        '<link rel="stylesheet" href="/src/style.css"><h2 id=sub>Sub</h2>',
      ),
      "src/main.ts": `document.querySelector("#out")!.textContent = "ready";\n`,
      "src/style.css": `@import "normalize.css";
@import "@fontsource/inter/400.css";
@import "tailwindcss";
body { font-family: Inter, monospace; }
`,
    });
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url, { timeout: 60_000 });
    await waitForStyle(tracked, "body", "margin-top", "0px");
    // Tailwind's preflight: headings inherit their size (`font-size:
    // inherit`), unlike normalize's `h2` default of 1.5em.
    assert.equal(await computedStyle(tracked, "h2", "font-size"), "16px");
    const fonts = await loadedInterFiles(tracked);
    for (const file of fonts) {
      assert.match(file.path, /^\/@npm\/@fontsource\/inter@5\.2\.8\/files\//);
      assert.equal(file.status, 200, file.path);
    }
    const sheet = await (await fetch(new URL("/src/style.css", dev.url)))
      .text();
    assert.ok(sheet.includes("font-family: 'Inter'"), sheet.slice(0, 400));
    assert.ok(!sheet.includes("@import"), sheet.slice(0, 400));
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test("package CSS: a stylesheet that @imports a package the app does not map says which entry to add", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: {} }),
    "index.html": '<link rel="stylesheet" href="/style.css">',
    "style.css": `@import "@fontsource/inter";\n`,
  });
  await using dev = await startServer(app.root);
  const res = await fetch(new URL("/style.css", dev.url));
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.ok(
    body.includes(`"@fontsource/inter": "npm:@fontsource/inter@<version>"`),
    body,
  );
});

Deno.test("package CSS: only files of packages in use are served, never outside their package, and the packages stay out of our deno.lock", async () => {
  const ownLock = () =>
    Deno.readFile(join(REPO_ROOT, "deno.lock")).catch(() => null);
  const lockBefore = await ownLock();
  await using app = await createTempApp({
    "deno.json": DENO_JSON,
    "index.html": pageHtml(),
    "src/main.ts": `import "normalize.css";\n`,
  });
  await using dev = await startServer(app.root);
  const main = await (await fetch(new URL("/src/main.ts", dev.url))).text();
  const sheetUrl = /"(\/@npm\/normalize\.css@8\.0\.1\/normalize\.css\?import)"/
    .exec(main)?.[1];
  assert.ok(sheetUrl, main);
  const sheet = await fetch(new URL(sheetUrl, dev.url));
  assert.equal(sheet.status, 200);
  assert.match(sheet.headers.get("content-type") ?? "", /javascript/);
  assert.ok((await sheet.text()).includes("__bananaUpdateStyle"));
  const raw = await fetch(
    new URL("/@npm/normalize.css@8.0.1/package.json", dev.url),
  );
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get("cache-control") ?? "", /immutable/);
  await raw.body?.cancel();
  // A package the app's import map does not name is not fetched for a page.
  const foreign = await fetch(
    new URL("/@npm/left-pad@1.3.0/index.js", dev.url),
  );
  assert.equal(foreign.status, 404);
  await foreign.body?.cancel();
  // Sent byte for byte: fetch() would normalise the dots away.
  const port = Number(new URL(dev.url).port);
  for (
    const path of [
      "/@npm/normalize.css@8.0.1/%2e%2e/8.0.1/package.json",
      "/@npm/normalize.css@8.0.1/..%2f..%2fnormalize.css/8.0.1/package.json",
      "/@npm/normalize.css@8.0.1/../../../../etc/passwd",
    ]
  ) {
    const escape = await rawGet(port, path);
    assert.ok(
      [400, 403, 404].includes(escape.status) &&
        !escape.body.includes('"version"') && !escape.body.includes("root:"),
      `${path}: ${escape.status} ${escape.body}`,
    );
  }
  // Located with `deno info --no-lock`: nothing of the app's enters our lock.
  assert.deepEqual(await ownLock(), lockBefore);
});
