/**
 * Smoke tests of the framework examples, each copied into a temp dir and
 * served by the real server: the page renders, reacts to clicks and typing,
 * and loads once (its dependencies, the refresh runtime included, were
 * bundled in one generation before the first request).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  openPage,
  waitForText,
} from "./_browser.ts";
import { copy } from "./_copy.ts";
import { startServer } from "./_server.ts";
import { startCliServer } from "./_cli_server.ts";

function example(name: string): string {
  return join(import.meta.dirname!, "../examples", name);
}

Deno.test({
  ...browserTest,
  name:
    "examples/preact: the counter increments on click (one preact instance for hooks and rendering)",
  async fn() {
    await using app = await createTempApp({});
    await copy(example("preact"), app.root);
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#title", "Preact on BananaJS");
    await tracked.page.click("#count");
    await waitForText(tracked, "#count", "count is 1");
    await tracked.page.click("#count");
    await waitForText(tracked, "#count", "count is 2");
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name: "examples/react: the counter increments and the form greets by name",
  async fn() {
    await using app = await createTempApp({});
    await copy(example("react"), app.root);
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#title", "React on BananaJS");
    await tracked.page.click("#count");
    await tracked.page.click("#count");
    await waitForText(tracked, "#count", "count is 2");
    await tracked.page.fill("#name", "Ada");
    await tracked.page.click("#greet");
    await waitForText(tracked, "#greeting", "Hello, Ada!");
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "examples/fresh-app: islands hydrate in the server-rendered page and share the cart signal",
  async fn() {
    await using app = await createTempApp({});
    await copy(example("fresh-app"), app.root);
    // Its routes run in the server's process: the CLI, in the app's folder.
    await using dev = await startCliServer(app.root);
    await using tracked = await openPage(dev.url);
    // Server-rendered markup is there before and after hydration.
    await waitForText(
      tracked,
      "#blurb",
      "Sweet, creamy and picked this morning.",
    );
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Bunches: 1");
    await tracked.page.click("#add-to-cart");
    await tracked.page.click("#add-to-cart");
    await waitForText(tracked, "#added", "Added 2 times");
    await waitForText(tracked, "#cart-badge", "Cart: 2");
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "examples/vue: the counter and the Pinia cart react to clicks, and a template edit keeps the count",
  async fn() {
    await using app = await createTempApp({});
    await copy(example("vue"), app.root);
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#title", "BananaJS + Vue");
    await tracked.page.click("#counter");
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Count: 2");
    await tracked.page.click("#add");
    await waitForText(tracked, "#cart", "In cart: 1");
    const counter = join(app.root, "src/components/Counter.vue");
    const source = await Deno.readTextFile(counter);
    await Deno.writeTextFile(counter, source.replace("Count:", "Clicks:"));
    await waitForText(tracked, "#counter", "Clicks: 2", 10_000);
    await waitForText(tracked, "#cart", "In cart: 1");
    assert.equal(tracked.loads, 0);
    assert.deepEqual(tracked.pageErrors, []);
  },
});
