import { deepStrictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  checkedRoots,
  findCycles,
  type GraphModule,
  readImportGraph,
  shortestLoop,
} from "./check_import_cycles.ts";

const graph = (edges: Record<string, string[]>): GraphModule[] =>
  Object.entries(edges).map(([specifier, imports]) => ({
    specifier,
    imports,
  }));

Deno.test("findCycles: an acyclic graph has none", () => {
  deepStrictEqual(findCycles(graph({ a: ["b", "c"], b: ["c"], c: [] })), []);
});

Deno.test("findCycles: each strongly connected component once, sorted", () => {
  const g = graph({
    a: ["b"],
    b: ["c"],
    c: ["a", "d"],
    d: ["e"],
    e: ["d"],
    f: ["a"],
  });
  deepStrictEqual(findCycles(g), [["a", "b", "c"], ["d", "e"]]);
});

Deno.test("findCycles: a module importing itself is a cycle", () => {
  deepStrictEqual(findCycles(graph({ a: ["a"], b: ["a"] })), [["a"]]);
});

Deno.test("findCycles: imports of modules outside the graph are ignored", () => {
  deepStrictEqual(findCycles(graph({ a: ["node:path", "b"], b: [] })), []);
});

Deno.test("shortestLoop: the shortest way back to the start", () => {
  const g = graph({ a: ["b", "d"], b: ["c"], c: ["a"], d: ["a"] });
  deepStrictEqual(shortestLoop(g, ["a", "b", "c", "d"], "a"), ["a", "d", "a"]);
});

Deno.test("the import graph of mod.ts, server/ and client/ has no cycle", async () => {
  const repo = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  const modules = await readImportGraph(repo, await checkedRoots(repo));
  // The graph really is read: the server and a type-only leaf are in it.
  const names = modules.map((module) => module.specifier);
  deepStrictEqual(
    ["server/server.ts", "server/types.ts", "mod.ts"].every((file) =>
      names.some((name) => name.endsWith("/" + file))
    ),
    true,
  );
  deepStrictEqual(findCycles(modules), []);
});
