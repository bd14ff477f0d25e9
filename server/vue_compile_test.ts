import assert from "node:assert/strict";
import { type RawSourceMap, SourceMapConsumer } from "./npm/source_map_js.ts";
import { BananaError } from "./errors.ts";
import {
  compileSfc,
  compileSfcStyle,
  parseSfc,
  sfcChanges,
} from "./vue_compile.ts";

const WHERE = { file: "/app/src/App.vue", root: "/app", url: "/src/App.vue" };

function inlineMap(code: string): RawSourceMap {
  const base64 = /sourceMappingURL=data:application\/json;base64,(\S+)/
    .exec(code)![1];
  return JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(base64)));
}

/** The `.vue` line the first occurrence of `needle` in `code` maps to. */
function originalLine(code: string, needle: string): number | null {
  const consumer = new SourceMapConsumer(inlineMap(code));
  const at = code.indexOf(needle);
  assert.ok(at >= 0, `${needle} in ${code}`);
  const before = code.slice(0, at);
  const line = before.split("\n").length;
  const column = at - (before.lastIndexOf("\n") + 1);
  return consumer.originalPositionFor({ line, column, bias: 2 }).line;
}

const SETUP = `<script setup lang="ts">
import { ref } from "vue";
interface Item { n: number }
const items = ref<Item[]>([]);
const first = "first-" + "marker";
</script>

<template>
  <ul>
    <li v-for="item in (items as Item[])" :key="item.n">{{ item.n }}</li>
  </ul>
  <p>{{ first }}</p>
</template>
`;

Deno.test("vue_compile: <script setup lang=ts> and TS in template expressions compile to plain JS with a map to the .vue lines", async () => {
  const { code } = await compileSfc(SETUP, WHERE, { define: {} });
  assert.doesNotMatch(code, /\bas Item\b|interface Item|ref<Item/);
  assert.match(code, /export default _sfc_main;/);
  assert.match(code, /_sfc_main\.render = _sfc_render;/);
  assert.match(code, /__VUE_HMR_RUNTIME__\.createRecord\(/);
  const consumer = new SourceMapConsumer(inlineMap(code));
  assert.deepEqual([...new Set(consumer.sources)], ["/src/App.vue"]);
  assert.equal(consumer.sourceContentFor("/src/App.vue"), SETUP);
  assert.equal(originalLine(code, `"first-"`), 5);
  assert.equal(originalLine(code, "item.n"), 10);
  assert.equal(originalLine(code, "$setup.first"), 12);
});

Deno.test("vue_compile: a <script lang=ts> component (no setup) and a plain <style> compile", async () => {
  const source = `<script lang="ts">
import { defineComponent } from "vue";
export default defineComponent({
  data: (): { n: number } => ({ n: 1 }),
});
</script>
<template><b>{{ n }}</b></template>
<style>
b { color: red; }
</style>
`;
  const { code, descriptor } = await compileSfc(source, WHERE, { define: {} });
  assert.match(code, /const _sfc_main = defineComponent\(/);
  // The map of a lone <script> is of its block: moved to the file's lines.
  assert.equal(originalLine(code, "n: 1"), 4);
  assert.equal(originalLine(code, "_ctx.n"), 7);
  assert.doesNotMatch(code, /: \{ n: number \}/);
  assert.match(
    code,
    /import "\/src\/App\.vue\?import&vue&type=style&index=0&lang\.css";/,
  );
  assert.doesNotMatch(code, /__scopeId/);
  const style = await compileSfcStyle(descriptor, 0, WHERE);
  assert.equal(style.module, null);
  assert.match(style.css, /b \{ color: red;\s*\}/);
});

Deno.test("vue_compile: <style scoped> gets the component's data-v attribute; <style module> is named for the template", async () => {
  const source = `<template><p :class="$style.x">x</p></template>
<style scoped>
p { color: red; }
</style>
<style module>
.x { color: blue; }
</style>
`;
  const { code, descriptor } = await compileSfc(source, WHERE, { define: {} });
  const scope = /__scopeId = "(data-v-[\w-]+)"/.exec(code)?.[1];
  assert.ok(scope, code);
  const scoped = await compileSfcStyle(descriptor, 0, WHERE);
  assert.ok(scoped.css.includes(`p[${scope}]`), scoped.css);
  const module = await compileSfcStyle(descriptor, 1, WHERE);
  assert.equal(module.module, "$style");
  assert.match(code, /&index=1&module&lang\.module\.css/);
  assert.match(code, /__banana_modules\["\$style"\] = __banana_style1;/);
});

Deno.test("vue_compile: a template syntax error names the .vue file, line and column with a code frame", async () => {
  const source = `<script setup>
const a = 1;
</script>
<template>
  <p>{{ a </p>
</template>
`;
  const err = await compileSfc(source, WHERE, { define: {} }).catch((e) => e);
  assert.ok(err instanceof BananaError, String(err));
  assert.equal(err.body.loc?.file, "/app/src/App.vue");
  assert.equal(err.body.loc?.line, 5);
  assert.match(err.body.message, /^src\/App\.vue:5:\d+: /);
  assert.match(err.body.frame ?? "", /> 5 \| {3}<p>\{\{ a <\/p>/);
  assert.equal(err.body.plugin, "vue");
});

Deno.test("vue_compile: a script syntax error is located at its .vue line", async () => {
  const source = `<template><p>x</p></template>
<script setup lang="ts">
const a: number = ;
</script>
`;
  const err = await compileSfc(source, WHERE, { define: {} }).catch((e) => e);
  assert.ok(err instanceof BananaError, String(err));
  assert.equal(err.body.loc?.line, 3);
  assert.match(err.body.message, /^src\/App\.vue:3:19: Unexpected token$/);
  assert.match(err.body.frame ?? "", /> 3 \| const a: number = ;/);
});

Deno.test("vue_compile: sfcChanges tells a template edit, a script edit and a style edit apart", async () => {
  const base = `<script setup>
const a = 1;
</script>
<template><p>{{ a }}</p></template>
<style scoped>
p { color: red; }
</style>
`;
  const prev = await parseSfc(base, WHERE);
  const changes = async (next: string) =>
    sfcChanges(prev, await parseSfc(next, WHERE));
  assert.deepEqual(await changes(base.replace("<p>{{", "<p>A {{")), {
    main: true,
    styles: [],
  });
  assert.deepEqual(await changes(base.replace("red", "blue")), {
    main: false,
    styles: [0],
  });
  assert.deepEqual(await changes(base.replace("a = 1", "a = 2")), {
    main: true,
    styles: [],
  });
  // Scoped → not scoped changes the component's scope id.
  assert.deepEqual(await changes(base.replace("<style scoped>", "<style>")), {
    main: true,
    styles: [],
  });
});
