/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Stylesheets imported from JavaScript (`import "./a.css"`): injected as one
 * `<style>` that an edit replaces in place, removed when the import is
 * removed (prune), updated when a file they `@import` changes, with
 * `url()`s resolved relative to the stylesheet.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  computedStyle,
  type TrackedPage,
  waitFor,
  waitForStyle,
} from "./_browser.ts";
import {
  appLines,
  assertNotReloaded,
  openHmrApp,
  pageHtml,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** The `<style>` elements the CSS runtime injected, by stylesheet URL. */
function injectedStyles(tracked: TrackedPage): Promise<string[]> {
  return tracked.page.evaluate(() =>
    [...document.querySelectorAll("style[data-banana-css]")].map((el) =>
      el.getAttribute("data-banana-css")!
    )
  );
}

testInEachMode({
  ...browserTest,
  name:
    "a stylesheet imported from JavaScript is one <style>; an edit replaces its text in place without re-running the importer or reloading",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./a.css";\nconsole.log("main ran");\n`,
      "src/a.css": "#out { color: rgb(200, 0, 0); }\n",
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForStyle(tracked, "#out", "color", "rgb(200, 0, 0)");
    assert.deepEqual(await injectedStyles(tracked), ["/src/a.css"]);
    await tracked.page.evaluate(() => {
      document.querySelector("style[data-banana-css]")!.id = "first-style";
    });

    await app.write("src/a.css", "#out { color: rgb(0, 0, 200); }\n");
    await waitForStyle(tracked, "#out", "color", "rgb(0, 0, 200)");
    assert.deepEqual(await injectedStyles(tracked), ["/src/a.css"]);
    assert.equal(
      await tracked.page.evaluate(() =>
        document.querySelector("style[data-banana-css]")!.id
      ),
      "first-style",
      "the same <style> element was updated",
    );
    assert.deepEqual(appLines(tracked), ["main ran"]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "removing the import of a stylesheet removes its <style> (prune) while the other one stays",
  async fn(mode) {
    const app = (imports: string) =>
      `${imports}\nconsole.log("app ran");\nimport.meta.hot?.accept();\n`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./app.ts";\n`,
      "src/app.ts": app(`import "./red.css";\nimport "./bold.css";`),
      "src/red.css": "#out { color: rgb(200, 0, 0); }\n",
      "src/bold.css": "#out { font-weight: 700; }\n",
    }, modeConfig(mode));
    await waitForStyle(s.tracked, "#out", "color", "rgb(200, 0, 0)");
    assert.deepEqual(await injectedStyles(s.tracked), [
      "/src/red.css",
      "/src/bold.css",
    ]);

    await s.app.write("src/app.ts", app(`import "./bold.css";`));
    await waitForStyle(s.tracked, "#out", "color", "rgb(0, 0, 0)");
    assert.deepEqual(await injectedStyles(s.tracked), ["/src/bold.css"]);
    assert.equal(await computedStyle(s.tracked, "#out", "font-weight"), "700");

    // Importing it again brings it back.
    await s.app.write(
      "src/app.ts",
      app(`import "./red.css";\nimport "./bold.css";`),
    );
    await waitForStyle(s.tracked, "#out", "color", "rgb(200, 0, 0)");
    await assertNotReloaded(s.tracked);
    assert.deepEqual(s.tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "editing a file @imported by a stylesheet imported from JavaScript updates its <style>; url() resolves relative to the file that wrote it",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./styles/app.css";\n`,
      "src/styles/app.css":
        `@import "./parts/colors.css";\n#out { background-image: url(../img/dot.svg); }\n`,
      "src/styles/parts/colors.css":
        `#out { color: rgb(1, 2, 3); border-image-source: url(../../img/dot.svg); }\n`,
      "src/img/dot.svg":
        `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForStyle(tracked, "#out", "color", "rgb(1, 2, 3)");
    // Both url()s point at the same file, from two different folders.
    const background = await computedStyle(tracked, "#out", "background-image");
    const border = await computedStyle(tracked, "#out", "border-image-source");
    const pattern = /^url\("http:\/\/[^/]+\/src\/img\/dot\.svg\?v=[\w-]+"\)$/;
    assert.match(background, pattern);
    assert.equal(border, background);
    const url = background.slice(5, -2);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/svg+xml");
    await response.body?.cancel();

    await app.write(
      "src/styles/parts/colors.css",
      `#out { color: rgb(3, 2, 1); }\n`,
    );
    await waitForStyle(tracked, "#out", "color", "rgb(3, 2, 1)");
    assert.deepEqual(await injectedStyles(tracked), ["/src/styles/app.css"]);

    // Editing the image gives the sheet a new URL for it.
    await app.write(
      "src/img/dot.svg",
      `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>`,
    );
    const next = await waitForStyle(
      tracked,
      "#out",
      "background-image",
      pattern,
    );
    await waitFor(
      async () =>
        (await computedStyle(tracked, "#out", "background-image")) !==
          background,
      { timeout: 10_000, message: "a new URL for the edited image" },
    );
    assert.match(next, pattern);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});
