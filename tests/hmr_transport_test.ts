/**
 * The HMR transport: reconnecting after a server restart, several tabs, a
 * separate HMR port, the token and origin checks, errors kept for pages that
 * connect later, `--no-hmr` live reload, and custom events both ways.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  createTempApp,
  markPage,
  waitFor,
  waitForConsole,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { startServer } from "./_server.ts";
import {
  appLines,
  assertNotReloaded,
  CONNECTED_LINE,
  countLines,
  delay,
  hotTokenOf,
  openConnectedPage,
  openHmrApp,
  openRawHotSocket,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** A self-accepting module that shows `text` in `#out` and logs it. */
function showModule(text: string): string {
  return `
document.querySelector("#out")!.textContent = ${JSON.stringify(text)};
console.log(${JSON.stringify(text)});
import.meta.hot?.accept();
`;
}

/** A port nobody listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Sends a raw WebSocket upgrade request and returns the response's status
 * and body start (the way a browser or another tool would connect).
 */
async function upgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    const read = await conn.read(buffer);
    const text = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
    return { status: Number(text.split(" ")[1]), text };
  } finally {
    conn.close();
  }
}

testInEachMode({
  ...browserTest,
  name:
    "after the server stops and a new one starts on the same port, the page reloads once and later edits hot-apply again",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml(),
      "src/main.ts": showModule("main v1"),
    });
    await using first = await startServer(app.root, modeConfig(mode));
    const port = Number(new URL(first.url).port);
    await using tracked = await openConnectedPage(first.url);
    await waitForText(tracked, "#out", "main v1");

    await first.close();
    await waitForConsole(tracked, "[banana] server connection lost");
    // While the server is down the page polls quietly: no reload storm.
    await delay(1500);
    assert.equal(tracked.loads, 0);
    await assertNotReloaded(tracked);

    await app.write("src/main.ts", showModule("main v2"));
    await using second = await startServer(
      app.root,
      modeConfig(mode, {
        server: { port, strictPort: true },
      }),
    );
    assert.equal(second.url, first.url);
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "main v2");

    await app.write("src/main.ts", showModule("main v3"));
    await waitForText(tracked, "#out", "main v3");
    await assertNotReloaded(tracked);
    assert.equal(tracked.loads, 1, "exactly one reload");
    // The browser logs each failed poll of the stopped server: a handful
    // (one every 500 ms), not a storm.
    const polls = tracked.consoleLines.filter((line) =>
      line.includes("ERR_CONNECTION_REFUSED")
    );
    assert.ok(polls.length <= 8, `${polls.length} failed polls`);
    assert.deepEqual(
      appLines(tracked).filter((line) => !polls.includes(line)),
      ["main v1", "main v2", "main v3"],
    );
  },
});

testInEachMode({
  ...browserTest,
  name: "two tabs of the same app both apply an edit",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": showModule("tabs v1"),
    }, modeConfig(mode));
    await using second = await openConnectedPage(s.dev.url);
    await s.app.write("src/main.ts", showModule("tabs v2"));
    for (const page of [s.tracked, second]) {
      await waitForText(page, "#out", "tabs v2");
      assert.deepEqual(appLines(page), ["tabs v1", "tabs v2"]);
      await assertNotReloaded(page);
    }
    assert.equal(s.dev.server.hot.clients.size, 2);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "with server.hmr.port the page connects to that port and edits hot-apply",
  // Which port the socket uses does not depend on how the page got its
  // modules: one mode is enough.
  modes: ["per-module"],
  async fn(mode) {
    const hmrPort = freePort();
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": showModule("port v1"),
    }, modeConfig(mode, { server: { hmr: { port: hmrPort } } }));
    const { app, tracked } = s;
    const sockets: string[] = [];
    tracked.page.on("websocket", (socket) => sockets.push(socket.url()));
    await tracked.page.reload();
    await waitFor(() => countLines(tracked, CONNECTED_LINE) === 2);
    await markPage(tracked);
    assert.equal(sockets.length, 1);
    assert.equal(new URL(sockets[0]).port, String(hmrPort));

    await app.write("src/main.ts", showModule("port v2"));
    await waitForText(tracked, "#out", "port v2");
    await assertNotReloaded(tracked);

    // The HMR port answers nothing but the socket.
    const response = await fetch(`http://127.0.0.1:${hmrPort}/`);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  },
});

testInEachMode({
  ...browserTest,
  name:
    "the HMR socket refuses a missing or wrong token and a foreign origin with 403",
  // No page runs here: the socket's checks are the same in every mode.
  modes: ["per-module"],
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml(),
      "src/main.ts": showModule("x"),
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    const port = Number(new URL(dev.url).port);
    const token = await hotTokenOf(dev.url);
    const path = (t: string) => `/@banana/hmr?token=${encodeURIComponent(t)}`;
    const ownOrigin = `http://127.0.0.1:${port}`;

    const missing = await upgrade(port, "/@banana/hmr", { Origin: ownOrigin });
    assert.equal(missing.status, 403);
    assert.match(missing.text, /missing or wrong token/);
    const wrong = await upgrade(port, path("not-the-token"), {
      Origin: ownOrigin,
    });
    assert.equal(wrong.status, 403);
    const foreign = await upgrade(port, path(token), {
      Origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /origin http:\/\/evil\.example is not allowed/);

    // The same request from the app's own origin is accepted.
    assert.equal(
      (await upgrade(port, path(token), { Origin: ownOrigin })).status,
      101,
    );
    assert.equal(
      (await upgrade(port, path(token), { Origin: "http://localhost:1" }))
        .status,
      101,
    );
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a build error stays known to the server: a page or socket that connects later is shown it, and the fix clears it",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "other.html":
        `<!doctype html><html><head></head><body><p>other</p></body></html>`,
      "src/main.ts": `import "./widget.ts";\n`,
      "src/widget.ts": showModule("widget v1"),
    }, modeConfig(mode));
    const { app, dev, tracked } = s;
    await waitForText(tracked, "#out", "widget v1");

    await app.write("src/widget.ts", "export const broken = ;\n");
    const overlay = "banana-error-overlay .message";
    await waitForText(tracked, overlay, /widget\.ts/);

    // A raw client connecting now gets `connected`, then the error.
    using socket = await openRawHotSocket(dev.url);
    await waitFor(() => socket.messages.some((m) => m.type === "error"), {
      message: "the error to reach the new socket",
    });
    assert.equal(socket.messages[0].type, "connected");
    const error = socket.messages.find((m) => m.type === "error");
    assert.equal(error?.type === "error" && error.err.id, "/src/widget.ts");

    // A page that does not even import the broken module shows it too.
    await using other = await openConnectedPage(dev.url, "/other.html");
    await waitForText(other, overlay, /widget\.ts/);

    await app.write("src/widget.ts", showModule("widget v2"));
    await waitForText(tracked, "#out", "widget v2");
    for (const page of [tracked, other]) {
      await waitFor(
        async () => await page.page.locator(overlay).count() === 0,
        { message: "the overlay to close" },
      );
      await assertNotReloaded(page);
    }
  },
});

testInEachMode({
  ...browserTest,
  name:
    "with server.hmr = false any change reloads the page and import.meta.hot is undefined",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { label } from "./dep.ts";
document.querySelector("#out")!.textContent = "main v1 + " + label;
console.log("main v1 sees " + label + "; import.meta.hot is " + typeof import.meta.hot);
if (import.meta.hot) import.meta.hot.accept();
`,
      "src/dep.ts": `export const label = "dep v1";\n`,
    }, modeConfig(mode, { server: { hmr: false } }));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "main v1 + dep v1");
    assert.deepEqual(appLines(tracked), [
      "main v1 sees dep v1; import.meta.hot is undefined",
    ]);

    // The module would accept itself under HMR; here it reloads.
    await app.write(
      "src/main.ts",
      (await app.read("src/main.ts")).replaceAll("main v1", "main v2"),
    );
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "main v2 + dep v1");

    await app.write("src/dep.ts", `export const label = "dep v2";\n`);
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "main v2 + dep v2");

    assert.equal(tracked.loads, 2);
    assert.deepEqual(appLines(tracked), [
      "main v1 sees dep v1; import.meta.hot is undefined",
      "main v2 sees dep v1; import.meta.hot is undefined",
      "main v2 sees dep v2; import.meta.hot is undefined",
    ]);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "import.meta.hot.send() reaches a server listener, which can answer that page; server.hot.send() reaches every page",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": pageHtml(`<button id="ping">ping</button>`),
      "src/main.ts": `
import.meta.hot?.on("my:reply", (data) => console.log("reply " + JSON.stringify(data)));
import.meta.hot?.on("my:news", (data) => console.log("news " + JSON.stringify(data)));
import.meta.hot?.send("my:event", { from: "top level" });
document.querySelector("#ping")!.addEventListener("click", () => {
  import.meta.hot?.send("my:event", { from: "click" });
});
`,
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    const received: unknown[] = [];
    dev.server.hot.on("my:event", (data, client) => {
      received.push(data);
      client.send("my:reply", { echo: data });
    });
    await using tracked = await openConnectedPage(dev.url);
    await using other = await openConnectedPage(dev.url);

    await waitForConsole(tracked, 'reply {"echo":{"from":"top level"}}');
    await waitForConsole(other, 'reply {"echo":{"from":"top level"}}');
    await tracked.page.click("#ping");
    await waitForConsole(tracked, 'reply {"echo":{"from":"click"}}');
    assert.deepEqual(received, [
      { from: "top level" },
      { from: "top level" },
      { from: "click" },
    ]);
    // The answer went to the page that asked only.
    assert.equal(
      countLines(other, 'reply {"echo":{"from":"click"}}'),
      0,
    );

    dev.server.hot.send("my:news", { headline: "hello" });
    for (const page of [tracked, other]) {
      await waitForConsole(page, 'news {"headline":"hello"}');
      assert.equal(await wasReloaded(page), false);
    }
  },
});
