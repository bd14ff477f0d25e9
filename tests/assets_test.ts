/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * JSON and assets imported from code: JSON modules (with and without import
 * attributes) whose edits propagate by the normal rules; `?url`, `?raw` and
 * plain imports of images and fonts, served with their content types and
 * updated when the file changes.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  createTempApp,
  waitFor,
  waitForText,
} from "./_browser.ts";
import { startServer } from "./_server.ts";
import {
  appLines,
  assertNotReloaded,
  openConnectedPage,
  openHmrApp,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** A 1×1 transparent PNG. */
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

function svg(size: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" fill="teal"/></svg>`;
}

testInEachMode({
  ...browserTest,
  name:
    'JSON imported with and without `with { type: "json" }` is a module; an edit reaches the self-accepting importer without a reload',
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": `
import data from "./data.json" with { type: "json" };
import settings, { theme } from "./settings.json";
document.querySelector("#out")!.textContent =
  data.items.join("+") + " / " + settings.theme + " / " + theme;
console.log("view ran");
import.meta.hot?.accept();
`,
      "src/data.json": `{ "items": ["a", "b"] }\n`,
      "src/settings.json": `{ "theme": "dark" }\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "a+b / dark / dark");

    await app.write("src/data.json", `{ "items": ["a", "b", "c"] }\n`);
    await waitForText(tracked, "#out", "a+b+c / dark / dark");
    await app.write("src/settings.json", `{ "theme": "light" }\n`);
    await waitForText(tracked, "#out", "a+b+c / light / light");

    // Invalid JSON is an error with its location; the fix recovers.
    await app.write("src/settings.json", `{\n  "theme": "x",\n}\n`);
    await waitForText(
      tracked,
      "banana-error-overlay .file",
      /src\/settings\.json:3:1$/,
      10_000,
    );
    await app.write("src/settings.json", `{ "theme": "blue" }\n`);
    await waitForText(tracked, "#out", "a+b+c / blue / blue");
    await waitFor(
      async () =>
        (await tracked.page.locator("banana-error-overlay").count()) === 0,
      { timeout: 5000, message: "the overlay to close" },
    );
    assert.deepEqual(appLines(tracked), [
      "view ran",
      "view ran",
      "view ran",
      "view ran",
    ]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "editing JSON that only the entry module imports reloads the page, which then shows the new data",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import data from "./data.json" with { type: "json" };
document.querySelector("#out")!.textContent = data.label;
`,
      "src/data.json": `{ "label": "first" }\n`,
    }, modeConfig(mode));
    await waitForText(s.tracked, "#out", "first");
    await s.app.write("src/data.json", `{ "label": "second" }\n`);
    await waitForReload(s.tracked);
    await waitForText(s.tracked, "#out", "second");
  },
});

testInEachMode({
  ...browserTest,
  name:
    "?url and plain image/font imports give loadable URLs with the right content types, ?raw gives the text; editing either updates the page",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml(
        `<img id="logo"><img id="pic"><pre id="notes"></pre>`,
      ),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": `
import logo from "./assets/logo.svg?url";
import pic from "./assets/pic.png";
import font from "./assets/font.woff2";
import notes from "./notes.md?raw";
(document.querySelector("#logo") as HTMLImageElement).src = logo;
(document.querySelector("#pic") as HTMLImageElement).src = pic;
document.querySelector("#notes")!.textContent = notes;
document.querySelector("#out")!.textContent = [logo, pic, font].join(" ");
import.meta.hot?.accept();
`,
      "src/assets/logo.svg": svg(10),
      "src/assets/pic.png": PNG,
      "src/assets/font.woff2": "not really a font",
      "src/notes.md": "# Notes\n\nfirst\n",
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    await using tracked = await openConnectedPage(dev.url);
    await waitForText(tracked, "#notes", "# Notes\n\nfirst");
    const urls = (await tracked.page.textContent("#out"))!.split(" ");
    assert.match(urls[0], /^\/src\/assets\/logo\.svg\?v=[\w-]+$/);
    assert.match(urls[1], /^\/src\/assets\/pic\.png\?v=[\w-]+$/);
    assert.match(urls[2], /^\/src\/assets\/font\.woff2\?v=[\w-]+$/);
    const types = await Promise.all(urls.map(async (url) => {
      const response = await fetch(new URL(url, dev.url));
      await response.body?.cancel();
      return `${response.status} ${response.headers.get("content-type")}`;
    }));
    assert.deepEqual(types, [
      "200 image/svg+xml",
      "200 image/png",
      "200 font/woff2",
    ]);
    const width = (selector: string) =>
      tracked.page.evaluate(
        (sel) => (document.querySelector(sel) as HTMLImageElement).naturalWidth,
        selector,
      );
    await waitFor(async () => (await width("#logo")) === 10, {
      timeout: 5000,
      message: "the logo to load",
    });
    assert.equal(await width("#pic"), 1);

    await app.write("src/notes.md", "# Notes\n\nsecond\n");
    await waitForText(tracked, "#notes", "# Notes\n\nsecond");

    await app.write("src/assets/logo.svg", svg(20));
    await waitFor(async () => (await width("#logo")) === 20, {
      timeout: 10_000,
      message: "the edited logo to load",
    });
    assert.notEqual(
      await tracked.page.getAttribute("#logo", "src"),
      urls[0],
      "the edited image has a new URL",
    );
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});
