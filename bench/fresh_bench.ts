/**
 * The Fresh-style part of `deno task bench`: a generated app with 200
 * server modules (a tree of utilities under `lib/`, the routes) and 10
 * islands, served by the CLI. It measures, in one run:
 *
 * - start → the first server-rendered 200 on `/`;
 * - a route edit → the new markup visible in the open page (in place);
 * - a server-util edit → the next `fetch('/api/value')` shows it;
 * - a full process restart as Fresh 1 does it (kill, start, reload the page
 *   until the markup is there), on the same app.
 *
 * ```sh
 * deno run -A bench/fresh_bench.ts [--edits 5] [--restarts 3]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import {
  epochNow,
  freePort,
  launchChromium,
  median,
  ServerProcess,
  waitForHttpOk,
} from "./measure.ts";

const REPO_DIR = new URL("..", import.meta.url).pathname;
/** Utility modules under `lib/` (the routes, `_app` and islands make 200+). */
const LIB_MODULES = 187;
const ISLANDS = 10;
const BRANCHING = 3;

/** Results of the Fresh-style bench. */
export interface FreshBenchResult {
  serverModules: number;
  islands: number;
  /** Start → first server-rendered 200 on `/`, ms. */
  startToFirstSsr: number;
  /** Route edit → new markup visible in the page, ms (one per edit). */
  routeEdits: number[];
  /** Server-util edit → next response shows it, ms. */
  utilEdits: number[];
  /** Kill, start, reload until the markup is there, ms. */
  restarts: number[];
  /** Edits applied without a reload of the page. */
  inPlace: number;
  /** Server RSS (process tree) before and after `memEdits` more route edits, KiB. */
  rssBeforeKb: number;
  rssAfterKb: number;
  memEdits: number;
}

function libSource(index: number, version = 0): string {
  const children: number[] = [];
  for (let c = index * BRANCHING + 1; c <= index * BRANCHING + BRANCHING; c++) {
    if (c < LIB_MODULES) children.push(c);
  }
  return [
    ...children.map((c) => `import { value as v${c} } from "./m${c}.ts";`),
    `/** Module ${index}: its own number plus its children's. */`,
    `export function value(): number {`,
    `  return ${index * 0 + version}${
      children.map((c) => ` + v${c}()`).join("")
    };`,
    `}`,
    ``,
  ].join("\n");
}

function indexRoute(version: number): string {
  const islands = Array.from({ length: ISLANDS }, (_, i) => i);
  return [
    `import { value } from "../lib/m0.ts";`,
    ...islands.map((i) =>
      `import Island${i} from "../islands/Island${i}.tsx";`
    ),
    `export default function Home() {`,
    `  return (`,
    `    <main>`,
    `      <h1 id="title">Version ${version}</h1>`,
    `      <p id="sum">{value()}</p>`,
    ...islands.map((i) => `      <Island${i} start={${i}} />`),
    `    </main>`,
    `  );`,
    `}`,
    ``,
  ].join("\n");
}

/** Writes the app into `dir`. */
export async function generateFreshApp(dir: string): Promise<number> {
  const write = async (rel: string, text: string) => {
    const path = join(dir, rel);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeTextFile(path, text);
  };
  await write(
    "deno.json",
    JSON.stringify(
      {
        imports: {
          "preact": "npm:preact@10.29.8",
          "preact/": "npm:/preact@10.29.8/",
          "preact-render-to-string": "npm:preact-render-to-string@6.6.1",
        },
        compilerOptions: { jsx: "precompile", jsxImportSource: "preact" },
      },
      null,
      2,
    ),
  );
  await write(
    "routes/_app.tsx",
    `import type { ComponentType } from "preact";
export default function App({ Component }: { Component: ComponentType }) {
  return <html><head><meta charset="utf-8" /><title>Bench</title></head><body><Component /></body></html>;
}
`,
  );
  await write("routes/index.tsx", indexRoute(0));
  await write(
    "routes/api/value.ts",
    `import { value } from "../../lib/m${LIB_MODULES - 1}.ts";
export const handler = { GET: () => Response.json({ value: value() }) };
`,
  );
  for (let i = 0; i < LIB_MODULES; i++) {
    await write(`lib/m${i}.ts`, libSource(i));
  }
  for (let i = 0; i < ISLANDS; i++) {
    await write(
      `islands/Island${i}.tsx`,
      `import { useState } from "preact/hooks";
export default function Island${i}({ start }: { start: number }) {
  const [count, setCount] = useState(start);
  return <button id="island${i}" onClick={() => setCount(count + 1)}>{count}</button>;
}
`,
    );
  }
  // lib + index + api + _app + islands (rendered on the server too).
  return LIB_MODULES + 3 + ISLANDS;
}

function start(appDir: string, port: number): ServerProcess {
  return ServerProcess.start(Deno.execPath(), [
    "run",
    "-A",
    "--no-lock",
    `${REPO_DIR}mod.ts`,
    "dev",
    appDir,
    "--port",
    String(port),
    "--strict-port",
  ], { cwd: REPO_DIR });
}

interface QueryableGlobal {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
  };
}

/** Waits for the title and a hydrated island; survives a reload meanwhile. */
async function waitForTitle(page: Page, text: string): Promise<void> {
  const deadline = epochNow() + 60_000;
  for (;;) {
    try {
      await page.waitForFunction(
        (wanted: string) => {
          const { document } = globalThis as unknown as QueryableGlobal;
          return document.querySelector("#title")?.textContent === wanted &&
            document.querySelector("#island9")?.textContent === "9";
        },
        text,
        { polling: "raf", timeout: Math.max(1, deadline - epochNow()) },
      );
      return;
    } catch (err) {
      if (epochNow() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Runs the bench on a fresh app in a temp dir.
 *
 * @example
 * ```ts ignore
 * const result = await runFreshBench(browser, { edits: 5, restarts: 3 });
 * console.log(renderFreshTable(result));
 * ```
 */
export async function runFreshBench(
  browser: Browser,
  options: {
    edits: number;
    restarts: number;
    memEdits?: number;
    keep?: boolean;
  },
): Promise<FreshBenchResult> {
  const appDir = await Deno.makeTempDir({ prefix: "banana-fresh-bench-" });
  const serverModules = await generateFreshApp(appDir);
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;
  let server = start(appDir, port);
  const context = await browser.newContext();
  try {
    const first = await waitForHttpOk(url, { server, timeoutMs: 120_000 });
    const page = await context.newPage();
    await page.goto(url);
    await waitForTitle(page, "Version 0");
    await page.evaluate(() =>
      (globalThis as { __benchMark?: number }).__benchMark = 1
    );

    const routeEdits: number[] = [];
    let version = 0;
    for (let i = 0; i < options.edits; i++) {
      version++;
      const at = epochNow();
      await Deno.writeTextFile(
        join(appDir, "routes/index.tsx"),
        indexRoute(version),
      );
      await waitForTitle(page, `Version ${version}`);
      routeEdits.push(epochNow() - at);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const inPlace = await page.evaluate(() =>
        (globalThis as { __benchMark?: number }).__benchMark === 1
      )
      ? options.edits
      : 0;

    // Every edit leaves the old instances of the route in Deno's module map.
    const memEdits = options.memEdits ?? 30;
    const rssBeforeKb = await server.rssKb();
    for (let i = 0; i < memEdits; i++) {
      version++;
      await Deno.writeTextFile(
        join(appDir, "routes/index.tsx"),
        indexRoute(version),
      );
      await waitForTitle(page, `Version ${version}`);
    }
    const rssAfterKb = await server.rssKb();

    const utilEdits: number[] = [];
    const leaf = `lib/m${LIB_MODULES - 1}.ts`;
    for (let i = 1; i <= options.edits; i++) {
      const at = epochNow();
      await Deno.writeTextFile(
        join(appDir, leaf),
        libSource(LIB_MODULES - 1, i * 1000),
      );
      for (;;) {
        // A save caught half-written answers 500 once; the next read is good.
        const response = await fetch(`${url}api/value`);
        const body = response.ok ? await response.json() : null;
        if (!response.ok) {
          await response.body?.cancel();
        }
        if (body?.value === i * 1000) {
          break;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, 2)
        );
      }
      utilEdits.push(epochNow() - at);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // What Fresh 1 does on a server edit: kill, start, reload the page.
    const restarts: number[] = [];
    for (let i = 0; i < options.restarts; i++) {
      version++;
      const at = epochNow();
      await server.stop();
      await Deno.writeTextFile(
        join(appDir, "routes/index.tsx"),
        indexRoute(version),
      );
      server = start(appDir, port);
      await waitForHttpOk(url, { server, timeoutMs: 120_000 });
      // The page's client reloads it once it reconnects; so does this.
      await page.reload().catch(() => {});
      await waitForTitle(page, `Version ${version}`);
      restarts.push(epochNow() - at);
    }
    return {
      serverModules,
      islands: ISLANDS,
      startToFirstSsr: first.ms,
      routeEdits,
      utilEdits,
      restarts,
      inPlace,
      rssBeforeKb,
      rssAfterKb,
      memEdits,
    };
  } finally {
    await context.close().catch(() => {});
    await server.stop();
    if (!options.keep) {
      await Deno.remove(appDir, { recursive: true }).catch(() => {});
    }
  }
}

/** The result as a Markdown table. */
export function renderFreshTable(result: FreshBenchResult): string {
  const ms = (n: number) => `${n < 100 ? n.toFixed(1) : Math.round(n)} ms`;
  const route = median(result.routeEdits);
  const restart = median(result.restarts);
  return [
    `Fresh-style app: ${result.serverModules} server modules, ${result.islands} islands`,
    ``,
    `| Metric                                    | BananaJS (in process) |`,
    `| ----------------------------------------- | --------------------- |`,
    `| Start → first server-rendered 200 on /    | ${
      ms(result.startToFirstSsr)
    } |`,
    `| Route edit → new markup in the page (med) | ${ms(route)} |`,
    `| Server-util edit → next response (median) | ${
      ms(median(result.utilEdits))
    } |`,
    `| Restart: kill, start, reload (median)     | ${ms(restart)} |`,
    `| Route edit / restart-and-reload           | 1/${
      (restart / route).toFixed(0)
    } |`,
    `| Route edits applied without a reload      | ${result.inPlace}/${result.routeEdits.length} |`,
    `| Server RSS, then after ${result.memEdits} more route edits | ${
      (result.rssBeforeKb / 1024).toFixed(0)
    } MB → ${(result.rssAfterKb / 1024).toFixed(0)} MB |`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      edits: { type: "string", default: "5" },
      restarts: { type: "string", default: "3" },
      keep: { type: "boolean", default: false },
    },
  });
  const browser = await launchChromium();
  try {
    const result = await runFreshBench(browser, {
      edits: Number(values.edits),
      restarts: Number(values.restarts),
      keep: values.keep,
    });
    console.log(renderFreshTable(result));
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
  }
}
