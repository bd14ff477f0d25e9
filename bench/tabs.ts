/**
 * `deno task bench:tabs`: how evenly one edit reaches many tabs of one page.
 * The CLI runs in its own process; `--tabs` pages (one browser context,
 * default 20) show an app whose self-accepting `src/widget.ts` is edited
 * `--edits` times. For each edit it records, per tab, when the update
 * arrived (`vite:beforeUpdate`) and when the new version had run, and
 * prints the medians of: save → first tab, save → last tab, and the spread
 * between the first and the last tab.
 *
 * ```sh
 * deno task bench:tabs [--tabs 20] [--edits 10]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { BROWSER_ARGS } from "../tests/_browser.ts";
import { startCliServer } from "../tests/_cli_server.ts";
import { waitFor } from "../tests/_wait.ts";
import { CHROMIUM_PATH, median } from "./measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    tabs: { type: "string", default: "20" },
    edits: { type: "string", default: "10" },
  },
});
const TABS = Number(values.tabs);
const EDITS = Number(values.edits);

const widget = (n: number) =>
  `(globalThis as { __applied?: number }).__applied = performance.timeOrigin + performance.now();
document.querySelector("#out")!.textContent = "v${n}";
import.meta.hot?.accept();
`;

const root = await Deno.makeTempDir({ prefix: "banana_tabs_" });
await Deno.mkdir(`${root}/src`);
await Deno.writeTextFile(
  `${root}/index.html`,
  `<!doctype html><html><head><meta charset="utf-8"></head><body><p id="out"></p>
<script type="module" src="/src/main.ts"></script></body></html>\n`,
);
await Deno.writeTextFile(
  `${root}/src/main.ts`,
  `import "./widget.ts";
import.meta.hot?.on("vite:beforeUpdate", () => {
  (globalThis as { __received?: number }).__received = performance.timeOrigin + performance.now();
});
`,
);
await Deno.writeTextFile(`${root}/src/widget.ts`, widget(0));

const cli = await startCliServer(root);
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...BROWSER_ARGS],
});
try {
  const context = await browser.newContext();
  const pages: Page[] = [];
  for (let i = 0; i < TABS; i++) {
    const page = await context.newPage();
    await page.goto(cli.url);
    await page.waitForFunction(
      `document.querySelector("#out")?.textContent === "v0"`,
    );
    pages.push(page);
  }
  // Every tab's report of what it runs has reached the server.
  await new Promise((r) => setTimeout(r, 500));

  const first: number[] = [];
  const last: number[] = [];
  const spreadApplied: number[] = [];
  const spreadReceived: number[] = [];
  for (let n = 1; n <= EDITS; n++) {
    const saved = performance.timeOrigin + performance.now();
    await Deno.writeTextFile(`${root}/src/widget.ts`, widget(n));
    const times = await waitFor(async () => {
      const all = await Promise.all(
        pages.map((page) =>
          page.evaluate<number[] | null>(
            `document.querySelector("#out")?.textContent === "v${n}"
            ? [globalThis.__received ?? 0, globalThis.__applied ?? 0]
            : null`,
          )
        ),
      );
      return all.every((t) => t !== null) ? all as number[][] : null;
    }, { timeout: 20_000, interval: 10, message: `edit ${n} in every tab` });
    const applied = times.map((t) => t[1]);
    const received = times.map((t) => t[0]);
    first.push(Math.min(...applied) - saved);
    last.push(Math.max(...applied) - saved);
    spreadApplied.push(Math.max(...applied) - Math.min(...applied));
    spreadReceived.push(Math.max(...received) - Math.min(...received));
    await new Promise((r) => setTimeout(r, 150));
  }
  const ms = (values: number[]) => `${median(values).toFixed(1)} ms`;
  console.log(`${TABS} tabs on one page, ${EDITS} edits (medians):`);
  console.log(`  save → first tab applied:        ${ms(first)}`);
  console.log(`  save → last tab applied:         ${ms(last)}`);
  console.log(`  spread first → last (received):  ${ms(spreadReceived)}`);
  console.log(`  spread first → last (applied):   ${ms(spreadApplied)}`);
  const updateLines = cli.lines.filter((l) => l.includes("hmr update"));
  console.log(`  server: ${updateLines.at(-1)?.trim() ?? "no update line"}`);
} finally {
  await browser.close();
  await cli.kill();
  await Deno.remove(root, { recursive: true });
}
