/**
 * BananaJS as a library, imported by file URL from a project that is not
 * this repository: one whose `deno.json` maps `esbuild` and `postcss` to
 * other versions, and a folder with no config at all. Each runs
 * `createServer()` in a real `deno run` subprocess and fetches the app's
 * page, a compiled module and a stylesheet from it (issue 17).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./_own_files.ts";

const MOD_URL = pathToFileURL(join(REPO_ROOT, "mod.ts")).href;

/** The app, and a script that serves it with createServer(). */
async function writeProject(
  dir: string,
  denoJson: object | null,
): Promise<void> {
  if (denoJson) {
    await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(denoJson));
  }
  await Deno.writeTextFile(
    join(dir, "index.html"),
    `<!doctype html><h1>Library app</h1><link rel="stylesheet" href="/style.css"><script type="module" src="/main.ts"></script>\n`,
  );
  await Deno.writeTextFile(
    join(dir, "main.ts"),
    `const answer: number = 42;\nconsole.log(answer);\n`,
  );
  await Deno.writeTextFile(join(dir, "style.css"), `h1 { color: teal; }\n`);
  await Deno.writeTextFile(
    join(dir, "serve.ts"),
    `import { createServer } from ${JSON.stringify(MOD_URL)};
${
      denoJson
        ? `import * as esbuild from "esbuild";
import postcss from "postcss";
console.log("app esbuild " + esbuild.version + ", app postcss " + postcss().version);`
        : ""
    }
const server = await createServer({
  root: ".",
  compiler: "esbuild",
  logLevel: "silent",
  server: { port: 0 },
});
await server.listen();
const out: Record<string, { status: number; body: string }> = {};
for (const path of ["/", "/main.ts", "/style.css"]) {
  const response = await fetch(new URL(path, server.url));
  out[path] = { status: response.status, body: await response.text() };
}
await server.close();
console.log("\\u0000" + JSON.stringify(out));
`,
  );
}

async function serveFrom(
  dir: string,
): Promise<
  { log: string; pages: Record<string, { status: number; body: string }> }
> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "serve.ts"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `serve.ts failed:\n${stdout}\n${stderr}`);
  const [log, json] = stdout.split("\u0000");
  return { log, pages: JSON.parse(json) };
}

function assertServesTheApp(
  pages: Record<string, { status: number; body: string }>,
): void {
  assert.equal(pages["/"].status, 200);
  assert.match(pages["/"].body, /<h1>Library app<\/h1>/);
  // The client, under its versioned URL.
  assert.match(pages["/"].body, /\/@banana\/client\/v-[\w-]+\/client\.ts/);
  assert.equal(pages["/main.ts"].status, 200);
  assert.match(pages["/main.ts"].body, /const answer = 42;/);
  assert.equal(pages["/style.css"].status, 200);
  assert.match(pages["/style.css"].body, /color: teal/);
}

Deno.test("a project mapping other esbuild and postcss versions imports mod.ts by file URL and serves its app", async () => {
  const dir = await Deno.makeTempDir({ prefix: "banana_lib_project_" });
  try {
    await writeProject(dir, {
      imports: {
        esbuild: "npm:esbuild@0.24.2",
        postcss: "npm:postcss@8.4.49",
      },
    });
    const { log, pages } = await serveFrom(dir);
    // The project's own versions stay its own...
    assert.match(log, /app esbuild 0\.24\.2, app postcss 8\.4\.49/);
    assertServesTheApp(pages);
    // ...and the server used its pinned ones, locked in the project's lockfile.
    const lock = JSON.parse(await Deno.readTextFile(join(dir, "deno.lock")));
    assert.ok(
      "npm:esbuild@0.25.5" in lock.specifiers,
      Object.keys(lock.specifiers).join(", "),
    );
    assert.ok("npm:esbuild@0.24.2" in lock.specifiers);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder with no deno.json imports mod.ts by file URL and serves its app", async () => {
  const dir = await Deno.makeTempDir({ prefix: "banana_lib_noconfig_" });
  try {
    await writeProject(dir, null);
    const { pages } = await serveFrom(dir);
    assertServesTheApp(pages);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
