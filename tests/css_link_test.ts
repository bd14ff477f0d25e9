/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Stylesheets linked from HTML (`<link rel="stylesheet">`): an edit swaps
 * the sheet in place — no reload, no moment without the sheet, other query
 * parameters kept, one `<link>` left — and an edit of a file the sheet
 * `@import`s updates it too.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  type TrackedPage,
  waitFor,
  waitForStyle,
} from "./_browser.ts";
import { assertNotReloaded, openHmrApp } from "./_hmr_app.ts";

function pageWithLink(href: string): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><link rel="stylesheet" href="${href}"></head>
<body><p id="t">styled text</p><script type="module" src="/src/main.ts"></script></body>
</html>
`;
}

/** Hrefs of the page's stylesheet links. */
function linkHrefs(tracked: TrackedPage): Promise<string[]> {
  return tracked.page.evaluate(() =>
    [...document.querySelectorAll<HTMLLinkElement>("link[rel=stylesheet]")]
      .map((link) => link.getAttribute("href")!)
  );
}

Deno.test({
  ...browserTest,
  name:
    "editing a linked stylesheet swaps it without a reload or a moment without the sheet; its other query parameters stay and one <link> is left",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageWithLink("/src/style.css?theme=dark"),
      "src/style.css": "#t { color: rgb(200, 0, 0); }\n",
      "src/main.ts": "",
    });
    const { app, tracked } = s;
    await waitForStyle(tracked, "#t", "color", "rgb(200, 0, 0)");
    // Count the stylesheet links at every DOM change: a swap that removed
    // the old sheet before the new one loaded would show a flash.
    await tracked.page.evaluate(() => {
      const count = () =>
        document.querySelectorAll("link[rel=stylesheet]").length;
      const w = globalThis as { __fewestLinks?: number };
      w.__fewestLinks = count();
      new MutationObserver(() => {
        w.__fewestLinks = Math.min(w.__fewestLinks!, count());
      }).observe(document.head, { childList: true });
    });

    await app.write("src/style.css", "#t { color: rgb(0, 0, 200); }\n");
    await waitForStyle(tracked, "#t", "color", "rgb(0, 0, 200)");
    await waitFor(async () => (await linkHrefs(tracked)).length === 1, {
      timeout: 5000,
      message: "one stylesheet link left",
    });
    const [href] = await linkHrefs(tracked);
    const url = new URL(href, "http://x/");
    assert.equal(url.pathname, "/src/style.css");
    assert.equal(url.searchParams.get("theme"), "dark");
    assert.match(url.searchParams.get("t") ?? "", /^\d+$/);

    // A second edit swaps again from the swapped link.
    await app.write("src/style.css", "#t { color: rgb(0, 120, 0); }\n");
    await waitForStyle(tracked, "#t", "color", "rgb(0, 120, 0)");
    await waitFor(async () => (await linkHrefs(tracked)).length === 1, {
      timeout: 5000,
      message: "one stylesheet link left after the second edit",
    });
    const second = new URL((await linkHrefs(tracked))[0], "http://x/");
    assert.equal(second.searchParams.get("theme"), "dark");
    assert.notEqual(second.searchParams.get("t"), url.searchParams.get("t"));

    const fewest = await tracked.page.evaluate(() =>
      (globalThis as { __fewestLinks?: number }).__fewestLinks
    );
    assert.equal(fewest, 1, "the page was never without the stylesheet");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "editing a file that a linked stylesheet @imports updates the page's sheet without a reload",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageWithLink("/src/style.css"),
      "src/style.css":
        `@import "./theme/colors.css";\n#t { font-weight: 700; }\n`,
      "src/theme/colors.css": `@import "./base.css";\n`,
      "src/theme/base.css": "#t { color: rgb(10, 20, 30); }\n",
      "src/main.ts": "",
    });
    const { app, tracked } = s;
    await waitForStyle(tracked, "#t", "color", "rgb(10, 20, 30)");
    await waitForStyle(tracked, "#t", "font-weight", "700");

    // Two levels down the @import chain.
    await app.write("src/theme/base.css", "#t { color: rgb(30, 20, 10); }\n");
    await waitForStyle(tracked, "#t", "color", "rgb(30, 20, 10)");
    await waitForStyle(tracked, "#t", "font-weight", "700");
    assert.equal((await linkHrefs(tracked)).length, 1);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "a stylesheet that is both linked and @imported keeps updating after the other sheet stops importing it",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageWithLink("/src/main.css").replace(
        "</head>",
        `<link rel="stylesheet" href="/src/base.css"></head>`,
      ),
      "src/main.css": `@import "./base.css";\n#t { font-weight: 700; }\n`,
      "src/base.css": "#t { color: rgb(1, 1, 1); }\n",
      "src/main.ts": "",
    });
    const { app, tracked } = s;
    await waitForStyle(tracked, "#t", "color", "rgb(1, 1, 1)");
    await app.write("src/base.css", "#t { color: rgb(2, 2, 2); }\n");
    await waitForStyle(tracked, "#t", "color", "rgb(2, 2, 2)");
    // Both sheets were swapped and loaded (main.css inlines base.css).
    await waitFor(
      async () => {
        const hrefs = await linkHrefs(tracked);
        return hrefs.length === 2 && hrefs.every((h) => h.includes("?t="));
      },
      { timeout: 10_000, message: "both sheets to be swapped" },
    );

    const mainHref = async () =>
      (await linkHrefs(tracked)).find((h) => h.startsWith("/src/main.css"));
    const before = await mainHref();
    await app.write("src/main.css", "#t { font-weight: 700; }\n");
    await waitFor(async () => (await mainHref()) !== before, {
      timeout: 10_000,
      message: "main.css to be swapped",
    });
    await app.write("src/base.css", "#t { color: rgb(3, 3, 3); }\n");
    await waitForStyle(tracked, "#t", "color", "rgb(3, 3, 3)");
    await waitForStyle(tracked, "#t", "font-weight", "700");
    assert.equal((await linkHrefs(tracked)).length, 2);
    await assertNotReloaded(tracked);
  },
});
