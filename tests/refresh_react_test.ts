/**
 * React Fast Refresh in a real browser: `useState` survives an edit, a
 * changed hook signature remounts only that component, a module that also
 * exports a changed constant falls back to propagation, and a render error
 * shows the overlay until the next good edit recovers without a reload.
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

/** The same pins as examples/react, so the Deno cache is shared. */
const DENO_JSON = JSON.stringify({
  imports: {
    "react": "npm:react@19.3.1",
    "react/": "npm:/react@19.3.1/",
    "react-dom": "npm:react-dom@19.3.1",
    "react-dom/": "npm:/react-dom@19.3.1/",
  },
  compilerOptions: { jsx: "react-jsx", jsxImportSource: "react" },
});

const COUNTER = `import { useState } from "react";
export function Counter() {
  const [count, setCount] = useState(0);
  return (
    <button id="counter" onClick={() => setCount(count + 1)}>
      Count: {count}
    </button>
  );
}
`;

const NAME_FIELD = `import { useState } from "react";
export function NameField() {
  const [name, setName] = useState("");
  return (
    <label>
      Name <input id="name" value={name} onChange={(e) => setName(e.target.value)} />
      <span id="echo">{name}</span>
    </label>
  );
}
`;

/** A component module that also exports a constant its importer shows. */
const BANNER = `export const GREETING = "Hello";
export function Banner() {
  return <p id="banner">{GREETING} from the banner</p>;
}
`;

const FILES = {
  "deno.json": DENO_JSON,
  "index.html": pageHtml("", "/src/main.tsx"),
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
createRoot(document.querySelector("#out")!).render(<App />);
`,
  "src/app.tsx": `import { Counter } from "./counter.tsx";
import { NameField } from "./name_field.tsx";
import { Banner, GREETING } from "./banner.tsx";
export function App() {
  return (
    <main>
      <h1 id="title">{GREETING} from the app</h1>
      <Banner />
      <Counter />
      <NameField />
    </main>
  );
}
`,
  "src/counter.tsx": COUNTER,
  "src/name_field.tsx": NAME_FIELD,
  "src/banner.tsx": BANNER,
};

/** The error overlay's message (its shadow DOM is open), or null. */
async function overlayShown(tracked: TrackedPage): Promise<string | null> {
  const message = tracked.page.locator("banana-error-overlay .message");
  return await message.count() > 0 ? await message.first().textContent() : null;
}

Deno.test({
  ...browserTest,
  name:
    "React: editing a component's label keeps its useState count of 3 and the form's text, without a reload",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await tracked.page.fill("#name", "Ada");
    await waitForText(tracked, "#counter", "Count: 3");
    await waitForText(tracked, "#echo", "Ada");

    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Clicks:"));
    await waitForText(tracked, "#counter", "Clicks: 3");
    assert.equal(await tracked.page.inputValue("#name"), "Ada");
    await assertNotReloaded(tracked);
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "React: changing a component's hooks resets its state only; the form keeps its text",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await tracked.page.fill("#name", "Ada");
    await waitForText(tracked, "#counter", "Count: 3");

    await app.write(
      "src/counter.tsx",
      COUNTER.replace(
        "useState(0);",
        "useState(0);\n  const [, setUnused] = useState(false);",
      ),
    );
    await waitForText(tracked, "#counter", "Count: 0");
    await waitForText(tracked, "#echo", "Ada");
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "React: a module exporting a component and a changed constant is invalidated; its importer re-renders with the new content",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
    await waitForText(tracked, "#title", "Hello from the app");

    await app.write("src/banner.tsx", BANNER.replace('"Hello"', '"Howdy"'));
    await waitForConsole(tracked, /Could not Fast Refresh \/src\/banner\.tsx/);
    await waitForText(tracked, "#title", "Howdy from the app");
    await waitForText(tracked, "#banner", "Howdy from the banner");
    await waitForText(tracked, "#counter", "Count: 3");
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name:
    "React: a component that throws while rendering shows the error overlay; the next good edit recovers without a reload",
  async fn() {
    await using s = await openHmrApp(FILES);
    const { app, tracked } = s;
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 1");

    await app.write(
      "src/counter.tsx",
      COUNTER.replace(
        "return (",
        'if (count > 0) throw new Error("counter exploded");\n  return (',
      ),
    );
    const message = await waitFor(() => overlayShown(tracked), {
      timeout: 10_000,
      message: "the error overlay",
    });
    assert.match(message, /counter exploded/);

    await app.write("src/counter.tsx", COUNTER.replace("Count:", "Fixed:"));
    // The failed root is rendered again from scratch.
    await waitForText(tracked, "#counter", "Fixed: 0");
    assert.equal(await overlayShown(tracked), null);
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Fixed: 1");
    await assertNotReloaded(tracked);
  },
});
