/**
 * Preact Fast Refresh (prefresh) in a real browser: the shared suite
 * (`_refresh_suite.ts`: state kept across edits, a changed hook signature
 * resets only that component, a changed constant hands the update to the
 * importers, render errors recover) on a Preact app whose sibling keeps hook
 * and signal state, and what only Preact's runtime is tested for here
 * (`server.hmr.preserveState`, the runtime bundled when components load
 * lazily).
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserTest, waitForText } from "./_browser.ts";
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";
import { BANNER, counterSource, refreshSuite } from "./_refresh_suite.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** The same pins as examples/preact, so the Deno cache is shared. */
const DENO_JSON = JSON.stringify({
  imports: {
    "preact": "npm:preact@10.29.8",
    "preact/": "npm:/preact@10.29.8/",
    "@preact/signals": "npm:@preact/signals@2.11.4",
  },
  compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
});

const COUNTER = counterSource("preact/hooks");

const SIBLING = `import { useState } from "preact/hooks";
import { useSignal } from "@preact/signals";
export function Sibling() {
  const [clicks, setClicks] = useState(0);
  const stars = useSignal(0);
  return (
    <div>
      <button id="sibling" onClick={() => setClicks(clicks + 1)}>
        Sibling: {clicks}
      </button>
      <button id="stars" onClick={() => stars.value++}>Stars: {stars}</button>
    </div>
  );
}
`;

const APP = `import { Counter } from "./counter.tsx";
import { Sibling } from "./sibling.tsx";
import { Banner, GREETING } from "./banner.tsx";
export function App() {
  return (
    <main>
      <h1 id="title">{GREETING} from the app</h1>
      <Banner />
      <Counter />
      <Sibling />
    </main>
  );
}
`;

const FILES = {
  "deno.json": DENO_JSON,
  "index.html": pageHtml("", "/src/main.tsx"),
  "src/main.tsx": `import { render } from "preact";
import { App } from "./app.tsx";
render(<App />, document.querySelector("#out")!);
`,
  "src/app.tsx": APP,
  "src/counter.tsx": COUNTER,
  "src/sibling.tsx": SIBLING,
  "src/banner.tsx": BANNER,
};

refreshSuite({
  name: "Preact",
  files: FILES,
  sibling: {
    keeps: "the sibling keeps its hook and signal state",
    async arrange(tracked) {
      await tracked.page.click("#sibling");
      await tracked.page.click("#stars");
      await tracked.page.click("#stars");
    },
    async edit(app, tracked) {
      await app.write(
        "src/sibling.tsx",
        SIBLING.replace("Stars:", "Gold stars:"),
      );
      await waitForText(tracked, "#stars", "Gold stars: 2");
      await waitForText(tracked, "#sibling", "Sibling: 1");
    },
    async assertKept(tracked, edited) {
      await waitForText(tracked, "#sibling", "Sibling: 1");
      await waitForText(
        tracked,
        "#stars",
        edited ? "Gold stars: 2" : "Stars: 2",
      );
    },
  },
  renderError: {
    async before(tracked) {
      await tracked.page.click("#sibling");
    },
    fixedText: /Fixed: \d/,
    async after(tracked) {
      await waitForText(tracked, "#sibling", "Sibling: 1");
    },
  },
});

testInEachMode({
  ...browserTest,
  name:
    "Preact: with server.hmr.preserveState the module is swapped anyway; the importer keeps the old constant",
  async fn(mode) {
    await using s = await openHmrApp(
      FILES,
      modeConfig(mode, {
        server: { hmr: { preserveState: true } },
      }),
    );
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");

    await app.write("src/banner.tsx", BANNER.replace('"Hello"', '"Howdy"'));
    await waitForText(tracked, "#banner", "Howdy from the banner");
    await waitForText(tracked, "#title", "Hello from the app");
    await waitForText(tracked, "#counter", "Count: 3");
    assert.equal(
      tracked.consoleLines.some((l) => l.includes("Could not Fast Refresh")),
      false,
    );
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "Preact: the refresh runtime is bundled with preact at start-up even when every component loads lazily; the page loads once",
  async fn(mode) {
    await using s = await openHmrApp({
      ...FILES,
      // The app's dependencies are imported statically, so the start-up
      // scan sees them; no component module (and no refresh glue) is.
      "src/main.tsx": `import { render } from "preact";
import "preact/hooks";
import "@preact/signals";
const { App } = await import("./app.tsx");
render(<App />, document.querySelector("#out")!);
`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 3");
    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Clicks:"));
    await waitForText(tracked, "#counter", "Clicks: 3");
    assert.equal(tracked.loads, 0);
    await assertNotReloaded(tracked);
  },
});
