/**
 * What pages observe around updates: the lifecycle events under their
 * `vite:*` and `banana:*` names, and reloads after HTML edits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserTest, waitForConsole, waitForText } from "./_browser.ts";
import {
  appLines,
  assertNotReloaded,
  openConnectedPage,
  openHmrApp,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** An entry that logs every lifecycle event it hears, under both names. */
const EVENT_LOGGER = `
import "./widget.ts";
type Payload = {
  updates?: { path: string }[];
  paths?: string[];
  path?: string;
  err?: { id?: string };
};
const describe = (p: Payload | undefined) =>
  p?.updates?.map((u) => u.path).join(",") ?? p?.paths?.join(",") ??
    p?.err?.id ?? p?.path ?? "";
for (const prefix of ["vite:", "banana:"]) {
  for (
    const name of [
      "beforeUpdate",
      "afterUpdate",
      "beforePrune",
      "beforeFullReload",
      "invalidate",
      "error",
      "ws:disconnect",
    ]
  ) {
    import.meta.hot?.on(prefix + name, (payload) =>
      console.log("event " + prefix + name + " " + describe(payload as Payload)));
  }
}
`;

function widget(version: string, imports = "", accept = "") {
  return `${imports}
document.querySelector("#out")!.textContent = "widget ${version}";
console.log("widget ${version}");
import.meta.hot?.accept(${accept});
`;
}

testInEachMode({
  ...browserTest,
  name:
    "update, error, prune, invalidate, full-reload and disconnect events fire under both vite:* and banana:* names, updates in order around the new code",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": EVENT_LOGGER,
      "src/widget.ts": widget("v1", `import "./leaf.ts";`),
      "src/leaf.ts": `export const leaf = 1;\n`,
    }, modeConfig(mode));
    const { app, dev, tracked } = s;
    await waitForText(tracked, "#out", "widget v1");
    const both = (name: string, detail: string) => [
      `event vite:${name} ${detail}`,
      `event banana:${name} ${detail}`,
    ];

    // An update: before → the new code runs → after.
    await app.write("src/widget.ts", widget("v2", `import "./leaf.ts";`));
    await waitForConsole(tracked, "event vite:afterUpdate /src/widget.ts");
    let lines = appLines(tracked);
    const ran = lines.indexOf("widget v2");
    for (const line of both("beforeUpdate", "/src/widget.ts")) {
      assert.ok(lines.indexOf(line) >= 0 && lines.indexOf(line) < ran, line);
    }
    for (const line of both("afterUpdate", "/src/widget.ts")) {
      assert.ok(lines.indexOf(line) > ran, line);
    }

    // A build error.
    await app.write("src/widget.ts", "export const broken = ;\n");
    for (const line of both("error", "/src/widget.ts")) {
      await waitForConsole(tracked, line);
    }

    // The fix drops the only import of leaf.ts: prune.
    await app.write("src/widget.ts", widget("v3"));
    await waitForText(tracked, "#out", "widget v3");
    for (const line of both("beforePrune", "/src/leaf.ts")) {
      await waitForConsole(tracked, line);
    }

    // The next version's accept callback invalidates: the update goes to
    // main, which accepts nothing, so the page reloads.
    await app.write(
      "src/widget.ts",
      widget("v4", "", "() => import.meta.hot?.invalidate()"),
    );
    await waitForText(tracked, "#out", "widget v4");
    await app.write("src/widget.ts", widget("v5"));
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "widget v5");
    lines = appLines(tracked);
    for (const line of both("invalidate", "/src/widget.ts")) {
      assert.ok(lines.includes(line), line);
    }
    for (const line of both("beforeFullReload", "*")) {
      assert.ok(
        lines.indexOf(line) >
          lines.indexOf("event banana:invalidate /src/widget.ts"),
        line,
      );
    }

    // The server goes away.
    await dev.close();
    for (const line of both("ws:disconnect", "")) {
      await waitForConsole(tracked, line);
    }
    const count = (prefix: string, name: string) =>
      appLines(tracked).filter((l) => l.startsWith(`event ${prefix}${name} `))
        .length;
    for (
      const name of [
        "beforeUpdate",
        "afterUpdate",
        "error",
        "beforePrune",
        "invalidate",
        "beforeFullReload",
      ]
    ) {
      assert.ok(count("vite:", name) > 0, name);
      assert.equal(count("vite:", name), count("banana:", name), name);
    }
  },
});

testInEachMode({
  ...browserTest,
  name:
    "editing an HTML page reloads the tabs showing it, with the new markup, and leaves other pages alone",
  async fn(mode) {
    const other = (text: string) =>
      `<!doctype html><html><head></head><body><p id="other">${text}</p></body></html>`;
    await using s = await openHmrApp({
      "index.html": pageHtml(`<p id="title">title v1</p>`),
      "other.html": other("other v1"),
      "src/main.ts": `console.log("main ran");\n`,
    }, modeConfig(mode));
    const { app, dev, tracked } = s;
    await using otherPage = await openConnectedPage(dev.url, "/other.html");
    await waitForText(tracked, "#title", "title v1");

    await app.write("index.html", pageHtml(`<p id="title">title v2</p>`));
    await waitForReload(tracked);
    await waitForText(tracked, "#title", "title v2");
    assert.equal(tracked.loads, 1);

    await app.writeAtomic("other.html", other("other v2"));
    await waitForReload(otherPage);
    await waitForText(otherPage, "#other", "other v2");
    assert.equal(
      otherPage.loads,
      1,
      "other.html reloaded once, for its own edit",
    );
    await assertNotReloaded(tracked);
    assert.deepEqual(appLines(tracked), ["main ran", "main ran"]);
  },
});
