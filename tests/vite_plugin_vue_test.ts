/// <reference lib="dom" />
/**
 * `@vitejs/plugin-vue` from npm, unchanged, in `banana.config.ts` (its bare
 * import mapped in the app's `deno.json`): a single-file component is
 * compiled by it and renders in a real browser, and its state reacts.
 * The plugin reads much of Vite's plugin context (`config.logger`,
 * `config.command`, `server.config.server.hmr`, `server.watcher`, hook
 * filters set in its `options()` hook, `buildStart`).
 *
 * The server runs as users run it: `mod.ts dev` in the app's folder.
 *
 * @module
 */

import assert, { equal } from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  type TrackedPage,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, CONNECTED_LINE } from "./_hmr_app.ts";
import { startCli } from "./_cli_process.ts";
import { REPO_ROOT } from "./_own_files.ts";

const appVue = (label: string) =>
  `<script setup>
import { ref } from "vue";
const count = ref(0);
</script>

<template>
  <button id="counter" @click="count++">${label}: {{ count }}</button>
  <p id="greeting">{{ greeting }}</p>
</template>

<script>
export default { data: () => ({ greeting: "Hello from a .vue file" }) };
</script>
`;

Deno.test({
  ...browserTest,
  name:
    "@vitejs/plugin-vue in banana.config.ts compiles a .vue component that renders and reacts; a template edit re-renders it with its state kept",
  async fn() {
    const ourLock = await Deno.readTextFile(join(REPO_ROOT, "deno.lock"));
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        imports: {
          "vue": "npm:vue@3.5.45",
          "@vitejs/plugin-vue": "npm:@vitejs/plugin-vue@6.0.11",
        },
      }),
      "banana.config.ts": `import vue from "@vitejs/plugin-vue";
export default { plugins: [vue()] };
`,
      "index.html": `<!doctype html>
<html><head><meta charset="utf-8"><title>vue</title></head>
<body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>
`,
      "src/main.ts": `import { createApp } from "vue";
import App from "./App.vue";
createApp(App).mount("#app");
`,
      "src/App.vue": appVue("Count"),
    });
    const dev = await startCli(
      Deno.execPath(),
      ["run", "-A", join(REPO_ROOT, "mod.ts"), "dev", app.root, "--port", "0"],
      { cwd: app.root, timeout: 120_000 },
    );
    let tracked: TrackedPage | null = null;
    try {
      tracked = await openPage(dev.url);
      await waitForConsole(tracked, CONNECTED_LINE, 60_000);
      await markPage(tracked);
      await waitForText(tracked, "#counter", "Count: 0", 60_000);
      await waitForText(tracked, "#greeting", "Hello from a .vue file");
      await tracked.page.click("#counter");
      await waitForText(tracked, "#counter", "Count: 1");

      // The plugin's handleHotUpdate narrows the edit to the template
      // module, whose accept callback re-renders through Vue's runtime.
      await app.write("src/App.vue", appVue("Clicks"));
      await waitForText(tracked, "#counter", "Clicks: 1", 20_000);
      await assertNotReloaded(tracked);
      // The component module is the plugin's output (Vue's HMR record).
      const main = await (await fetch(new URL("/src/App.vue?import", dev.url)))
        .text();
      assert.match(main, /__VUE_HMR_RUNTIME__/);
      // @vitejs/plugin-vue's output, not the built-in Vue plugin's: the
      // explicit plugin took the .vue files.
      assert.match(main, /plugin-vue(?::|%3A)export-helper/i);
      assert.deepEqual(tracked.pageErrors, []);
    } catch (error) {
      throw new Error(`${error}\n--- server output ---\n${dev.output()}`);
    } finally {
      await tracked?.close();
      await dev.stop();
    }
    // vue, the plugin and vite (its peer) were locked in the app's context.
    equal(await Deno.readTextFile(join(REPO_ROOT, "deno.lock")), ourLock);
  },
});
