/// <reference lib="dom" />
/**
 * Vue single-file components in a real browser: compiled on demand by the
 * built-in Vue plugin and hot-updated through Vue's own HMR runtime, with
 * component state, sibling state and Pinia stores kept as
 * `@vitejs/plugin-vue` keeps them.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  computedStyle,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForStyle,
  waitForText,
} from "./_browser.ts";
import {
  assertNotReloaded,
  countLines,
  openHmrApp,
  waitForReload,
} from "./_hmr_app.ts";
import { vue } from "../mod.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** The same pins as examples/vue, so the Deno cache is shared. */
const DENO_JSON = JSON.stringify({
  imports: { vue: "npm:vue@3.5.45", pinia: "npm:pinia@4.1.0" },
});

const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>vue test</title></head>
<body><div id="app"></div><script type="module" src="/src/main.ts"></script></body>
</html>
`;

const MAIN = `import { createApp } from "vue";
import { createPinia } from "pinia";
import App from "./App.vue";
console.log("main ran");
createApp(App).use(createPinia()).mount("#app");
`;

const APP = `<script setup lang="ts">
import Counter from "./Counter.vue";
import Cart from "./Cart.vue";
</script>

<template>
  <Counter />
  <Cart />
</template>
`;

function counter(
  { label = "Count", step = "1", color = "rgb(0, 128, 0)" } = {},
): string {
  return `<script setup lang="ts">
import { ref } from "vue";
const step: number = ${step};
const count = ref<number>(0);
console.log("counter setup");
</script>

<template>
  <button id="counter" @click="count += (step as number)">${label}: {{ count }}</button>
</template>

<style scoped>
button {
  color: ${color};
}
</style>
`;
}

const CART = `<script setup lang="ts">
import { useCart } from "./cart.ts";
const cart = useCart();
</script>

<template>
  <button id="add" @click="cart.add()">In cart: {{ cart.items }}</button>
</template>
`;

function store(increment: string): string {
  return `import { acceptHMRUpdate, defineStore } from "pinia";
export const useCart = defineStore("cart", {
  state: () => ({ items: 0 }),
  actions: {
    add() {
      this.items += ${increment};
    },
  },
});
if (import.meta.hot) {
  import.meta.hot.accept(acceptHMRUpdate(useCart, import.meta.hot));
}
`;
}

const FILES = {
  "deno.json": DENO_JSON,
  "index.html": INDEX_HTML,
  "src/main.ts": MAIN,
  "src/App.vue": APP,
  "src/Counter.vue": counter(),
  "src/Cart.vue": CART,
  "src/cart.ts": store("1"),
};

async function clickTimes(
  tracked: TrackedPage,
  selector: string,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) {
    // From script: an error overlay may cover the page for the mouse.
    await tracked.page.evaluate(
      (s) => (document.querySelector(s) as HTMLElement).click(),
      selector,
    );
  }
}

/** Console lines of the warnings vue prints about its build or flags. */
function vueWarnings(tracked: TrackedPage): string[] {
  return tracked.consoleEntries.filter((e) =>
    (e.type === "warning" || e.type === "error") &&
    !/favicon/.test(e.text)
  ).map((e) => e.text);
}

testInEachMode({
  ...browserTest,
  name:
    "vue: a template edit re-renders the component with its count kept, without a reload, and the entry does not run again",
  async fn(mode) {
    await using s = await openHmrApp(FILES, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#counter", "Count: 0");
    await clickTimes(tracked, "#counter", 3);
    await waitForText(tracked, "#counter", "Count: 3");

    await app.write("src/Counter.vue", counter({ label: "Clicks" }));
    await waitForText(tracked, "#counter", "Clicks: 3");
    await assertNotReloaded(tracked);
    assert.equal(countLines(tracked, "main ran"), 1);
    // A re-render runs no setup again.
    assert.equal(countLines(tracked, "counter setup"), 1);
    // Vue's compile-time flags are defined: its bundler build does not warn.
    assert.deepEqual(vueWarnings(tracked), []);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: a <script setup> edit re-creates that component with the new logic; a sibling's Pinia store keeps its value; no reload",
  async fn(mode) {
    await using s = await openHmrApp(FILES, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#add", "In cart: 0");
    await clickTimes(tracked, "#add", 2);
    await waitForText(tracked, "#add", "In cart: 2");
    await clickTimes(tracked, "#counter", 1);
    await waitForText(tracked, "#counter", "Count: 1");

    await app.write("src/Counter.vue", counter({ step: "10" }));
    // Re-created: its state starts again, its click handler is the new one.
    await waitForLine(tracked, "counter setup", 2);
    await waitForText(tracked, "#counter", "Count: 0");
    await clickTimes(tracked, "#counter", 1);
    await waitForText(tracked, "#counter", "Count: 10");
    await waitForText(tracked, "#add", "In cart: 2");
    await assertNotReloaded(tracked);
    assert.equal(countLines(tracked, "main ran"), 1);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

async function waitForLine(
  tracked: TrackedPage,
  line: string,
  times: number,
): Promise<void> {
  await waitFor(() => countLines(tracked, line) >= times, {
    timeout: 10_000,
    message: () => `${times}× ${line}: ${Deno.inspect(tracked.consoleLines)}`,
  });
}

testInEachMode({
  ...browserTest,
  name:
    "vue: a <style scoped> edit swaps the CSS: the computed color changes, the count is kept, no component code runs, no reload",
  async fn(mode) {
    await using s = await openHmrApp(FILES, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#counter", "Count: 0");
    assert.equal(
      await computedStyle(tracked, "#counter", "color"),
      "rgb(0, 128, 0)",
    );
    // Scoped: the cart's button is not green.
    assert.notEqual(
      await computedStyle(tracked, "#add", "color"),
      "rgb(0, 128, 0)",
    );
    await clickTimes(tracked, "#counter", 3);
    await waitForText(tracked, "#counter", "Count: 3");

    await app.write("src/Counter.vue", counter({ color: "rgb(255, 0, 0)" }));
    await waitForStyle(tracked, "#counter", "color", "rgb(255, 0, 0)");
    await waitForText(tracked, "#counter", "Count: 3");
    assert.notEqual(
      await computedStyle(tracked, "#add", "color"),
      "rgb(255, 0, 0)",
    );
    assert.equal(countLines(tracked, "counter setup"), 1);
    await assertNotReloaded(tracked);
  },
});

function noted(extra: string): string {
  return `<script setup lang="ts">
import { ref } from "vue";
const count = ref(0);
</script>

<template>
  <p id="note" :class="[$style.note, $style.big]" @click="count++">Note {{ count }}</p>
</template>

<style module>
.note {
  color: rgb(0, 0, 255);
}${extra}
</style>
`;
}

testInEachMode({
  ...browserTest,
  name:
    "vue: a <style module> edit that adds a class gives the element its new class, with the component's state kept",
  async fn(mode) {
    await using s = await openHmrApp({
      ...FILES,
      "src/App.vue": `<script setup lang="ts">
import Note from "./Note.vue";
</script>
<template><Note /></template>
`,
      "src/Note.vue": noted(""),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#note", "Note 0");
    await clickTimes(tracked, "#note", 2);
    await waitForText(tracked, "#note", "Note 2");
    const before = (await tracked.page.getAttribute("#note", "class")) ?? "";
    assert.match(before, /^_note_\w+$/, before);
    assert.equal(
      await computedStyle(tracked, "#note", "color"),
      "rgb(0, 0, 255)",
    );

    await app.write("src/Note.vue", noted("\n.big {\n  font-size: 40px;\n}"));
    await waitForStyle(tracked, "#note", "font-size", "40px");
    const after = (await tracked.page.getAttribute("#note", "class")) ?? "";
    assert.match(after, /^_note_\w+ _big_\w+$/, after);
    await waitForText(tracked, "#note", "Note 2");

    // A change of the CSS alone (same class names) swaps the CSS.
    await app.write(
      "src/Note.vue",
      noted("\n.big {\n  font-size: 40px;\n}").replace(
        "rgb(0, 0, 255)",
        "rgb(255, 0, 0)",
      ),
    );
    await waitForStyle(tracked, "#note", "color", "rgb(255, 0, 0)");
    await waitForText(tracked, "#note", "Note 2");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: a Pinia store with acceptHMRUpdate is hot-updated: its state is kept and the edited action runs",
  async fn(mode) {
    await using s = await openHmrApp(FILES, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#add", "In cart: 0");
    await clickTimes(tracked, "#add", 2);
    await waitForText(tracked, "#add", "In cart: 2");
    await clickTimes(tracked, "#counter", 3);

    await app.write("src/cart.ts", store("100"));
    await waitForConsole(tracked, "[banana] hot updated: /src/cart.ts");
    await waitForText(tracked, "#add", "In cart: 2");
    await clickTimes(tracked, "#add", 1);
    await waitForText(tracked, "#add", "In cart: 102");
    await waitForText(tracked, "#counter", "Count: 3");
    await assertNotReloaded(tracked);
    assert.equal(countLines(tracked, "main ran"), 1);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

const OVERLAY = "banana-error-overlay";

testInEachMode({
  ...browserTest,
  name:
    "vue: a template syntax error shows the overlay naming the .vue file and line; the fix recovers without a reload",
  async fn(mode) {
    await using s = await openHmrApp(FILES, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#counter", "Count: 0");
    await clickTimes(tracked, "#counter", 2);
    await waitForText(tracked, "#counter", "Count: 2");

    // Line 9 of Counter.vue: an interpolation that never closes.
    await app.write(
      "src/Counter.vue",
      counter().replace("{{ count }}</button>", "{{ count </button>"),
    );
    const location = await waitForText(
      tracked,
      `${OVERLAY} .file`,
      /Counter\.vue:\d+:\d+$/,
      10_000,
    );
    assert.match(location, /src\/Counter\.vue:9:\d+$/);
    const message = await tracked.page.locator(`${OVERLAY} .message`)
      .textContent();
    assert.match(message!, /src\/Counter\.vue:9:\d+: /);
    const frame = await tracked.page.locator(`${OVERLAY} .frame`).textContent();
    assert.match(frame!, /> +9 \| +<button id="counter"/);

    await app.write("src/Counter.vue", counter({ label: "Fixed" }));
    await waitForText(tracked, "#counter", "Fixed: 2");
    await waitFor(
      async () => await tracked.page.locator(OVERLAY).count() === 0,
      {
        timeout: 10_000,
        message: "the overlay to close",
      },
    );
    await assertNotReloaded(tracked);
  },
});

const withExport = (n: number) =>
  `<script lang="ts">
import { defineComponent } from "vue";
export const LIMIT: number = ${n};
export default defineComponent({ data: () => ({ n: 0 }) });
</script>
<template><p id="limit" @click="n++">Limit {{ n }}/${n}</p></template>
`;

testInEachMode({
  ...browserTest,
  name:
    "vue: a <script> that exports more than its component hands a script edit to its importers: a parent component runs its setup again",
  async fn(mode) {
    await using s = await openHmrApp({
      ...FILES,
      "src/App.vue": `<script setup lang="ts">
import Limit, { LIMIT } from "./Limit.vue";
</script>
<template><Limit /><b id="parent">{{ LIMIT }}</b></template>
`,
      "src/Limit.vue": withExport(1),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#limit", "Limit 0/1");
    await app.write("src/Limit.vue", withExport(2));
    await waitForText(tracked, "#limit", "Limit 0/2");
    await waitForText(tracked, "#parent", "2");
    await assertNotReloaded(tracked);
    assert.equal(countLines(tracked, "main ran"), 1);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: an update the component cannot take reaches the entry: the page reloads and the terminal says why",
  async fn(mode) {
    const logged: string[] = [];
    await using s = await openHmrApp({
      ...FILES,
      "src/main.ts": `import { createApp } from "vue";
import Limit from "./Limit.vue";
console.log("main ran");
createApp(Limit).mount("#app");
`,
      "src/Limit.vue": withExport(1),
    }, modeConfig(mode, { logLevel: "info" }));
    const { app, tracked } = s;
    await waitForText(tracked, "#limit", "Limit 0/1");
    const original = console.log;
    console.log = (...args: unknown[]) => logged.push(args.join(" "));
    try {
      await app.write("src/Limit.vue", withExport(2));
      await waitForReload(tracked);
    } finally {
      console.log = original;
    }
    await waitForText(tracked, "#limit", "Limit 0/2");
    assert.ok(
      logged.some((line) => line.includes("exports more than the component")),
      Deno.inspect(logged),
    );
    assert.ok(
      logged.some((line) => line.includes("page reload")),
      Deno.inspect(logged),
    );
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: vue() added in the config (instead of the built-in one) compiles and re-renders the same way",
  async fn(mode) {
    await using s = await openHmrApp(
      FILES,
      modeConfig(mode, { plugins: [vue()] }),
    );
    const { app, tracked } = s;
    await waitForText(tracked, "#counter", "Count: 0");
    await clickTimes(tracked, "#counter", 2);
    await app.write("src/Counter.vue", counter({ label: "Taps" }));
    await waitForText(tracked, "#counter", "Taps: 2");
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: a template edit that starts using an import of <script setup lang=ts> shows it (the script exposes it to the template now)",
  async fn(mode) {
    const parent = (body: string) =>
      `<script setup lang="ts">
import Child from "./Child.vue";
</script>
<template><div id="parent">${body}</div></template>
`;
    await using s = await openHmrApp({
      ...FILES,
      "src/App.vue": parent("no child"),
      "src/Child.vue": `<template><i id="child">child here</i></template>\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#parent", "no child");
    await app.write("src/App.vue", parent("with <Child />"));
    await waitForText(tracked, "#child", "child here");
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

function sassy(color: string): string {
  return `<script setup lang="ts">
import { ref } from "vue";
const count = ref(0);
</script>

<template>
  <div class="box"><b id="sassy" @click="count++">Sass {{ count }}</b></div>
</template>

<style scoped lang="scss">
$accent: ${color};
.box {
  b { color: $accent; }
}
</style>
`;
}

testInEachMode({
  ...browserTest,
  name:
    "vue: <style lang=scss> is compiled with the app's sass; an edit swaps the CSS with state kept; a Sass error is shown at the .vue line",
  async fn(mode) {
    await using s = await openHmrApp({
      ...FILES,
      "deno.json": JSON.stringify({
        imports: {
          vue: "npm:vue@3.5.45",
          pinia: "npm:pinia@4.1.0",
          sass: "npm:sass@1.108.2",
        },
      }),
      "src/App.vue": `<script setup lang="ts">
import Sassy from "./Sassy.vue";
</script>
<template><Sassy /></template>
`,
      "src/Sassy.vue": sassy("rgb(0, 128, 0)"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#sassy", "Sass 0");
    assert.equal(
      await computedStyle(tracked, "#sassy", "color"),
      "rgb(0, 128, 0)",
    );
    await clickTimes(tracked, "#sassy", 2);
    await app.write("src/Sassy.vue", sassy("rgb(255, 0, 0)"));
    await waitForStyle(tracked, "#sassy", "color", "rgb(255, 0, 0)");
    await waitForText(tracked, "#sassy", "Sass 2");

    // Line 13 of Sassy.vue: an undefined variable.
    await app.write(
      "src/Sassy.vue",
      sassy("rgb(255, 0, 0)").replace("color: $accent", "color: $nope"),
    );
    const location = await waitForText(
      tracked,
      `${OVERLAY} .file`,
      /Sassy\.vue:\d+:\d+$/,
      10_000,
    );
    assert.match(location, /src\/Sassy\.vue:13:\d+$/);
    await app.write("src/Sassy.vue", sassy("rgb(0, 0, 255)"));
    await waitForStyle(tracked, "#sassy", "color", "rgb(0, 0, 255)");
    await waitForText(tracked, "#sassy", "Sass 2");
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "vue: the app's PostCSS config runs on .vue styles (postcss-nested), and an edit of the config rebuilds them",
  async fn(mode) {
    const nested =
      `<template><div class="card"><b id="nested">nested</b></div></template>
<style scoped>
.card {
  & b { color: rgb(0, 128, 0); }
}
</style>
`;
    await using s = await openHmrApp({
      ...FILES,
      "deno.json": JSON.stringify({
        imports: {
          vue: "npm:vue@3.5.45",
          pinia: "npm:pinia@4.1.0",
          "postcss-nested": "npm:postcss-nested@7.0.2",
        },
      }),
      "postcss.config.js":
        `export default { plugins: { "postcss-nested": {} } };\n`,
      "src/App.vue": `<script setup lang="ts">
import Nested from "./Nested.vue";
</script>
<template><Nested /></template>
`,
      "src/Nested.vue": nested,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#nested", "nested");
    await waitForStyle(tracked, "#nested", "color", "rgb(0, 128, 0)");
    const css = await tracked.page.evaluate(() =>
      [...document.querySelectorAll("style")].map((s) => s.textContent).join(
        "\n",
      )
    );
    assert.match(css, /\.card b\[data-v-\w+\]|\.card\[data-v-\w+\] b/);

    // Without the plugin the nesting is left to the browser: the sheet as
    // written, not flattened.
    await app.write("postcss.config.js", `export default { plugins: {} };\n`);
    await waitFor(async () => {
      const text = await tracked.page.evaluate(() =>
        [...document.querySelectorAll("style")].map((s) => s.textContent)
          .join("\n")
      );
      return /& b/.test(text);
    }, {
      timeout: 10_000,
      message: "the style rebuilt without postcss-nested",
    });
    await assertNotReloaded(tracked);
  },
});
