/**
 * Sub-path imports resolve from a package's bare entry in the app's
 * `deno.json`, as Deno resolves them: `react-dom/client` and
 * `react/jsx-runtime` from `"react"` and `"react-dom"` alone (one React
 * instance for both), `three/addons/…`, `chart.js/auto` and a scoped
 * package's sub-path; and a package with no entry gets an error that names
 * the entry to add.
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
import { pageHtml } from "./_hmr_app.ts";

Deno.test({
  ...browserTest,
  name:
    'sub-paths: a React 19 app with only "react" and "react-dom" entries renders with react-dom/client and react/jsx-runtime, and its hooks work',
  async fn() {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        imports: {
          "react": "npm:react@19.3.1",
          "react-dom": "npm:react-dom@19.3.1",
        },
        compilerOptions: { jsx: "react-jsx", jsxImportSource: "react" },
      }),
      "index.html": pageHtml("", "/src/main.tsx"),
      "src/main.tsx": `import { createRoot } from "react-dom/client";
import { jsx } from "react/jsx-runtime";
import { useState, version } from "react";
function Counter() {
  // Hooks throw "Invalid hook call" when react-dom has its own React copy.
  const [count, setCount] = useState(0);
  return <button id="counter" onClick={() => setCount(count + 1)}>Count: {count}</button>;
}
createRoot(document.querySelector("#out")!).render(
  <main>
    {jsx("p", { id: "version", children: "React " + version })}
    <Counter />
  </main>,
);
`,
    });
    await using dev = await startServer(app.root);
    // On a fresh Deno cache the load includes fetching and bundling React.
    await using tracked = await openPage(dev.url, { timeout: 60_000 });
    await waitForText(tracked, "#version", "React 19.3.1", 10_000);
    await tracked.page.click("#counter");
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 2");
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "sub-paths: three/addons/…, chart.js/auto and a scoped package's sub-path resolve from their bare entries and run in the page",
  async fn() {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        imports: {
          "three": "npm:three@0.187.0",
          "chart.js": "npm:chart.js@4.6.1",
          "preact": "npm:preact@10.29.8",
          "@preact/signals": "npm:@preact/signals@2.11.4",
        },
      }),
      "index.html": pageHtml(),
      // No scene is rendered: that the modules evaluate in the page and
      // export what they should is the point.
      "src/main.ts":
        `import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { Vector3 } from "three";
import Chart from "chart.js/auto";
import { Show } from "@preact/signals/utils";
document.querySelector("#out")!.textContent = [
  typeof OrbitControls,
  new Vector3(1, 2, 3).length().toFixed(2),
  typeof Chart,
  // chart.js/auto registers every controller.
  String(Chart.registry.getController("bar") !== undefined),
  typeof Show,
].join(" ");
`,
    });
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url, { timeout: 60_000 });
    await waitForText(
      tracked,
      "#out",
      "function 3.74 function true function",
      60_000,
    );
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test("sub-paths: a package with no entry gets an error naming the whole scoped package as the entry to add", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({
      imports: { "react": "npm:react@19.3.1" },
    }),
    "index.html": pageHtml(),
    "src/main.ts":
      `import { QueryClient } from "@tanstack/react-query";\nexport { QueryClient };\n`,
  });
  await using dev = await startServer(app.root);
  const res = await fetch(new URL("/src/main.ts", dev.url));
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.ok(
    body.includes(
      `Cannot resolve "@tanstack/react-query" from src/main.ts`,
    ),
    body,
  );
  assert.ok(
    body.includes(
      `"@tanstack/react-query": "npm:@tanstack/react-query@<version>"`,
    ),
    body,
  );
  assert.ok(!body.includes(`"@tanstack":`), body);
});
