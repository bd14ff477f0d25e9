/**
 * `deno task bench`: compares the BananaJS dev server with Vite 8 and Vite
 * 8's full-bundle dev mode (`--experimentalBundle`) on the same generated
 * apps, in the same run, at one or several app sizes.
 *
 * Per size, every server gets a fresh copy of the same generated app and is
 * measured on: start until the first HTTP 200 on `/`; the first page load
 * until the app rendered; a warm reload (median of 3); the resident memory
 * of the server's process tree; HMR latency of leaf and root edits (median,
 * p90, and whether every edit was applied without a reload); and memory
 * growth over more edits. Columns: BananaJS with its default arguments,
 * BananaJS `--no-bundle` (only when `mod.ts dev --help` lists that flag),
 * Vite 8, Vite 8 full-bundle. `--runs N` repeats the whole measurement
 * (even runs measure the servers in reverse order, so drift in the
 * machine's load does not always favour the same column); tables show the
 * median with each run's value. It prints a table per size, a compact table
 * over all sizes, the derived goal checks, and writes JSON (all sizes, all
 * runs) to `bench/.work/last.json` after every server.
 *
 * ```sh
 * deno task bench [--modules 1000[,5000,10000]] [--runs 1] [--edits 10]
 *   [--mem-edits N] [--only banana|banana-no-bundle|vite|vite-bundle|fresh[,…]]
 *   [--no-warmup] [--keep]
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
  bananaDevCommand,
  epochNow,
  errorMessage,
  estimateClockOffset,
  freePort,
  installPageProbe,
  killProcessTree,
  launchChromium,
  loadUntilRendered,
  measureEdit,
  median,
  NavigationCounter,
  processTreePids,
  reloadUntilRendered,
  ServerProcess,
  sleep,
  stats,
  stripAnsi,
  waitForHttpOk,
  withTimeout,
} from "./measure.ts";
import { renderFreshTable, runFreshBench } from "./fresh_bench.ts";
import {
  ALL_SERVERS,
  type BenchOptions,
  type BenchReport,
  type EditRecord,
  type HmrSeries,
  mediansOf,
  renderChecks,
  renderCompactTable,
  renderDetailsTable,
  renderNotes,
  renderSizeTable,
  type ServerId,
  type ServerResult,
} from "./bench_report.ts";

const BENCH_DIR = new URL(".", import.meta.url).pathname;
const REPO_DIR = new URL("..", import.meta.url).pathname;
const WORK_DIR = `${BENCH_DIR}.work`;
const VITE_DIR = `${WORK_DIR}/vite`;
const VITE_BIN = `${VITE_DIR}/node_modules/vite/bin/vite.js`;
const RESULT_FILE = `${WORK_DIR}/last.json`;
const FULL_BUNDLE_FLAG = "--experimentalBundle";
const NO_BUNDLE_FLAG = "--no-bundle";
/** Size of the throwaway app each server is warmed up on. */
const WARMUP_MODULES = 100;

/**
 * Time limits for one app size. Loads and edits of a 10,000-module app on a
 * busy 2-core machine take far longer than at 1000 modules, so the limits
 * grow with the size (Vite 8's per-module first load grew ×15 from 1000 to
 * 5000 modules under load here: 89 s); they only bound broken servers and
 * must never cut a measurement of a working one short.
 */
interface Limits {
  startupMs: number;
  loadMs: number;
  editMs: number;
  serverRunMs: number;
}

function limitsFor(modules: number): Limits {
  return {
    startupMs: Math.max(60_000, modules * 10),
    loadMs: Math.max(60_000, modules * 60),
    editMs: Math.max(10_000, modules * 5),
    serverRunMs: 20 * 60_000 + modules * 300,
  };
}

/**
 * Memory-growth edits per server when `--mem-edits` is not given: 100 up to
 * 1000 modules, fewer above (20 at 5000, 10 at 10,000), so big sizes spend
 * their time on the issue's figures.
 */
function defaultMemEdits(modules: number): number {
  return modules <= 1000 ? 100 : Math.max(10, Math.round(100_000 / modules));
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

const USAGE = `Usage: deno task bench [options]
  --modules 1000[,5000,…]  app sizes, measured in this order (default 1000)
  --runs N                 repeat the whole measurement N times (default 1)
  --edits N                edits per HMR series, leaf and root (default 10)
  --mem-edits N            memory-growth edits per server (default: 100 up
                           to 1000 modules, 100000/modules above, at least 10)
  --only a,b               banana, banana-no-bundle, vite, vite-bundle, fresh
                           (default: all servers; fresh only for one size)
  --no-warmup              skip the untimed warm-up start of each server
  --keep                   keep the generated apps
  --report <file.json>     print the tables of a saved run, measure nothing`;

function parseOptions(
  args: string[],
): BenchOptions & { report?: string } {
  const { values } = parseArgs({
    args,
    options: {
      only: { type: "string" },
      modules: { type: "string", default: "1000" },
      runs: { type: "string", default: "1" },
      edits: { type: "string", default: "10" },
      "mem-edits": { type: "string" },
      "no-warmup": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      report: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const integer = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min) {
      throw new Error(
        `Expected --${name} to be an integer >= ${min}, found "${value}"`,
      );
    }
    return n;
  };
  const modules = values.modules.split(",").map((s) =>
    integer("modules", s.trim(), 1)
  );
  if (new Set(modules).size !== modules.length) {
    throw new Error(`Expected --modules to list each size once`);
  }
  const sizes = modules.length;
  let only = [...ALL_SERVERS];
  let fresh = sizes === 1;
  if (values.only !== undefined) {
    const wanted = new Set<string>();
    for (const name of values.only.split(",").map((s) => s.trim())) {
      if (
        name !== "fresh" && !(ALL_SERVERS as readonly string[]).includes(name)
      ) {
        throw new Error(
          `Expected --only to list ${
            ALL_SERVERS.join(", ")
          } or fresh, found "${name}"`,
        );
      }
      wanted.add(name);
    }
    fresh = wanted.has("fresh");
    only = ALL_SERVERS.filter((id) => wanted.has(id));
  }
  return {
    modules,
    runs: integer("runs", values.runs, 1),
    edits: integer("edits", values.edits, 1),
    ...(values["mem-edits"] === undefined
      ? {}
      : { memEdits: integer("mem-edits", values["mem-edits"], 0) }),
    only,
    fresh,
    warmup: !values["no-warmup"],
    keep: values.keep,
    ...(values.report === undefined ? {} : { report: values.report }),
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

interface Availability {
  viteVersion?: string;
  viteProblem?: string;
  fullBundle: boolean;
  noBundle: boolean;
  bananaVersion: string;
}

function serverSpecs(a: Availability): ServerSpec[] {
  const vite = (appDir: string, port: number, extra: string[]) => ({
    cmd: "node",
    args: [VITE_BIN, "--port", String(port), "--strictPort", ...extra],
    cwd: appDir,
  });
  const viteLabel = a.viteVersion ? `Vite ${a.viteVersion}` : "Vite 8";
  const bananaLabel = `BananaJS ${a.bananaVersion}`;
  return [
    {
      id: "banana",
      label: bananaLabel,
      command: (appDir, port) => bananaDevCommand(appDir, port),
    },
    {
      id: "banana-no-bundle",
      label: `${bananaLabel} ${NO_BUNDLE_FLAG}`,
      unavailable: a.noBundle
        ? undefined
        : `\`mod.ts dev --help\` does not list ${NO_BUNDLE_FLAG}`,
      command: (appDir, port) =>
        bananaDevCommand(appDir, port, [NO_BUNDLE_FLAG]),
    },
    {
      id: "vite",
      label: viteLabel,
      unavailable: a.viteProblem,
      command: (appDir, port) => vite(appDir, port, []),
    },
    {
      id: "vite-bundle",
      label: `${viteLabel} full-bundle`,
      unavailable: a.viteProblem ??
        (a.fullBundle
          ? undefined
          : `this Vite has no ${FULL_BUNDLE_FLAG} flag (checked vite --help)`),
      command: (appDir, port) => vite(appDir, port, [FULL_BUNDLE_FLAG]),
    },
  ];
}

function summarize(samples: EditRecord[]): HmrSeries {
  const applied = samples.filter((s) => s.applied);
  // The app's render of an edit applied in place: a reload renders anew.
  const rendered = applied.filter((s) =>
    !s.reloaded && s.appRenderMs !== undefined
  );
  return {
    edits: samples.length,
    applied: applied.length,
    appliedWithoutReload: applied.filter((s) => !s.reloaded).length,
    latency: stats(applied.map((s) => s.latencyMs as number)),
    ...(rendered.length === 0 ? {} : {
      appRenderMedianMs: median(rendered.map((s) => s.appRenderMs as number)),
      withoutAppRenderMedianMs: median(
        rendered.map((s) =>
          (s.latencyMs as number) - (s.appRenderMs as number)
        ),
      ),
    }),
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

/** The lines a server printed about the mode a page got, deduplicated. */
function modeLines(log: string): string | undefined {
  const lines = stripAnsi(log).split("\n")
    // Without the logger's time stamp and tag, so equal lines dedupe.
    .map((line) =>
      line.trim().replace(/^(\d\d:\d\d:\d\d\s+)?(\[\w+\]\s+)?/, "")
    )
    .filter((line) => /bundle mode|per-module/i.test(line));
  return lines.length === 0 ? undefined : [...new Set(lines)].join(" | ");
}

/**
 * One untimed start and page load of a small throwaway app, so one-time
 * costs that have nothing to do with the app (Node's compile cache, Deno's
 * code cache of lazily loaded modules, the OS file cache of the servers'
 * own files) are not charged to the first measured size.
 */
async function warmUp(
  spec: ServerSpec,
  template: GeneratedApp,
  workRoot: string,
  browser: Browser,
): Promise<void> {
  const dir = `${workRoot}/warmup-${spec.id}`;
  await copyDir(template.dir, dir);
  const warm = startServer(spec, dir);
  let context: BrowserContext | undefined;
  try {
    await waitForHttpOk(warm.url, { server: warm.server, timeoutMs: 120_000 });
    context = await withTimeout(browser.newContext(), 30_000, "a context");
    const page = await withTimeout(context.newPage(), 30_000, "a page");
    await loadUntilRendered(page, warm.url, 60_000);
  } finally {
    if (context) {
      await withTimeout(context.close(), 10_000, "the context to close")
        .catch(() => {});
    }
    await stopServer(warm.server);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function measureServer(
  spec: ServerSpec,
  template: GeneratedApp,
  appDir: string,
  browser: Browser,
  edits: number,
  memEdits: number,
  limits: Limits,
  result: ServerResult,
): Promise<void> {
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

    const step = (name: string) =>
      console.log(`  ${spec.label} @ ${template.modules}: ${name}`);
    step("starting");
    const started = startServer(spec, appDir);
    server = started.server;
    const url = started.url;
    result.command = started.command;
    const ok = await waitForHttpOk(url, {
      server,
      timeoutMs: limits.startupMs,
    });
    result.startupMs = ok.ms;
    result.firstResponseIsApp = ok.body.includes('id="app"');

    step("first load");
    const navigationsBeforeLoad = navigations.count;
    const first = await loadUntilRendered(page, url, limits.loadMs);
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
      reloads.push((await reloadUntilRendered(page, limits.loadMs)).ms);
    }
    result.warmReload = { ...stats(reloads), samples: reloads };
    // The resident size once the server settled (the same wait for each
    // server): what `top` shows while the developer reads the page.
    await sleep(2000);
    result.rssAfterLoadsKb = await server.rssKb();
    result.clock = await estimateClockOffset(page);
    result.mode = modeLines(server.log) ?? result.mode;

    const edit = async (
      index: number,
      settleMs: number,
    ): Promise<EditRecord> => {
      const next = editor.next(index);
      const outcome = await measureEdit(page, navigations, {
        file: next.file,
        content: next.content,
        expectedText: next.text,
        timeoutMs: limits.editMs,
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

    step(`HMR: ${edits} leaf edits`);
    const leaves = template.leaves;
    // Spread the edited leaves over the whole tree.
    const leafSamples = await series(
      "leaf edits",
      edits,
      (k) => leaves[Math.floor(((k + 0.5) * leaves.length) / edits)],
      100,
    );
    step(`HMR: ${edits} root edits`);
    const rootSamples = await series("root edits", edits, () => 0, 100);
    result.hmr = { leaf: summarize(leafSamples), root: summarize(rootSamples) };

    if (memEdits > 0) {
      step(`memory: ${memEdits} more edits`);
      await sleep(500);
      const beforeKb = await server.rssKb();
      // A deterministic walk over all kinds of modules, root to leaves.
      const samples = await series(
        "memory edits",
        memEdits,
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
    result.mode = modeLines(server.log) ?? result.mode;
    if (pageErrors.length > 0) {
      result.notes.push(
        `${pageErrors.length} page error(s), first: ${pageErrors[0]}`,
      );
    }
    const failed = [...leafSamples, ...rootSamples].filter((s) => !s.applied);
    if (failed.length > 0) {
      result.notes.push(
        `${failed.length} HMR edit(s) not applied, first: ${failed[0].text}: ${
          failed[0].error
        }`,
      );
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

async function detectAvailability(
  options: BenchOptions,
): Promise<Availability & { versions: Record<string, string> }> {
  const versions: Record<string, string> = { deno: Deno.version.deno };
  const bananaVersion = String(
    JSON.parse(await Deno.readTextFile(`${REPO_DIR}deno.json`)).version ?? "",
  );
  versions.banana = bananaVersion;
  const a: Availability & { versions: Record<string, string> } = {
    versions,
    bananaVersion,
    fullBundle: false,
    noBundle: false,
  };
  if (options.only.some((id) => id.startsWith("vite"))) {
    try {
      a.viteVersion = await ensureVite();
      versions.vite = a.viteVersion;
      const help = await run("node", [VITE_BIN, "--help"], {
        timeoutMs: 30_000,
      });
      a.fullBundle = help.output.includes(FULL_BUNDLE_FLAG);
      const node = await run("node", ["--version"], { timeoutMs: 10_000 });
      versions.node = node.output.trim();
    } catch (error) {
      a.viteProblem = errorMessage(error);
    }
    console.log(
      a.viteProblem
        ? `Vite unavailable: ${a.viteProblem}`
        : `Vite ${a.viteVersion}; ${FULL_BUNDLE_FLAG} ${
          a.fullBundle ? "is available" : "does NOT exist in this version"
        }`,
    );
  }
  if (options.only.some((id) => id.startsWith("banana"))) {
    // The equivalent of Vite's `npm install`: fetch and cache dependencies
    // before anything is timed.
    await run(Deno.execPath(), ["cache", `${REPO_DIR}mod.ts`], {
      cwd: REPO_DIR,
      timeoutMs: 300_000,
    }).catch(() => undefined);
  }
  if (options.only.includes("banana-no-bundle")) {
    // Bundle mode may not exist in this checkout: ask the CLI, never assume.
    const help = await run(
      Deno.execPath(),
      ["run", "-A", `${REPO_DIR}mod.ts`, "dev", "--help"],
      { cwd: REPO_DIR, timeoutMs: 60_000 },
    ).catch(() => ({ code: -1, output: "" }));
    a.noBundle = help.output.includes(NO_BUNDLE_FLAG);
    console.log(
      `BananaJS ${NO_BUNDLE_FLAG}: ${
        a.noBundle ? "listed by mod.ts dev --help" : "not in mod.ts dev --help"
      }`,
    );
  }
  return a;
}

async function loadAverage(): Promise<number[] | undefined> {
  try {
    const text = await Deno.readTextFile("/proc/loadavg");
    return text.split(" ").slice(0, 3).map(Number);
  } catch {
    return undefined;
  }
}

function printSize(report: BenchReport, modules: number): void {
  console.log(`\n${renderSizeTable(report, modules)}`);
  console.log("(* doubtful, ! a run failed: see the notes at the end)");
  console.log(`\n${renderDetailsTable(report, modules)}`);
}

/** Prints every table, the checks and the notes of `report`. */
function printReport(report: BenchReport, minutes?: number): void {
  console.log(
    `\n${
      report.options.modules.join(", ")
    } modules, ${report.options.runs} run(s), ` +
      `${report.options.edits} edits per HMR kind, memory edits ${
        report.sizes.map((s) => s.memEdits).join(", ")
      }; ${
        minutes === undefined ? "" : `${minutes.toFixed(1)} min; `
      }load average at start ${report.loadAverage?.join(" ") ?? "unknown"}; ` +
      Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(", "),
  );
  for (const size of report.sizes) printSize(report, size.modules);
  if (report.options.runs > 1) {
    for (let k = 1; k <= report.options.runs; k++) {
      console.log(`\nRun ${k}:\n${renderCompactTable(report, k)}`);
      for (const line of renderChecks(report, k)) console.log(`  ${line}`);
    }
  }
  console.log(
    `\n${
      report.options.runs > 1
        ? `Median of ${report.options.runs} runs`
        : "All sizes"
    }:\n${renderCompactTable(report)}`,
  );
  const checks = renderChecks(report);
  if (checks.length > 0) {
    console.log(
      `\nChecks${report.options.runs > 1 ? " (medians)" : ""}:\n` +
        checks.map((line) => `  ${line}`).join("\n"),
    );
  }
  const notes = renderNotes(report);
  for (const skipped of report.skipped) {
    notes.unshift(`${skipped.label}: not measured: ${skipped.reason}`);
  }
  if (notes.length > 0) {
    console.log(`\nNotes:\n${notes.map((line) => `  ${line}`).join("\n")}`);
  }
  if (report.fresh) {
    console.log(
      "failed" in report.fresh
        ? `\nFresh-style app: failed: ${report.fresh.failed}`
        : `\n${renderFreshTable(report.fresh)}`,
    );
  }
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  if (options.report !== undefined) {
    printReport(JSON.parse(await Deno.readTextFile(options.report)));
    return 0;
  }
  const { report: _, ...benchOptions } = options;
  const report: BenchReport = {
    date: new Date().toISOString(),
    options: benchOptions,
    versions: {},
    loadAverage: await loadAverage(),
    labels: {},
    skipped: [],
    sizes: [],
  };
  await Deno.mkdir(WORK_DIR, { recursive: true });
  const save = () =>
    Deno.writeTextFile(RESULT_FILE, JSON.stringify(report, null, 2) + "\n");

  const availability = await detectAvailability(options);
  report.versions = availability.versions;
  const specs: ServerSpec[] = [];
  for (const spec of serverSpecs(availability)) {
    if (!options.only.includes(spec.id)) continue;
    if (spec.unavailable) {
      report.skipped.push({
        id: spec.id,
        label: spec.label,
        reason: spec.unavailable,
      });
      console.log(`${spec.label}: not measured: ${spec.unavailable}`);
    } else {
      specs.push(spec);
      report.labels[spec.id] = spec.label;
    }
  }

  const workRoot = await Deno.makeTempDir({ prefix: "banana-bench-" });
  const templates = new Map<number, GeneratedApp>();
  for (const modules of options.modules) {
    const template = await generateApp(`${workRoot}/template-${modules}`, {
      modules,
    });
    templates.set(modules, template);
    report.sizes.push({
      modules,
      leaves: template.leaves.length,
      memEdits: options.memEdits ?? defaultMemEdits(modules),
      runs: [],
      median: {},
    });
  }
  console.log(
    `Generated apps of ${options.modules.join(", ")} modules in ${workRoot}; ` +
      `${options.runs} run(s), load average ${
        report.loadAverage?.join(" ") ?? "unknown"
      }`,
  );

  let browser: Browser | undefined;
  const closeBrowser = async () => {
    await withTimeout(
      browser?.close() ?? Promise.resolve(),
      10_000,
      "Chromium to close",
    ).catch(() => {});
    browser = undefined;
  };
  const cleanup = async () => {
    for (const server of active) await server.stop().catch(() => {});
    await closeBrowser();
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
  const benchStarted = epochNow();
  try {
    const warmed = new Set<ServerId>();
    const warmTemplate = options.warmup && specs.length > 0
      ? await generateApp(`${workRoot}/template-warmup`, {
        modules: WARMUP_MODULES,
      })
      : undefined;
    for (let runIndex = 1; runIndex <= options.runs; runIndex++) {
      const order = runIndex % 2 === 0 ? [...specs].reverse() : specs;
      for (const size of report.sizes) {
        const template = templates.get(size.modules) as GeneratedApp;
        const limits = limitsFor(size.modules);
        console.log(
          `\nRun ${runIndex}/${options.runs}, ${size.modules} modules ` +
            `(${order.map((s) => s.label).join(", ")}):`,
        );
        // A fresh browser per size: nothing one size left behind (caches,
        // memory) weighs on the next.
        browser = await launchChromium();
        report.versions.chromium = browser.version();
        const results: ServerResult[] = [];
        size.runs.push(results);
        for (const spec of order) {
          if (warmTemplate && !warmed.has(spec.id)) {
            warmed.add(spec.id);
            console.log(`  ${spec.label}: warm-up (${WARMUP_MODULES} modules)`);
            await withTimeout(
              warmUp(spec, warmTemplate, workRoot, browser),
              5 * 60_000,
              `${spec.label} to warm up`,
            ).catch((error) =>
              console.log(
                `  ${spec.label}: warm-up failed: ${errorMessage(error)}`,
              )
            );
          }
          const result: ServerResult = {
            id: spec.id,
            label: spec.label,
            modules: size.modules,
            run: runIndex,
            status: "ok",
            notes: [],
          };
          results.push(result);
          results.sort((a, b) =>
            ALL_SERVERS.indexOf(a.id) - ALL_SERVERS.indexOf(b.id)
          );
          result.load = { before: (await loadAverage())?.[0] };
          const started = epochNow();
          const appDir = `${workRoot}/r${runIndex}-${size.modules}-${spec.id}`;
          try {
            await withTimeout(
              measureServer(
                spec,
                template,
                appDir,
                browser,
                options.edits,
                size.memEdits,
                limits,
                result,
              ),
              limits.serverRunMs,
              `${spec.label} to finish`,
            );
          } catch (error) {
            result.status = "failed";
            result.reason = errorMessage(error);
            for (const server of active) {
              await stopServer(server).catch(() => {});
            }
          }
          result.elapsedMs = epochNow() - started;
          result.load.after = (await loadAverage())?.[0];
          if (!options.keep) {
            await Deno.remove(appDir, { recursive: true }).catch(() => {});
          }
          console.log(
            `  ${spec.label} @ ${size.modules}: ${result.status}${
              result.reason ? `: ${result.reason}` : ""
            } (${(result.elapsedMs / 1000).toFixed(1)} s)`,
          );
          size.median = mediansOf(size.runs);
          await save();
        }
        await closeBrowser();
        printSize(report, size.modules);
      }
    }
    if (options.fresh) {
      console.log("\nFresh-style app:");
      browser = await launchChromium();
      const edits = Math.min(options.edits, 10);
      try {
        report.fresh = await withTimeout(
          runFreshBench(browser, { edits, restarts: 3, keep: options.keep }),
          20 * 60_000,
          "the Fresh-style bench to finish",
        );
      } catch (error) {
        report.fresh = { failed: errorMessage(error) };
      }
      await save();
    }
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (!options.keep) {
      await Deno.remove(workRoot, { recursive: true }).catch(() => {});
    }
  }
  await save();

  printReport(report, (epochNow() - benchStarted) / 60_000);
  console.log(
    `\nJSON: ${RESULT_FILE}${options.keep ? `\nApps kept in ${workRoot}` : ""}`,
  );
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
