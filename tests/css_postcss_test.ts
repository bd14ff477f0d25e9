/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * PostCSS: an app with a `postcss.config.*` gets its CSS through the PostCSS
 * plugins the config names, resolved through the app's own import map (no
 * `npm install`). Here the real `postcss-nested` plugin from npm unwraps
 * nested rules, which the page's computed styles show.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserTest, computedStyle, waitForStyle } from "./_browser.ts";
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";

const DENO_JSON = JSON.stringify({
  imports: { "postcss-nested": "npm:postcss-nested@7.0.2" },
});

/**
 * Nested rules only postcss-nested understands: `&-title` concatenates to
 * `.card-title` there, while the browser's native nesting reads it as a
 * type selector that matches nothing.
 */
function nestedCss(color: string): string {
  return `.card {\n  &-title { color: ${color}; }\n  & b { font-weight: 400; }\n}\n`;
}

const BODY =
  `<div class="card"><p class="card-title" id="title">Title <b id="b">bold</b></p></div>`;

Deno.test({
  ...browserTest,
  name:
    "postcss.config.js naming a plugin from the app's import map ({ name: options }) runs it on linked and imported CSS, also after an edit",
  async fn() {
    await using s = await openHmrApp({
      "deno.json": DENO_JSON,
      "postcss.config.js":
        `export default { plugins: { "postcss-nested": {} } };\n`,
      "index.html": pageHtml(BODY).replace(
        "</head>",
        `<link rel="stylesheet" href="/src/linked.css"></head>`,
      ),
      "src/main.ts": `import "./imported.css";\n`,
      "src/linked.css": nestedCss("rgb(200, 0, 0)"),
      "src/imported.css":
        `.card {\n  &-title #b { text-decoration-line: underline; }\n}\n`,
    });
    const { app, tracked } = s;
    await waitForStyle(tracked, "#title", "color", "rgb(200, 0, 0)", 15_000);
    assert.equal(await computedStyle(tracked, "#b", "font-weight"), "400");
    await waitForStyle(
      tracked,
      "#b",
      "text-decoration-line",
      "underline",
      15_000,
    );

    await app.write("src/linked.css", nestedCss("rgb(0, 0, 200)"));
    await waitForStyle(tracked, "#title", "color", "rgb(0, 0, 200)", 15_000);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "postcss.config.ts that imports its plugin by a bare name (mapped in the app's deno.json) runs it",
  async fn() {
    await using s = await openHmrApp({
      "deno.json": DENO_JSON,
      "postcss.config.ts": `import nested from "postcss-nested";
const config: { plugins: unknown[] } = { plugins: [nested()] };
export default config;
`,
      "index.html": pageHtml(BODY),
      "src/main.ts": `import "./app.css";\n`,
      "src/app.css": nestedCss("rgb(0, 120, 0)"),
    });
    await waitForStyle(s.tracked, "#title", "color", "rgb(0, 120, 0)", 15_000);
    assert.equal(await computedStyle(s.tracked, "#b", "font-weight"), "400");
    assert.deepEqual(s.tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "a postcss.config.js created while the server runs applies to the page's CSS without a restart or reload",
  async fn() {
    await using s = await openHmrApp({
      "deno.json": DENO_JSON,
      "index.html": pageHtml(BODY).replace(
        "</head>",
        `<link rel="stylesheet" href="/src/linked.css"></head>`,
      ),
      "src/main.ts": `import "./imported.css";\n`,
      "src/linked.css": nestedCss("rgb(200, 0, 0)"),
      "src/imported.css":
        `.card {\n  &-title #b { text-decoration-line: underline; }\n}\n`,
    });
    const { app, tracked } = s;
    // Without PostCSS the browser's own nesting matches nothing here.
    await waitForStyle(tracked, "#b", "font-weight", "400");
    assert.notEqual(
      await computedStyle(tracked, "#title", "color"),
      "rgb(200, 0, 0)",
    );

    await app.write(
      "postcss.config.js",
      `export default { plugins: { "postcss-nested": {} } };\n`,
    );
    await waitForStyle(tracked, "#title", "color", "rgb(200, 0, 0)", 15_000);
    await waitForStyle(
      tracked,
      "#b",
      "text-decoration-line",
      "underline",
      15_000,
    );
    await assertNotReloaded(tracked);
  },
});
