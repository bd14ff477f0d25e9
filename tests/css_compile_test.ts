/**
 * Compiling stylesheets without a browser: `@import` inlining (with its
 * `layer`, `supports()` and media wrappers, each file once, remote sheets
 * hoisted), `url()` rewriting, located errors, the files a sheet depends
 * on, and PostCSS configs in CommonJS form.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createTempApp } from "./_browser.ts";
import {
  compileCss,
  type CssCompileOptions,
} from "../server/plugins/css_compile.ts";
import { loadPostcssConfig } from "../server/plugins/postcss_config.ts";
import { BananaError } from "../server/errors.ts";

function options(
  root: string,
  watched: string[],
  extra: Partial<CssCompileOptions> = {},
): CssCompileOptions {
  return {
    root,
    fsAllow: [],
    importMap: { imports: {}, scopes: {} },
    alias: {},
    plugins: [],
    modules: null,
    addWatchFile: (file) => watched.push(file),
    ...extra,
  };
}

/** CSS with its whitespace collapsed, for comparisons. */
function squash(css: string): string {
  return css.replace(/\s*([{}])\s*/g, " $1 ").replace(/\s+/g, " ").trim();
}

Deno.test("@import is inlined with its layer, supports() and media wrappers, each file once, remote sheets first", async () => {
  await using app = await createTempApp({
    "src/main.css":
      `@import "./a.css" layer(base) supports(display: grid) screen;
@import url(./a.css);
@import url("https://fonts.example/x.css");
@import "b.css";
main { color: red }
`,
    "src/a.css": "a { color: blue }\n",
    "src/b.css": `@import "./a.css";\nb { color: green }\n`,
  });
  const watched: string[] = [];
  const file = app.path("src/main.css");
  const { css } = await compileCss(
    file,
    await app.read("src/main.css"),
    options(app.root, watched),
  );
  assert.equal(
    squash(css),
    squash(`@import url("https://fonts.example/x.css");
@media screen { @supports (display: grid) { @layer base { a { color: blue } } } }
b { color: green }
main { color: red }`),
  );
  assert.deepEqual(
    [...new Set(watched)].sort(),
    [app.path("src/a.css"), app.path("src/b.css")],
  );
});

Deno.test("url() is rewritten relative to the file that wrote it, with a content version; other URLs stay", async () => {
  await using app = await createTempApp({
    "src/styles/main.css": `@import "../parts/part.css";
.a { background: url(../img/a.png) }
.b { background: url("/public.png"), url(data:image/png;base64,AAAA) }
.c { filter: url(#blur); mask: url('../img/missing.svg?x=1#m') }
`,
    "src/parts/part.css": `.p { background-image: url(../img/a.png) }\n`,
    "src/img/a.png": "png",
  });
  const watched: string[] = [];
  const { css } = await compileCss(
    app.path("src/styles/main.css"),
    await app.read("src/styles/main.css"),
    options(app.root, watched),
  );
  const version = /\/src\/img\/a\.png\?v=([\w-]+)/.exec(css)?.[1];
  assert.ok(version, css);
  assert.equal(
    squash(css),
    squash(`.p { background-image: url("/src/img/a.png?v=${version}") }
.a { background: url("/src/img/a.png?v=${version}") }
.b { background: url("/public.png"), url(data:image/png;base64,AAAA) }
.c { filter: url(#blur); mask: url("/src/img/missing.svg?x=1#m") }`),
  );
  assert.ok(watched.includes(app.path("src/img/a.png")));
  assert.ok(watched.includes(app.path("src/img/missing.svg")));
});

Deno.test("a missing @import fails with the location of the @import, and its file is still watched", async () => {
  await using app = await createTempApp({
    "src/main.css": `a { color: red }\n  @import "./gone.css";\n`,
  });
  const watched: string[] = [];
  const error = await compileCss(
    app.path("src/main.css"),
    await app.read("src/main.css"),
    options(app.root, watched),
  ).then(() => null, (err) => err);
  assert.ok(error instanceof BananaError);
  assert.equal(
    error.message,
    `src/main.css:2:3: @import "./gone.css": src/gone.css does not exist`,
  );
  assert.deepEqual(error.body.loc, {
    file: app.path("src/main.css"),
    line: 2,
    column: 2,
  });
  assert.match(error.body.frame!, /> 2 \| {3}@import "\.\/gone\.css";/);
  assert.deepEqual(watched, [app.path("src/gone.css")]);
});

Deno.test("a syntax error in an @imported file points into that file", async () => {
  await using app = await createTempApp({
    "src/main.css": `@import "./broken.css";\n`,
    "src/broken.css": `a {\n  color: red;\n`,
  });
  const error = await compileCss(
    app.path("src/main.css"),
    await app.read("src/main.css"),
    options(app.root, []),
  ).then(() => null, (err) => err);
  assert.ok(error instanceof BananaError);
  assert.equal(error.message, "src/broken.css:1:1: Unclosed block");
  assert.equal(error.body.loc?.file, app.path("src/broken.css"));
});

Deno.test("CSS modules: scoped names are stable across edits of the styles", async () => {
  await using app = await createTempApp({});
  const file = join(app.root, "src/card.module.css");
  const compile = (source: string) =>
    compileCss(file, source, options(app.root, [], { modules: {} }));
  const first = await compile(".title { color: red }\n.box { color: blue }");
  const second = await compile(".title { color: green }\n.box { color: blue }");
  assert.deepEqual(Object.keys(first.classMap!), ["title", "box"]);
  assert.deepEqual(second.classMap, first.classMap);
  assert.match(first.css, new RegExp(`\\.${first.classMap!.title} `));
});

Deno.test("a postcss.config.cjs that require()s its plugin by a name from the app's import map loads it", async () => {
  await using app = await createTempApp({
    "postcss.config.cjs": `const nested = require("postcss-nested");
module.exports = { plugins: [nested()] };
`,
  });
  const config = await loadPostcssConfig({
    root: app.root,
    importMap: {
      imports: { "postcss-nested": "npm:postcss-nested@7.0.2" },
      scopes: {},
    },
    cacheDir: app.path(".banana"),
    inline: null,
  });
  assert.equal(config?.file, app.path("postcss.config.cjs"));
  const { css } = await compileCss(
    app.path("a.css"),
    ".a { .b { color: red } }",
    options(app.root, [], { plugins: config!.plugins }),
  );
  assert.equal(squash(css), ".a .b { color: red }");
});

Deno.test("a PostCSS plugin missing from the app's import map is a clear error", async () => {
  await using app = await createTempApp({
    "postcss.config.mjs":
      `export default { plugins: { "postcss-unknown-thing": {} } };\n`,
  });
  const error = await loadPostcssConfig({
    root: app.root,
    importMap: { imports: {}, scopes: {} },
    cacheDir: app.path(".banana"),
    inline: null,
  }).then(() => null, (err) => err);
  assert.ok(error instanceof BananaError);
  assert.match(
    error.message,
    /cannot load the PostCSS plugin "postcss-unknown-thing": "postcss-unknown-thing" is not in the app's import map; add it to deno.json "imports"/,
  );
});
