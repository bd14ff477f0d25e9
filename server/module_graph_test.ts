/**
 * Unit tests of the module graph's writers: imports, prune, recorded state.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ModuleGraph } from "./module_graph.ts";

function graphWith(edges: Record<string, string[]>): ModuleGraph {
  const graph = new ModuleGraph();
  const node = (url: string) => graph.ensure(url, `/app${url}`);
  for (const [url, imports] of Object.entries(edges)) {
    graph.setImports(node(url), imports.map(node), new Set(), false);
  }
  return graph;
}

Deno.test("a module that lost its last importer is pruned: its imports no longer count it as an importer", () => {
  // main imports show from reexport (export * from display), then directly.
  const graph = graphWith({
    "/src/main.ts": ["/src/reexport.ts"],
    "/src/reexport.ts": ["/src/display.ts"],
    "/src/display.ts": [],
  });
  const main = graph.get("/src/main.ts")!;
  const display = graph.get("/src/display.ts")!;
  const orphaned = graph.setImports(main, [display], new Set(), true);
  assert.deepEqual(orphaned.map((n) => n.url), ["/src/reexport.ts"]);
  assert.equal(display.importers.size, 2, "before the prune: still counted");
  const pruned = graph.prune(orphaned);
  assert.deepEqual(pruned.map((n) => n.url), ["/src/reexport.ts"]);
  assert.deepEqual([...display.importers].map((n) => n.url), ["/src/main.ts"]);
  assert.equal(graph.get("/src/reexport.ts")!.importedModules.size, 0);
});

Deno.test("prune goes on through modules left without importers, and spares kept ones and imported ones", () => {
  const graph = graphWith({
    "/src/main.ts": ["/src/a.ts", "/src/shared.ts"],
    "/src/a.ts": ["/src/b.ts", "/src/shared.ts"],
    "/src/b.ts": ["/src/c.ts"],
    "/src/c.ts": [],
    "/src/shared.ts": [],
  });
  const main = graph.get("/src/main.ts")!;
  const orphaned = graph.setImports(
    main,
    [graph.get("/src/shared.ts")!],
    new Set(),
    false,
  );
  const pruned = graph.prune(orphaned).map((n) => n.url).sort();
  assert.deepEqual(pruned, ["/src/a.ts", "/src/b.ts", "/src/c.ts"]);
  assert.equal(graph.get("/src/shared.ts")!.importers.size, 1);

  const kept = graphWith({ "/src/x.ts": ["/src/y.ts"], "/src/y.ts": [] });
  assert.deepEqual(
    kept.prune([kept.get("/src/x.ts")!], (n) => n.url === "/src/x.ts"),
    [],
  );
  assert.equal(kept.get("/src/y.ts")!.importers.size, 1);
});

Deno.test("module state changes only through the graph's methods", () => {
  const graph = new ModuleGraph();
  const node = graph.ensure("/src/a.ts", "/app/src/a.ts");
  graph.recordHotUpdate([node], 42);
  graph.recordServeFailure(node);
  graph.recordSource(node, "abc");
  graph.markStylesheet(node);
  assert.equal(node.lastHMRTimestamp, 42);
  assert.equal(node.lastServeFailed, true);
  assert.equal(node.sourceHash, "abc");
  assert.equal(node.type, "css");
  graph.recordServed(node);
  assert.equal(node.lastServeFailed, false);
});
