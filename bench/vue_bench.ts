/**
 * `deno task bench:vue`: a `.vue` template edit until the page's DOM shows
 * it, for BananaJS and for Vite 8 with `@vitejs/plugin-vue`, on fresh
 * copies of `examples/vue`, in the same run (the machinery of
 * `bench/measure.ts`: a `MutationObserver` in the page timestamps the new
 * text against the epoch time taken just before the file was written).
 *
 * Each edit changes the counter's label in `src/components/Counter.vue`;
 * the counter was clicked to 3 first, and every edit must keep it at 3
 * without a reload. Both servers run at once and their edits alternate, so
 * a load that comes and goes on the (shared) machine hits both alike. Vite, the plugin, vue and pinia are installed with npm
 * into `bench/.work/vite-vue/` on the first run.
 *
 * ```sh
 * deno task bench:vue [--edits 20] [--only banana,vite]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import {
  type EditResult,
  errorMessage,
  freePort,
  installPageProbe,
  launchChromium,
  measureEdit,
  NavigationCounter,
  ServerProcess,
  sleep,
  type Stats,
  stats,
  waitForHttpOk,
  withTimeout,
} from "./measure.ts";

const BENCH_DIR = new URL(".", import.meta.url).pathname;
const REPO_DIR = new URL("..", import.meta.url).pathname;
const EXAMPLE_DIR = `${REPO_DIR}examples/vue`;
const WORK_DIR = `${BENCH_DIR}.work`;
const VITE_DIR = `${WORK_DIR}/vite-vue`;
const VITE_BIN = `${VITE_DIR}/node_modules/vite/bin/vite.js`;
const RESULT_FILE = `${WORK_DIR}/vue.json`;
/** What npm installs for the Vite side (the app's own pins for vue/pinia). */
const VITE_PACKAGES = [
  "vite@8",
  "@vitejs/plugin-vue@6",
  "vue@3.5.45",
  "pinia@4.1.0",
];
const COUNTER_FILE = "src/components/Counter.vue";

type ServerId = "banana" | "vite";

interface SeriesResult {
  id: ServerId;
  label: string;
  status: "ok" | "failed";
  reason?: string;
  latency?: Stats;
  applied?: number;
  withoutReload?: number;
  countKept?: boolean;
  samples?: EditResult[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  const output = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** Installs Vite 8 + @vitejs/plugin-vue (+ vue, pinia) unless present. */
async function ensureViteVue(): Promise<string> {
  const pkg = `${VITE_DIR}/node_modules/@vitejs/plugin-vue/package.json`;
  if (!(await exists(pkg)) || !(await exists(VITE_BIN))) {
    console.log(`Installing ${VITE_PACKAGES.join(" ")} into ${VITE_DIR} …`);
    await Deno.mkdir(VITE_DIR, { recursive: true });
    await Deno.writeTextFile(
      `${VITE_DIR}/package.json`,
      JSON.stringify({ name: "banana-bench-vite-vue", private: true }) + "\n",
    );
    const { code, output } = await run("npm", [
      "install",
      ...VITE_PACKAGES,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ], VITE_DIR);
    if (code !== 0) throw new Error(`npm install failed: ${output.trim()}`);
  }
  const version = (name: string) =>
    JSON.parse(
      Deno.readTextFileSync(`${VITE_DIR}/node_modules/${name}/package.json`),
    ).version;
  return `Vite ${version("vite")} + @vitejs/plugin-vue ${
    version("@vitejs/plugin-vue")
  }`;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === ".banana" || entry.name === "node_modules") continue;
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await copyDir(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/** A fresh copy of the example, set up for `id`. */
async function prepareApp(id: ServerId, dir: string): Promise<void> {
  await copyDir(EXAMPLE_DIR, dir);
  if (id === "vite") {
    // What a Vite user has: a package.json, a config with the Vue plugin,
    // and node_modules (the installed one, linked).
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ name: "vue-example", private: true, type: "module" }),
    );
    await Deno.writeTextFile(
      `${dir}/vite.config.js`,
      `import vue from "@vitejs/plugin-vue";\nexport default { plugins: [vue()] };\n`,
    );
    await Deno.symlink(`${VITE_DIR}/node_modules`, `${dir}/node_modules`);
  }
}

function command(id: ServerId, dir: string, port: number) {
  return id === "banana"
    ? {
      cmd: Deno.execPath(),
      args: [
        "run",
        "-A",
        `${REPO_DIR}mod.ts`,
        "dev",
        dir,
        "--port",
        String(port),
        "--strict-port",
      ],
      cwd: REPO_DIR,
    }
    : {
      cmd: "node",
      args: [VITE_BIN, "--port", String(port), "--strictPort"],
      cwd: dir,
    };
}

/** A server with its page open on the app, the counter clicked to 3. */
interface Session {
  id: ServerId;
  label: string;
  dir: string;
  original: string;
  page: Page;
  navigations: NavigationCounter;
  samples: EditResult[];
  stop(): Promise<void>;
}

async function openSession(
  id: ServerId,
  label: string,
  browser: Browser,
  workRoot: string,
): Promise<Session> {
  const dir = `${workRoot}/${id}`;
  await prepareApp(id, dir);
  const port = freePort();
  const { cmd, args, cwd } = command(id, dir, port);
  const server = ServerProcess.start(cmd, args, { cwd });
  const context = await browser.newContext();
  const stop = async () => {
    await context.close().catch(() => {});
    await server.stop();
  };
  try {
    const url = `http://localhost:${port}/`;
    await waitForHttpOk(url, { server, timeoutMs: 120_000 });
    await installPageProbe(context);
    const page = await context.newPage();
    const navigations = new NavigationCounter(page);
    await page.goto(url, { waitUntil: "load", timeout: 120_000 });
    await page.waitForSelector("#counter", { timeout: 120_000 });
    for (let i = 0; i < 3; i++) await page.click("#counter");
    await page.waitForFunction(
      `document.querySelector("#counter")?.textContent?.includes(": 3")`,
      null,
      { timeout: 10_000 },
    );
    const original = await Deno.readTextFile(`${dir}/${COUNTER_FILE}`);
    return { id, label, dir, original, page, navigations, samples: [], stop };
  } catch (error) {
    await stop();
    throw new Error(`${errorMessage(error)} (server: ${server.logTail()})`);
  }
}

/** Edit `i` of a session: the counter's label becomes `Count v<i>:`. */
async function editOnce(session: Session, i: number): Promise<void> {
  const text = `Count v${i}:`;
  session.samples.push(
    await measureEdit(session.page, session.navigations, {
      file: `${session.dir}/${COUNTER_FILE}`,
      content: session.original.replace("Count:", text),
      expectedText: text,
    }),
  );
}

async function summarize(
  session: Session,
  edits: number,
): Promise<SeriesResult> {
  const countKept = await session.page.evaluate<boolean>(
    `document.querySelector("#counter").textContent.trim() === "Count v${edits}: 3"`,
  );
  const applied = session.samples.filter((s) => s.applied);
  return {
    id: session.id,
    label: session.label,
    status: "ok",
    latency: stats(applied.map((s) => s.latencyMs as number)),
    applied: applied.length,
    withoutReload: applied.filter((s) => !s.reloaded).length,
    countKept,
    samples: session.samples,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      edits: { type: "string", default: "20" },
      only: { type: "string", default: "banana,vite" },
    },
  });
  const edits = Number(values.edits);
  const only = values.only.split(",") as ServerId[];
  await Deno.mkdir(WORK_DIR, { recursive: true });
  const viteLabel = only.includes("vite") ? await ensureViteVue() : "";
  const workRoot = await Deno.makeTempDir({ prefix: "banana-bench-vue-" });
  const browser = await launchChromium();
  const results: SeriesResult[] = [];
  const sessions: Session[] = [];
  try {
    for (const id of only) {
      const label = id === "banana" ? "BananaJS" : viteLabel;
      try {
        sessions.push(
          await withTimeout(
            openSession(id, label, browser, workRoot),
            5 * 60_000,
            `${label} to show the app`,
          ),
        );
      } catch (error) {
        results.push({
          id,
          label,
          status: "failed",
          reason: errorMessage(error),
        });
      }
    }
    // Let the first loads' work (dependency optimisation, warm-up) finish.
    await sleep(1000);
    // Interleaved, one edit at a time: the machine's load (it is shared)
    // weighs on both servers alike.
    console.log(`${edits} template edits each, interleaved …`);
    for (let i = 1; i <= edits; i++) {
      for (const session of sessions) {
        await editOnce(session, i);
        // Apart, so no two saves fall into one watcher batch.
        await sleep(150);
      }
    }
    for (const session of sessions) {
      results.push(await summarize(session, edits));
    }
  } finally {
    for (const session of sessions) await session.stop();
    await browser.close().catch(() => {});
    await Deno.remove(workRoot, { recursive: true }).catch(() => {});
  }
  results.sort((a, b) => only.indexOf(a.id) - only.indexOf(b.id));
  await Deno.writeTextFile(
    RESULT_FILE,
    JSON.stringify({ date: new Date().toISOString(), edits, results }, null, 2),
  );
  console.log(
    `\nexamples/vue, template edit → DOM changed (${edits} edits, count kept at 3):\n`,
  );
  console.log(
    "| Server | median | p90 | min | max | applied without reload | count kept |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results) {
    if (r.status !== "ok") {
      console.log(`| ${r.label} | failed: ${r.reason} |`);
      continue;
    }
    const l = r.latency!;
    console.log(
      `| ${r.label} | ${l.median.toFixed(1)} ms | ${l.p90.toFixed(1)} ms | ${
        l.min.toFixed(1)
      } ms | ${l.max.toFixed(1)} ms | ${r.withoutReload}/${edits} | ${
        r.countKept ? "yes" : "NO"
      } |`,
    );
  }
  const [a, b] = results;
  if (a?.latency && b?.latency) {
    console.log(
      `\n${a.label} / ${b.label} median: ${
        (a.latency.median / b.latency.median).toFixed(2)
      }`,
    );
  }
  console.log(`\nJSON: ${RESULT_FILE}`);
  return results.every((r) => r.status === "ok") ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
