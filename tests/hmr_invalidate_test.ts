/**
 * `import.meta.hot.invalidate()` in a real browser: a module that gives up
 * on its update hands it to its importers; an entry that gives up reloads
 * the page; with two tabs the server propagates once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserTest, waitForConsole, waitForText } from "./_browser.ts";
import {
  appLines,
  assertNotReloaded,
  countLines,
  openConnectedPage,
  openHmrApp,
  pageHtml,
  waitForLineCount,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** A self-accepting module whose accept callback gives up on the update. */
function childModule(version: string): string {
  return `
export const child = "child ${version}";
console.log("child ${version} ran");
import.meta.hot?.accept(() => {
  console.log("child ${version} accept callback: invalidate");
  import.meta.hot?.invalidate("child cannot apply its own update");
});
`;
}

testInEachMode({
  ...browserTest,
  name:
    "a child whose accept callback calls invalidate() hands the update to its self-accepting parent, which re-runs once per tab, without a reload",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import "./parent.ts";
import.meta.hot?.on("vite:afterUpdate", (payload) => {
  const paths = (payload as { updates: { path: string }[] }).updates
    .map((u) => u.path).join(",");
  console.log("afterUpdate " + paths);
});
console.log("main ran");
`,
      "src/parent.ts": `
import { child } from "./child.ts";
document.querySelector("#out")!.textContent = "parent sees " + child;
console.log("parent ran, sees " + child);
import.meta.hot?.accept();
`,
      "src/child.ts": childModule("v1"),
    }, modeConfig(mode));
    const { app, dev, tracked } = s;
    await using second = await openConnectedPage(dev.url);
    await waitForText(tracked, "#out", "parent sees child v1");
    await waitForText(second, "#out", "parent sees child v1");

    await app.write("src/child.ts", childModule("v2"));
    for (const page of [tracked, second]) {
      await waitForText(page, "#out", "parent sees child v2");
      await waitForLineCount(page, "afterUpdate /src/parent.ts", 1);
    }
    // A second edit: the new version's callback invalidates again.
    await app.write("src/child.ts", childModule("v3"));
    for (const page of [tracked, second]) {
      await waitForText(page, "#out", "parent sees child v3");
      await waitForLineCount(page, "afterUpdate /src/parent.ts", 2);
    }

    for (const page of [tracked, second]) {
      assert.deepEqual(appLines(page), [
        "child v1 ran",
        "parent ran, sees child v1",
        "main ran",
        "child v2 ran",
        "child v1 accept callback: invalidate",
        "afterUpdate /src/child.ts",
        "parent ran, sees child v2",
        "afterUpdate /src/parent.ts",
        "child v3 ran",
        "child v2 accept callback: invalidate",
        "afterUpdate /src/child.ts",
        "parent ran, sees child v3",
        "afterUpdate /src/parent.ts",
      ]);
      await assertNotReloaded(page);
      assert.deepEqual(page.pageErrors, []);
    }
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an entry module that invalidates its own update reloads the page, which then runs the new version",
  async fn(mode) {
    const main = (version: string) => `
document.querySelector("#out")!.textContent = "main ${version}";
console.log("main ${version} ran");
import.meta.hot?.accept(() => {
  console.log("main accept callback: invalidate");
  import.meta.hot?.invalidate("the entry cannot apply its update");
});
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": main("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "main v1");

    await app.write("src/main.ts", main("v2"));
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "main v2");

    const reload = await waitForConsole(tracked, "[banana] page reload:");
    assert.match(reload, /\/src\/main\.ts invalidated/);
    assert.equal(tracked.loads, 1, "exactly one reload");
    assert.deepEqual(appLines(tracked), [
      "main v1 ran",
      "main v2 ran",
      "main accept callback: invalidate",
      "main v2 ran",
    ]);
    assert.equal(countLines(tracked, "main accept callback: invalidate"), 1);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an invalidation that comes back around an import cycle to the module that started it ends in one full reload, not a loop",
  async fn(mode) {
    const cyclic = (name: string, other: string, version: string) => `
import { ${other} } from "./${other}.ts";
export const ${name} = "${name} ${version}";
export const peer = () => ${other};
console.log("${name} ${version} ran");
import.meta.hot?.accept(() => {
  console.log("${name} invalidates");
  import.meta.hot?.invalidate();
});
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { a } from "./a.ts";
import "./sentinel.ts";
document.querySelector("#out")!.textContent = "main sees " + a;
console.log("main ran, sees " + a);
import.meta.hot?.accept();
`,
      "src/a.ts": cyclic("a", "b", "v1"),
      "src/b.ts": cyclic("b", "a", "v1"),
      "src/sentinel.ts":
        `console.log("sentinel v1");\nimport.meta.hot?.accept();\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "main sees a v1");

    await app.write("src/a.ts", cyclic("a", "b", "v2"));
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "main sees a v2");
    const reload = await waitForConsole(tracked, "[banana] page reload:");
    assert.match(reload, /\/src\/a\.ts invalidated itself/);

    // The page is quiet again: a later edit applies without a reload.
    await app.write(
      "src/sentinel.ts",
      `console.log("sentinel v2");\nimport.meta.hot?.accept();\n`,
    );
    await waitForConsole(tracked, "sentinel v2");
    await assertNotReloaded(tracked);
    assert.equal(tracked.loads, 1, "exactly one reload");
    assert.equal(countLines(tracked, "a invalidates"), 1);
    assert.equal(countLines(tracked, "b invalidates"), 1);
  },
});
