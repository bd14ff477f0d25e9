/**
 * Where per-module ESM mode spends a large app's warm reload and HMR
 * update, on the app of `generate_app.ts`:
 *
 * - `reload <app>`: BananaJS against a static server of a snapshot of the
 *   very bodies, headers and import map BananaJS served (what is left is the
 *   browser's part), one Chromium, reloads alternating between the two. Per
 *   reload: wall ms, Chromium's CPU ms (all its processes), and how many
 *   module responses came from Blink's memory cache rather than through
 *   the network service (the disk cache).
 * - `walk <app>`: the time of a dynamic `import()` of modules the page
 *   already runs: a leaf, its parent, the root's first child (a third of
 *   the graph below it), the root (the whole graph). Chromium visits every module below a module record it links, one
 *   task each, which is what an HMR update of a chain pays for the
 *   unchanged modules the chain imports.
 *
 * ```sh
 * deno run -A bench/generate_app.ts /tmp/app5k --modules 5000
 * deno run -A --lock=deno.lock bench/per_module_profile.ts reload /tmp/app5k --rounds 4
 * deno run -A --lock=deno.lock bench/per_module_profile.ts walk /tmp/app5k
 * ```
 *
 * @module
 */

import type { BrowserContext, Page } from "playwright-core";
import { parseArgs } from "node:util";
import {
  freePort,
  installPageProbe,
  launchChromium,
  loadUntilRendered,
  median,
  processTreePids,
  reloadUntilRendered,
  ServerProcess,
  sleep,
  waitForHttpOk,
} from "./measure.ts";
import { childrenOf, parentOf } from "./generate_app.ts";

const { positionals, values } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { rounds: { type: "string", default: "4" } },
});
const [command, app] = positionals;
if ((command !== "reload" && command !== "walk") || !app) {
  console.error("usage: per_module_profile.ts reload|walk <app> [--rounds N]");
  Deno.exit(2);
}
const repo = new URL("..", import.meta.url).pathname;
const LOAD_TIMEOUT_MS = 600_000;

/** CPU ms (user + system) of every Chromium process below this one. */
async function chromiumCpuMs(): Promise<number> {
  let total = 0;
  for (const pid of await processTreePids(Deno.pid)) {
    try {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
      if (!cmdline.includes("chrom")) continue;
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime, in clock ticks of 10 ms.
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch { /* the process is gone */ }
  }
  return total;
}

/**
 * The page's module bodies as `origin` serves them after a first load,
 * crawled from the entry and the HMR client, and the HTML with its map.
 */
async function snapshot(origin: string) {
  const bodies = new Map<string, string>();
  const queue = ["/src/main.ts", "/@banana/client/client.ts"];
  const seen = new Set(queue);
  while (queue.length > 0) {
    await Promise.all(
      queue.splice(0, 50).map(async (path) => {
        const text = await (await fetch(origin + path)).text();
        bodies.set(path, text);
        for (
          const match of text.matchAll(/(?:from|import)\s*"(\.{0,2}\/[^"]+)"/g)
        ) {
          const target = new URL(match[1], `http://x${path}`).pathname;
          if (!seen.has(target)) {
            seen.add(target);
            queue.push(target);
          }
        }
      }),
    );
  }
  const html = await (await fetch(origin + "/")).text();
  const map = JSON.parse(
    /<script type="importmap">(.*?)<\/script>/s.exec(html)?.[1] ?? "{}",
  ) as { imports?: Record<string, string> };
  // The versioned URL the import map names serves the same body.
  for (const [plain, versioned] of Object.entries(map.imports ?? {})) {
    const body = bodies.get(plain);
    if (body !== undefined) bodies.set(versioned, body);
  }
  return { html, bodies };
}

/** Serves a snapshot with BananaJS's cache headers. */
function serveSnapshot(
  snap: { html: string; bodies: Map<string, string> },
  port: number,
): Deno.HttpServer {
  return Deno.serve({ port, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/") {
      return new Response(snap.html, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
        },
      });
    }
    const body = snap.bodies.get(url.pathname + url.search);
    if (body === undefined) return new Response(null, { status: 404 });
    return new Response(body, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "etag": '"snapshot"',
        "cache-control": url.searchParams.has("v")
          ? "public, max-age=31536000, immutable"
          : "no-cache",
      },
    });
  });
}

/** A page that counts how its module responses arrive. */
async function countingPage(context: BrowserContext) {
  await installPageProbe(context);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const counts = { memoryCache: 0, loader: 0 };
  cdp.on("Network.requestServedFromCache", () => counts.memoryCache++);
  cdp.on("Network.responseReceived", (event) => {
    if (event.type === "Script") counts.loader++;
  });
  return { page, counts };
}

async function profileReload(rounds: number): Promise<void> {
  const port = freePort();
  const server = ServerProcess.start("deno", [
    "run",
    "-A",
    `${repo}mod.ts`,
    "dev",
    app,
    "--port",
    String(port),
  ], { cwd: repo });
  let staticServer: Deno.HttpServer | undefined;
  const browser = await launchChromium();
  try {
    const origin = `http://localhost:${port}`;
    await waitForHttpOk(`${origin}/`, { server, timeoutMs: LOAD_TIMEOUT_MS });
    const targets: { label: string; url: string; page?: Page }[] = [
      { label: "BananaJS", url: `${origin}/` },
    ];
    const dev = await countingPage(await browser.newContext());
    console.log(
      `BananaJS first load ${
        Math.round(
          (await loadUntilRendered(dev.page, targets[0].url, LOAD_TIMEOUT_MS))
            .ms,
        )
      } ms`,
    );
    const staticPort = freePort();
    staticServer = serveSnapshot(await snapshot(origin), staticPort);
    targets.push({ label: "static", url: `http://localhost:${staticPort}/` });
    const floor = await countingPage(await browser.newContext());
    console.log(
      `static first load ${
        Math.round(
          (await loadUntilRendered(floor.page, targets[1].url, LOAD_TIMEOUT_MS))
            .ms,
        )
      } ms`,
    );
    const runs = [dev, floor];
    const wall: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < runs.length; i++) {
        await sleep(300);
        const { page, counts } = runs[i];
        counts.memoryCache = 0;
        counts.loader = 0;
        const cpuBefore = await chromiumCpuMs();
        const { ms } = await reloadUntilRendered(page, LOAD_TIMEOUT_MS);
        const cpuMs = (await chromiumCpuMs()) - cpuBefore;
        wall[i].push(ms);
        cpu[i].push(cpuMs);
        const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
        console.log(
          `${targets[i].label} reload ${Math.round(ms)} ms, Chromium CPU ` +
            `${cpuMs} ms, scripts: ${counts.memoryCache} from memory cache, ` +
            `${counts.loader - counts.memoryCache} via the network service ` +
            `(load ${load})`,
        );
      }
    }
    for (let i = 0; i < runs.length; i++) {
      console.log(
        `${targets[i].label}: median reload ${
          Math.round(median(wall[i]))
        } ms,` +
          ` median Chromium CPU ${Math.round(median(cpu[i]))} ms`,
      );
    }
  } finally {
    await browser.close();
    await staticServer?.shutdown();
    await server.stop();
  }
}

async function profileWalk(rounds: number): Promise<void> {
  const port = freePort();
  const server = ServerProcess.start("deno", [
    "run",
    "-A",
    `${repo}mod.ts`,
    "dev",
    app,
    "--port",
    String(port),
  ], { cwd: repo });
  const browser = await launchChromium();
  try {
    const url = `http://localhost:${port}/`;
    await waitForHttpOk(url, { server, timeoutMs: LOAD_TIMEOUT_MS });
    const context = await browser.newContext();
    await installPageProbe(context);
    const page = await context.newPage();
    await loadUntilRendered(page, url, LOAD_TIMEOUT_MS);
    await sleep(1000);
    const modules = [...Deno.readDirSync(`${app}/src`)].filter((e) =>
      /^m\d+\.ts$/.test(e.name)
    ).length;
    let leaf = modules - 1;
    while (leaf > 0 && childrenOf(leaf, modules).length > 0) {
      leaf--;
    }
    // Smallest graph first: what one costs is not left over from the last.
    const ids = [leaf, parentOf(leaf) ?? 0, 1, 0].map((i) =>
      `/src/m${i}.ts`
    );
    for (let round = 0; round < rounds; round++) {
      const times = await page.evaluate(async (list: string[]) => {
        const out: Record<string, number> = {};
        for (const id of list) {
          const start = performance.now();
          await import(id);
          out[id] = Math.round((performance.now() - start) * 10) / 10;
        }
        return out;
      }, ids);
      console.log(
        `import() of running modules (a leaf, its parent, the root's first ` +
          `child, the root of ${modules}), ms: ${JSON.stringify(times)}`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

const rounds = Number(values.rounds);
if (command === "reload") await profileReload(rounds);
else await profileWalk(rounds);
