/**
 * Habits of Vite apps, in a real browser: extensionless and directory
 * imports (Deno's sloppy imports), `.env` files on `import.meta.env`,
 * `import.meta.glob`, scripts in `public/`, and the page shown when the
 * root has no `index.html`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  createTempApp,
  openPage,
  type TrackedPage,
  waitFor,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";
import { startServer } from "./_server.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

const OVERLAY = "banana-error-overlay";

const SLOPPY_MAIN = `
import { label } from "./label";
import { lib } from "./lib";
document.querySelector("#out")!.textContent = label + " + " + lib;
import.meta.hot?.accept();
`;

testInEachMode({
  ...browserTest,
  name:
    'with "sloppy-imports", an extensionless import and a directory import run, and edits of both files update the page without a reload',
  async fn(mode) {
    await using s = await openHmrApp({
      "deno.json": JSON.stringify({ unstable: ["sloppy-imports"] }),
      "index.html": pageHtml(),
      "src/main.ts": SLOPPY_MAIN,
      "src/label.ts": `export const label = "label v1";\n`,
      "src/lib/index.ts": `export const lib = "lib v1";\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "label v1 + lib v1");

    await app.write("src/label.ts", `export const label = "label v2";\n`);
    await waitForText(tracked, "#out", "label v2 + lib v1");
    await app.write("src/lib/index.ts", `export const lib = "lib v2";\n`);
    await waitForText(tracked, "#out", "label v2 + lib v2");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    'with "sloppy-imports", an extensionless import of a file not written yet fails, and creating the file (any probed extension) loads it',
  async fn(mode) {
    await using s = await openHmrApp({
      "deno.json": JSON.stringify({ unstable: ["sloppy-imports"] }),
      "index.html": pageHtml(),
      "src/main.ts": `import { widget } from "./widget";
document.querySelector("#out")!.textContent = widget;
`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to resolve import "\.\/widget" from src\/main\.ts: src\/widget does not exist/,
      10_000,
    );
    await app.write("src/widget.tsx", `export const widget = "widget here";\n`);
    await waitForText(tracked, "#out", "widget here", 10_000);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "without sloppy-imports, an extensionless import and a directory import each show an error naming the specifier to write",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml(),
      "src/main.ts": `import { label } from "./label";\nconsole.log(label);\n`,
      "src/other.ts": `import { lib } from "./lib";\nconsole.log(lib);\n`,
      "src/label.tsx": `export const label = "x";\n`,
      "src/lib/index.ts": `export const lib = "y";\n`,
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    await using tracked = await openPage(dev.url);
    const message = await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /did you mean/,
      10_000,
    );
    assert.match(
      message,
      /Failed to resolve import "\.\/label" from src\/main\.ts: src\/label does not exist \(did you mean "\.\/label\.tsx"\?.*"unstable": \["sloppy-imports"\]/,
    );

    const other = await fetch(new URL("/src/other.ts", dev.url));
    assert.equal(other.status, 500);
    const body = await other.text();
    assert.match(
      body,
      /Failed to resolve import "\.\/lib" from src\/other\.ts: src\/lib is a directory \(did you mean "\.\/lib\/index\.ts"\?/,
    );
  },
});

/** Every response body the page received, as text. */
function recordBodies(tracked: TrackedPage): Promise<string>[] {
  const bodies: Promise<string>[] = [];
  tracked.page.on("response", (response) => {
    bodies.push(
      response.body().then((b) => new TextDecoder().decode(b), () => ""),
    );
  });
  return bodies;
}

const SECRET = "s3cr3t-value-4711";

testInEachMode({
  ...browserTest,
  name:
    ".env files: VITE_ variables show on import.meta.env (and as %VITE_TITLE% in index.html) with Vite's precedence, other variables are undefined and in no served byte, and an edit of .env reloads with the new value",
  async fn(mode) {
    const envMain = `
const env = import.meta.env;
document.querySelector("#out")!.textContent = [
  env.VITE_TITLE, env.VITE_FROM_LOCAL, env.VITE_FROM_MODE, env.BANANA_FLAG,
  String(env.SECRET_TOKEN), env.MODE, String(env.DEV),
].join(" | ");
`;
    const app = await createTempApp({
      "index.html": pageHtml().replace(
        "<title>hmr test</title>",
        "<title>%VITE_TITLE% (%MODE%) %SECRET_TOKEN%</title>",
      ),
      "src/main.ts": envMain,
      ".env": `VITE_TITLE=Title from env\nSECRET_TOKEN=${SECRET}\n` +
        `VITE_FROM_LOCAL=env\nVITE_FROM_MODE=env\n`,
      ".env.local": `VITE_FROM_LOCAL=local\n`,
      ".env.development": `VITE_FROM_MODE=development\nBANANA_FLAG=on\n`,
      ".env.production": `VITE_TITLE=production only\n`,
    });
    await using _cleanup = { [Symbol.asyncDispose]: () => app.cleanup() };
    await using dev = await startServer(app.root, modeConfig(mode));
    const tracked = await openPage(dev.url);
    await using _page = tracked;
    const bodies = recordBodies(tracked);
    // Load again with the recorder on from the first byte.
    await tracked.page.reload();
    await waitForText(
      tracked,
      "#out",
      "Title from env | local | development | on | undefined | development | true",
      10_000,
    );
    // HTML env replacement: known names only.
    assert.equal(
      await tracked.page.title(),
      "Title from env (development) %SECRET_TOKEN%",
    );
    await waitFor(() => bodies.length > 0);
    const texts = await Promise.all(bodies);
    assert.ok(texts.length >= 3, `responses seen: ${texts.length}`);
    for (const text of texts) assert.ok(!text.includes(SECRET));
    const direct = await fetch(new URL("/.env", dev.url));
    assert.equal(direct.status, 403);
    assert.ok(!(await direct.text()).includes(SECRET));
    const module = await (await fetch(new URL("/src/main.ts", dev.url)))
      .text();
    assert.ok(module.includes("Title from env"));
    assert.ok(!module.includes(SECRET));

    await tracked.page.evaluate(() =>
      (globalThis as { __mark?: number }).__mark = 1
    );
    await app.write(
      ".env",
      `VITE_TITLE=New title\nSECRET_TOKEN=${SECRET}\nVITE_FROM_LOCAL=env\n`,
    );
    await waitForText(
      tracked,
      "#out",
      "New title | local | development | on | undefined | development | true",
      15_000,
    );
    assert.equal(
      await tracked.page.evaluate(() =>
        (globalThis as { __mark?: number }).__mark
      ),
      undefined,
      "the page reloaded",
    );
  },
});

testInEachMode({
  ...browserTest,
  name:
    "import.meta.glob lists modules lazily and eagerly (import: default, ?raw, negative patterns), and a new matching file appears after it is created and a deleted one goes, without a reload of the self-accepting importer",
  async fn(mode) {
    const main = `
const lazy = import.meta.glob("./pages/*.ts");
const titles = import.meta.glob<string>("./pages/*.ts", { eager: true, import: "default" });
const raw = import.meta.glob<string>(["./pages/*.ts", "!./pages/b.ts"], { query: "?raw", import: "default", eager: true });
const rooted = import.meta.glob("/src/pages/a.ts");
const first = await lazy["./pages/a.ts"]() as { default: string };
document.querySelector("#out")!.textContent = [
  Object.keys(lazy).join(","),
  Object.values(titles).join(","),
  Object.keys(raw).join(","),
  raw["./pages/a.ts"].trim(),
  Object.keys(rooted).join(","),
  first.default,
].join(" | ");
import.meta.hot?.accept();
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": main,
      "src/pages/a.ts": `export default "A";\n`,
      "src/pages/b.ts": `export default "B";\n`,
      "src/pages/notes.md": `not a match\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(
      tracked,
      "#out",
      './pages/a.ts,./pages/b.ts | A,B | ./pages/a.ts | export default "A"; | /src/pages/a.ts | A',
      10_000,
    );
    await app.write("src/pages/c.ts", `export default "C";\n`);
    await waitForText(
      tracked,
      "#out",
      './pages/a.ts,./pages/b.ts,./pages/c.ts | A,B,C | ./pages/a.ts,./pages/c.ts | export default "A"; | /src/pages/a.ts | A',
      10_000,
    );
    await app.remove("src/pages/b.ts");
    await waitForText(
      tracked,
      "#out",
      './pages/a.ts,./pages/c.ts | A,C | ./pages/a.ts,./pages/c.ts | export default "A"; | /src/pages/a.ts | A',
      10_000,
    );
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    'import.meta.glob("./routes/**/*.ts"): a file written into a new folder appears, and removing the folder removes its entries',
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
const routes = import.meta.glob("./routes/**/*.ts", { eager: true, import: "default" });
document.querySelector("#out")!.textContent = Object.keys(routes).join(",");
import.meta.hot?.accept();
`,
      "src/routes/index.ts": `export default "home";\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "./routes/index.ts", 10_000);
    await app.write("src/routes/blog/post/first.ts", `export default 1;\n`);
    await waitForText(
      tracked,
      "#out",
      "./routes/blog/post/first.ts,./routes/index.ts",
      10_000,
    );
    await app.remove("src/routes/blog");
    await waitForText(tracked, "#out", "./routes/index.ts", 10_000);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "scripts in public/ are served as they are: public/sw.js registers as a service worker, and .ts/.mjs files come back byte for byte",
  // Files of public/ are served as they are, outside any module graph.
  modes: ["per-module"],
  async fn(mode) {
    const sw =
      `// served as is\nself.addEventListener("install", () => self.skipWaiting());\n`;
    await using app = await createTempApp({
      "index.html": pageHtml(),
      "src/main.ts": `
const registration = await navigator.serviceWorker.register("/sw.js");
await navigator.serviceWorker.ready;
document.querySelector("#out")!.textContent = "sw " + (registration.active ?? registration.installing ?? registration.waiting ? "registered" : "missing");
`,
      "public/sw.js": sw,
      "public/tool.ts": `const x: number = 1; // raw TypeScript\n`,
      "public/lib.mjs": `export const y = 2;\n`,
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    for (
      const [path, content] of [
        ["/sw.js", sw],
        ["/tool.ts", `const x: number = 1; // raw TypeScript\n`],
        ["/lib.mjs", `export const y = 2;\n`],
      ]
    ) {
      const res = await fetch(new URL(path, dev.url));
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), content, path);
    }
    const js = await fetch(new URL("/sw.js", dev.url));
    await js.body?.cancel();
    assert.equal(
      js.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "sw registered", 10_000);
  },
});

const SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="20"><rect width="32" height="20" fill="gold"/></svg>`;

testInEachMode({
  ...browserTest,
  name:
    'import viteLogo from "/vite.svg" (create-vite\'s templates) gives the URL of public/vite.svg, which loads; importing a script from public/ fails saying how to reference it',
  // The URL of a public file and the 500 for a module request of it do
  // not depend on how the page gets its modules.
  modes: ["per-module"],
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml('<img id="logo">'),
      "src/main.ts": `
import viteLogo from "/vite.svg";
import logoUrl from "/vite.svg?url";
const img = document.querySelector("#logo") as HTMLImageElement;
img.onload = () => document.querySelector("#out")!.textContent = viteLogo + " " + logoUrl + " " + img.naturalWidth;
img.src = viteLogo;
`,
      "src/bad.ts": `import "/lib.mjs";
`,
      "public/vite.svg": SVG,
      "public/lib.mjs": `export const y = 2;\n`,
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "/vite.svg /vite.svg 32", 10_000);
    assert.deepEqual(tracked.pageErrors, []);
    const bad = await fetch(new URL("/src/bad.ts", dev.url));
    assert.equal(bad.status, 500);
    assert.match(
      await bad.text(),
      /Cannot import "\/lib\.mjs" from src\/bad\.ts: \/lib\.mjs is in the public folder, whose files are served as they are and cannot be imported; reference it by URL/,
    );
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a root without index.html answers / with a page saying what was looked for, that public/index.html is the wrong place, the pages nearby and what to do",
  // No page, no modules: one mode is enough.
  modes: ["per-module"],
  async fn(mode) {
    await using app = await createTempApp({
      "my-app/index.html": "<p>the app</p>",
      "docs/guide.html": "<p>guide</p>",
      "public/index.html": "<p>misplaced</p>",
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    await using tracked = await openPage(dev.url);
    const text = await tracked.page.locator("body").innerText();
    assert.match(text, /No index\.html to serve/);
    assert.ok(text.includes(`${app.root}/index.html`), text);
    assert.match(text, /\/docs\/guide\.html/);
    assert.match(text, /\/my-app\//);
    assert.ok(
      text.includes(
        `${app.root}/public/index.html exists, but files in the public folder are served as they are: move it to ${app.root}/index.html`,
      ),
      text,
    );
    assert.ok(!text.includes("/public/\n"), text);
    assert.match(text, /Create index\.html/);
    assert.match(text, /dev path\/to\/app/);
    const res = await fetch(new URL("/", dev.url), {
      headers: { accept: "text/html" },
    });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    // A file request still gets the plain 404.
    const file = await fetch(new URL("/missing.png", dev.url));
    assert.equal(file.status, 404);
    assert.equal(await file.text(), "Not found: /missing.png\n");
  },
});

Deno.test("the mode picks its .env files: mode staging serves .env.staging's value and MODE staging", async () => {
  await using app = await createTempApp({
    "index.html": pageHtml(),
    "src/main.ts": `export const env = import.meta.env;\n`,
    ".env": `VITE_WHERE=base\n`,
    ".env.staging": `VITE_WHERE=staging file\n`,
    ".env.development": `VITE_WHERE=development file\n`,
  });
  await using dev = await startServer(app.root, { mode: "staging" });
  const code = await (await fetch(new URL("/src/main.ts", dev.url))).text();
  assert.match(code, /"VITE_WHERE":"staging file"/);
  assert.match(code, /"MODE":"staging"/);
  assert.ok(!code.includes("development file"));
});

Deno.test("envDir and envPrefix (as in Vite): the files come from envDir, only the configured prefixes are exposed, and an empty prefix is refused", async () => {
  await using app = await createTempApp({
    "index.html": pageHtml(),
    "src/main.ts": `export const env = import.meta.env;\n`,
    "config/.env": `APP_NAME=from envDir\nVITE_OTHER=not exposed now\n`,
    ".env": `APP_NAME=from the root\n`,
  });
  {
    await using dev = await startServer(app.root, {
      envDir: "config",
      envPrefix: ["APP_"],
    });
    const code = await (await fetch(new URL("/src/main.ts", dev.url))).text();
    assert.match(code, /"APP_NAME":"from envDir"/);
    assert.ok(!code.includes("not exposed now"), code);
    assert.ok(!code.includes("from the root"), code);
  }
  await assert.rejects(
    () => startServer(app.root, { envPrefix: "" }),
    /envPrefix must be non-empty strings/,
  );
});
