/**
 * The persistent compile cache, end to end: a real `banana dev` process is
 * stopped and started again on the same app folder, and a real Chromium
 * loads the page each time. What is compiled and what comes from
 * `.banana/compile/` is read from the server's scan line ("scanned N
 * modules in X ms: C compiled, R from the compile cache").
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  closeBrowser,
  createTempApp,
  openPage,
  type TempApp,
  waitForText,
} from "./_browser.ts";
import { type CliServer, startCliServer } from "./_cli_server.ts";

const SCAN_LINE =
  /scanned \d+ modules in \d+ ms: (\d+) compiled, (\d+) from the compile cache/;

function appFiles(): Record<string, string> {
  return {
    "index.html":
      `<!doctype html><div id="app"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `import { a } from "./a.ts";
import { b } from "./b.ts";
const text: string = a() + " " + b();
document.querySelector("#app")!.textContent = text;
`,
    "src/a.ts": `export function a(): string {\n  return "a1";\n}\n`,
    "src/b.ts": `export const b = (): string => "b1";\n`,
  };
}

/** Serves `app`, loads the page, waits for `text`; returns the scan counts. */
async function serveAndLoad(
  app: TempApp,
  text: string,
  args: string[] = [],
): Promise<{ compiled: number; cached: number; aCode: string }> {
  const server: CliServer = await startCliServer(app.root, args);
  try {
    await using tracked = await openPage(server.url);
    await waitForText(tracked, "#app", text, 15_000);
    const line = await server.waitForLine(SCAN_LINE);
    const [, compiled, cached] = SCAN_LINE.exec(line)!;
    const aCode = await (await fetch(`${server.url}src/a.ts`)).text();
    return { compiled: Number(compiled), cached: Number(cached), aCode };
  } finally {
    // SIGTERM: the server closes and writes its cache.
    await server.close();
  }
}

Deno.test({
  name:
    "compile cache: a restart serves the same modules without compiling them; an edit made while stopped is compiled; --force compiles everything",
  ...browserTest,
  async fn() {
    await using app = await createTempApp(appFiles());
    try {
      const first = await serveAndLoad(app, "a1 b1");
      assert.deepEqual([first.compiled, first.cached], [3, 0]);
      const pack = join(app.root, ".banana", "compile", "oxc.pack");
      assert.ok((await Deno.stat(pack)).size > 0, "the cache was written");

      const restarted = await serveAndLoad(app, "a1 b1");
      assert.deepEqual(
        [restarted.compiled, restarted.cached],
        [0, 3],
        "nothing compiled after a restart",
      );
      assert.equal(restarted.aCode, first.aCode, "the same module is served");

      // Saved while no server runs: the content key changes.
      await app.write(
        "src/a.ts",
        `export function a(): string {\n  return "a2";\n}\n`,
      );
      const edited = await serveAndLoad(app, "a2 b1");
      assert.deepEqual([edited.compiled, edited.cached], [1, 2]);
      assert.match(edited.aCode, /"a2"/);

      const forced = await serveAndLoad(app, "a2 b1", ["--force"]);
      assert.deepEqual([forced.compiled, forced.cached], [3, 0]);
      assert.equal(forced.aCode, edited.aCode);

      // The forced start replaced the pack: the next start finds it all.
      const after = await serveAndLoad(app, "a2 b1");
      assert.deepEqual([after.compiled, after.cached], [0, 3]);
    } finally {
      await closeBrowser();
    }
  },
});

Deno.test({
  name:
    "compile cache: a damaged cache file is ignored: the page still loads and the next start is cached again",
  ...browserTest,
  async fn() {
    await using app = await createTempApp(appFiles());
    try {
      await serveAndLoad(app, "a1 b1");
      const pack = join(app.root, ".banana", "compile", "oxc.pack");
      const bytes = await Deno.readFile(pack);
      // Garbage over the middle of the file (records' text and headers).
      bytes.fill(0x41, bytes.length / 3, (bytes.length * 2) / 3);
      await Deno.writeFile(pack, bytes);

      const damaged = await serveAndLoad(app, "a1 b1");
      assert.ok(damaged.compiled >= 1, "the damaged records are compiled");
      assert.equal(damaged.compiled + damaged.cached, 3);

      // A foreign file (another format) is ignored and replaced.
      await Deno.writeTextFile(pack, "not a cache\n");
      const foreign = await serveAndLoad(app, "a1 b1");
      assert.deepEqual([foreign.compiled, foreign.cached], [3, 0]);
      const again = await serveAndLoad(app, "a1 b1");
      assert.deepEqual([again.compiled, again.cached], [0, 3]);
    } finally {
      await closeBrowser();
    }
  },
});
