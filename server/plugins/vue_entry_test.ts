import assert from "node:assert/strict";
import { vue as entryVue } from "./vue_entry.ts";
import { vue as pluginVue, VUE_FLAGS_ID } from "./vue.ts";
import type { PluginContext } from "../types.ts";

Deno.test("mod.ts's vue(): its parts have the plugin's names and hooks, and a hook answers what the plugin's does", async () => {
  const entry = entryVue();
  const plugin = pluginVue();
  assert.equal(entry.length, plugin.length);
  entry.forEach((part, i) => {
    assert.equal(part.name, plugin[i].name);
    assert.deepEqual(Object.keys(part).sort(), Object.keys(plugin[i]).sort());
  });
  const context = {} as PluginContext;
  const flags = await entry[0].load!.call(context, VUE_FLAGS_ID);
  assert.equal(flags, await plugin[0].load!.call(context, VUE_FLAGS_ID));
  assert.match(String(flags), /__VUE_OPTIONS_API__/);
  assert.equal(await entry[0].load!.call(context, "/src/a.ts"), null);
});
