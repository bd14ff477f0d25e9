/**
 * Per-page HMR, with the CLI in its own process and real tabs: the server
 * knows what each page runs because the page tells it (so a restarted
 * process still finds the modules the browser took from its cache), and each
 * page gets only what concerns the modules it runs.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CDPSession } from "playwright-core";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import {
  assertNotReloaded,
  countLines,
  delay,
  openConnectedPage,
  openHmrApp,
  openRawHotSocket,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { startCliServer } from "./_cli_server.ts";
import { startServer } from "./_server.ts";
import { modeArgs, modeConfig, testInEachMode } from "./_modes.ts";

/** Time for a page's report of what it runs to reach the server. */
const REPORT_MS = 1000;

/** A module that shows `text` in `selector` and accepts its own updates. */
function selfAccepting(selector: string, text: string): string {
  return `document.querySelector(${JSON.stringify(selector)})!.textContent = ${
    JSON.stringify(text)
  };
console.log(${JSON.stringify(text)});
import.meta.hot?.accept();
`;
}

/** A module that shows `text` in `selector` and accepts nothing. */
function plain(selector: string, text: string): string {
  return `document.querySelector(${JSON.stringify(selector)})!.textContent = ${
    JSON.stringify(text)
  };
console.log(${JSON.stringify(text)});
export {};
`;
}

function page(ids: string[], entry: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>
${ids.map((id) => `<p id="${id}"></p>`).join("\n")}
<script type="module" src="${entry}"></script>
</body></html>
`;
}

/** An entry that logs every `vite:beforeUpdate` it hears. */
function entry(imports: string[]): string {
  return `${imports.map((i) => `import "${i}";`).join("\n")}
import.meta.hot?.on("vite:beforeUpdate", (payload) => {
  console.log("beforeUpdate " + (payload as { updates: { path: string }[] })
    .updates.map((u) => u.path).join(","));
});
`;
}

/** Records the WebSocket frames a tab receives, over CDP. */
async function recordFrames(
  tracked: TrackedPage,
): Promise<{ frames: string[]; cdp: CDPSession }> {
  const cdp = await tracked.context.newCDPSession(tracked.page);
  const frames: string[] = [];
  cdp.on("Network.webSocketFrameReceived", (event) => {
    frames.push(event.response.payloadData);
  });
  await cdp.send("Network.enable");
  return { frames, cdp };
}

function beforeUpdates(tracked: TrackedPage): string[] {
  return tracked.consoleLines.filter((l) => l.startsWith("beforeUpdate"));
}

testInEachMode({
  ...browserTest,
  name:
    "after the server process is killed and started again on the same port, the first edit of a cached module hot-applies, and an edit with no boundary reloads with the new content",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": page(["widget", "label"], "/src/main.ts"),
      "src/main.ts": `import "./widget.ts";\nimport "./label.ts";\n`,
      "src/widget.ts": selfAccepting("#widget", "widget v1"),
      "src/label.ts": plain("#label", "label v1"),
    });
    const first = await startCliServer(app.root, modeArgs(mode));
    await using tracked = await openConnectedPage(first.url);
    await waitForText(tracked, "#widget", "widget v1");
    // A reload served by this process: the import map now gives widget.ts
    // and label.ts immutable `?v=` URLs, which the browser caches.
    await tracked.page.reload();
    await waitForText(tracked, "#widget", "widget v1");
    await markPage(tracked);

    await first.kill();
    await waitForConsole(tracked, "[banana] server connection lost");
    await using second = await startCliServer(app.root, modeArgs(mode), {
      port: first.port,
    });
    await waitForReload(tracked, 20_000);
    await waitForText(tracked, "#widget", "widget v1");
    await delay(REPORT_MS);

    await app.write("src/widget.ts", selfAccepting("#widget", "widget v2"));
    await waitForText(tracked, "#widget", "widget v2");
    await second.waitForLine(/hmr update \/src\/widget\.ts/);
    await delay(300);
    await assertNotReloaded(tracked);

    await app.write("src/label.ts", plain("#label", "label v2"));
    await waitForReload(tracked);
    await waitForText(tracked, "#label", "label v2");
    await waitForText(tracked, "#widget", "widget v2");
    await second.waitForLine(/page reload: .*\/src\/label\.ts/);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "two tabs on /a/ and /b/: a module only /b/ runs updates /b/ and sends /a/ nothing, a shared one updates once in each, and a dead end in /a/ reloads /a/ only",
  async fn(mode) {
    await using app = await createTempApp({
      "a/index.html": page(["a", "shared"], "/src/a-main.ts"),
      "b/index.html": page(["b", "shared"], "/src/b-main.ts"),
      "src/a-main.ts": entry(["./a-only.ts", "./shared.ts"]),
      "src/b-main.ts": entry(["./b-only.ts", "./shared.ts"]),
      "src/a-only.ts": plain("#a", "a v1"),
      "src/b-only.ts": selfAccepting("#b", "b v1"),
      "src/shared.ts": selfAccepting("#shared", "shared v1"),
    });
    await using cli = await startCliServer(app.root, modeArgs(mode));
    await using a = await openConnectedPage(cli.url, "/a/");
    await using b = await openConnectedPage(cli.url, "/b/");
    await waitForText(a, "#a", "a v1");
    await waitForText(b, "#b", "b v1");
    const aFrames = await recordFrames(a);
    const bFrames = await recordFrames(b);
    await delay(REPORT_MS);

    // A module only /b/ runs.
    let from = cli.lines.length;
    await app.write("src/b-only.ts", selfAccepting("#b", "b v2"));
    await waitForText(b, "#b", "b v2");
    assert.equal(
      await cli.waitForLine(/hmr update \/src\/b-only\.ts/, from),
      await cli.waitForLine(
        /hmr update \/src\/b-only\.ts \(1 of 2 pages: \/b\/index\.html\)$/,
        from,
      ),
    );
    assert.ok(bFrames.frames.some((f) => f.includes('"update"')));
    await delay(500);
    assert.equal(
      aFrames.frames.length,
      0,
      `/a/ receives no frame at all: ${aFrames.frames}`,
    );
    assert.deepEqual(beforeUpdates(a), []);
    assert.deepEqual(beforeUpdates(b), ["beforeUpdate /src/b-only.ts"]);

    // A module both run: once in each.
    from = cli.lines.length;
    await app.write("src/shared.ts", selfAccepting("#shared", "shared v2"));
    await waitForText(a, "#shared", "shared v2");
    await waitForText(b, "#shared", "shared v2");
    await cli.waitForLine(
      /hmr update \/src\/shared\.ts \(2 of 2 pages: \/a\/index\.html, \/b\/index\.html\)$/,
      from,
    );
    await delay(300);
    for (const tab of [a, b]) {
      assert.equal(countLines(tab, "shared v2"), 1);
      assert.deepEqual(
        beforeUpdates(tab).filter((l) => l.includes("shared")),
        ["beforeUpdate /src/shared.ts"],
      );
      await assertNotReloaded(tab);
    }
    assert.equal(
      aFrames.frames.filter((f) => f.includes('"update"')).length,
      1,
    );

    // A dead end in /a/: /a/ reloads, /b/ keeps its window (and gets nothing).
    const bBefore = bFrames.frames.length;
    from = cli.lines.length;
    await app.write("src/a-only.ts", plain("#a", "a v2"));
    await waitForReload(a);
    await waitForText(a, "#a", "a v2");
    await cli.waitForLine(
      /page reload: .*\/src\/a-only\.ts.*\(1 of 2 pages: \/a\/index\.html\)$/,
      from,
    );
    await delay(300);
    await assertNotReloaded(b);
    assert.deepEqual(bFrames.frames.slice(bBefore), []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page at a non-ASCII path reloads when its HTML file changes; another page does not",
  async fn(mode) {
    const dir = "pages/ünï-中文";
    await using app = await createTempApp({
      "index.html": page(["out"], "/src/main.ts"),
      [`${dir}/index.html`]:
        `<!doctype html><html><head></head><body><h1>v1</h1></body></html>`,
      "src/main.ts": `export {};\n`,
    });
    await using cli = await startCliServer(app.root, modeArgs(mode));
    await using special = await openConnectedPage(cli.url, `/${dir}/`);
    await using other = await openConnectedPage(cli.url, "/");
    assert.match(special.page.url(), /%C3%BCn%C3%AF-%E4%B8%AD%E6%96%87/);
    await delay(REPORT_MS);

    await app.write(
      `${dir}/index.html`,
      `<!doctype html><html><head></head><body><h1>v2</h1></body></html>`,
    );
    await waitForReload(special);
    await waitForText(special, "h1", "v2");
    await cli.waitForLine(
      /page reload \/pages\/ünï-中文\/index\.html \(1 of 2 pages: \/pages\/ünï-中文\/index\.html\)/,
    );
    await assertNotReloaded(other);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "rewiring an import off a re-export and editing the module right after (within 50 ms, and 300 ms apart), 20 times each: always a hot update with the new text, never a reload",
  async fn(mode) {
    const main = (from: string, run: string) =>
      `import { show } from "${from}";
show(${JSON.stringify(run)});
import.meta.hot?.accept();
`;
    const display = (version: string) =>
      `export function show(run: string): void {
  document.querySelector("#out")!.textContent = ${
        JSON.stringify(version)
      } + " " + run;
}
`;
    await using app = await createTempApp({
      "index.html": page(["out"], "/src/main.ts"),
      "src/main.ts": main("./reexport.ts", "start"),
      "src/reexport.ts": `export * from "./display.ts";\n`,
      "src/display.ts": display("display v0"),
    });
    await using cli = await startCliServer(app.root, modeArgs(mode));
    await using tracked = await openConnectedPage(cli.url);
    await waitForText(tracked, "#out", "display v0 start");
    await delay(REPORT_MS);

    let version = 0;
    for (const gap of [0, 300]) {
      for (let run = 1; run <= 20; run++) {
        const label = `gap ${gap} run ${run}`;
        // Back to the re-export (hot: main accepts itself).
        await app.write("src/main.ts", main("./reexport.ts", `via ${label}`));
        await waitForText(
          tracked,
          "#out",
          `display v${version} via ${label}`,
          10_000,
        );
        version++;
        if (gap === 0) {
          // Both saves at once: well within 50 ms of each other.
          await Promise.all([
            app.write("src/main.ts", main("./display.ts", label)),
            app.write("src/display.ts", display(`display v${version}`)),
          ]);
        } else {
          await app.write("src/main.ts", main("./display.ts", label));
          await delay(gap);
          await app.write("src/display.ts", display(`display v${version}`));
        }
        await waitForText(
          tracked,
          "#out",
          `display v${version} ${label}`,
          10_000,
        );
        assert.equal(
          cli.lines.filter((l) => l.includes("page reload")).length,
          0,
          `${label}: ${cli.lines.join("\n")}`,
        );
      }
    }
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "after the only tab that ran a module closes (or navigates away), an edit of it sends nothing and reloads nothing",
  async fn(mode) {
    await using app = await createTempApp({
      "a/index.html": page(["a", "shared"], "/src/a-main.ts"),
      "b/index.html": page(["b", "shared"], "/src/b-main.ts"),
      "src/a-main.ts": entry(["./a-only.ts"]),
      "src/b-main.ts": entry(["./b-only.ts"]),
      "src/a-only.ts": plain("#a", "a v1"),
      "src/b-only.ts": selfAccepting("#b", "b v1"),
    });
    await using cli = await startCliServer(app.root, modeArgs(mode));
    const a = await openConnectedPage(cli.url, "/a/");
    await using b = await openConnectedPage(cli.url, "/b/");
    await waitForText(a, "#a", "a v1");
    await a.close();
    // Until the server saw the socket close, its lines count two pages;
    // then an update line has no page count (one page connected).
    for (let n = 1;; n++) {
      const at = cli.lines.length;
      await app.write("src/b-only.ts", selfAccepting("#b", `b v1.${n}`));
      await waitForText(b, "#b", `b v1.${n}`);
      const line = await cli.waitForLine(/hmr update \/src\/b-only\.ts/, at);
      if (line.endsWith("/src/b-only.ts")) break;
      assert.ok(n < 20, `the server still counts the closed tab: ${line}`);
      await delay(200);
    }
    const bFrames = await recordFrames(b);

    let from = cli.lines.length;
    await app.write("src/a-only.ts", plain("#a", "a v2"));
    // Batches run in order: once b-only.ts's update arrived, a-only.ts's
    // batch was handled.
    await delay(300);
    await app.write("src/b-only.ts", selfAccepting("#b", "b v2"));
    await waitForText(b, "#b", "b v2");
    await delay(200);
    const updates = bFrames.frames.filter((f) => !f.includes('"ping"'));
    assert.equal(updates.length, 1, `${updates}`);
    assert.match(updates[0], /"path":"\/src\/b-only\.ts"/);
    assert.deepEqual(
      cli.lines.slice(from).filter((l) => /a-only|page reload/.test(l)),
      [],
    );
    await assertNotReloaded(b);

    // The /b/ tab navigates to /a/: the /b/ document and its modules are
    // gone; the /a/ document runs a-only.ts.
    await b.page.goto(new URL("/a/", cli.url).href);
    await waitForText(b, "#a", "a v2");
    await waitForConsole(b, "[banana] connected.");
    await markPage(b);
    await delay(REPORT_MS);
    from = cli.lines.length;
    const framesBefore = bFrames.frames.length;
    await app.write("src/b-only.ts", selfAccepting("#b", "b v3"));
    await delay(300);
    await app.write("src/a-only.ts", plain("#a", "a v3"));
    await waitForReload(b);
    await waitForText(b, "#a", "a v3");
    assert.deepEqual(
      cli.lines.slice(from).filter((l) => l.includes("b-only")),
      [],
    );
    assert.ok(
      !bFrames.frames.slice(framesBefore).some((f) => f.includes("b-only")),
    );
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a module that failed to load in one tab and builds again reloads that tab; the tab that ran it before gets the hot update",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html": page(["widget"], "/src/main.ts"),
      "src/main.ts": entry(["./widget.ts"]),
      "src/widget.ts": selfAccepting("#widget", "widget v1"),
    });
    await using cli = await startCliServer(app.root, modeArgs(mode));
    await using before = await openConnectedPage(cli.url);
    await waitForText(before, "#widget", "widget v1");

    await app.write("src/widget.ts", "export const broken = ;\n");
    await waitForText(before, "banana-error-overlay .message", /widget\.ts/);
    // This tab loads while widget.ts is broken: its entry never runs.
    await using after = await openConnectedPage(cli.url);
    await waitForText(after, "banana-error-overlay .message", /widget\.ts/);
    assert.equal(await after.page.locator("#widget").textContent(), "");
    await delay(REPORT_MS);

    const from = cli.lines.length;
    await app.write("src/widget.ts", selfAccepting("#widget", "widget v2"));
    await waitForReload(after);
    await waitForText(after, "#widget", "widget v2");
    await waitForText(before, "#widget", "widget v2");
    await assertNotReloaded(before);
    await cli.waitForLine(
      /page reload: \/src\/widget\.ts failed to load in the page and builds again \(1 of 2 pages/,
      from,
    );
    await cli.waitForLine(/hmr update \/src\/widget\.ts \(1 of 2 pages/, from);
  },
});

Deno.test({
  ...browserTest,
  name:
    "a page's entry is imported without ?v=, and the page's report still names the version its code is (so an edit decided before the report reaches the page)",
  async fn() {
    await using app = await createTempApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./widget.ts";\n`,
      "src/widget.ts": selfAccepting("#out", "widget v1"),
    });
    await using dev = await startServer(app.root, modeConfig("per-module"));
    // Recorded over CDP from before the page's load.
    await using tracked = await openPage(`${dev.url}/favicon.ico`);
    const cdp = await tracked.context.newCDPSession(tracked.page);
    const sent: string[] = [];
    const requested: string[] = [];
    cdp.on("Network.webSocketFrameSent", (event) => {
      sent.push(event.response.payloadData);
    });
    cdp.on("Network.requestWillBeSent", (event) => {
      requested.push(
        new URL(event.request.url).pathname + new URL(event.request.url).search,
      );
    });
    await cdp.send("Network.enable");
    await tracked.page.goto(dev.url);
    await waitForText(tracked, "#out", "widget v1");
    // What the reports say the page loaded (`entries` names the entry too).
    const reported = () =>
      sent.flatMap((frame) => {
        const message = JSON.parse(frame) as {
          event?: string;
          data?: { loaded?: string[] };
        };
        return message.event === "banana:page-modules"
          ? (message.data?.loaded ?? []).filter((url) =>
            url.startsWith("/src/main.ts")
          )
          : [];
      });
    await waitFor(() => reported().length > 0, {
      message: "the page's report of main.ts",
    });
    assert.ok(requested.includes("/src/main.ts"), Deno.inspect(requested));
    const etag = (await fetch(new URL("/src/main.ts", dev.url))).headers
      .get("etag")!.replaceAll('"', "");
    // Every report of it (a reconnect reports everything again).
    assert.deepEqual([...new Set(reported())], [`/src/main.ts?v=${etag}`]);
    await cdp.detach();
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page whose report names a module pruned before the report came gets that prune (not a build that gives the module its edges back): a later edit below it is a hot update, not a reload",
  // The late "page" is a raw socket reporting per-module URLs.
  modes: ["per-module"],
  async fn(mode) {
    const main = (from: string) =>
      `import { show } from "${from}";\nshow();\nimport.meta.hot?.accept();\n`;
    const display = (text: string) =>
      `export function show(): void {\n  document.querySelector("#out")!.textContent = ${
        JSON.stringify(text)
      };\n}\n`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": main("./reexport.ts"),
      "src/reexport.ts": `export * from "./display.ts";\n`,
      "src/display.ts": display("v1"),
    }, modeConfig(mode));
    await waitForText(s.tracked, "#out", "v1");
    // A page that connected and has not reported yet.
    using late = await openRawHotSocket(s.dev.url);
    await delay(REPORT_MS);
    // main.ts stops importing the re-export: the server prunes it.
    await s.app.write("src/main.ts", main("./display.ts") + "// direct\n");
    await waitFor(
      () => s.tracked.consoleLines.some((l) => l.includes("hot updated")),
      {
        message: "the open tab to take the rewire",
      },
    );
    await delay(300);
    const prunes = () =>
      late.messages.flatMap((m) => m.type === "prune" ? m.paths : []);
    assert.deepEqual(prunes(), []);
    // Its report: main.ts and display.ts as they are now (nothing to catch
    // up on), and the re-export it ran before the rewire.
    const versionOf = async (path: string) =>
      (await fetch(new URL(path, s.dev.url))).headers.get("etag")!
        .replaceAll('"', "");
    late.send("banana:page-modules", {
      page: "/",
      reset: true,
      loaded: [
        `/src/main.ts?v=${await versionOf("/src/main.ts")}`,
        "/src/reexport.ts?v=0123",
        `/src/display.ts?v=${await versionOf("/src/display.ts")}`,
      ],
    });
    await waitFor(() => prunes().length > 0, {
      message: "the late page to get the prune",
    });
    assert.deepEqual(prunes(), ["/src/reexport.ts"]);
    // An edit of display.ts: main.ts accepts it in both pages.
    await s.app.write("src/display.ts", display("v2"));
    await waitForText(s.tracked, "#out", "v2");
    await delay(300);
    assert.equal(
      late.messages.some((m) => m.type === "full-reload"),
      false,
      Deno.inspect(late.messages.map((m) => m.type)),
    );
    await assertNotReloaded(s.tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page whose report of what it runs arrives after an edit was sent gets that edit: the version it reports is older",
  // The late "page" is a raw socket reporting per-module `?v=` URLs, as a
  // per-module page does; what a bundle page reports is checked by the
  // tests above through real tabs.
  modes: ["per-module"],
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./widget.ts";\n`,
      "src/widget.ts": selfAccepting("#out", "widget v1"),
    }, modeConfig(mode));
    // A page that connected and has not reported yet.
    using late = await openRawHotSocket(s.dev.url);
    await delay(REPORT_MS);
    await s.app.write("src/widget.ts", selfAccepting("#out", "widget v2"));
    await waitForText(s.tracked, "#out", "widget v2");
    const updates = () =>
      late.messages.flatMap((m) => m.type === "update" ? m.updates : []);
    assert.deepEqual(updates(), []);

    // Its report: widget.ts at the version from before the edit, and
    // main.ts, which no edit touched.
    late.send("banana:page-modules", {
      page: "/",
      reset: true,
      loaded: ["/src/main.ts?v=0123", "/src/widget.ts?v=0123"],
    });
    await waitFor(() => updates().length > 0, {
      message: "the late page to get the edit",
    });
    await delay(300);
    assert.deepEqual(updates().map((u) => u.path), ["/src/widget.ts"]);
    // Reported again at the version it now runs: nothing more.
    const timestamp = updates()[0].timestamp;
    late.send("banana:page-modules", {
      page: "/",
      reset: true,
      loaded: [`/src/widget.ts?t=${timestamp}`],
    });
    await delay(300);
    assert.equal(updates().length, 1);
    await assertNotReloaded(s.tracked);
  },
});
