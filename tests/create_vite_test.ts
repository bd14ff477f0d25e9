/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * create-vite's `react-ts` template runs unchanged: its `index.html`,
 * `src/main.tsx` and `src/App.tsx` as `npm create vite` writes them (the
 * markup trimmed, the title taken from a `.env` to cover that habit too),
 * with its `package.json` dependencies moved into a `deno.json`:
 * `import viteLogo from '/vite.svg'` from `public/`, an asset import, CSS
 * imports, `react-dom/client` from the bare entry, `%VITE_*%` in
 * `index.html`, and Fast Refresh keeping state.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  createTempApp,
  openPage,
  waitForText,
} from "./_browser.ts";
import { startServer } from "./_server.ts";

const LOGO =
  `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16"><rect width="24" height="16" fill="#646cff"/></svg>`;

const MAIN = `import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import './index.css'
import App from './App.tsx'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
`;

const APP = `import { useState } from 'react'
import reactLogo from './assets/react.svg'
import viteLogo from '/vite.svg'
import './App.css'

function App() {
  const [count, setCount] = useState(0)

  return (
    <>
      <div>
        <a href="https://vite.dev" target="_blank">
          <img src={viteLogo} className="logo" alt="Vite logo" />
        </a>
        <a href="https://react.dev" target="_blank">
          <img src={reactLogo} className="logo react" alt="React logo" />
        </a>
      </div>
      <h1>{import.meta.env.VITE_APP_TITLE}</h1>
      <div className="card">
        <button onClick={() => setCount((count) => count + 1)}>
          count is {count}
        </button>
      </div>
    </>
  )
}

export default App
`;

Deno.test({
  ...browserTest,
  name:
    "create-vite's react-ts template runs with only a deno.json: logos from public/ and src/assets load, CSS applies, .env reaches the page and the title, an edit keeps the count",
  async fn() {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        imports: {
          react: "npm:react@19.3.1",
          "react-dom": "npm:react-dom@19.3.1",
        },
        compilerOptions: { jsx: "react-jsx", jsxImportSource: "react" },
      }),
      "index.html": `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/vite.svg" />
    <title>%VITE_APP_TITLE%</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
      ".env": "VITE_APP_TITLE=Vite + React + TS\n",
      "public/vite.svg": LOGO,
      "src/assets/react.svg": LOGO,
      "src/index.css": ":root { color: rgb(1, 2, 3); }\n",
      "src/App.css": ".logo { height: 6em; }\n",
      "src/vite-env.d.ts": `/// <reference types="vite/client" />\n`,
      "src/main.tsx": MAIN,
      "src/App.tsx": APP,
    });
    await using dev = await startServer(app.root);
    // The first load bundles React: slow when the machine is busy.
    await using tracked = await openPage(dev.url, { timeout: 60_000 });
    await waitForText(tracked, "h1", "Vite + React + TS", 30_000);
    assert.equal(await tracked.page.title(), "Vite + React + TS");
    // React renders the <img>s before their files arrive: wait until both
    // have loaded or failed (a failed one has naturalWidth 0 and fails below).
    await tracked.page.waitForFunction(
      () =>
        document.images.length === 2 &&
        [...document.images].every((img) => img.complete),
      undefined,
      { timeout: 30_000 },
    );
    const logos = await tracked.page.evaluate(() =>
      [...document.images].map((img) => [
        img.getAttribute("src"),
        img.naturalWidth,
        getComputedStyle(img).height,
      ])
    );
    assert.equal(logos.length, 2);
    assert.equal(logos[0][0], "/vite.svg");
    for (const [, width, height] of logos) {
      assert.equal(width, 24);
      assert.equal(height, "96px"); // 6em of 16px, from App.css
    }
    assert.equal(
      await tracked.page.evaluate(() =>
        getComputedStyle(document.documentElement).color
      ),
      "rgb(1, 2, 3)",
    );
    await tracked.page.click("button");
    await tracked.page.click("button");
    await waitForText(tracked, "button", "count is 2", 10_000);
    await app.write("src/App.tsx", APP.replace("count is", "clicks:"));
    await waitForText(tracked, "button", "clicks: 2", 20_000);
    assert.equal(tracked.loads, 0, "the page did not reload");
    assert.deepEqual(tracked.pageErrors, []);
  },
});
