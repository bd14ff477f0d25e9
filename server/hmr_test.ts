import { equal } from "node:assert/strict";
import { formsSimpleChains } from "./hmr.ts";
import { ModuleGraph } from "./module_graph.ts";

function graph(edges: Record<string, string[]>) {
  const g = new ModuleGraph();
  for (const [from, tos] of Object.entries(edges)) {
    g.setImports(
      g.ensure(from, null),
      tos.map((t) => g.ensure(t, null)),
      new Set(),
      false,
    );
  }
  return (...urls: string[]) => urls.map((u) => g.get(u)!);
}

Deno.test("formsSimpleChains: a path from a leaf up to a boundary can be imported early", () => {
  const nodes = graph({
    "/m0": ["/m1", "/x"],
    "/m1": ["/m2", "/y"],
    "/m2": [],
  });
  equal(formsSimpleChains(nodes("/m0", "/m1", "/m2")), true);
});

Deno.test("formsSimpleChains: two fresh imports in one module keep the import order", () => {
  const nodes = graph({ "/b": ["/p", "/q"], "/p": [], "/q": [] });
  equal(formsSimpleChains(nodes("/b", "/p", "/q")), false);
  equal(formsSimpleChains(nodes("/b", "/p")), true);
});

Deno.test("formsSimpleChains: a cycle among fresh modules is not a simple chain", () => {
  const nodes = graph({ "/x": ["/y"], "/y": ["/x"], "/main": ["/x"] });
  equal(formsSimpleChains(nodes("/x", "/y")), false);
  equal(formsSimpleChains(nodes("/main", "/x")), true);
});
