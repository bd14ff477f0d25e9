import assert from "node:assert/strict";
import { applyDefaults } from "../config.ts";
import type { AppDenoConfig } from "../import_map.ts";
import { builtinPlugins } from "./mod.ts";
import { VUE_PLUGIN_NAME } from "./vue.ts";

function app(imports: Record<string, string>): AppDenoConfig {
  return { importMap: { imports, scopes: {} }, compilerOptions: {}, files: [] };
}

const config = applyDefaults({ root: "/app" }, null, []);
const names = (
  imports: Record<string, string>,
  userPluginNames: string[] = [],
) =>
  builtinPlugins({ config, app: app(imports), userPluginNames }).map((p) =>
    p.name
  );

Deno.test("vue plugin: on when the app's import map resolves vue, off otherwise", () => {
  assert.ok(names({ vue: "npm:vue@3.5.45" }).includes(VUE_PLUGIN_NAME));
  assert.ok(!names({ preact: "npm:preact@10.29.8" }).includes(VUE_PLUGIN_NAME));
});

Deno.test("vue plugin: a Vue plugin of the config (@vitejs/plugin-vue is vite:vue, or vue() by hand) replaces the built-in one", () => {
  const vue = { vue: "npm:vue@3.5.45" };
  assert.ok(!names(vue, ["vite:vue"]).includes(VUE_PLUGIN_NAME));
  assert.ok(!names(vue, [VUE_PLUGIN_NAME]).includes(VUE_PLUGIN_NAME));
  assert.ok(names(vue, ["vite-plugin-string"]).includes(VUE_PLUGIN_NAME));
});
