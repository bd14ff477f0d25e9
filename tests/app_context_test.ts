/**
 * The CLI serves an app in the app's Deno context (server/app_context.ts):
 * started from this repository's mod.ts — whose own deno.json Deno would
 * pick — the app's `banana.config.ts` imports a bare name through the app's
 * `deno.json` (or `package.json`), the app's `deno.lock` locks it, and
 * ours stays as it was. Real subprocesses, real temp apps.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./_own_files.ts";
import { startCli } from "./_cli_process.ts";
import { waitFor } from "./_wait.ts";

const MOD = join(REPO_ROOT, "mod.ts");

/** A config whose plugin writes into the page what the bare import gave. */
const CONFIG = `import pc from "picocolors";
export default {
  plugins: [{
    name: "app-context-probe",
    transformIndexHtml(html: string) {
      return html.replace("</h1>", " (picocolors: " + typeof pc.bold + ", cwd: " + Deno.cwd() + ")</h1>");
    },
  }],
};
`;

async function writeApp(dir: string, files: Record<string, string>) {
  await Deno.writeTextFile(join(dir, "index.html"), "<h1>Context app</h1>\n");
  await Deno.writeTextFile(join(dir, "banana.config.ts"), CONFIG);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
}

async function readOurLock(): Promise<string> {
  return await Deno.readTextFile(join(REPO_ROOT, "deno.lock"));
}

Deno.test("the CLI from this repository resolves banana.config.ts imports through the app's deno.json and locks them in the app's lockfile", async () => {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_ctx_deno_json_" }),
  );
  const ourLock = await readOurLock();
  try {
    await writeApp(dir, {
      "deno.json": JSON.stringify({
        imports: { picocolors: "npm:picocolors@1.1.1" },
      }),
    });
    // Started from elsewhere (the repository), as `deno task` would.
    const cli = await startCli(
      Deno.execPath(),
      ["run", "-A", MOD, "dev", dir, "--port", "0"],
      { cwd: REPO_ROOT },
    );
    try {
      assert.match(cli.output(), /ready in \d+ ms/);
      const html = await (await fetch(cli.url)).text();
      assert.match(html, new RegExp(`picocolors: function, cwd: ${dir}\\)`));
    } finally {
      assert.equal(await cli.stop(), 0, cli.output());
    }
    const lock = JSON.parse(await Deno.readTextFile(join(dir, "deno.lock")));
    assert.ok("npm:picocolors@1.1.1" in lock.specifiers);
    // The server's own packages are locked in the app's lockfile too.
    assert.ok("npm:esbuild@0.25.5" in lock.specifiers);
    assert.equal(await readOurLock(), ourLock);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PostCSS plugin the app maps in its deno.json runs under the CLI and is locked in the app's lockfile, not ours", async () => {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_ctx_postcss_" }),
  );
  const ourLock = await readOurLock();
  // Not a package of ours: locked in our lockfile, it would show there.
  assert.ok(!ourLock.includes("postcss-prefix-selector"));
  try {
    await Deno.writeTextFile(
      join(dir, "deno.json"),
      JSON.stringify({
        imports: {
          "postcss-prefix-selector": "npm:postcss-prefix-selector@2.2.1",
        },
      }),
    );
    await Deno.writeTextFile(
      join(dir, "postcss.config.js"),
      `export default { plugins: { "postcss-prefix-selector": { prefix: "#app" } } };\n`,
    );
    await Deno.writeTextFile(
      join(dir, "index.html"),
      `<link rel="stylesheet" href="/style.css"><h1>PostCSS app</h1>\n`,
    );
    await Deno.writeTextFile(join(dir, "style.css"), `h1 { color: red; }\n`);
    const cli = await startCli(
      Deno.execPath(),
      ["run", "-A", MOD, "dev", dir, "--port", "0"],
      { cwd: REPO_ROOT },
    );
    try {
      const css = await (await fetch(new URL("/style.css", cli.url))).text();
      assert.match(css, /#app h1 \{/);
    } finally {
      assert.equal(await cli.stop(), 0, cli.output());
    }
    const lock = JSON.parse(await Deno.readTextFile(join(dir, "deno.lock")));
    assert.ok("npm:postcss-prefix-selector@2.2.1" in lock.specifiers);
    assert.equal(await readOurLock(), ourLock);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI resolves banana.config.ts imports through an app's package.json alone (no node_modules, no deno.json)", async () => {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_ctx_package_json_" }),
  );
  try {
    await writeApp(dir, {
      "package.json": JSON.stringify({
        name: "ctx-app",
        private: true,
        type: "module",
        dependencies: { picocolors: "1.1.1" },
      }),
    });
    const cli = await startCli(
      Deno.execPath(),
      ["run", "-A", MOD, "dev", dir, "--port", "0"],
      { cwd: REPO_ROOT },
    );
    try {
      const html = await (await fetch(cli.url)).text();
      assert.match(html, /picocolors: function/);
    } finally {
      assert.equal(await cli.stop(), 0, cli.output());
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Resolves once nothing answers at `url`. */
async function waitUntilGone(url: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await (await fetch(url)).body?.cancel();
        return false;
      } catch {
        return true;
      }
    },
    { timeout: 10_000, message: `${url} still answers` },
  );
}

/** The pids whose parent is `pid` (Linux `/proc`). */
async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`)
      .catch(() => "");
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) children.push(Number(entry.name));
  }
  return children;
}

Deno.test({
  name:
    "the CLI becomes the server it re-runs in the app's context: one process, the launcher's pid, no child",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "banana_ctx_exec_" });
    try {
      await Deno.writeTextFile(join(dir, "index.html"), "<h1>One</h1>\n");
      const cli = await startCli(
        Deno.execPath(),
        ["run", "-A", MOD, "dev", dir, "--port", "0"],
        { cwd: REPO_ROOT },
      );
      try {
        assert.match(await (await fetch(cli.url)).text(), /<h1>One<\/h1>/);
        const pid = cli.child.pid;
        // The launcher's pid now runs the re-run CLI (`deno eval`) in the
        // app's folder.
        const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`))
          .split("\0");
        assert.equal(argv[1], "eval", argv.join(" "));
        assert.equal(
          await Deno.realPath(`/proc/${pid}/cwd`),
          await Deno.realPath(dir),
        );
        assert.deepEqual(await childPids(pid), []);
        // Its exit is the server's: SIGKILL of that one pid stops it.
        cli.child.kill("SIGKILL");
        await cli.stop();
        await waitUntilGone(cli.url);
      } finally {
        await cli.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a spawning launcher (BANANA_LAUNCH=spawn, as on Windows): the server it started stops when the launcher is killed with SIGKILL", async () => {
  const dir = await Deno.makeTempDir({ prefix: "banana_ctx_orphan_" });
  try {
    await Deno.writeTextFile(join(dir, "index.html"), "<h1>Orphan</h1>\n");
    const cli = await startCli(
      Deno.execPath(),
      ["run", "-A", MOD, "dev", dir, "--port", "0"],
      { cwd: REPO_ROOT, env: { BANANA_LAUNCH: "spawn" } },
    );
    if (Deno.build.os === "linux") {
      assert.equal((await childPids(cli.child.pid)).length, 1);
    }
    assert.equal((await fetch(cli.url)).status, 200);
    cli.child.kill("SIGKILL");
    await cli.stop();
    // The launcher is gone; the server it started notices within seconds.
    await waitUntilGone(cli.url);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
