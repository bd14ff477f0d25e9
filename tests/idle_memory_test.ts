/**
 * The CLI's server gives memory back once it goes quiet after the cold
 * build of a large app (server/idle_memory_release.ts): the real CLI, a
 * real 1000-module app, a real Chromium; memory read from `/proc`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateApp, moduleSource } from "../bench/generate_app.ts";
import { REPO_ROOT } from "./_own_files.ts";
import { startCli } from "./_cli_process.ts";
import { openPage } from "./_browser.ts";
import { waitFor } from "./_wait.ts";

const MODULES = 1000;

/** `VmHWM` (peak) and `VmRSS` of `pid`, in KiB. */
async function residentKb(pid: number): Promise<{ peak: number; now: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const field = (name: string) =>
    Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { peak: field("VmHWM"), now: field("VmRSS") };
}

Deno.test({
  name:
    "after the cold load of a 1000-module app, the quiet server holds well below its peak memory, and the next edit still applies in place",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "banana_idle_memory_" });
    try {
      await generateApp(dir, { modules: MODULES });
      const cli = await startCli(
        Deno.execPath(),
        ["run", "-A", join(REPO_ROOT, "mod.ts"), "dev", dir, "--port", "0"],
        { cwd: REPO_ROOT },
      );
      try {
        await using tracked = await openPage(cli.url, { timeout: 30_000 });
        const { page } = tracked;
        await page.waitForSelector("body[data-rendered='1']");
        assert.match(await page.textContent("#app") ?? "", /^m0:v0 \[m1:v0 /);
        // The release runs 200 ms into the quiet; RSS falls with it.
        let memory = await residentKb(cli.child.pid);
        await waitFor(async () => {
          memory = await residentKb(cli.child.pid);
          return memory.now < memory.peak * 0.85;
        }, {
          timeout: 10_000,
          message: () =>
            `resident ${memory.now} KiB of a ${memory.peak} KiB peak`,
        });
        // The collection touched nothing live: an edit of a leaf applies.
        const leaf = MODULES - 1;
        await Deno.writeTextFile(
          join(dir, `src/m${leaf}.ts`),
          moduleSource(leaf, MODULES, 1),
        );
        await page.waitForFunction(
          `document.getElementById("app").textContent.includes("m${leaf}:v1")`,
        );
        assert.equal(tracked.navigations, 0, "the page did not reload");
        assert.deepEqual(tracked.pageErrors, []);
      } finally {
        assert.equal(await cli.stop(), 0, cli.output());
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
