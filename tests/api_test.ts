import { equal, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createServer } from "../mod.ts";
import { CLIENT_URL } from "../server/module_urls.ts";

// Deno's sanitizers stay on: starting and closing servers must leak no ops
// (timers, sockets, watchers) and no resources (child processes).
Deno.test("createServer(): started and closed twice in one process, leaking nothing", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${root}/index.html`,
      `<script type="module" src="/src/main.ts"></script>`,
    );
    await Deno.mkdir(`${root}/src`);
    await Deno.writeTextFile(
      `${root}/src/main.ts`,
      `export const n: number = 1;`,
    );
    for (let round = 0; round < 2; round++) {
      const server = await createServer({
        root,
        server: { port: 0 },
        logLevel: "silent",
      });
      await server.listen();
      ok(server.url?.startsWith("http://localhost:"));
      const page = await fetch(server.url!);
      ok((await page.text()).includes(CLIENT_URL));
      const mod = await fetch(new URL("/src/main.ts", server.url!));
      ok((await mod.text()).includes("const n = 1"));
      equal(server.moduleGraph.get("/src/main.ts")?.lastServeFailed, false);
      equal(server.config.root, await Deno.realPath(root));
      await server.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("types: deno check of an example that uses import.meta.hot passes", async () => {
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "check",
      "--config",
      here("../examples/basic/deno.json"),
      here("../examples/basic/src/main.ts"),
      here("../examples/basic/src/counter.ts"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
});

Deno.test("publish: deno publish --dry-run passes (no slow types in the public API)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(out.stderr) +
    new TextDecoder().decode(out.stdout);
  equal(out.code, 0, log);
  ok(log.includes("Dry run complete"), log);
});
