/**
 * The soak: many tabs in real Chromium, many edits in four save styles
 * (in place, truncate-then-write, atomic rename, vim's backup-and-write)
 * and 5-save bursts; after each edit every tab must show the new version.
 * Counts lost updates per tab, reloads and duplicate runs; measures
 * save → run latency (p50/p95) and the server's RSS growth.
 *
 * @module
 */

import { join } from "node:path";
import type { Page } from "playwright-core";
import { closeBrowser, launchBrowser } from "../tests/_browser.ts";
import {
  type CheckResult,
  percentile,
  report,
  sleep,
  SOAK_MODULES,
  soakModule,
} from "./_harness.ts";

type SaveStyle = "in-place" | "truncating" | "atomic" | "vim";
const STYLES: SaveStyle[] = ["in-place", "truncating", "atomic", "vim"];

/**
 * Saves `text` to `file` the way an editor of `style` does: each save's
 * system calls follow each other without a pause (synchronous calls, so a
 * busy event loop in this process cannot stretch a save in the middle).
 */
function save(file: string, text: string, style: SaveStyle): void {
  const bytes = new TextEncoder().encode(text);
  switch (style) {
    case "in-place": {
      // Overwrite from the start, then cut what is left of the old text.
      using handle = Deno.openSync(file, { write: true });
      handle.writeSync(bytes);
      handle.truncateSync(bytes.length);
      break;
    }
    case "truncating": {
      // Empty between the truncate and the write (the server waits for the
      // content of a file emptied less than 1 s ago).
      using handle = Deno.openSync(file, { write: true, truncate: true });
      handle.writeSync(bytes);
      break;
    }
    case "atomic": {
      const temp = `${file}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      Deno.writeFileSync(temp, bytes);
      Deno.renameSync(temp, file);
      break;
    }
    case "vim": {
      const backup = `${file}~`;
      Deno.renameSync(file, backup);
      Deno.writeFileSync(file, bytes);
      Deno.removeSync(backup);
      break;
    }
  }
}

interface Tab {
  page: Page;
  lost: number;
  reloads: number;
}

async function mark(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __mark: boolean }).__mark = true;
  });
}

async function versions(page: Page): Promise<Record<string, number> | null> {
  return await page.evaluate(() => {
    const g = globalThis as unknown as {
      __mark?: boolean;
      __v?: Record<string, number>;
    };
    return g.__mark ? g.__v ?? {} : null;
  }).catch(() => ({}));
}

/** Options of {@linkcode soakCheck}. */
export interface SoakOptions {
  port: number;
  root: string;
  tabs: number;
  edits: number;
  rss: () => number;
  /** Per-edit wait for every tab, in ms. */
  convergeMs?: number;
}

/** Runs the soak and reports one line (plus one for memory). */
export async function soakCheck(options: SoakOptions): Promise<CheckResult[]> {
  const { port, root, rss } = options;
  const convergeMs = options.convergeMs ?? 10_000;
  const browser = await launchBrowser();
  const context = await browser.newContext();
  const tabs: Tab[] = [];
  const current = Array.from({ length: SOAK_MODULES }, () => 0);
  const url = `http://127.0.0.1:${port}/`;
  try {
    for (let i = 0; i < options.tabs; i++) {
      const page = await context.newPage();
      await page.goto(url);
      tabs.push({ page, lost: 0, reloads: 0 });
    }
    // Every tab has run every module once.
    const t0 = Date.now();
    for (const tab of tabs) {
      for (;;) {
        const v = await tab.page.evaluate(() =>
          Object.keys(
            (globalThis as unknown as { __v?: object }).__v ?? {},
          ).length
        );
        if (v === SOAK_MODULES) break;
        if (Date.now() - t0 > 60_000) throw new Error("tabs did not load");
        await sleep(50);
      }
      await mark(tab.page);
    }
    // The HMR socket of each tab is open before the first edit.
    await sleep(500);

    let rssStart = rss();
    const counts: Record<SaveStyle | "burst", number> = {
      "in-place": 0,
      truncating: 0,
      atomic: 0,
      vim: 0,
      burst: 0,
    };
    let edits = 0;
    let round = 0;
    const started = performance.now();
    const warmup = Math.min(40, Math.floor(options.edits / 10));
    while (edits < options.edits) {
      const m = round % SOAK_MODULES;
      const burst = round % 10 === 9 ? 5 : 1;
      if (burst > 1) counts.burst++;
      for (let b = 0; b < burst && edits < options.edits; b++) {
        const style = STYLES[edits % STYLES.length];
        const version = ++current[m];
        save(
          join(root, `src/m${m}.ts`),
          soakModule(m, version, Date.now()),
          style,
        );
        counts[style]++;
        edits++;
      }
      round++;
      const target = current[m];
      const waiting = new Set(tabs);
      const deadline = performance.now() + convergeMs;
      while (waiting.size > 0 && performance.now() < deadline) {
        await Promise.all([...waiting].map(async (tab) => {
          const v = await versions(tab.page);
          if (v === null) {
            // Reloaded: count it, mark the new document.
            tab.reloads++;
            await tab.page.waitForLoadState("load").catch(() => {});
            await mark(tab.page).catch(() => {});
            return;
          }
          if (v[`m${m}`] === target) waiting.delete(tab);
        }));
        if (waiting.size > 0) await sleep(15);
      }
      for (const tab of waiting) tab.lost++;
      if (edits === warmup) rssStart = rss();
    }
    const elapsed = performance.now() - started;
    // Let the server settle, then measure.
    await sleep(1000);
    const rssEnd = rss();

    const latencies: number[] = [];
    let duplicates = 0;
    let finalWrong = 0;
    for (const tab of tabs) {
      const data = await tab.page.evaluate(() => {
        const g = globalThis as unknown as {
          __lat?: number[];
          __runs?: Record<string, number>;
          __v?: Record<string, number>;
        };
        return { lat: g.__lat ?? [], runs: g.__runs ?? {}, v: g.__v ?? {} };
      });
      latencies.push(...data.lat);
      duplicates += Object.values(data.runs).filter((n) => n > 1).length;
      finalWrong += current.filter((v, m) => data.v[`m${m}`] !== v).length;
    }
    const lost = tabs.map((t) => t.lost);
    const reloads = tabs.reduce((n, t) => n + t.reloads, 0);
    const totalLost = lost.reduce((a, b) => a + b, 0);
    const growth = rssStart > 0 ? (rssEnd - rssStart) / rssStart * 100 : NaN;
    return [
      report({
        name: "soak",
        ok: totalLost === 0 && reloads === 0 && duplicates === 0 &&
          finalWrong === 0,
        detail: `${tabs.length} tabs, ${edits} edits (${
          Object.entries(counts).map(([k, n]) =>
            `${k} ${n}${k === "burst" ? "×5" : ""}`
          ).join(", ")
        }) in ${(elapsed / 1000).toFixed(1)} s: lost ${totalLost} (per tab ${
          lost.join(",")
        }), reloads ${reloads}, duplicate runs ${duplicates}, wrong final versions ${finalWrong}; save→run p50 ${
          percentile(latencies, 50).toFixed(0)
        } ms, p95 ${
          percentile(latencies, 95).toFixed(0)
        } ms over ${latencies.length} runs`,
      }),
      report({
        name: "soak-rss",
        ok: growth < 25,
        detail: `server RSS ${
          (rssStart / 1e6).toFixed(1)
        } MB after ${warmup} warm-up edits → ${
          (rssEnd / 1e6).toFixed(1)
        } MB at the end (${growth >= 0 ? "+" : ""}${growth.toFixed(1)}%)`,
      }),
    ];
  } finally {
    await context.close().catch(() => {});
    await closeBrowser();
  }
}
