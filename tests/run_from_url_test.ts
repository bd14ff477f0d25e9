/**
 * BananaJS run from a URL, as `deno run -A jsr:@banana/dev` would run it: a
 * local static server serves this repository (tests/_repo_http_server.ts)
 * and `deno run -A http://127.0.0.1:<port>/mod.ts dev <app>` serves an app
 * that hot-updates in a real Chromium page. With a fresh DENO_DIR, that
 * start and a start of examples/basic download only packages the server
 * itself imports (issue 17; issue 13, item 7).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  closeBrowser,
  createTempApp,
  markPage,
  openPage,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { startCli } from "./_cli_process.ts";
import { REPO_ROOT } from "./_own_files.ts";
import { serveRepo } from "./_repo_http_server.ts";

const MAIN = (version: string) =>
  `document.querySelector("#out")!.textContent = "from a URL ${version}";
import.meta.hot?.accept();
`;

/** `deno run` args that start our CLI from `base` (re-fetched each run). */
function urlRunArgs(base: string, ...cliArgs: string[]): string[] {
  // A later run may get the same port: --reload keeps the cache of an
  // earlier one from standing in for the files served now.
  return ["run", "-A", `--reload=${base}`, `${base}mod.ts`, "dev", ...cliArgs];
}

Deno.test({
  ...browserTest,
  name:
    "deno run -A http://…/mod.ts dev <app> answers 200 on / and an edit hot-updates the open page",
  async fn() {
    await using repo = await serveRepo();
    await using app = await createTempApp({
      "index.html":
        `<!doctype html><p id="out">static</p><script type="module" src="/src/main.ts"></script>\n`,
      "src/main.ts": MAIN("v1"),
    });
    const elsewhere = await Deno.makeTempDir({ prefix: "banana_url_cwd_" });
    const cli = await startCli(
      Deno.execPath(),
      urlRunArgs(repo.base, app.root, "--port", "0"),
      { cwd: elsewhere },
    );
    try {
      const response = await fetch(cli.url);
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.ok(repo.requested.includes("/server/cli.ts"));

      await using tracked = await openPage(cli.url);
      await waitForText(tracked, "#out", "from a URL v1");
      // The client runtime the page runs was read from the URL too.
      assert.ok(
        repo.requested.includes("/client/client.ts"),
        repo.requested.join(" "),
      );
      await markPage(tracked);
      await app.writeAtomic("src/main.ts", MAIN("v2"));
      await waitForText(tracked, "#out", "from a URL v2");
      assert.equal(await wasReloaded(tracked), false);
      assert.deepEqual(tracked.pageErrors, []);
    } finally {
      assert.equal(await cli.stop(), 0, cli.output());
      await Deno.remove(elsewhere, { recursive: true });
      await closeBrowser();
    }
  },
});

/** Names of the npm packages whose files are in a DENO_DIR. */
async function downloadedPackages(denoDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const registry = join(denoDir, "npm", "registry.npmjs.org");
  const hasVersion = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) return true; // <name>/<version>/: its tarball
    }
    return false;
  };
  if (!(await Deno.stat(registry).catch(() => null))) return names;
  for await (const entry of Deno.readDir(registry)) {
    if (!entry.isDirectory) continue;
    const dir = join(registry, entry.name);
    if (entry.name.startsWith("@")) {
      for await (const scoped of Deno.readDir(dir)) {
        const name = `${entry.name}/${scoped.name}`;
        if (scoped.isDirectory && await hasVersion(join(dir, scoped.name))) {
          names.add(name);
        }
      }
    } else if (await hasVersion(dir)) {
      names.add(entry.name);
    }
  }
  return names;
}

/** The npm packages of our own module graph, from `deno info --json`. */
async function ownPackageNames(): Promise<Set<string>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-config", join(REPO_ROOT, "mod.ts")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const info = JSON.parse(new TextDecoder().decode(output.stdout));
  // Keys are name@version, with peer suffixes: "icss-utils@5.1.0_postcss@8.5.6".
  return new Set(
    Object.keys(info.npmPackages).map((key) => key.replace(/(.)@.*$/, "$1")),
  );
}

/** Starts a CLI, loads its page and a module, and stops it. */
async function startAndLoad(
  args: string[],
  options: { cwd: string; denoDir: string; command?: string },
): Promise<void> {
  const cli = await startCli(options.command ?? Deno.execPath(), args, {
    cwd: options.cwd,
    env: { DENO_DIR: options.denoDir },
    timeout: 120_000,
  });
  try {
    const page = await fetch(cli.url);
    assert.equal(page.status, 200, cli.output());
    await page.body?.cancel();
    // A module (the TypeScript compiler is imported on first use).
    const module = await fetch(new URL("/src/main.ts", cli.url));
    assert.equal(module.status, 200, cli.output());
    await module.body?.cancel();
  } finally {
    assert.equal(await cli.stop(), 0, cli.output());
  }
}

const TEST_AND_BENCH_PACKAGES = [
  "playwright-core",
  "vite",
  "vite-plugin-string",
  "rolldown",
  "lightningcss",
];

Deno.test("with a fresh DENO_DIR, a start from a URL, a start of examples/basic and an installed command download only packages the server imports", async () => {
  await using repo = await serveRepo();
  const allowed = await ownPackageNames();
  assert.ok(allowed.has("esbuild") && allowed.has("oxc-transform"));
  const denoDir = await Deno.makeTempDir({ prefix: "banana_fresh_deno_dir_" });
  const app = await Deno.makeTempDir({ prefix: "banana_fresh_app_" });
  try {
    await Deno.mkdir(join(app, "src"));
    await Deno.writeTextFile(
      join(app, "index.html"),
      `<script type="module" src="/src/main.ts"></script>\n`,
    );
    await Deno.writeTextFile(
      join(app, "src/main.ts"),
      `const n: number = 1;\nconsole.log(n);\n`,
    );

    // 1. From the URL (no config anywhere: the stand-in for jsr:).
    await startAndLoad(urlRunArgs(repo.base, app, "--port", "0"), {
      cwd: app,
      denoDir,
    });
    const afterUrl = await downloadedPackages(denoDir);
    assert.ok(afterUrl.has("esbuild"), [...afterUrl].join(", "));
    assert.ok(afterUrl.has("oxc-transform"), [...afterUrl].join(", "));
    assert.deepEqual([...afterUrl].filter((name) => !allowed.has(name)), []);

    // 2. examples/basic from this repository, as `deno task dev` starts it
    // (same DENO_DIR: what it downloads on top shows up as new names).
    await startAndLoad(
      [
        "run",
        "-A",
        join(REPO_ROOT, "mod.ts"),
        "dev",
        "examples/basic",
        "--port",
        "0",
      ],
      { cwd: REPO_ROOT, denoDir },
    );
    const afterBasic = await downloadedPackages(denoDir);
    assert.deepEqual([...afterBasic].filter((name) => !allowed.has(name)), []);

    // 3. An install from the URL, then the installed command.
    const installRoot = join(app, ".install");
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "-g",
        "-A",
        "-n",
        "banana",
        "--root",
        installRoot,
        `--reload=${repo.base}`,
        `${repo.base}mod.ts`,
      ],
      cwd: app,
      env: { DENO_DIR: denoDir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(install.success, new TextDecoder().decode(install.stderr));
    await startAndLoad(["dev", app, "--port", "0"], {
      cwd: app,
      denoDir,
      command: join(installRoot, "bin", "banana"),
    });
    const afterInstall = await downloadedPackages(denoDir);
    assert.deepEqual(
      [...afterInstall].filter((name) => !allowed.has(name)),
      [],
    );
    for (const name of TEST_AND_BENCH_PACKAGES) {
      assert.ok(!afterInstall.has(name), `${name} was downloaded`);
    }
  } finally {
    await Deno.remove(denoDir, { recursive: true });
    await Deno.remove(app, { recursive: true });
  }
});
