import assert from "node:assert/strict";
import { join } from "node:path";
import { matchRoute, scanRoutes } from "./fresh_routes.ts";

async function routesOf(files: string[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const file of files) {
    const path = join(dir, file);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeTextFile(path, "export default () => null;\n");
  }
  return dir;
}

Deno.test("scanRoutes: Fresh's file conventions become patterns, specials are not routes", async () => {
  const dir = await routesOf([
    "index.tsx",
    "about.tsx",
    "greet/[name].tsx",
    "docs/[...path].tsx",
    "(shop)/cart.tsx",
    "(shop)/_layout.tsx",
    "(_islands)/Local.tsx",
    "api/joke.ts",
    "_app.tsx",
    "_404.tsx",
    "_500.tsx",
    "_middleware.ts",
    "greet/_middleware.ts",
    "_helper.ts",
    "notes.md",
  ]);
  try {
    const table = await scanRoutes(dir);
    assert.deepEqual(
      table.routes.map((route) => route.pattern).sort(),
      ["/", "/about", "/api/joke", "/cart", "/docs/:path*", "/greet/:name"],
    );
    assert.equal(table.app, join(dir, "_app.tsx"));
    assert.equal(table.notFound, join(dir, "_404.tsx"));
    assert.equal(table.error, join(dir, "_500.tsx"));
    assert.deepEqual([...table.middlewares.keys()].sort(), ["", "greet"]);
    assert.deepEqual([...table.layouts.keys()], ["(shop)"]);
    const cart = table.routes.find((route) => route.pattern === "/cart")!;
    assert.deepEqual(cart.dirs, ["", "(shop)"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("matchRoute: static before params before rest, params decoded, no match is null", async () => {
  const dir = await routesOf([
    "index.tsx",
    "greet/[name].tsx",
    "greet/admin.tsx",
    "[...rest].tsx",
  ]);
  try {
    const table = await scanRoutes(dir);
    const match = (path: string) => {
      const found = matchRoute(table, path);
      return found && { pattern: found.route.pattern, params: found.params };
    };
    assert.deepEqual(match("/"), { pattern: "/", params: {} });
    assert.deepEqual(match("/greet/admin"), {
      pattern: "/greet/admin",
      params: {},
    });
    assert.deepEqual(match("/greet/%C3%BCn%C3%AF"), {
      pattern: "/greet/:name",
      params: { name: "ünï" },
    });
    assert.deepEqual(match("/a/b/c"), {
      pattern: "/:rest*",
      params: { rest: "a/b/c" },
    });
    // A bad escape matches nothing rather than throwing.
    assert.equal(match("/greet/%E0%A4%A"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("matchRoute: without a rest route, unknown and too deep paths do not match", async () => {
  const dir = await routesOf(["index.tsx", "greet/[name].tsx"]);
  try {
    const table = await scanRoutes(dir);
    assert.equal(matchRoute(table, "/nope"), null);
    assert.equal(matchRoute(table, "/greet"), null);
    assert.equal(matchRoute(table, "/greet/a/b"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
