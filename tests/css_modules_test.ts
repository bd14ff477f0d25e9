/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * CSS modules (`*.module.css`): the import is the map of scoped class
 * names; a style-only edit updates the styles in place, and an edit that
 * changes the class names updates the importer through normal propagation.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  computedStyle,
  waitForStyle,
  waitForText,
} from "./_browser.ts";
import {
  appLines,
  assertNotReloaded,
  openHmrApp,
  pageHtml,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** A self-accepting view that renders the class map it imported. */
const VIEW = `
import styles from "./card.module.css";
const out = document.querySelector("#out")!;
out.className = Object.values(styles).join(" ");
out.textContent = Object.keys(styles).sort().join(",");
console.log("view ran: " + Object.keys(styles).sort().join(","));
import.meta.hot?.accept();
`;

testInEachMode({
  ...browserTest,
  name:
    "a CSS module exports scoped class names; a style-only edit updates the styles in place without re-running its importer",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(`<p class="title">global class, not scoped</p>`),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": VIEW,
      "src/card.module.css": ".title { color: rgb(200, 0, 0); }\n",
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "title");
    await waitForStyle(tracked, "#out", "color", "rgb(200, 0, 0)");
    const scoped = await tracked.page.evaluate(() =>
      document.querySelector("#out")!.className
    );
    assert.match(scoped, /^_title_[\w-]+$/);
    // The scoped class does not leak to the page's own `.title`.
    assert.equal(
      await computedStyle(tracked, "p.title", "color"),
      "rgb(0, 0, 0)",
    );

    await app.write(
      "src/card.module.css",
      ".title { color: rgb(0, 0, 200); }\n",
    );
    await waitForStyle(tracked, "#out", "color", "rgb(0, 0, 200)");
    assert.equal(
      await tracked.page.evaluate(() =>
        document.querySelector("#out")!.className
      ),
      scoped,
      "the class names did not change",
    );
    assert.deepEqual(appLines(tracked), ["view ran: title"]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "when a CSS module's class names change, its importer re-runs with the new class map (no reload)",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": VIEW,
      "src/card.module.css": ".title { color: rgb(200, 0, 0); }\n",
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "title");

    await app.write(
      "src/card.module.css",
      ".title { color: rgb(200, 0, 0); }\n.badge { font-weight: 700; }\n",
    );
    await waitForText(tracked, "#out", "badge,title");
    await waitForStyle(tracked, "#out", "font-weight", "700");
    assert.equal(
      await computedStyle(tracked, "#out", "color"),
      "rgb(200, 0, 0)",
    );

    // Back to a style-only edit: the module takes it by itself again.
    await app.write(
      "src/card.module.css",
      ".title { color: rgb(0, 150, 0); }\n.badge { font-weight: 700; }\n",
    );
    await waitForStyle(tracked, "#out", "color", "rgb(0, 150, 0)");
    assert.deepEqual(appLines(tracked), [
      "view ran: title",
      "view ran: badge,title",
    ]);
    const styles = await tracked.page.evaluate(() =>
      document.querySelectorAll("style[data-banana-css]").length
    );
    assert.equal(styles, 1);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "composes: … from another CSS module: the page gets both classes and their rules, and an edit of the composed file updates the page without a reload",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": VIEW,
      "src/card.module.css":
        `.title { composes: base from "./base.module.css"; font-style: italic; }\n`,
      "src/base.module.css": ".base { color: rgb(200, 0, 0); }\n",
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "title");
    await waitForStyle(tracked, "#out", "color", "rgb(200, 0, 0)");
    assert.equal(await computedStyle(tracked, "#out", "font-style"), "italic");

    await app.write(
      "src/base.module.css",
      ".base { color: rgb(0, 0, 200); }\n",
    );
    await waitForStyle(tracked, "#out", "color", "rgb(0, 0, 200)");
    assert.equal(await computedStyle(tracked, "#out", "font-style"), "italic");
    await assertNotReloaded(tracked);
  },
});
