/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The error overlay: build errors (syntax, missing import, CSS) and runtime
 * errors of an update are shown with their location while the app keeps
 * running; the fix closes it through a hot update; it can be closed with
 * Esc, turned off by config, is shown to pages opened while the error is
 * present, and its file location opens the editor through the server.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  openPage,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import {
  assertNotReloaded,
  CONNECTED_LINE,
  delay,
  openConnectedPage,
  openHmrApp,
  pageHtml,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

const OVERLAY = "banana-error-overlay";

/** A self-accepting counter whose count survives updates. */
function counter(label: string, extra = ""): string {
  return `${extra}
const button = document.querySelector("#out")!;
let count = (import.meta.hot?.data.count as number | undefined) ?? 0;
const render = () => button.textContent = "${label} " + count;
button.addEventListener("click", () => { count++; render(); });
render();
import.meta.hot?.dispose((data) => {
  data.count = count;
  button.replaceWith(button.cloneNode(true));
});
import.meta.hot?.accept();
`;
}

const COUNTER_APP = {
  "index.html": pageHtml(),
  "src/main.ts": `import "./counter.ts";\n`,
  "src/counter.ts": counter("clicks"),
};

/** Clicks `#out` from script (the overlay covers the page for the mouse). */
async function clickCounter(
  tracked: TrackedPage,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) {
    await tracked.page.evaluate(() =>
      (document.querySelector("#out") as HTMLElement).click()
    );
  }
}

function overlayCount(tracked: TrackedPage): Promise<number> {
  return tracked.page.locator(OVERLAY).count();
}

async function waitForOverlayGone(tracked: TrackedPage): Promise<void> {
  await waitFor(async () => (await overlayCount(tracked)) === 0, {
    timeout: 10_000,
    message: "the overlay to close",
  });
}

testInEachMode({
  ...browserTest,
  name:
    "a syntax error shows the overlay with file:line:column while the app keeps running; the fix closes it and applies by HMR without a reload",
  async fn(mode) {
    await using s = await openHmrApp(COUNTER_APP, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "clicks 0");
    await clickCounter(tracked, 2);
    await waitForText(tracked, "#out", "clicks 2");

    // Line 4, column 16: the stray `;` after `=`.
    await app.write(
      "src/counter.ts",
      counter("clicks").replace(
        "const render",
        "const broken = ;\nconst render",
      ),
    );
    const location = await waitForText(
      tracked,
      `${OVERLAY} .file`,
      /src\/counter\.ts:\d+:\d+$/,
      10_000,
    );
    assert.ok(
      location.endsWith(`${join(app.root, "src/counter.ts")}:4:16`),
      `overlay location ${location}`,
    );
    assert.match(
      (await tracked.page.locator(`${OVERLAY} .message`).textContent())!,
      /src\/counter\.ts:4:16: Unexpected/,
    );
    assert.match(
      (await tracked.page.locator(`${OVERLAY} .frame`).textContent())!,
      /> +4 \| const broken = ;/,
    );
    const shots = Deno.env.get("BANANA_SCREENSHOT_DIR");
    if (shots) {
      await Deno.mkdir(shots, { recursive: true });
      await tracked.page.screenshot({ path: join(shots, "syntax-error.png") });
    }
    // The app behind the overlay still runs the last good code.
    await clickCounter(tracked, 1);
    await waitForText(tracked, "#out", "clicks 3");

    await app.write("src/counter.ts", counter("taps"));
    await waitForText(tracked, "#out", "taps 3");
    await waitForOverlayGone(tracked);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an edit nested deeper than the compiler's stack shows the overlay naming the file and the crash, the server and the app keep running, and the fix applies without a reload",
  async fn(mode) {
    await using s = await openHmrApp(COUNTER_APP, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "clicks 0");
    await clickCounter(tracked, 2);
    // Oxc aborts its process on brackets ~6000 deep (~2000 on a thread of
    // `deno test`, where this server runs).
    const depth = 8000;
    await app.write(
      "src/counter.ts",
      counter("clicks") +
        `export const deep = ${"[".repeat(depth)}0${"]".repeat(depth)};\n`,
    );
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /src\/counter\.ts: Oxc crashed on this file .*nested thousands of levels deep/,
      15_000,
    );
    await clickCounter(tracked, 1);
    await waitForText(tracked, "#out", "clicks 3");
    await app.write("src/counter.ts", counter("taps"));
    await waitForText(tracked, "#out", "taps 3");
    await waitForOverlayGone(tracked);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "importing a file that does not exist shows the overlay; creating the file recovers without a reload",
  async fn(mode) {
    await using s = await openHmrApp(COUNTER_APP, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "clicks 0");

    await app.write(
      "src/counter.ts",
      counter(
        "clicks",
        `import { word } from "./words.ts";\nconsole.log(word);`,
      ),
    );
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to resolve import "\.\/words\.ts" from src\/counter\.ts: src\/words\.ts does not exist/,
      10_000,
    );
    assert.match(
      (await tracked.page.locator(`${OVERLAY} .file`).textContent())!,
      /src\/counter\.ts:1:22$/,
    );

    await app.write("src/words.ts", `export const word = "words arrived";\n`);
    await waitForConsole(tracked, "words arrived", 10_000);
    await waitForOverlayGone(tracked);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a CSS syntax error in a linked stylesheet shows the overlay with the CSS location; the fix swaps the sheet and closes it",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml().replace(
        "</head>",
        `<link rel="stylesheet" href="/src/style.css"></head>`,
      ),
      "src/main.ts": "",
      "src/style.css": "#out { color: rgb(200, 0, 0); }\n",
    }, modeConfig(mode));
    const { app, tracked } = s;
    await app.write("src/style.css", "#out {\n  color: rgb(0, 0, 200);\n");
    const location = await waitForText(
      tracked,
      `${OVERLAY} .file`,
      /style\.css:\d+:\d+$/,
      10_000,
    );
    assert.ok(location.endsWith("src/style.css:1:1"), location);
    assert.match(
      (await tracked.page.locator(`${OVERLAY} .message`).textContent())!,
      /src\/style\.css:1:1: Unclosed block/,
    );

    await app.write("src/style.css", "#out {\n  color: rgb(0, 0, 200);\n}\n");
    await waitFor(
      () =>
        tracked.page.evaluate(() =>
          getComputedStyle(document.querySelector("#out")!).color ===
            "rgb(0, 0, 200)"
        ),
      { timeout: 10_000, message: "the fixed sheet to apply" },
    );
    await waitForOverlayGone(tracked);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "with server.hmr.overlay false an error goes to the console only, and the fix still applies",
  async fn(mode) {
    await using s = await openHmrApp(
      COUNTER_APP,
      modeConfig(mode, {
        server: { hmr: { overlay: false } },
      }),
    );
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "clicks 0");
    await app.write(
      "src/counter.ts",
      counter("clicks").replace(
        "const render",
        "const broken = ;\nconst render",
      ),
    );
    const line = await waitForConsole(
      tracked,
      /counter\.ts:4:16: Unexpected/,
      10_000,
    );
    assert.match(line, /src\/counter\.ts:4:16/);
    await delay(300);
    assert.equal(await overlayCount(tracked), 0);

    await app.write("src/counter.ts", counter("taps"));
    await waitForText(tracked, "#out", "taps 0");
    assert.equal(await overlayCount(tracked), 0);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a page opened while an error is present shows it right away; Esc closes the overlay",
  async fn(mode) {
    await using s = await openHmrApp(COUNTER_APP, modeConfig(mode));
    const { app, dev, tracked } = s;
    await app.write(
      "src/counter.ts",
      counter("clicks").replace(
        "const render",
        "const broken = ;\nconst render",
      ),
    );
    await waitForText(tracked, `${OVERLAY} .file`, /counter\.ts:4:16$/, 10_000);

    await using second = await openConnectedPage(dev.url);
    await waitForText(second, `${OVERLAY} .file`, /counter\.ts:4:16$/, 10_000);
    await second.page.keyboard.press("Escape");
    await waitForOverlayGone(second);
    // The first page still shows it.
    assert.equal(await overlayCount(tracked), 1);
  },
});

/** A module whose accept callback for its dependency throws. */
const THROWING_ACCEPT_APP = {
  "index.html": pageHtml(),
  "src/main.ts": `import { label } from "./dep.ts";
document.querySelector("#out")!.textContent = label;
import.meta.hot?.accept("./dep.ts", (mod) => {
  if (mod!.label === "boom") throw new Error("accept callback exploded");
  document.querySelector("#out")!.textContent = mod!.label;
});
`,
  "src/dep.ts": `export const label = "fine";\n`,
};

testInEachMode({
  ...browserTest,
  name:
    "an error thrown by an accept callback shows the overlay at once when server.hmr.reload is false",
  async fn(mode) {
    await using s = await openHmrApp(
      THROWING_ACCEPT_APP,
      modeConfig(mode, {
        server: { hmr: { reload: false } },
      }),
    );
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "fine");
    await app.write("src/dep.ts", `export const label = "boom";\n`);
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to apply the update of \/src\/main\.ts: accept callback exploded/,
      10_000,
    );
    assert.equal(
      await tracked.page.locator(`${OVERLAY} .plugin`).textContent(),
      "[runtime]",
    );
    await assertNotReloaded(tracked);

    // The next good update closes it.
    await app.write("src/dep.ts", `export const label = "fine again";\n`);
    await waitForText(tracked, "#out", "fine again");
    await waitForOverlayGone(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "with server.hmr.reload true (the default) a failed update reloads the page, which then shows why",
  async fn(mode) {
    await using s = await openHmrApp(THROWING_ACCEPT_APP, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "fine");
    await app.write("src/dep.ts", `export const label = "boom";\n`);
    await waitForReload(tracked);
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /Failed to apply the update of \/src\/main\.ts: accept callback exploded/,
      10_000,
    );
    await waitForText(tracked, "#out", "boom");
  },
});

testInEachMode({
  ...browserTest,
  name:
    "clicking the overlay's file location runs the configured editor with file:line:column; without one the overlay says how to set it",
  // What it tests, the editor endpoint behind the overlay's link, does not
  // depend on how the page got its modules: one mode is enough.
  modes: ["per-module"],
  async fn(mode) {
    const saved = ["LAUNCH_EDITOR", "VISUAL", "EDITOR"].map((name) =>
      [name, Deno.env.get(name)] as const
    );
    const tools = await Deno.makeTempDir({ prefix: "banana_editor_" });
    try {
      for (const [name] of saved) Deno.env.delete(name);
      const record = join(tools, "opened.txt");
      const script = join(tools, "fake-editor.sh");
      await Deno.writeTextFile(
        script,
        `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\n`,
      );
      await Deno.chmod(script, 0o755);

      await using s = await openHmrApp(COUNTER_APP, modeConfig(mode));
      const { app, dev, tracked } = s;
      await app.write(
        "src/counter.ts",
        counter("clicks").replace(
          "const render",
          "const broken = ;\nconst render",
        ),
      );
      const file = `${OVERLAY} .file`;
      await waitForText(tracked, file, /counter\.ts:4:16$/, 10_000);

      await tracked.page.click(file);
      await waitForText(
        tracked,
        `${OVERLAY} .editor-note`,
        /^No editor configured to open src\/counter\.ts:4:16: set LAUNCH_EDITOR/,
      );

      Deno.env.set("LAUNCH_EDITOR", `${script} --goto {file}:{line}:{column}`);
      await tracked.page.click(file);
      await waitForText(
        tracked,
        `${OVERLAY} .editor-note`,
        "Opened src/counter.ts:4:16 in fake-editor.sh",
      );
      const args = await waitFor(
        () => Deno.readTextFile(record).catch(() => ""),
        { timeout: 5000, message: "the editor to record its arguments" },
      );
      assert.equal(
        args,
        `--goto\n${join(app.root, "src/counter.ts")}:4:16\n`,
      );

      // Files outside the root, and other sites, are refused.
      const outside = await fetch(
        new URL("/@banana/open-in-editor?file=/etc/hostname:1:1", dev.url),
      );
      assert.equal(outside.status, 403);
      assert.match(await outside.text(), /outside the app root/);
      const crossSite = await fetch(
        new URL("/@banana/open-in-editor?file=src/counter.ts", dev.url),
        { headers: { "sec-fetch-site": "cross-site" } },
      );
      assert.equal(crossSite.status, 403);
      await crossSite.body?.cancel();
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) Deno.env.delete(name);
        else Deno.env.set(name, value);
      }
      await Deno.remove(tools, { recursive: true });
    }
  },
});

testInEachMode({
  ...browserTest,
  name:
    "the server log prints an error once with its location, also when more pages load the broken module",
  async fn(mode) {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
    try {
      await using s = await openHmrApp(
        COUNTER_APP,
        modeConfig(mode, { logLevel: "info" }),
      );
      const { app, dev, tracked } = s;
      await app.write(
        "src/counter.ts",
        counter("clicks").replace(
          "const render",
          "const broken = ;\nconst render",
        ),
      );
      await waitForText(
        tracked,
        `${OVERLAY} .file`,
        /counter\.ts:4:16$/,
        10_000,
      );
      await using second = await openPage(dev.url);
      await waitForConsole(second, CONNECTED_LINE, 10_000);
      await waitForText(
        second,
        `${OVERLAY} .file`,
        /counter\.ts:4:16$/,
        10_000,
      );
      await delay(500);
      const errors = lines.filter((line) =>
        /counter\.ts:4:16: Unexpected/.test(line)
      );
      assert.equal(errors.length, 1, Deno.inspect(lines));
      assert.match(errors[0], /\[banana\] error .*src\/counter\.ts:4:16/);
    } finally {
      console.log = original;
    }
  },
});
