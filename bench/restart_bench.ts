/**
 * `deno task bench:restart`: what the persistent compile cache
 * (`.banana/compile/`) buys a server restart. On the app of
 * `generate_app.ts` it times, from spawning `banana dev` until the page has
 * rendered in Chromium, a *cold* start (the app's `.banana/` removed first)
 * and a *warm* one (a second start on the same folder, cache kept), in
 * turns, and prints the medians with the server's own account of its scan
 * ("scanned N modules in X ms: C compiled, R from the compile cache") and
 * the serving mode it chose.
 *
 * Each start gets a new browser context, so the browser's HTTP cache is
 * empty every time: the difference is the server's alone.
 *
 * ```sh
 * deno task bench:restart [--modules 5000] [--runs 3] [--bundle | --no-bundle] [--keep]
 * ```
 *
 * `--bundle` / `--no-bundle` are handed to the server (bundle mode or
 * per-module ESM); without them it picks its mode as usual.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { generateApp } from "./generate_app.ts";
import {
  bananaDevCommand,
  errorMessage,
  freePort,
  launchChromium,
  loadUntilRendered,
  median,
  ServerProcess,
  stripAnsi,
  waitForHttpOk,
  withTimeout,
} from "./measure.ts";

const STARTUP_TIMEOUT_MS = 60_000;
const LOAD_TIMEOUT_MS = 120_000;

/** One timed start. */
interface StartSample {
  cache: "cold" | "warm";
  /** Spawn → first 200 on `/`. */
  startupMs: number;
  /** Spawn → the app rendered in the page. */
  startToRenderedMs: number;
  /** Navigation → rendered. */
  firstLoadMs: number;
  /** The server's scan line, when it printed one. */
  scan?: { modules: number; ms: number; compiled?: number; reused?: number };
  /** The server's line about the page's serving mode, if any. */
  mode?: string;
}

function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      modules: { type: "string", default: "5000" },
      runs: { type: "string", default: "3" },
      keep: { type: "boolean", default: false },
      bundle: { type: "boolean" },
      "no-bundle": { type: "boolean" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task bench:restart [--modules 5000] [--runs 3] [--bundle | --no-bundle] [--keep]",
    );
    Deno.exit(0);
  }
  const count = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(
        `Expected --${name} to be a positive integer, found "${value}"`,
      );
    }
    return n;
  };
  return {
    modules: count("modules", values.modules),
    runs: count("runs", values.runs),
    keep: values.keep,
    serverArgs: values["no-bundle"]
      ? ["--no-bundle"]
      : values.bundle
      ? ["--bundle"]
      : [],
  };
}

/** Reads the server's scan line (`server/server.ts` #logScan). */
function scanOf(log: string): StartSample["scan"] {
  const match = stripAnsi(log).match(
    /scanned (\d+) modules in (\d+) ms(?:: (\d+) compiled, (\d+) from the compile cache)?/,
  );
  if (!match) return undefined;
  return {
    modules: Number(match[1]),
    ms: Number(match[2]),
    ...(match[3] === undefined
      ? {}
      : { compiled: Number(match[3]), reused: Number(match[4]) }),
  };
}

function modeOf(log: string): string | undefined {
  return stripAnsi(log).split("\n").map((line) =>
    line.replace(/^\S+ \[banana\] /, "").trim()
  ).find((line) => /^(bundle mode|per-module)\b/i.test(line));
}

async function timeStart(
  browser: Browser,
  appDir: string,
  cache: "cold" | "warm",
  serverArgs: string[],
): Promise<StartSample> {
  if (cache === "cold") {
    await Deno.remove(`${appDir}/.banana`, { recursive: true }).catch(
      () => {},
    );
  }
  const context = await withTimeout(
    browser.newContext(),
    30_000,
    "a browser context",
  );
  const page = await context.newPage();
  const port = freePort();
  const { cmd, args, cwd } = bananaDevCommand(appDir, port, serverArgs);
  const server = ServerProcess.start(cmd, args, { cwd });
  try {
    const url = `http://localhost:${port}/`;
    const ok = await waitForHttpOk(url, {
      server,
      timeoutMs: STARTUP_TIMEOUT_MS,
    });
    const loaded = await loadUntilRendered(page, url, LOAD_TIMEOUT_MS);
    // The scan line comes when the server has built the whole graph.
    const deadline = Date.now() + 30_000;
    while (!scanOf(server.log) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      cache,
      startupMs: ok.ms,
      startToRenderedMs: loaded.renderedAt - server.startedAt,
      firstLoadMs: loaded.ms,
      scan: scanOf(server.log),
      mode: modeOf(server.log),
    };
  } finally {
    // SIGTERM: the server closes, writing its pending cache entries.
    await server.stop(5000);
    await context.close().catch(() => {});
  }
}

function row(cells: string[], widths: number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
}

function printTable(
  samples: StartSample[],
  modules: number,
  serverArgs: string[],
): void {
  const header = [
    "cache",
    "start → rendered (median)",
    "samples",
    "first 200",
    "scan: compiled / cached",
    "scan ms",
  ];
  const lines: string[][] = [];
  for (const cache of ["cold", "warm"] as const) {
    const mine = samples.filter((s) => s.cache === cache);
    const scans = mine.map((s) => s.scan).filter((s) => s !== undefined);
    const last = scans.at(-1);
    lines.push([
      cache,
      `${Math.round(median(mine.map((s) => s.startToRenderedMs)))} ms`,
      mine.map((s) => Math.round(s.startToRenderedMs)).join(", "),
      `${Math.round(median(mine.map((s) => s.startupMs)))} ms`,
      last?.compiled === undefined ? "-" : `${last.compiled} / ${last.reused}`,
      scans.length ? `${Math.round(median(scans.map((s) => s.ms)))}` : "-",
    ]);
  }
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => l[i].length))
  );
  const mode = samples.find((s) => s.mode)?.mode ??
    (serverArgs.join(" ") || "no mode line printed");
  console.log(
    `\nRestart, ${modules} modules (${mode}); fresh browser context each start:\n`,
  );
  console.log(row(header, widths));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const line of lines) console.log(row(line, widths));
}

if (import.meta.main) {
  const options = parseOptions(Deno.args);
  const workRoot = await Deno.makeTempDir({ prefix: "banana-restart-" });
  const app = await generateApp(`${workRoot}/app`, {
    modules: options.modules,
  });
  console.log(`Generated ${app.modules} modules in ${app.dir}`);
  let browser: Browser | undefined;
  let failed = false;
  try {
    browser = await launchChromium();
    // One untimed start: Deno's module cache and the OS file cache are warm
    // for every timed one.
    await timeStart(browser, app.dir, "cold", options.serverArgs);
    const samples: StartSample[] = [];
    for (let run = 1; run <= options.runs; run++) {
      for (const cache of ["cold", "warm"] as const) {
        const sample = await timeStart(
          browser,
          app.dir,
          cache,
          options.serverArgs,
        );
        samples.push(sample);
        console.log(
          `  ${cache} ${run}: start → rendered ${
            Math.round(sample.startToRenderedMs)
          } ms (first 200 ${Math.round(sample.startupMs)} ms${
            sample.scan
              ? `; scan ${sample.scan.ms} ms, ${
                sample.scan.compiled ?? "?"
              } compiled, ${sample.scan.reused ?? "?"} cached`
              : ""
          })`,
        );
      }
    }
    printTable(samples, app.modules, options.serverArgs);
  } catch (error) {
    failed = true;
    console.error(`restart bench failed: ${errorMessage(error)}`);
  } finally {
    await withTimeout(
      browser?.close() ?? Promise.resolve(),
      10_000,
      "Chromium to close",
    ).catch(() => {});
    if (!options.keep) {
      await Deno.remove(workRoot, { recursive: true }).catch(() => {});
    } else console.log(`Kept ${workRoot}`);
  }
  if (failed) Deno.exit(1);
}
