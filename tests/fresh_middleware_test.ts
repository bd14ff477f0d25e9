/**
 * Programmatic use of a Fresh-style app: the dev server in middleware mode
 * inside the app's own `Deno.serve` (examples/fresh-app/own_server.ts, run
 * as a subprocess), rendering pages and hot-updating through it, and
 * `ssrLoadModule` loading server code that follows edits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  waitFor,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { copy } from "./_copy.ts";

const REPO = join(import.meta.dirname!, "..");

Deno.test({
  ...browserTest,
  name:
    "fresh app in middleware mode: the app's own Deno.serve renders routes and islands with server.handler(), and ssrLoadModule follows edits",
  async fn() {
    await using app = await createTempApp({});
    await copy(join(REPO, "examples/fresh-app"), app.root);
    const script = await app.read("own_server.ts");
    await app.write(
      "own_server.ts",
      script.replace(`"../../mod.ts"`, JSON.stringify(join(REPO, "mod.ts"))),
    );
    const child = new Deno.Command(Deno.execPath(), {
      // In the app's folder: its deno.json is the context, as a user runs it.
      args: ["run", "-A", "own_server.ts"],
      cwd: app.root,
      env: { PORT: "0", NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let out = "";
      while (!/on (http:\/\/\S+)/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the own server stopped: ${out}`);
        out += value;
      }
      reader.releaseLock();
      child.stdout.cancel().catch(() => {});
      const base = /on (http:\/\/\S+)/.exec(out)![1];

      const own = await (await fetch(new URL("/own/joke", base))).text();
      assert.equal(
        own,
        "Own server says: Why did the banana go to the doctor? It was not peeling well.\n",
      );
      const greet = await fetch(new URL("/greet/Ana", base));
      assert.equal(greet.status, 200);
      assert.match(await greet.text(), /Hello, Ana!/);

      await using tracked = await openPage(base);
      await waitFor(async () => {
        await tracked.page.click("#counter");
        return (await tracked.page.textContent("#counter")) === "Bunches: 1";
      }, { timeout: 20_000, message: "the counter island to hydrate" });
      await markPage(tracked);
      // HMR runs through the handler too: a route edit reaches the page.
      const index = await app.read("routes/index.tsx");
      await app.write(
        "routes/index.tsx",
        index.replace("picked this morning", "picked by hand"),
      );
      await waitForText(
        tracked,
        "#blurb",
        "Sweet, creamy and picked by hand.",
        20_000,
      );
      await waitForText(tracked, "#counter", "Bunches: 1");
      assert.equal(await wasReloaded(tracked), false);

      const jokes = await app.read("utils/jokes.ts");
      await app.write("utils/jokes.ts", jokes.replace("JOKES[0]", "JOKES[1]"));
      await waitFor(async () => {
        const text = await (await fetch(new URL("/own/joke", base))).text();
        return text.includes("A pair of slippers.");
      }, { timeout: 20_000, message: "ssrLoadModule to load the edit" });
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  },
});
