/**
 * Tests of the browser-test harness itself (`tests/_browser.ts`), against a
 * tiny `Deno.serve` app rather than the dev server.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  closeBrowser,
  createTempApp,
  launchBrowser,
  markPage,
  openPage,
  type TempApp,
  waitFor,
  waitForConsole,
  waitForText,
  wasReloaded,
} from "./_browser.ts";

const COUNTER_PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>counter</title></head>
<body>
  <button id="inc">+1</button>
  <span id="count">0</span>
  <script>
    let count = 0;
    document.getElementById("inc").addEventListener("click", () => {
      count++;
      document.getElementById("count").textContent = String(count);
      console.log("clicked " + count);
    });
    console.log("page ready");
  </script>
</body>
</html>`;

const BROKEN_PAGE = `<!doctype html>
<script>
  console.warn("about to throw");
  setTimeout(() => { throw new TypeError("boom from the page"); }, 0);
</script>`;

interface TestServer extends AsyncDisposable {
  url: string;
}

/** Serves the counter page at `/`, a throwing page at `/broken`, and `app`'s files under `/app/`. */
function startServer(app?: TempApp): TestServer {
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: () => {},
  }, async (request) => {
    const { pathname } = new URL(request.url);
    const html = { "content-type": "text/html; charset=utf-8" };
    if (pathname === "/") return new Response(COUNTER_PAGE, { headers: html });
    // Chromium asks for /favicon.ico and logs a console error on a 404.
    if (pathname === "/favicon.ico") return new Response(null, { status: 204 });
    if (pathname === "/broken") {
      return new Response(BROKEN_PAGE, { headers: html });
    }
    if (app && pathname.startsWith("/app/")) {
      try {
        const body = await app.read(pathname.slice("/app/".length));
        return new Response(body, {
          headers: { ...html, "cache-control": "no-store" },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test({
  name: "the harness opens a page, clicks, and reads text",
  ...browserTest,
  async fn() {
    await using server = startServer();
    await using tracked = await openPage(`${server.url}/`);
    await waitForText(tracked, "#count", "0");
    await tracked.page.click("#inc");
    await tracked.page.click("#inc");
    assert.equal(await waitForText(tracked, "#count", "2"), "2");
    await waitForConsole(tracked, "clicked 2");
    assert.deepEqual(tracked.consoleLines, [
      "page ready",
      "clicked 1",
      "clicked 2",
    ]);
    assert.deepEqual(tracked.pageErrors, []);
    assert.equal(tracked.navigations, 0);
  },
});

Deno.test({
  name: "the harness detects a reload and its absence",
  ...browserTest,
  async fn() {
    await using server = startServer();
    await using tracked = await openPage(`${server.url}/`);
    await assert.rejects(() => wasReloaded(tracked), /markPage/);
    await markPage(tracked);
    await tracked.page.click("#inc");
    assert.equal(await wasReloaded(tracked), false);
    assert.equal(tracked.navigations, 0);
    assert.equal(tracked.loads, 0);

    await tracked.page.reload();
    assert.equal(await wasReloaded(tracked), true);
    assert.equal(tracked.navigations, 1);
    assert.equal(tracked.loads, 1);
    await waitForText(tracked, "#count", "0");

    // Re-arming after an expected reload works.
    await markPage(tracked.page);
    assert.equal(await wasReloaded(tracked.page), false);
  },
});

Deno.test({
  name: "the harness records console messages and uncaught page errors",
  ...browserTest,
  async fn() {
    await using server = startServer();
    await using tracked = await openPage(`${server.url}/broken`);
    await waitFor(() => tracked.pageErrors.length > 0, {
      message: "a page error",
    });
    assert.deepEqual(tracked.pageErrors, ["TypeError: boom from the page"]);
    assert.deepEqual(tracked.consoleEntries, [
      { type: "warning", text: "about to throw", navigation: 1 },
    ]);
  },
});

Deno.test({
  name: "the harness's temp app writes in place and atomically",
  ...browserTest,
  async fn() {
    let root: string;
    {
      await using app = await createTempApp({
        "index.html": "<h1 id=title>v1</h1>",
        "src/deep/nested/mod.ts": "export const x = 1;",
      });
      root = app.root;
      assert.equal(app.path("src/mod.ts"), `${app.root}/src/mod.ts`);
      assert.equal(app.path("./a/../b.ts"), `${app.root}/b.ts`);
      assert.throws(() => app.path("../outside.ts"), /inside the app/);
      assert.throws(() => app.path("/etc/passwd"), /relative path/);
      assert.equal(
        await app.read("src/deep/nested/mod.ts"),
        "export const x = 1;",
      );

      await app.write("index.html", "<h1 id=title>v2</h1>");
      assert.equal(await app.read("index.html"), "<h1 id=title>v2</h1>");

      const before = await Deno.stat(app.path("index.html"));
      await app.writeAtomic("index.html", "<h1 id=title>v3</h1>");
      const after = await Deno.stat(app.path("index.html"));
      assert.equal(await app.read("index.html"), "<h1 id=title>v3</h1>");
      assert.notEqual(after.ino, before.ino, "rename gives a new inode");
      const names = [];
      for await (const entry of Deno.readDir(app.root)) names.push(entry.name);
      assert.deepEqual(names.sort(), ["index.html", "src"]);

      await app.writeAtomic("new/dir/file.txt", "fresh");
      assert.equal(await app.read("new/dir/file.txt"), "fresh");
      await app.rename("new/dir/file.txt", "moved.txt");
      assert.equal(await app.read("moved.txt"), "fresh");
      await app.remove("new");
      await assert.rejects(() => app.read("new/dir/file.txt"));

      // The page sees what was saved atomically.
      await using server = startServer(app);
      await using tracked = await openPage(`${server.url}/app/index.html`);
      await waitForText(tracked, "#title", "v3");
      await app.writeAtomic("index.html", "<h1 id=title>v4</h1>");
      await tracked.page.reload();
      await waitForText(tracked, "#title", "v4");
    }
    await assert.rejects(() => Deno.stat(root), Deno.errors.NotFound);
  },
});

Deno.test("waitFor returns the first truthy value and explains timeouts", async () => {
  let calls = 0;
  assert.equal(await waitFor(() => ++calls >= 3 && "done"), "done");
  assert.equal(calls, 3);
  await assert.rejects(
    () =>
      waitFor(() => ({ ready: false }).ready, {
        timeout: 100,
        interval: 10,
        message: "the thing",
      }),
    /Timed out after 100 ms waiting for the thing: last value false/,
  );
  await assert.rejects(
    () =>
      waitFor(() => {
        throw new Error("not yet");
      }, { timeout: 50 }),
    /last error not yet/,
  );
});

Deno.test({
  name: "waitForText names the selector and the text it found on timeout",
  ...browserTest,
  async fn() {
    await using server = startServer();
    await using tracked = await openPage(`${server.url}/`);
    await assert.rejects(
      () => waitForText(tracked, "#count", "1", 200),
      /#count to have text "1": found "0"/,
    );
    await assert.rejects(
      () => waitForText(tracked, "#missing", /x/, 100),
      /found no such element/,
    );
  },
});

Deno.test({
  name: "the harness shares one browser and can close and relaunch it",
  ...browserTest,
  async fn() {
    const first = await launchBrowser();
    assert.equal(await launchBrowser(), first);
    await closeBrowser();
    await closeBrowser();
    const second = await launchBrowser();
    assert.notEqual(second, first);
    assert.equal(second.isConnected(), true);
    await closeBrowser();
  },
});
