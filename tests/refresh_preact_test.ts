/**
 * Preact Fast Refresh (prefresh) in a real browser: edited components are
 * swapped in place with their hook and signal state, a changed hook
 * signature resets only that component, and a module that also exports a
 * changed constant hands its update to its importers.
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
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";

/** The same pins as examples/preact, so the Deno cache is shared. */
const DENO_JSON = JSON.stringify({
  imports: {
    "preact": "npm:preact@10.29.8",
    "preact/": "npm:/preact@10.29.8/",
    "@preact/signals": "npm:@preact/signals@2.11.4",
  },
  compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
});

/** The error overlay's message (its shadow DOM is open), or null. */
async function overlayMessage(tracked: TrackedPage): Promise<string | null> {
  const message = tracked.page.locator("banana-error-overlay .message");
  return await message.count() > 0 ? await message.first().textContent() : null;
}

const COUNTER = `import { useState } from "preact/hooks";
export function Counter() {
  const [count, setCount] = useState(0);
  return (
    <button id="counter" onClick={() => setCount(count + 1)}>
      Count: {count}
    </button>
  );
}
`;

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

/** A component module that also exports a constant its importer shows. */
const BANNER = `export const GREETING = "Hello";
export function Banner() {
  return <p id="banner">{GREETING} from the banner</p>;
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

Deno.test({
  ...browserTest,
  name:
    "Preact: editing a component's label keeps its count of 3, without a reload",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 3");

    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Clicks:"));
    await waitForText(tracked, "#counter", "Clicks: 3");
    await assertNotReloaded(tracked);
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "Preact: changing a component's hooks resets its state only; the sibling keeps its hook and signal state",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await tracked.page.click("#sibling");
    await tracked.page.click("#stars");
    await tracked.page.click("#stars");
    await waitForText(tracked, "#counter", "Count: 3");
    await waitForText(tracked, "#stars", "Stars: 2");

    // Same hooks, new markup: the sibling's useState and useSignal survive.
    await app.write(
      "src/sibling.tsx",
      SIBLING.replace("Stars:", "Gold stars:"),
    );
    await waitForText(tracked, "#stars", "Gold stars: 2");
    await waitForText(tracked, "#sibling", "Sibling: 1");

    // A hook added to Counter: its signature changed, so it starts over.
    await app.write(
      "src/counter.tsx",
      COUNTER.replace(
        "useState(0);",
        "useState(0);\n  const [, setUnused] = useState(false);",
      ),
    );
    await waitForText(tracked, "#counter", "Count: 0");
    await waitForText(tracked, "#sibling", "Sibling: 1");
    await waitForText(tracked, "#stars", "Gold stars: 2");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "Preact: a module exporting a component and a changed constant is invalidated; its importer re-renders with the new content",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await waitForText(tracked, "#title", "Hello from the app");

    await app.write("src/banner.tsx", BANNER.replace('"Hello"', '"Howdy"'));
    await waitForConsole(tracked, /Could not Fast Refresh \/src\/banner\.tsx/);
    await waitForText(tracked, "#title", "Howdy from the app");
    await waitForText(tracked, "#banner", "Howdy from the banner");
    // App.tsx accepted the update: the page and the counter stayed.
    await waitForText(tracked, "#counter", "Count: 3");
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "Preact: with server.hmr.preserveState the module is swapped anyway; the importer keeps the old constant",
  async fn() {
    await using s = await openHmrApp(FILES, {
      server: { hmr: { preserveState: true } },
    });
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

Deno.test({
  ...browserTest,
  name:
    "Preact: the refresh runtime is bundled with preact at start-up even when every component loads lazily; the page loads once",
  async fn() {
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
    });
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 3");
    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Clicks:"));
    await waitForText(tracked, "#counter", "Clicks: 3");
    assert.equal(tracked.loads, 0);
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "Preact: a component that throws while rendering shows the error overlay; the next good edit recovers without a reload",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    await tracked.page.click("#counter");
    await tracked.page.click("#sibling");
    await waitForText(tracked, "#counter", "Count: 1");

    await app.write(
      "src/counter.tsx",
      COUNTER.replace(
        "return (",
        'if (count > 0) throw new Error("counter exploded");\n  return (',
      ),
    );
    const message = await waitFor(() => overlayMessage(tracked), {
      timeout: 10_000,
      message: "the error overlay",
    });
    assert.match(message, /counter exploded/);

    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Fixed:"));
    await waitForText(tracked, "#counter", /Fixed: \d/);
    assert.equal(await overlayMessage(tracked), null);
    await waitForText(tracked, "#sibling", "Sibling: 1");
    await assertNotReloaded(tracked);
  },
});
