/**
 * Updates that carry their modules' code: the changed chain runs from
 * `data:` URLs mapped to the modules' real URLs (client/inline_modules.ts),
 * so the page makes no request for it, while the code still sees its real
 * URL. Pages that cannot run inline code (a Content Security Policy
 * without `data:`) and modules that resolve imports at run time are fetched
 * as before.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  type TrackedPage,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** `main.ts` accepts `./mid.ts`, which imports `./leaf.ts`: a chain of two. */
const MAIN = `
import * as mid from "./mid.ts";
const out = document.querySelector("#out")!;
function show(m: typeof mid) {
  out.textContent = m.text();
}
show(mid);
import.meta.hot?.accept("./mid.ts", (next) => {
  if (next) show(next as typeof mid);
});
`;

const MID = `
import { label } from "./leaf.ts";
export const text = () => "mid sees " + label;
`;

/** Records the URLs of the requests `tracked` makes for `/src/*.ts` modules. */
function recordModuleRequests(tracked: TrackedPage): string[] {
  const requests: string[] = [];
  tracked.page.on("request", (request) => {
    const url = new URL(request.url());
    if (/^\/src\/.*\.ts$/.test(url.pathname)) {
      requests.push(url.pathname + url.search);
    }
  });
  return requests;
}

testInEachMode({
  ...browserTest,
  name:
    "an update runs its changed chain without requests; import.meta.url, new URL(…, import.meta.url) and stack traces name the module's real URL, line and column",
  async fn(mode) {
    const leaf = (version: string) => `
export const label = "${version}";
console.log("leaf ${version} at " + import.meta.url);
fetch(new URL("./note.txt", import.meta.url))
  .then((response) => response.text())
  .then((text) => console.log("leaf ${version} read: " + text));
console.log("leaf ${version} " + (new Error("here").stack ?? "").split("\\n")[1].trim());
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": MAIN,
      "src/mid.ts": MID,
      "src/leaf.ts": leaf("v1"),
      "src/note.txt": "the note next to leaf.ts",
    }, modeConfig(mode));
    const { app, dev, tracked } = s;
    await waitForText(tracked, "#out", "mid sees v1");
    await waitForConsole(tracked, "leaf v1 read: the note next to leaf.ts");
    const requests = recordModuleRequests(tracked);

    await app.write("src/leaf.ts", leaf("v2"));
    await waitForText(tracked, "#out", "mid sees v2");

    assert.deepEqual(requests, [], "the update's modules came with it");
    const origin = new URL(dev.url).origin.replace(/[.]/g, "\\.");
    await waitForConsole(
      tracked,
      new RegExp(`^leaf v2 at ${origin}/src/leaf\\.ts\\?t=\\d+$`),
    );
    await waitForConsole(tracked, "leaf v2 read: the note next to leaf.ts");
    // A stack frame names the file, at the line and column of the module's
    // code as the server serves it (in bundle mode the factory's sourceURL
    // may leave out the update's `?t=`).
    const served = await (await fetch(new URL("/src/leaf.ts", dev.url)))
      .text();
    const at = served.indexOf('new Error("here")');
    assert.ok(at > 0, served);
    const before = served.slice(0, at);
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    const query = mode === "bundle" ? "(\\?t=\\d+)?" : "\\?t=\\d+";
    // In bundle mode the code runs in its factory, a function: the frame
    // may read `at <function> (<url>:<line>:<column>)`.
    const frame = (url: string) =>
      mode === "bundle"
        ? `(?:[\\w$.<>]+ \\()?${url}:${line}:${column}\\)?`
        : `${url}:${line}:${column}`;
    await waitForConsole(
      tracked,
      new RegExp(
        `^leaf v2 at ${frame(`${origin}/src/leaf\\.ts${query}`)}$`,
      ),
    );
    // The first version, as the page loaded it, at the same place (its URL
    // has the `?v=` of the page's import map when the server had built it
    // before it served the page).
    await waitForConsole(
      tracked,
      new RegExp(
        `^leaf v1 at ${frame(`${origin}/src/leaf\\.ts(\\?v=[\\w-]+)?`)}$`,
      ),
    );
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page whose Content-Security-Policy forbids data: and eval'd scripts runs, and its updates apply (per-module: it fetches the changed chain)",
  async fn(mode) {
    const leaf = (version: string) => `export const label = "${version}";\n`;
    await using s = await openHmrApp({
      "index.html": `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'">
</head>
<body>
<div id="out"></div>
<script type="module" src="/src/main.ts"></script>
</body>
</html>
`,
      "src/main.ts": MAIN,
      "src/mid.ts": MID,
      "src/leaf.ts": leaf("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "mid sees v1");
    const requests = recordModuleRequests(tracked);

    await app.write("src/leaf.ts", leaf("v2"));
    await waitForText(tracked, "#out", "mid sees v2");

    if (mode === "per-module") {
      // How the chain arrives is per-module mode's own business: fetched,
      // since the page may not run it from data: URLs.
      assert.deepEqual(
        requests.map((url) => url.replace(/\d+$/, "T")).sort(),
        ["/src/leaf.ts?t=T", "/src/mid.ts?t=T"],
      );
    }
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a module that resolves an import at run time gets that module after its update (per-module: it is fetched with its real URL, the rest of the chain still comes with the update)",
  async fn(mode) {
    const leaf = (version: string) => `
export const label = "${version}";
const which = "./extra.ts";
import(which).then((m) => console.log("leaf ${version} loaded " + m.name));
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": MAIN,
      "src/mid.ts": MID,
      "src/leaf.ts": leaf("v1"),
      "src/extra.ts": `export const name = "extra";\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForConsole(tracked, "leaf v1 loaded extra");
    const requests = recordModuleRequests(tracked);

    await app.write("src/leaf.ts", leaf("v2"));
    await waitForText(tracked, "#out", "mid sees v2");
    await waitForConsole(tracked, "leaf v2 loaded extra");

    assert.deepEqual(
      requests.map((url) => url.replace(/\d+$/, "T")),
      // In bundle mode the update carries leaf.ts's factory and extra.ts
      // already has an instance: nothing is fetched as a module.
      mode === "per-module" ? ["/src/leaf.ts?t=T"] : [],
    );
    await assertNotReloaded(tracked);
  },
});
