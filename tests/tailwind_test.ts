/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Tailwind CSS v4, the real packages from npm, both ways an app sets it up:
 * `@tailwindcss/vite` in `banana.config.ts`, and `@tailwindcss/postcss` in
 * `postcss.config.js` — each with `@import "tailwindcss"` in the app's
 * stylesheet and the packages mapped in the app's `deno.json` only.
 *
 * The server runs as users run it (`mod.ts dev <root>` in a subprocess):
 * from the app's folder, and from another working directory, which
 * Tailwind must not scan. A class written into a `.tsx` file gets its
 * styles after that save alone, while the page keeps its state; so does a
 * class in a file created later (Tailwind's source glob).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  openPage,
  type TempApp,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForStyle,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, CONNECTED_LINE } from "./_hmr_app.ts";
import { markPage } from "./_browser.ts";
import { type CliProcess, startCli } from "./_cli_process.ts";
import { REPO_ROOT } from "./_own_files.ts";

const MOD = join(REPO_ROOT, "mod.ts");

/**
 * `deno run -A mod.ts dev <root>` from `cwd`, as users start it (the CLI
 * serves the app in the app's own Deno context).
 */
function serveWithCli(root: string, cwd: string): Promise<CliProcess> {
  return startCli(
    Deno.execPath(),
    ["run", "-A", MOD, "dev", root, "--port", "0"],
    { cwd, timeout: 120_000 },
  );
}

const TAILWIND = "4.3.5";

/** The app's import map: Preact, Tailwind, and the Tailwind plugin used. */
function denoJson(plugin: "@tailwindcss/vite" | "@tailwindcss/postcss") {
  return JSON.stringify({
    imports: {
      "preact": "npm:preact@10.29.8",
      "preact/": "npm:/preact@10.29.8/",
      "tailwindcss": `npm:tailwindcss@${TAILWIND}`,
      [plugin]: `npm:${plugin}@${TAILWIND}`,
    },
    compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
  });
}

/** A counter whose state must survive the edits; `noteClass` is edited. */
function appTsx(noteClass: string): string {
  return `import { useState } from "preact/hooks";
export function App() {
  const [count, setCount] = useState(0);
  return (
    <main>
      <button id="counter" class="pt-2" onClick={() => setCount(count + 1)}>
        Count: {count}
      </button>
      <p id="note" class="${noteClass}">note</p>
    </main>
  );
}
`;
}

const MAIN_TSX = `import "./index.css";
import { render } from "preact";
import { App } from "./app.tsx";
render(<App />, document.getElementById("app")!);
`;

const INDEX_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>tailwind</title></head>
<body><div id="app"></div><script type="module" src="/src/main.tsx"></script></body>
</html>
`;

/** The files of a Tailwind app set up the given way. */
function tailwindApp(
  way: "vite" | "postcss",
): Record<string, string> {
  const setup: Record<string, string> = way === "vite"
    ? {
      "deno.json": denoJson("@tailwindcss/vite"),
      "banana.config.ts": `import tailwindcss from "@tailwindcss/vite";
export default { plugins: [tailwindcss()] };
`,
    }
    : {
      "deno.json": denoJson("@tailwindcss/postcss"),
      "postcss.config.js":
        `export default { plugins: { "@tailwindcss/postcss": {} } };\n`,
    };
  return {
    ...setup,
    "index.html": INDEX_HTML,
    "src/index.css": `@import "tailwindcss";\n`,
    "src/main.tsx": MAIN_TSX,
    "src/app.tsx": appTsx("text-base"),
  };
}

/**
 * A working directory that is not the app: a file in it uses a class
 * (`pb-11`) that the app does not, so generating it means Tailwind scanned
 * the server's working directory.
 */
async function decoyDirectory(): Promise<TempApp> {
  return await createTempApp({
    "decoy.html": `<div class="pb-11 ml-13">not the app</div>\n`,
  });
}

async function openConnected(url: string): Promise<TrackedPage> {
  const tracked = await openPage(url);
  await waitForConsole(tracked, CONNECTED_LINE, 60_000);
  await markPage(tracked);
  return tracked;
}

/** The text of every CSS rule the page has. */
function pageCss(tracked: TrackedPage): Promise<string> {
  return tracked.page.evaluate(() =>
    [...document.styleSheets].flatMap((sheet) =>
      [...sheet.cssRules].map((rule) => rule.cssText)
    ).join("\n")
  );
}

async function ownLockfile(): Promise<Uint8Array | null> {
  return await Deno.readFile(join(REPO_ROOT, "deno.lock")).catch(() => null);
}

/**
 * Runs the app set up `way`, from `cwd` ("app": its own folder, else a
 * decoy directory), and checks what a user sees: Tailwind's preflight and
 * utilities apply, a class added to the `.tsx` applies after that save,
 * the counter keeps its count, the page does not reload, and classes used
 * only outside the app are not generated.
 */
async function runTailwindApp(
  way: "vite" | "postcss",
  cwd: "app" | "elsewhere",
): Promise<void> {
  const lockBefore = await ownLockfile();
  await using app = await createTempApp(tailwindApp(way));
  await using decoy = await decoyDirectory();
  const dev = await serveWithCli(
    app.root,
    cwd === "app" ? app.root : decoy.root,
  );
  let tracked: TrackedPage | null = null;
  try {
    tracked = await openConnected(dev.url);
    await waitForText(tracked, "#counter", "Count: 0", 30_000);
    // Preflight (from @import "tailwindcss") and a utility from app.tsx.
    await waitForStyle(tracked, "#counter", "padding-top", "8px", 30_000);
    await waitForStyle(tracked, "body", "margin-top", "0px");
    await tracked.page.click("#counter");
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 2");

    // A class no file used before: styled after this save alone.
    await app.write("src/app.tsx", appTsx("pt-7"));
    await waitForStyle(tracked, "#note", "padding-top", "28px", 20_000);
    await waitForText(tracked, "#counter", "Count: 2");
    await assertNotReloaded(tracked);

    // A file created after the sheet was built, imported by nothing yet:
    // it matches Tailwind's source glob, so its classes are generated.
    await app.write(
      "src/later.tsx",
      `export const Later = () => <i class="mr-9">later</i>;\n`,
    );
    await waitFor(async () => /\.mr-9\b/.test(await pageCss(tracked!)), {
      timeout: 20_000,
      message: "the class of a new file in the page's CSS",
    });
    await assertNotReloaded(tracked);

    const css = await pageCss(tracked);
    assert.match(css, /\.pt-7\b/);
    assert.doesNotMatch(
      css,
      /\.pb-11\b|\.ml-13\b/,
      "Tailwind scanned the server's working directory",
    );
    assert.deepEqual(tracked.pageErrors, []);
  } catch (error) {
    throw new Error(`${error}\n--- server output ---\n${dev.output()}`);
  } finally {
    await tracked?.close();
    await dev.stop();
  }
  assert.deepEqual(
    await ownLockfile(),
    lockBefore,
    "BananaJS's own deno.lock changed while the app ran",
  );
}

Deno.test({
  ...browserTest,
  name:
    "@tailwindcss/vite in banana.config.ts: a class added to a .tsx is styled after that save, state kept, no reload (run from the app's folder)",
  fn: () => runTailwindApp("vite", "app"),
});

Deno.test({
  ...browserTest,
  name:
    "@tailwindcss/vite started from another working directory scans the app root only",
  fn: () => runTailwindApp("vite", "elsewhere"),
});

Deno.test({
  ...browserTest,
  name:
    "@tailwindcss/postcss in postcss.config.js: a class added to a .tsx is styled after that save, state kept, no reload; our deno.lock unchanged",
  fn: () => runTailwindApp("postcss", "app"),
});

Deno.test({
  ...browserTest,
  name:
    "@tailwindcss/postcss started from another working directory scans the app root only",
  fn: () => runTailwindApp("postcss", "elsewhere"),
});
