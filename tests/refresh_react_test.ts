/**
 * React Fast Refresh in a real browser: the shared suite
 * (`_refresh_suite.ts`: `useState` survives an edit, a changed hook
 * signature remounts only that component, a module that also exports a
 * changed constant falls back to propagation, and a render error shows the
 * overlay until the next good edit recovers without a reload) on a React
 * app whose sibling is a form field.
 *
 * @module
 */

import assert from "node:assert/strict";
import { waitForText } from "./_browser.ts";
import { pageHtml } from "./_hmr_app.ts";
import { BANNER, counterSource, refreshSuite } from "./_refresh_suite.ts";

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

const COUNTER = counterSource("react");

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

refreshSuite({
  name: "React",
  files: FILES,
  sibling: {
    keeps: "the form keeps its text",
    async arrange(tracked) {
      await tracked.page.fill("#name", "Ada");
      await waitForText(tracked, "#echo", "Ada");
    },
    async assertKept(tracked) {
      await waitForText(tracked, "#echo", "Ada");
      assert.equal(await tracked.page.inputValue("#name"), "Ada");
    },
  },
  renderError: {
    async before() {},
    // The failed root is rendered again from scratch.
    fixedText: "Fixed: 0",
    async after(tracked) {
      await tracked.page.click("#counter");
      await waitForText(tracked, "#counter", "Fixed: 1");
    },
  },
});
