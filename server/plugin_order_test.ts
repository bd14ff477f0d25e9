import { deepStrictEqual } from "node:assert/strict";
import { orderPlugins } from "./plugin_order.ts";
import type { CompilingPlugin, Plugin } from "./types.ts";

const names = (plugins: Plugin[]) => plugins.map((plugin) => plugin.name);

Deno.test("orderPlugins: pre, built-in compilers, TS/JSX, built-ins, normal, post", () => {
  const refresh: CompilingPlugin = {
    name: "banana:refresh",
    compiles: (id) => id.endsWith(".tsx"),
  };
  const ordered = orderPlugins({
    user: [
      { name: "post-1", enforce: "post" },
      { name: "normal-1" },
      { name: "pre-1", enforce: "pre" },
      { name: "normal-2" },
      { name: "pre-2", enforce: "pre" },
    ],
    builtins: [{ name: "banana:css" }, refresh, { name: "banana:json" }],
    compiler: () => ({ name: "banana:oxc" }),
  });
  deepStrictEqual(names(ordered), [
    "pre-1",
    "pre-2",
    "banana:refresh",
    "banana:oxc",
    "banana:css",
    "banana:json",
    "normal-1",
    "normal-2",
    "post-1",
  ]);
});

Deno.test("orderPlugins: the TS/JSX compiler skips what a built-in compiler compiles", () => {
  let skip: (id: string) => boolean = () => false;
  orderPlugins({
    user: [],
    builtins: [{
      name: "banana:refresh",
      compiles: (id: string) => id.endsWith(".tsx"),
    } as CompilingPlugin],
    compiler: (given) => {
      skip = given;
      return { name: "banana:oxc" };
    },
  });
  deepStrictEqual([skip("/a.tsx"), skip("/a.ts")], [true, false]);
});
