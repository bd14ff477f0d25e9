import * as assert from "node:assert/strict";
import {
  browserTest,
  waitFor,
  waitForConsole,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { openHmrApp, pageHtml } from "./_hmr_app.ts";
import { createTempApp } from "./_browser.ts";
import { startServer } from "./_server.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

const slowDispose = (label: string) => `
document.querySelector("#out")!.textContent = "${label}";
import.meta.hot?.dispose(() => new Promise((resolve) => setTimeout(resolve, 5000)));
import.meta.hot?.accept();
`;

testInEachMode({
  ...browserTest,
  name:
    "--hmr-timeout: an update not applied in time falls back to a reload that shows the new code",
  async fn(mode) {
    await using s = await openHmrApp(
      { "index.html": pageHtml(), "src/main.ts": slowDispose("one") },
      modeConfig(mode, { server: { hmr: { timeout: 300 } } }),
    );
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "one");
    await app.write("src/main.ts", slowDispose("two"));
    await waitForConsole(tracked, /not applied within 300 ms/, 10_000);
    await waitFor(() => wasReloaded(tracked), { timeout: 10_000 });
    await waitForText(tracked, "#out", "two");
  },
});

testInEachMode({
  ...browserTest,
  name:
    "hmr.reload false: a failed update keeps the page and shows the overlay instead of reloading",
  async fn(mode) {
    const throwing = (label: string) => `
document.querySelector("#out")!.textContent = "${label}";
import.meta.hot?.accept(() => { throw new Error("accept exploded ${label}"); });
`;
    await using s = await openHmrApp(
      { "index.html": pageHtml(), "src/main.ts": throwing("one") },
      modeConfig(mode, { server: { hmr: { reload: false } } }),
    );
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "one");
    await app.write("src/main.ts", throwing("two"));
    await waitForConsole(
      tracked,
      /Failed to apply the update of \/src\/main\.ts: accept exploded one/,
    );
    await waitFor(async () =>
      await tracked.page.locator("banana-error-overlay").count() === 1
    );
    assert.equal(await wasReloaded(tracked), false);
  },
});

Deno.test("hmr options: protocol, clientPort and path reach the client settings", async () => {
  // A page would connect to the proxy's port 4443, so no page here: the
  // settings the client gets, and the socket at the configured path.
  await using app = await createTempApp({ "index.html": pageHtml() });
  await using dev = await startServer(app.root, {
    server: { hmr: { protocol: "ws", clientPort: 4443, path: "/custom-hmr" } },
  });
  const s = { dev };
  const env = await (await fetch(new URL("/@banana/client/env.ts", s.dev.url)))
    .text();
  assert.match(env, /"protocol":"ws"/);
  assert.match(env, /"port":4443/);
  assert.match(env, /"path":"\/custom-hmr"/);
  // The socket lives at the configured path on the server's own port.
  const token = /"token":"([^"]+)"/.exec(env)![1];
  const port = new URL(s.dev.url).port;
  const socket = new WebSocket(
    `ws://127.0.0.1:${port}/custom-hmr?token=${token}`,
  );
  const first = await new Promise<string>((resolve, reject) => {
    socket.onmessage = (e) => resolve(String(e.data));
    socket.onerror = () => reject(new Error("socket failed"));
  });
  assert.equal(JSON.parse(first).type, "connected");
  socket.close();
  await new Promise((r) => socket.onclose = r);
});

Deno.test("hmr options: a page's import map names the client settings by their version, served immutable; another version is revalidated", async () => {
  await using app = await createTempApp({ "index.html": pageHtml() });
  await using dev = await startServer(app.root, {
    server: { hmr: { overlay: false } },
  });
  const html = await (await fetch(dev.url)).text();
  const map = JSON.parse(
    /<script type="importmap">(.*?)<\/script>/.exec(html)![1],
  ) as { imports: Record<string, string> };
  const [plain, versioned] = Object.entries(map.imports).find(([key]) =>
    key.endsWith("/env.ts")
  )!;
  assert.match(versioned, /\/env\.ts\?e=[0-9a-f]{16}$/);
  const cached = await fetch(new URL(versioned, dev.url));
  assert.equal(
    cached.headers.get("cache-control"),
    "max-age=31536000, immutable",
  );
  const code = await cached.text();
  assert.match(code, /"overlay":false/);
  // The same settings by the plain URL, which a reload revalidates.
  const byPlain = await fetch(new URL(plain, dev.url));
  assert.equal(byPlain.headers.get("cache-control"), "no-cache");
  assert.equal(await byPlain.text(), code);
  // A version of another server (or settings): not cached.
  const stale = await fetch(new URL(`${plain}?e=0000000000000000`, dev.url));
  assert.equal(stale.headers.get("cache-control"), "no-cache");
  await stale.body?.cancel();
});
