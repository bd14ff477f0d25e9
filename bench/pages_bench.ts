/**
 * The cost of per-page bookkeeping on a graph shaped like `deno task
 * bench`'s app (1000 modules, each importing up to three children, `main.ts`
 * accepting the root): a page's report of everything it runs (on connect),
 * and the per-page decisions of one leaf edit for 1 and 20 pages.
 *
 * ```sh
 * deno bench -A bench/pages_bench.ts
 * ```
 *
 * @module
 */

import { ModuleGraph, type ModuleNode } from "../server/module_graph.ts";
import { PageRegistry } from "../server/pages.ts";
import { decideForPage } from "../server/propagation.ts";

const MODULES = 1000;

function appGraph(): { urls: string[]; leaf: ModuleNode } {
  const graph = new ModuleGraph();
  const urls = ["/src/main.ts"];
  for (let i = 0; i < MODULES; i++) urls.push(`/src/m${i}.ts`);
  const node = (url: string) => graph.ensure(url, `/app${url}`);
  const m0 = node("/src/m0.ts");
  graph.setImports(node("/src/main.ts"), [m0], new Set([m0]), false);
  for (let i = 0; i < MODULES; i++) {
    const children = [1, 2, 3].map((k) => 3 * i + k).filter((c) => c < MODULES)
      .map((c) => node(`/src/m${c}.ts`));
    graph.setImports(node(`/src/m${i}.ts`), children, new Set(), false);
  }
  return { urls, leaf: node(`/src/m${MODULES - 1}.ts`) };
}

const { urls, leaf } = appGraph();
const loaded = urls.map((url) => `${url}?v=0123456789abcdef`);

function registryWith(pages: number): PageRegistry {
  const registry = new PageRegistry();
  for (let i = 0; i < pages; i++) {
    registry.report({}, {
      page: "/",
      reset: true,
      entries: ["/src/main.ts"],
      loaded,
    });
  }
  return registry;
}

Deno.bench("a page reports 1001 modules on connect", () => {
  registryWith(1);
});

for (const pages of [1, 20]) {
  const registry = registryWith(pages);
  Deno.bench(`decisions of one leaf edit for ${pages} page(s)`, () => {
    for (const page of registry.all()) decideForPage([leaf], page);
  });
}
