/**
 * Sass in a real browser with the app's `sass` package from npm: styles of
 * `import "./x.scss"`, `<link href="/x.scss">` and a `.sass` file apply; an
 * edit of a `@use`d partial updates both sheets in place; a syntax error in
 * the partial shows the overlay with the partial's file and line, and the
 * next good save recovers. Without `sass` in the import map, and for Less
 * and Stylus, the page gets a message naming the compiler, never the source.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  computedStyle,
  waitFor,
  waitForStyle,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, openConnectedPage, pageHtml } from "./_hmr_app.ts";
import { createTempApp } from "./_browser.ts";
import { startServer } from "./_server.ts";
import { runningSassCompilers } from "../server/sass_compiler.ts";
import { REPO_ROOT } from "./_own_files.ts";
import { join } from "node:path";

/** Our own lockfile's bytes (the app's packages must never enter it). */
function ownLockfile(): Promise<Uint8Array | null> {
  return Deno.readFile(join(REPO_ROOT, "deno.lock")).catch(() => null);
}

const SASS = "npm:sass@1.108.2";

const THEME = `$accent: rgb(0, 128, 128);\n$gap: 3px;\n`;

Deno.test({
  ...browserTest,
  name:
    "Sass: .scss imported and linked and a .sass file apply; a @use'd partial's edit updates them in place; its syntax error shows the overlay at the partial's line and the fix recovers",
  async fn() {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({ imports: { "sass": SASS } }),
      "index.html": pageHtml(
        '<link rel="stylesheet" href="/src/page.scss"><p id="note">note</p><input id="field">',
      ),
      "src/main.ts": `import "./app.scss";
import "./note.sass";
document.querySelector("#out")!.textContent = "styled";
`,
      "src/_theme.scss": THEME,
      "src/app.scss": `@use "theme";
#out {
  color: theme.$accent;
  & { padding-left: theme.$gap * 2; }
}
`,
      "src/page.scss": `@use "theme";
body { border-top: 1px solid theme.$accent; }
`,
      "src/note.sass": `@use "theme"
#note
  margin-left: theme.$gap
`,
    });
    await using dev = await startServer(app.root);
    // The first compile starts the Sass process (and, on a fresh Deno
    // cache, fetches sass): done before the page waits on its stylesheet.
    const warm = await fetch(new URL("/src/page.scss", dev.url), {
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(warm.status, 200, await warm.text());
    await using tracked = await openConnectedPage(dev.url);
    await waitForText(tracked, "#out", "styled");
    await waitForStyle(tracked, "#out", "color", "rgb(0, 128, 128)");
    assert.equal(await computedStyle(tracked, "#out", "padding-left"), "6px");
    await waitForStyle(tracked, "body", "border-top-color", "rgb(0, 128, 128)");
    assert.equal(await computedStyle(tracked, "#note", "margin-left"), "3px");
    await tracked.page.fill("#field", "kept");

    // The partial is in the module graph: its edit reaches every sheet.
    await app.write(
      "src/_theme.scss",
      THEME.replace("0, 128, 128", "200, 0, 0"),
    );
    await waitForStyle(tracked, "#out", "color", "rgb(200, 0, 0)");
    await waitForStyle(tracked, "body", "border-top-color", "rgb(200, 0, 0)");
    await app.write(
      "src/_theme.scss",
      `$accent: rgb(200, 0, 0);\n$gap: 5px;\n`,
    );
    await waitForStyle(tracked, "#note", "margin-left", "5px");
    assert.equal(await tracked.page.inputValue("#field"), "kept");
    await assertNotReloaded(tracked);

    // A syntax error in the partial: the overlay names it and its line.
    await app.write(
      "src/_theme.scss",
      `$accent: rgb(0, 0, 200);\n$gap: (3px;\n`,
    );
    await waitForText(
      tracked,
      "banana-error-overlay .file",
      /src\/_theme\.scss:2:\d+$/,
      10_000,
    );
    const message = await tracked.page.locator("banana-error-overlay .message")
      .first().textContent();
    assert.match(message ?? "", /src\/_theme\.scss:2:\d+: /);
    // The page keeps its last good styles meanwhile.
    assert.equal(
      await computedStyle(tracked, "#out", "color"),
      "rgb(200, 0, 0)",
    );

    await app.write(
      "src/_theme.scss",
      `$accent: rgb(0, 0, 200);\n$gap: 3px;\n`,
    );
    await waitForStyle(tracked, "#out", "color", "rgb(0, 0, 200)");
    await waitForStyle(tracked, "body", "border-top-color", "rgb(0, 0, 200)");
    await waitFor(
      async () =>
        (await tracked.page.locator("banana-error-overlay").count()) === 0,
      { timeout: 5000, message: "the overlay to close" },
    );
    assert.equal(await tracked.page.inputValue("#field"), "kept");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test("Sass without a sass entry, Less and Stylus: a message naming the compiler, never the source", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: {} }),
    "index.html": pageHtml(),
    "src/a.scss": `$c: red;\na { color: $c; }\n`,
    "src/b.less": `@c: red;\na { color: @c; }\n`,
    "src/c.styl": `c = red\na\n  color c\n`,
  });
  await using dev = await startServer(app.root);
  const expected: [string, RegExp][] = [
    ["/src/a.scss", /needs the "sass" package.*"sass": "npm:sass@/],
    ["/src/b.less", /Less stylesheets need the Less compiler/],
    ["/src/c.styl", /Stylus stylesheets need the Stylus compiler/],
  ];
  for (const [path, message] of expected) {
    // Imported from JavaScript: an error answer, not the source as JS.
    const imported = await fetch(new URL(`${path}?import`, dev.url));
    const importedBody = await imported.text();
    assert.equal(imported.status, 500, `${path}: ${importedBody}`);
    assert.match(importedBody, message);
    // Linked: a CSS comment with the message.
    const linked = await fetch(new URL(path, dev.url));
    const linkedBody = await linked.text();
    assert.equal(linked.status, 500, `${path}: ${linkedBody}`);
    assert.match(linked.headers.get("content-type") ?? "", /text\/css/);
    assert.match(linkedBody, message);
    assert.ok(
      !linkedBody.includes("color: $c") && !linkedBody.includes("@c: red"),
    );
  }
});

Deno.test("Sass: an error answers 500 with the file, line and frame, the app's packages stay out of our deno.lock, and the compiler process ends with the server", async () => {
  const lockBefore = await ownLockfile();
  await using app = await createTempApp({
    "deno.json": JSON.stringify({
      imports: {
        "sass": SASS,
        "@fontsource/inter": "npm:@fontsource/inter@5.2.8",
      },
    }),
    // A package's Sass, through the import map and its "sass" export.
    "src/font.scss":
      `@use "@fontsource/inter/scss" as inter;\n.f::after { content: inter.$family; }\n`,
    "index.html": pageHtml(),
    "src/ok.scss": `$c: rgb(1, 2, 3);\na { b { color: $c; } }\n`,
    "src/bad.scss": `a {\n  color: red\n  b { color: blue; }\n`,
    "src/card.module.scss":
      `$pad: 2px;\n.card { padding: $pad; &:hover { color: red; } }\n`,
  });
  {
    await using dev = await startServer(app.root);
    const ok = await fetch(new URL("/src/ok.scss", dev.url));
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /text\/css/);
    assert.match(await ok.text(), /a b \{\s*color: rgb\(1, 2, 3\);\s*\}/);
    const font = await fetch(new URL("/src/font.scss", dev.url));
    const fontCss = await font.text();
    assert.equal(font.status, 200, fontCss);
    assert.match(fontCss, /content: "Inter"/);
    const bad = await fetch(new URL("/src/bad.scss?import", dev.url));
    const body = await bad.text();
    assert.equal(bad.status, 500, body);
    assert.match(body, /src\/bad\.scss:\d+:\d+: /);
    assert.match(body, /\| +color: red/);
    // A Sass CSS module exports its scoped class names.
    const card = await (await fetch(
      new URL("/src/card.module.scss?import", dev.url),
    )).text();
    assert.match(card, /export const card = "_card_[0-9A-Za-z_-]+";/);
    assert.match(card, /_card_[0-9A-Za-z_-]+:hover/);
    assert.equal(runningSassCompilers(), 1);
  }
  // Closing the last server ended the compiler process (awaited its exit).
  assert.equal(runningSassCompilers(), 0);
  // sass and @fontsource/inter were fetched outside our process and lockfile
  // (Deno writes a lockfile as soon as a run resolves something new).
  assert.deepEqual(await ownLockfile(), lockBefore);
});

Deno.test("Sass: a url() written in a partial in another folder points where the partial meant", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: { "sass": SASS } }),
    "index.html": pageHtml(),
    "src/app.scss":
      `@use "styles/hero";\n.app { background: url(./img/dot.svg); }\n`,
    "src/styles/_hero.scss":
      `.hero { background: url(../img/dot.svg) no-repeat; }\n`,
    "src/img/dot.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`,
  });
  await using dev = await startServer(app.root);
  const res = await fetch(new URL("/src/app.scss", dev.url));
  const css = await res.text();
  assert.equal(res.status, 200, css);
  const urls = [...css.matchAll(/url\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.equal(urls.length, 2, css);
  for (const url of urls) {
    assert.match(url, /^\/src\/img\/dot\.svg\?v=[\w-]+$/);
    const asset = await fetch(new URL(url, dev.url));
    assert.equal(asset.status, 200, url);
    await asset.body?.cancel();
  }
});
