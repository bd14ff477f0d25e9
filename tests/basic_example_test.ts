import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { copy } from "./_copy.ts";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { startServer } from "./_server.ts";

const EXAMPLE = join(import.meta.dirname!, "../examples/basic");

Deno.test({
  ...browserTest,
  name:
    "basic example: counter keeps its count when counter.ts and greeting.ts are edited",
  async fn() {
    await using app = await createTempApp({});
    await copy(EXAMPLE, app.root);
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#greeting", "Hello, Deno!");
    await tracked.page.click("#count");
    await tracked.page.click("#count");
    await waitForText(tracked, "#count", "count is 2");
    await markPage(tracked);

    const counter = await app.read("src/counter.ts");
    await app.writeAtomic(
      "src/counter.ts",
      counter.replace("count is ${count}", "clicks: ${count}"),
    );
    await waitForText(tracked, "#count", "clicks: 2");

    const greeting = await app.read("src/greeting.ts");
    await app.write("src/greeting.ts", greeting.replace("Hello", "Hi"));
    await waitForText(tracked, "#greeting", "Hi, Deno!");
    await waitForText(tracked, "#count", "clicks: 2");
    assertEquals(await wasReloaded(tracked), false);
    assertEquals(tracked.pageErrors, []);
  },
});
