/**
 * Fast Refresh in the Fresh-style example (examples/fresh-app, served by the
 * CLI as a subprocess): server-rendered pages with Preact islands hydrated
 * in place.
 * Editing one island keeps its own state and every other island's; editing
 * a shared component updates every island that uses it, state kept.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  type TempApp,
  waitForText,
} from "./_browser.ts";
import { copy } from "./_copy.ts";
import { startCliServer } from "./_cli_server.ts";
import { assertNotReloaded, openConnectedPage } from "./_hmr_app.ts";

const EXAMPLE = join(import.meta.dirname!, "../examples/fresh-app");

async function edit(app: TempApp, rel: string, from: string, to: string) {
  const source = await app.read(rel);
  assert.ok(source.includes(from), `${rel} should contain ${from}`);
  await app.write(rel, source.replace(from, to));
}

Deno.test({
  ...browserTest,
  name:
    "islands: editing an island keeps its state and its siblings' state (hooks, local and shared signals)",
  async fn() {
    await using app = await createTempApp({});
    await copy(EXAMPLE, app.root);
    await using dev = await startCliServer(app.root);
    await using tracked = await openConnectedPage(dev.url);
    const { page } = tracked;
    for (let i = 0; i < 3; i++) await page.click("#counter");
    await page.click("#add-to-cart");
    await page.click("#add-to-cart");
    await waitForText(tracked, "#counter", "Bunches: 3");
    await waitForText(tracked, "#added", "Added 2 times");
    await waitForText(tracked, "#cart-badge", "Cart: 2");

    await edit(app, "islands/Counter.tsx", "Bunches:", "Bunches on shelf:");
    await waitForText(tracked, "#counter", "Bunches on shelf: 3");
    await waitForText(tracked, "#added", "Added 2 times");
    await waitForText(tracked, "#cart-badge", "Cart: 2");

    // useSignal() state survives an edit of the island's markup, and the
    // shared signal still drives the other island.
    await edit(app, "islands/AddToCart.tsx", "times</span>", "time(s)</span>");
    await waitForText(tracked, "#added", "Added 2 time(s)");
    await page.click("#add-to-cart");
    await waitForText(tracked, "#added", "Added 3 time(s)");
    await waitForText(tracked, "#cart-badge", "Cart: 3");
    await waitForText(tracked, "#counter", "Bunches on shelf: 3");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "islands: editing a shared component updates both islands that use it, with their state kept",
  async fn() {
    await using app = await createTempApp({});
    await copy(EXAMPLE, app.root);
    await using dev = await startCliServer(app.root);
    await using tracked = await openConnectedPage(dev.url);
    const { page } = tracked;
    for (let i = 0; i < 3; i++) await page.click("#counter");
    await page.click("#add-to-cart");
    await waitForText(tracked, "#counter", "Bunches: 3");
    await waitForText(tracked, "#added", "Added 1 times");

    await edit(
      app,
      "components/Button.tsx",
      "{children}",
      "<b>›</b> {children}",
    );
    await waitForText(tracked, "#counter", "› Bunches: 3");
    await waitForText(tracked, "#add-to-cart", "› Add Cavendish to cart");
    await waitForText(tracked, "#added", "Added 1 times");
    await waitForText(tracked, "#cart-badge", "Cart: 1");
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name: "islands: changing an island's hooks resets that island only",
  async fn() {
    await using app = await createTempApp({});
    await copy(EXAMPLE, app.root);
    await using dev = await startCliServer(app.root);
    await using tracked = await openConnectedPage(dev.url);
    const { page } = tracked;
    for (let i = 0; i < 3; i++) await page.click("#counter");
    await page.click("#add-to-cart");
    await waitForText(tracked, "#counter", "Bunches: 3");

    await edit(
      app,
      "islands/Counter.tsx",
      "useState(start);",
      "useState(start);\n  const [, setUnused] = useState(false);",
    );
    await waitForText(tracked, "#counter", "Bunches: 0");
    await waitForText(tracked, "#added", "Added 1 times");
    await waitForText(tracked, "#cart-badge", "Cart: 1");
    await assertNotReloaded(tracked);
  },
});
