/**
 * `deno task bench`: compares the BananaJS dev server with Vite 8 (and Vite 8's
 * experimental full-bundle dev mode, when the installed version has it) on
 * the same generated app, in the same run.
 *
 * For each server, on a fresh copy of the app, it measures: start until the
 * first HTTP 200 on `/`; the first page load until the app rendered; a warm
 * reload (median of 3); the resident memory of the server's process tree;
 * HMR latency of leaf and root edits (median, p90, and whether every edit was
 * applied without a reload); and memory growth over more edits. It prints a
 * table and writes JSON to `bench/.work/last.json`.
 *
 * ```sh
 * deno task bench [--only banana|vite|vite-bundle|fresh[,…]] [--modules 1000]
 *   [--edits 10] [--mem-edits 100] [--no-warmup] [--keep]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Browser, BrowserContext } from "playwright-core";
import {
  generateApp,
  type GeneratedApp,
  modulePath,
  moduleSource,
  moduleText,
} from "./generate_app.ts";
import {
  type ClockOffset,
  type EditResult,
  epochNow,
  errorMessage,
  estimateClockOffset,
  freePort,
  installPageProbe,
  killProcessTree,
  launchChromium,
  loadUntilRendered,
  measureEdit,
  NavigationCounter,
  processTreePids,
  reloadUntilRendered,
  ServerProcess,
  sleep,
  type Stats,
  stats,
  waitForHttpOk,
  withTimeout,
} from "./measure.ts";
import {
  type FreshBenchResult,
  renderFreshTable,
  runFreshBench,
} from "./fresh_bench.ts";

/** Identifiers of the servers the bench can run. */
export type ServerId = "banana" | "vite" | "vite-bundle";

const ALL_SERVERS: readonly ServerId[] = ["banana", "vite", "vite-bundle"];

const BENCH_DIR = new URL(".", import.meta.url).pathname;
const REPO_DIR = new URL("..", import.meta.url).pathname;
const WORK_DIR = `${BENCH_DIR}.work`;
const VITE_DIR = `${WORK_DIR}/vite`;
const VITE_BIN = `${VITE_DIR}/node_modules/vite/bin/vite.js`;
const RESULT_FILE = `${WORK_DIR}/last.json`;
const FULL_BUNDLE_FLAG = "--experimentalBundle";

const STARTUP_TIMEOUT_MS = 60_000;
const LOAD_TIMEOUT_MS = 60_000;
const EDIT_TIMEOUT_MS = 10_000;
const SERVER_RUN_TIMEOUT_MS = 20 * 60_000;

/** One HMR edit as recorded in the JSON. */
export interface EditRecord extends EditResult {
  /** Index of the edited module (`src/m<module>.ts`). */
  module: number;
  /** The text the edit introduced. */
  text: string;
}

/** Results of a series of edits of one kind. */
export interface HmrSeries {
  /** Number of edits made. */
  edits: number;
  /** Edits whose new text appeared in the page. */
  applied: number;
  /** Edits applied in place, without any page reload. */
  appliedWithoutReload: number;
  /** Latency statistics over the applied edits, in ms. */
  latency: Stats;
  /** Every edit. */
  samples: EditRecord[];
}

/** Everything measured for one server. */
export interface ServerResult {
  /** Which server. */
  id: ServerId;
  /** Column title. */
  label: string;
  /** `ok`, `failed` (see `reason`; earlier metrics may be present), or `skipped`. */
  status: "ok" | "failed" | "skipped";
  /** Why the server failed or was skipped. */
  reason?: string;
  /** The command line that started the server. */
  command?: string;
  /** ms from spawning the process to the first HTTP 200 on `/`. */
  startupMs?: number;
  /** Whether the first 200 on `/` was the app's HTML (not a placeholder). */
  firstResponseIsApp?: boolean;
  /**
   * ms from requesting the first navigation (right after the first 200) to
   * the app's first render, across any intermediate navigations.
   */
  firstLoadMs?: number;
  /** The same, from the navigation start of the document that rendered. */
  firstLoadDocumentMs?: number;
  /** ms from spawning the server to the app's first render in the page. */
  startToRenderedMs?: number;
  /** ms from requesting a reload to the app's render, for 3 warm reloads. */
  warmReload?: Stats & { samples: number[] };
  /** Resident memory of the server's process tree after the loads, KiB. */
  rssAfterLoadsKb?: number;
  /** Page clock minus Deno clock, measured before the edits. */
  clock?: ClockOffset;
  /** HMR latency of leaf-module edits and root-module (`m0`) edits. */
  hmr?: { leaf: HmrSeries; root: HmrSeries };
  /** Resident memory before and after a run of further edits. */
  memory?: {
    edits: number;
    applied: number;
    beforeKb: number;
    afterKb: number;
    growthPct: number;
  };
  /** Things worth knowing that did not stop the run. */
  notes: string[];
}

/** The whole JSON written to `bench/.work/last.json`. */
export interface BenchReport {
  /** ISO time the bench started. */
  date: string;
  /** Parameters of the run. */
  options: BenchOptions;
  /** Versions of the tools involved. */
  versions: Record<string, string>;
  /** One entry per server, in column order. */
  servers: ServerResult[];
  /** The Fresh-style app (server rendering, server-side hot reload). */
  fresh?: FreshBenchResult | { failed: string };
}

/** Parameters of a bench run. */
export interface BenchOptions {
  /** Number of modules in the generated app. */
  modules: number;
  /** Edits per HMR series (leaf, root). */
  edits: number;
  /** Further edits for the memory-growth measurement. */
  memEdits: number;
  /** Servers to run. */
  only: ServerId[];
  /** Run the Fresh-style app bench (`--only fresh`, on by default). */
  fresh: boolean;
  /** Start and stop each server once on a throwaway app before measuring. */
  warmup: boolean;
  /** Keep the temporary app directories. */
  keep: boolean;
}

interface ServerSpec {
  id: ServerId;
  label: string;
  /** Reason the server cannot run at all, if any. */
  unavailable?: string;
  command(appDir: string, port: number): {
    cmd: string;
    args: string[];
    cwd: string;
  };
}

function parseOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      only: { type: "string" },
      modules: { type: "string", default: "1000" },
      edits: { type: "string", default: "10" },
      "mem-edits": { type: "string", default: "100" },
      "no-warmup": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task bench [--only banana|vite|vite-bundle|fresh[,...]] " +
        "[--modules 1000] [--edits 10] [--mem-edits 100] [--no-warmup] [--keep]\n" +
        "  --only vite runs both Vite columns; vite-bundle only the full-bundle one.",
    );
    Deno.exit(0);
  }
  const positiveInt = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(
        `Expected --${name} to be an integer >= ${min}, found "${value}"`,
      );
    }
    return n;
  };
  let only = [...ALL_SERVERS];
  let fresh = true;
  if (values.only !== undefined) {
    const wanted = new Set<ServerId>();
    fresh = false;
    for (const name of values.only.split(",").map((s) => s.trim())) {
      if (name === "fresh") {
        fresh = true;
      } else if (name === "vite") {
        wanted.add("vite");
        wanted.add("vite-bundle");
      } else if (name === "banana" || name === "vite-bundle") {
        wanted.add(name);
      } else {
        throw new Error(
          `Expected --only to list banana, vite, vite-bundle or fresh, found "${name}"`,
        );
      }
    }
    only = ALL_SERVERS.filter((id) => wanted.has(id));
  }
  return {
    modules: positiveInt("modules", values.modules, 1),
    edits: positiveInt("edits", values.edits, 1),
    memEdits: positiveInt("mem-edits", values["mem-edits"], 0),
    only,
    fresh,
    warmup: !values["no-warmup"],
    keep: values.keep,
  };
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<{ code: number; output: string }> {
  const server = ServerProcess.start(cmd, args, { cwd: options.cwd });
  try {
    const exit = await withTimeout(
      server.exited,
      options.timeoutMs,
      `${cmd} ${args.join(" ")}`,
    );
    await server.stop();
    return { code: exit.code ?? -1, output: server.log };
  } finally {
    await server.stop();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Installs Vite 8 into `bench/.work/vite/` unless it is there already. */
async function ensureVite(): Promise<string> {
  const packageFile = `${VITE_DIR}/node_modules/vite/package.json`;
  if (await exists(packageFile)) {
    const { version } = JSON.parse(await Deno.readTextFile(packageFile));
    if (typeof version === "string" && version.startsWith("8.")) return version;
  }
  console.log(`Installing vite@8 into ${VITE_DIR} …`);
  await Deno.mkdir(VITE_DIR, { recursive: true });
  await Deno.writeTextFile(
    `${VITE_DIR}/package.json`,
    JSON.stringify({ name: "banana-bench-vite", private: true }, null, 2) +
      "\n",
  );
  const { code, output } = await run(
    "npm",
    ["install", "vite@8", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: VITE_DIR, timeoutMs: 300_000 },
  );
  if (code !== 0 || !(await exists(packageFile))) {
    throw new Error(
      `npm install vite@8 failed with code ${code}: ${output.trim()}`,
    );
  }
  const { version } = JSON.parse(await Deno.readTextFile(packageFile));
  return String(version);
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await copyDir(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

function serverSpecs(
  viteVersion: string | undefined,
  viteProblem: string | undefined,
  fullBundle: boolean,
  bananaVersion: string,
): ServerSpec[] {
  const vite = (appDir: string, port: number, extra: string[]) => ({
    cmd: "node",
    args: [VITE_BIN, "--port", String(port), "--strictPort", ...extra],
    cwd: appDir,
  });
  const viteLabel = viteVersion ? `Vite ${viteVersion}` : "Vite 8";
  return [
    {
      id: "banana",
      label: `BananaJS ${bananaVersion}`,
      command: (appDir, port) => ({
        cmd: Deno.execPath(),
        args: [
          "run",
          "-A",
          `${REPO_DIR}mod.ts`,
          "dev",
          appDir,
          "--port",
          String(port),
          "--strict-port",
        ],
        cwd: REPO_DIR,
      }),
    },
    {
      id: "vite",
      label: viteLabel,
      unavailable: viteProblem,
      command: (appDir, port) => vite(appDir, port, []),
    },
    {
      id: "vite-bundle",
      label: `${viteLabel} full-bundle`,
      unavailable: viteProblem ??
        (fullBundle
          ? undefined
          : `this Vite has no ${FULL_BUNDLE_FLAG} flag (checked vite --help)`),
      command: (appDir, port) => vite(appDir, port, [FULL_BUNDLE_FLAG]),
    },
  ];
}

function summarize(samples: EditRecord[]): HmrSeries {
  const applied = samples.filter((s) => s.applied);
  return {
    edits: samples.length,
    applied: applied.length,
    appliedWithoutReload: applied.filter((s) => !s.reloaded).length,
    latency: stats(applied.map((s) => s.latencyMs as number)),
    samples,
  };
}

/** Tracks the current text version of every module of one app copy. */
class AppEditor {
  readonly #versions: number[];
  constructor(readonly app: GeneratedApp, readonly dir: string) {
    this.#versions = new Array(app.modules).fill(0);
  }

  /** Bumps module `index`'s version; returns the file, content and new text. */
  next(index: number): { file: string; content: string; text: string } {
    const version = ++this.#versions[index];
    return {
      file: `${this.dir}/${modulePath(index)}`,
      content: moduleSource(index, this.app.modules, version),
      text: moduleText(index, version),
    };
  }
}

const active = new Set<ServerProcess>();

function startServer(
  spec: ServerSpec,
  appDir: string,
): { server: ServerProcess; url: string; command: string } {
  const port = freePort();
  const { cmd, args, cwd } = spec.command(appDir, port);
  const server = ServerProcess.start(cmd, args, { cwd });
  active.add(server);
  const url = `http://localhost:${port}/`;
  const command = [cmd === Deno.execPath() ? "deno" : cmd, ...args].join(" ");
  return { server, url, command };
}

async function stopServer(server: ServerProcess): Promise<void> {
  await server.stop();
  active.delete(server);
}

async function measureServer(
  spec: ServerSpec,
  template: GeneratedApp,
  workRoot: string,
  browser: Browser,
  options: BenchOptions,
  result: ServerResult,
): Promise<void> {
  if (options.warmup) {
    // One untimed start on a throwaway copy, so one-time costs (Node's
    // compile cache, Deno's module cache, the OS file cache) are not
    // charged to the measured start.
    const warmDir = `${workRoot}/${spec.id}-warmup`;
    await copyDir(template.dir, warmDir);
    const warm = startServer(spec, warmDir);
    try {
      await waitForHttpOk(warm.url, {
        server: warm.server,
        timeoutMs: STARTUP_TIMEOUT_MS * 2,
      });
    } finally {
      await stopServer(warm.server);
    }
  }

  const appDir = `${workRoot}/${spec.id}`;
  await copyDir(template.dir, appDir);
  const editor = new AppEditor(template, appDir);
  // The browser side is ready before the server starts, so the first
  // navigation follows the first 200 immediately.
  const context: BrowserContext = await withTimeout(
    browser.newContext(),
    30_000,
    "a browser context",
  );
  let server: ServerProcess | undefined;
  try {
    await withTimeout(installPageProbe(context), 10_000, "the page probe");
    const page = await withTimeout(context.newPage(), 30_000, "a page");
    const navigations = new NavigationCounter(page);
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(errorMessage(error)));

    const step = (name: string) => console.log(`  ${spec.label}: ${name}`);
    step("starting");
    const started = startServer(spec, appDir);
    server = started.server;
    const url = started.url;
    result.command = started.command;
    const ok = await waitForHttpOk(url, {
      server,
      timeoutMs: STARTUP_TIMEOUT_MS,
    });
    result.startupMs = ok.ms;
    result.firstResponseIsApp = ok.body.includes('id="app"');
    if (!result.firstResponseIsApp) {
      const title = ok.body.match(/<h1>([^<]*)<\/h1>|<title>([^<]*)<\/title>/);
      result.notes.push(
        `the first 200 on / was not the app's HTML but a placeholder page` +
          (title ? ` ("${title[1] ?? title[2]}")` : "") +
          `; see "Start → app rendered in page"`,
      );
    }

    step("first load");
    const navigationsBeforeLoad = navigations.count;
    const first = await loadUntilRendered(page, url, LOAD_TIMEOUT_MS);
    result.firstLoadMs = first.ms;
    result.firstLoadDocumentMs = first.documentMs;
    result.startToRenderedMs = first.renderedAt - server.startedAt;
    const extraNavigations = navigations.count - navigationsBeforeLoad - 1;
    if (extraNavigations > 0) {
      result.notes.push(
        `the first load navigated ${extraNavigations} more time(s) before the app rendered`,
      );
    }
    step("warm reloads");
    const reloads: number[] = [];
    for (let i = 0; i < 3; i++) {
      reloads.push((await reloadUntilRendered(page, LOAD_TIMEOUT_MS)).ms);
    }
    result.warmReload = { ...stats(reloads), samples: reloads };
    await sleep(500);
    result.rssAfterLoadsKb = await server.rssKb();
    result.clock = await estimateClockOffset(page);

    const edit = async (
      index: number,
      settleMs: number,
    ): Promise<EditRecord> => {
      const next = editor.next(index);
      const outcome = await measureEdit(page, navigations, {
        file: next.file,
        content: next.content,
        expectedText: next.text,
        timeoutMs: EDIT_TIMEOUT_MS,
        settleMs,
      });
      return { module: index, text: next.text, ...outcome };
    };

    // A series stops early after this many edits in a row did not show up,
    // so a server without working HMR costs seconds, not many minutes.
    const giveUpAfter = 3;
    const series = async (
      kind: string,
      count: number,
      pick: (k: number) => number,
      settleMs: number,
    ): Promise<EditRecord[]> => {
      const samples: EditRecord[] = [];
      let missedInRow = 0;
      for (let k = 0; k < count && missedInRow < giveUpAfter; k++) {
        const sample = await edit(pick(k), settleMs);
        samples.push(sample);
        missedInRow = sample.applied ? 0 : missedInRow + 1;
        await sleep(settleMs);
      }
      if (missedInRow >= giveUpAfter && samples.length < count) {
        result.notes.push(
          `${kind}: stopped after ${samples.length} of ${count} edits, ` +
            `${giveUpAfter} in a row were not applied`,
        );
      }
      return samples;
    };

    step(`HMR: ${options.edits} leaf edits`);
    const leaves = template.leaves;
    // Spread the edited leaves over the whole tree.
    const leafSamples = await series(
      "leaf edits",
      options.edits,
      (k) => leaves[Math.floor(((k + 0.5) * leaves.length) / options.edits)],
      100,
    );
    step(`HMR: ${options.edits} root edits`);
    const rootSamples = await series("root edits", options.edits, () => 0, 100);
    result.hmr = { leaf: summarize(leafSamples), root: summarize(rootSamples) };

    if (options.memEdits > 0) {
      step(`memory: ${options.memEdits} more edits`);
      await sleep(500);
      const beforeKb = await server.rssKb();
      // A deterministic walk over all kinds of modules, root to leaves.
      const samples = await series(
        "memory edits",
        options.memEdits,
        (k) => (k * 7919) % template.modules,
        20,
      );
      await sleep(1000);
      const afterKb = await server.rssKb();
      result.memory = {
        edits: samples.length,
        applied: samples.filter((sample) => sample.applied).length,
        beforeKb,
        afterKb,
        growthPct: ((afterKb - beforeKb) / beforeKb) * 100,
      };
    }
    if (pageErrors.length > 0) {
      result.notes.push(
        `${pageErrors.length} page error(s), first: ${pageErrors[0]}`,
      );
    }
    const all = [...leafSamples, ...rootSamples];
    const failed = all.filter((s) => !s.applied);
    if (failed.length > 0) {
      result.notes.push(
        `${failed.length} HMR edit(s) not applied, first: ${failed[0].text}: ${
          failed[0].error
        }`,
      );
    }
    const reloaded = all.filter((s) => s.reloaded).length;
    if (reloaded > 0) {
      result.notes.push(`${reloaded} HMR edit(s) reloaded the page`);
    }
  } catch (error) {
    if (server !== undefined && server.log.trim() !== "") {
      result.notes.push(`server output tail: ${server.logTail(5)}`);
    }
    throw error;
  } finally {
    await withTimeout(context.close(), 10_000, "the context to close")
      .catch(() => {});
    if (server !== undefined) await stopServer(server);
  }
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "—";
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

function fmtMb(kb: number | undefined): string {
  return kb === undefined ? "—" : `${(kb / 1024).toFixed(0)} MB`;
}

function fmtReloads(series: HmrSeries | undefined): string {
  if (series === undefined) return "—";
  const ok = series.appliedWithoutReload === series.edits;
  return `${
    ok ? "yes" : "NO"
  } (${series.appliedWithoutReload}/${series.edits})`;
}

function statusCell(result: ServerResult): string {
  if (result.status === "ok") return "ok";
  const reason = result.reason ?? "";
  const short = reason.length > 60 ? `${reason.slice(0, 59)}…` : reason;
  return `${result.status}: ${short}`;
}

function renderTable(report: BenchReport): string {
  const { servers, options } = report;
  const rows: [string, (r: ServerResult) => string][] = [
    ["Status", statusCell],
    ["Start → first 200 on /", (r) => fmtMs(r.startupMs)],
    ["First load → rendered", (r) => fmtMs(r.firstLoadMs)],
    ["Start → app rendered in page", (r) => fmtMs(r.startToRenderedMs)],
    ["Warm reload (median of 3)", (r) => fmtMs(r.warmReload?.median)],
    ["Server RSS after loads", (r) => fmtMb(r.rssAfterLoadsKb)],
    [
      `HMR leaf edit median (n=${options.edits})`,
      (r) => fmtMs(r.hmr?.leaf.latency.median),
    ],
    ["HMR leaf edit p90", (r) => fmtMs(r.hmr?.leaf.latency.p90)],
    ["Leaf edits without reload", (r) => fmtReloads(r.hmr?.leaf)],
    [
      `HMR root (m0) edit median (n=${options.edits})`,
      (r) => fmtMs(r.hmr?.root.latency.median),
    ],
    ["HMR root edit p90", (r) => fmtMs(r.hmr?.root.latency.p90)],
    ["Root edits without reload", (r) => fmtReloads(r.hmr?.root)],
    [
      `Server RSS after ${options.memEdits} more edits`,
      (r) =>
        r.memory === undefined
          ? "—"
          : `${fmtMb(r.memory.afterKb)} ${
            r.memory.applied < options.memEdits
              ? `[${r.memory.applied} applied] `
              : ""
          }(${r.memory.growthPct >= 0 ? "+" : ""}${
            r.memory.growthPct.toFixed(1)
          }%)`,
    ],
  ];
  const header = ["Metric", ...servers.map((s) => s.label)];
  const body = rows.map(([name, cell]) => [name, ...servers.map(cell)]);
  const widths = header.map((_, col) =>
    Math.max(...[header, ...body].map((row) => row[col].length))
  );
  const line = (row: string[]) =>
    "| " + row.map((cell, col) => cell.padEnd(widths[col])).join(" | ") + " |";
  const rule = "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|";
  return [line(header), rule, ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  const report: BenchReport = {
    date: new Date().toISOString(),
    options,
    versions: { deno: Deno.version.deno },
    servers: [],
  };
  await Deno.mkdir(WORK_DIR, { recursive: true });

  let viteVersion: string | undefined;
  let viteProblem: string | undefined;
  let fullBundle = false;
  if (options.only.some((id) => id !== "banana")) {
    try {
      viteVersion = await ensureVite();
      report.versions.vite = viteVersion;
      const help = await run("node", [VITE_BIN, "--help"], {
        timeoutMs: 30_000,
      });
      fullBundle = help.output.includes(FULL_BUNDLE_FLAG);
      const node = await run("node", ["--version"], { timeoutMs: 10_000 });
      report.versions.node = node.output.trim();
    } catch (error) {
      viteProblem = errorMessage(error);
    }
    console.log(
      viteProblem
        ? `Vite unavailable: ${viteProblem}`
        : `Vite ${viteVersion}; ${FULL_BUNDLE_FLAG} ${
          fullBundle ? "is available" : "does NOT exist in this version"
        }`,
    );
  }
  const bananaVersion = String(
    JSON.parse(await Deno.readTextFile(`${REPO_DIR}deno.json`)).version ?? "",
  );
  report.versions.banana = bananaVersion;

  const workRoot = await Deno.makeTempDir({ prefix: "banana-bench-" });
  const template = await generateApp(`${workRoot}/template`, {
    modules: options.modules,
  });
  console.log(
    `Generated ${template.modules} modules (${template.leaves.length} leaves) in ${workRoot}`,
  );

  if (options.only.includes("banana") && await exists(`${REPO_DIR}mod.ts`)) {
    // The equivalent of Vite's `npm install`: fetch and cache dependencies
    // before anything is timed.
    await run(Deno.execPath(), ["cache", `${REPO_DIR}mod.ts`], {
      cwd: REPO_DIR,
      timeoutMs: 300_000,
    }).catch(() => undefined);
  }

  let browser: Browser | undefined;
  const cleanup = async () => {
    for (const server of active) await server.stop().catch(() => {});
    await withTimeout(
      browser?.close() ?? Promise.resolve(),
      10_000,
      "Chromium to close",
    )
      .catch(() => {});
    // Safety net: whatever this process started and is still running.
    for (const pid of await processTreePids(Deno.pid)) {
      if (pid !== Deno.pid) await killProcessTree(pid, 1000);
    }
  };
  const onSignal = () => {
    console.error("\nInterrupted: stopping servers …");
    cleanup()
      .then(() =>
        options.keep ? undefined : Deno.remove(workRoot, { recursive: true })
      )
      .catch(() => {})
      .finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    browser = await launchChromium();
    report.versions.chromium = browser.version();
    const specs = serverSpecs(
      viteVersion,
      viteProblem,
      fullBundle,
      bananaVersion,
    )
      .filter((spec) => options.only.includes(spec.id));
    for (const spec of specs) {
      const result: ServerResult = {
        id: spec.id,
        label: spec.label,
        status: "ok",
        notes: [],
      };
      report.servers.push(result);
      if (spec.unavailable) {
        result.status = "skipped";
        result.reason = spec.unavailable;
        console.log(`${spec.label}: skipped: ${spec.unavailable}`);
        continue;
      }
      console.log(`${spec.label}:`);
      const started = epochNow();
      try {
        await withTimeout(
          measureServer(spec, template, workRoot, browser, options, result),
          SERVER_RUN_TIMEOUT_MS,
          `${spec.label} to finish`,
        );
      } catch (error) {
        result.status = "failed";
        result.reason = errorMessage(error);
        for (const server of active) await stopServer(server).catch(() => {});
      }
      console.log(
        `  ${spec.label}: ${result.status}${
          result.reason ? `: ${result.reason}` : ""
        } ` +
          `(${((epochNow() - started) / 1000).toFixed(1)} s)`,
      );
    }
    if (options.fresh) {
      console.log("Fresh-style app:");
      try {
        report.fresh = await withTimeout(
          runFreshBench(browser, {
            edits: Math.min(options.edits, 10),
            restarts: 3,
            keep: options.keep,
          }),
          SERVER_RUN_TIMEOUT_MS,
          "the Fresh-style bench to finish",
        );
      } catch (error) {
        report.fresh = { failed: errorMessage(error) };
      }
    }
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (!options.keep) {
      await Deno.remove(workRoot, { recursive: true }).catch(() => {});
    }
  }

  await Deno.writeTextFile(RESULT_FILE, JSON.stringify(report, null, 2) + "\n");
  console.log(
    `\n${options.modules} modules, ${options.edits} edits per HMR kind, ` +
      `${options.memEdits} memory edits; ` +
      Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(", ") +
      "\n",
  );
  console.log(renderTable(report));
  for (const result of report.servers) {
    if (result.reason) {
      console.log(`\n${result.label}: ${result.status}: ${result.reason}`);
    }
    for (const note of result.notes) console.log(`${result.label}: ${note}`);
    if (result.clock) {
      console.log(
        `${result.label}: page clock − Deno clock = ${
          result.clock.offsetMs.toFixed(2)
        } ms ` +
          `(±${(result.clock.rttMs / 2).toFixed(2)} ms)`,
      );
    }
  }
  if (report.fresh) {
    console.log(
      "failed" in report.fresh
        ? `\nFresh-style app: failed: ${report.fresh.failed}`
        : `\n${renderFreshTable(report.fresh)}`,
    );
  }
  console.log(
    `\nJSON: ${RESULT_FILE}${options.keep ? `\nApps kept in ${workRoot}` : ""}`,
  );
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
