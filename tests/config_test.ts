import { equal, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createServer } from "../mod.ts";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  waitFor,
  waitForConsole,
  waitForText,
  wasReloaded,
} from "./_browser.ts";

const MOD = fileURLToPath(new URL("../mod.ts", import.meta.url));

function freePort(): number {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const PAGE = {
  "index.html":
    `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
  "src/main.ts": `declare const __GREETING__: string;
    document.querySelector("#out")!.textContent = __GREETING__;
    import.meta.hot?.accept();`,
};

function configSource(body: string): string {
  return `import { defineConfig } from ${
    JSON.stringify(MOD)
  };\nexport default defineConfig(${body});\n`;
}

Deno.test({
  ...browserTest,
  name: "config: banana.config.ts sets the port, define and hmr.overlay: false",
  async fn() {
    const port = freePort();
    await using app = await createTempApp({
      ...PAGE,
      "banana.config.ts": configSource(
        `{ server: { port: ${port}, hmr: { overlay: false } }, define: { __GREETING__: '"from config"' }, logLevel: "silent" }`,
      ),
    });
    const server = await createServer({ root: app.root });
    await server.listen();
    try {
      equal(new URL(server.url!).port, String(port));
      await using tracked = await openPage(`http://127.0.0.1:${port}/`);
      await waitForText(tracked, "#out", "from config");
      await app.write("src/main.ts", "const broken = (;\n");
      await waitForConsole(tracked, /Unexpected/);
      // The error went to the console only: no overlay element.
      equal(await tracked.page.locator("banana-error-overlay").count(), 0);
    } finally {
      await server.close();
    }
  },
});

async function runCli(root: string, ...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, "dev", root, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill(), 15000);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  try {
    while (!out.includes("Local:")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    const err = await new Response(child.stderr).text();
    // deno-lint-ignore no-unsafe-finally
    return { out, err, code: status.code };
  }
}

Deno.test("config: a CLI flag overrides the config file", async () => {
  const fromFile = freePort();
  const fromFlag = freePort();
  await using app = await createTempApp({
    ...PAGE,
    "banana.config.ts": configSource(`{ server: { port: ${fromFile} } }`),
  });
  const result = await runCli(app.root, "--port", String(fromFlag));
  match(result.out, new RegExp(`Local:\\s+http://localhost:${fromFlag}/`));
});

Deno.test("config: an invalid config names the key and the expected type, exit code 2", async () => {
  await using app = await createTempApp({
    ...PAGE,
    "banana.config.ts": configSource(`{ server: { port: "eighty" } }`),
  });
  const wrongType = await runCli(app.root);
  equal(wrongType.code, 2);
  match(
    wrongType.err,
    /"server\.port" must be number, found string \("eighty"\)/,
  );

  await app.write(
    "banana.config.ts",
    configSource(`{ sever: { port: 3000 } }`),
  );
  const typo = await runCli(app.root);
  equal(typo.code, 2);
  match(typo.err, /unknown key "sever" \(did you mean "server"\?\)/);

  await app.write(
    "banana.config.ts",
    configSource(`{ server: { hmr: { protocol: "http" } } }`),
  );
  const badProtocol = await runCli(app.root);
  equal(badProtocol.code, 2);
  match(
    badProtocol.err,
    /"server\.hmr\.protocol" must be "ws" or "wss", found "http"/,
  );
});

Deno.test({
  ...browserTest,
  name:
    "config: editing the config restarts the server in-process and reloads the page; a broken edit keeps the old one",
  async fn() {
    await using app = await createTempApp({
      ...PAGE,
      "banana.config.ts": configSource(
        `{ define: { __GREETING__: '"one"' }, logLevel: "silent" }`,
      ),
    });
    const server = await createServer({ root: app.root, server: { port: 0 } });
    await server.listen();
    try {
      const url = server.url!.replace("localhost", "127.0.0.1");
      await using tracked = await openPage(url);
      await waitForText(tracked, "#out", "one");
      await markPage(tracked);
      await app.write(
        "banana.config.ts",
        configSource(
          `{ define: { __GREETING__: '"two"' }, logLevel: "silent" }`,
        ),
      );
      await waitForText(tracked, "#out", "two");
      ok(await wasReloaded(tracked), "the page reloaded after the restart");
      equal(server.url!.replace("localhost", "127.0.0.1"), url, "same port");

      await markPage(tracked);
      await app.write(
        "banana.config.ts",
        configSource(`{ server: { port: "x" } }`),
      );
      await waitForConsole(tracked, /"server\.port" must be number/);
      equal(await wasReloaded(tracked), false);
      const stillServing = await fetch(new URL("/src/main.ts", url));
      equal(stillServing.status, 200);
      await stillServing.body?.cancel();

      await app.write(
        "banana.config.ts",
        configSource(
          `{ define: { __GREETING__: '"three"' }, logLevel: "silent" }`,
        ),
      );
      await waitForText(tracked, "#out", "three");
      await waitFor(() => wasReloaded(tracked));
    } finally {
      await server.close();
    }
  },
});
