/**
 * Runtime errors while new code is evaluated (a top-level throw, an import
 * that fails at run time) never strand the page: the old instance keeps
 * running, the overlay names the module with its stack, the badge turns
 * red, nothing reloads, and the next good save is applied as an update. A
 * page that loaded while a module threw gets the fix too.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import {
  assertNotReloaded,
  openHmrApp,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

const OVERLAY = "banana-error-overlay";
const BADGE = "banana-hmr-indicator .badge";

/** A self-accepting module that shows `label`, after `before`. */
function view(label: string, before = ""): string {
  return `${before}
document.querySelector("#out")!.textContent = "${label}";
import.meta.hot?.accept();
`;
}

const APP = {
  "index.html": pageHtml(),
  "src/main.ts": `import "./view.ts";\n`,
  "src/view.ts": view("good 1"),
  "src/labels.ts": `export const label = "from labels";\n`,
};

async function badgeState(tracked: TrackedPage): Promise<string | null> {
  return await tracked.page.locator(BADGE).getAttribute("data-state");
}

testInEachMode({
  ...browserTest,
  name:
    "a self-accepting module whose new version throws at top level keeps the page; the next good save is applied without a reload",
  async fn(mode) {
    // The default settings: server.hmr.reload is on.
    await using s = await openHmrApp(APP, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "good 1");

    await app.write(
      "src/view.ts",
      view("never shown", `throw new Error("boom at the top");`),
    );
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to apply the update of \/src\/view\.ts: boom at the top/,
      10_000,
    );
    assert.match(
      (await tracked.page.locator(`${OVERLAY} .stack`).textContent()) ?? "",
      /\/src\/view\.ts/,
      "the stack names the module",
    );
    await waitFor(async () => await badgeState(tracked) === "error", {
      timeout: 5000,
      message: "the red badge",
    });
    // The old instance is still what the page shows.
    assert.equal(await tracked.page.locator("#out").textContent(), "good 1");
    await assertNotReloaded(tracked);

    await app.write("src/view.ts", view("good 2"));
    await waitForText(tracked, "#out", "good 2", 10_000);
    await waitFor(
      async () => await tracked.page.locator(OVERLAY).count() === 0,
      { timeout: 5000, message: "the overlay to close" },
    );
    await assertNotReloaded(tracked);

    // Twice in a row, then an import that fails at run time (a name the
    // imported module does not export): the same.
    await app.write(
      "src/view.ts",
      view("never shown", `throw new Error("boom again");`),
    );
    await waitForText(tracked, `${OVERLAY} .message`, /boom again/, 10_000);
    await app.write(
      "src/view.ts",
      view(
        "never shown",
        `import { missing } from "./labels.ts"; void missing;`,
      ),
    );
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to apply the update of \/src\/view\.ts: .*missing/,
      10_000,
    );
    assert.equal(await tracked.page.locator("#out").textContent(), "good 2");
    await app.write(
      "src/view.ts",
      view("good 3", `import { label } from "./labels.ts"; void label;`),
    );
    await waitForText(tracked, "#out", "good 3", 10_000);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a module accepted by its importer whose new version throws keeps the old one; a fix of a module in its chain is applied",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import { label } from "./dep.ts";
document.querySelector("#out")!.textContent = label;
import.meta.hot?.accept("./dep.ts", (mod) => {
  document.querySelector("#out")!.textContent = mod!.label as string;
});
`,
      "src/dep.ts": `export { label } from "./leaf.ts";\n`,
      "src/leaf.ts": `export const label = "leaf 1";\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "leaf 1");
    await app.write(
      "src/leaf.ts",
      `throw new Error("leaf exploded");\nexport const label = "x";\n`,
    );
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to apply the update of \/src\/dep\.ts: leaf exploded \(thrown at \/src\/leaf\.ts:1:\d+\)/,
      10_000,
    );
    assert.equal(await tracked.page.locator("#out").textContent(), "leaf 1");
    await assertNotReloaded(tracked);
    await app.write("src/leaf.ts", `export const label = "leaf 2";\n`);
    await waitForText(tracked, "#out", "leaf 2", 10_000);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page loaded while a module throws at top level shows the error, and the fix of that module reaches the page",
  async fn(mode) {
    await using s = await openHmrApp({
      ...APP,
      "src/view.ts": view("never shown", `throw new Error("broken at load");`),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /The page failed to start: \/src\/view\.ts:1:\d+: broken at load/,
      10_000,
    );
    assert.equal(await tracked.page.locator("#out").textContent(), "");

    await app.write("src/view.ts", view("fixed"));
    // There was no running instance to update: the page runs again.
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "fixed", 10_000);
    await waitForConsole(tracked, /page reload: the page failed to start/);
    assert.equal(await tracked.page.locator(OVERLAY).count(), 0);

    // From then on, updates are hot again.
    await app.write("src/view.ts", view("fixed twice"));
    await waitForText(tracked, "#out", "fixed twice", 10_000);
    await assertNotReloaded(tracked);
  },
});
