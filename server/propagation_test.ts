/**
 * Unit tests of {@linkcode propagateUpdate} on hand-built module graphs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ModuleGraph, type ModuleNode } from "./module_graph.ts";
import { propagateUpdate, type Propagation } from "./propagation.ts";

/** How one module of a test graph imports and accepts. */
interface ModuleSpec {
  /** URLs it imports. */
  imports?: string[];
  /** Imported URLs it accepts with `accept(dep, cb)`. */
  accepts?: string[];
  /** Calls `import.meta.hot.accept()`. */
  self?: boolean;
  /** Calls `import.meta.hot.decline()`. */
  declined?: boolean;
  /** A page requested it. Default: true. */
  loaded?: boolean;
}

/** Builds a graph from `{ url: spec }`; every module lives at `/app<url>`. */
function graphOf(specs: Record<string, ModuleSpec>): ModuleGraph {
  const graph = new ModuleGraph();
  const node = (url: string) => graph.ensure(url, `/app${url}`);
  for (const url of Object.keys(specs)) node(url);
  for (const [url, spec] of Object.entries(specs)) {
    const imports = (spec.imports ?? []).map(node);
    for (const accepted of spec.accepts ?? []) {
      assert.ok(spec.imports?.includes(accepted), `${url} imports ${accepted}`);
    }
    graph.setImports(
      node(url),
      imports,
      new Set((spec.accepts ?? []).map(node)),
      spec.self ?? false,
      spec.declined ?? false,
    );
    node(url).loadedByClient = spec.loaded ?? true;
  }
  return graph;
}

function propagate(graph: ModuleGraph, ...urls: string[]): Propagation {
  return propagateUpdate(urls.map((url) => {
    const found = graph.get(url);
    assert.ok(found, `${url} is in the graph`);
    return found;
  }));
}

/** The boundaries as `"boundary <- acceptedVia"` strings (+ " (cycle)"). */
function boundariesOf(result: Propagation): string[] {
  assert.equal(result.kind, "update", `expected an update: ${result.kind}`);
  if (result.kind !== "update") return [];
  return result.boundaries.map((b) =>
    `${b.boundary.url} <- ${b.acceptedVia.url}${
      b.isWithinCircularImport ? " (cycle)" : ""
    }`
  );
}

function urls(nodes: Iterable<ModuleNode>): string[] {
  return [...nodes].map((node) => node.url).sort();
}

function reasonOf(result: Propagation): string {
  assert.equal(result.kind, "full-reload", `expected a full reload`);
  return result.kind === "full-reload" ? result.reason : "";
}

Deno.test("a self-accepting module is its own boundary; nothing above it is refreshed", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"] },
    "/src/a.ts": { self: true },
  });
  const result = propagate(graph, "/src/a.ts");
  assert.deepEqual(boundariesOf(result), ["/src/a.ts <- /src/a.ts"]);
  assert.ok(result.kind === "update");
  assert.deepEqual(urls(result.refreshed), ["/src/a.ts"]);
});

Deno.test("an importer that accepts the changed module is the boundary", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/dep.ts"], accepts: ["/src/dep.ts"] },
    "/src/dep.ts": {},
  });
  const result = propagate(graph, "/src/dep.ts");
  assert.deepEqual(boundariesOf(result), ["/src/main.ts <- /src/dep.ts"]);
  assert.ok(result.kind === "update");
  assert.deepEqual(urls(result.refreshed), ["/src/dep.ts"]);
});

Deno.test("the walk goes up through importers that accept nothing, refreshing the chain", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/parent.ts"] },
    "/src/parent.ts": {
      imports: ["/src/middle.ts"],
      accepts: ["/src/middle.ts"],
    },
    "/src/middle.ts": { imports: ["/src/leaf.ts"] },
    "/src/leaf.ts": {},
  });
  const result = propagate(graph, "/src/leaf.ts");
  assert.deepEqual(boundariesOf(result), ["/src/parent.ts <- /src/middle.ts"]);
  assert.ok(result.kind === "update");
  assert.deepEqual(urls(result.refreshed), ["/src/leaf.ts", "/src/middle.ts"]);
});

Deno.test("a module imported from two accepting places gets one boundary per path", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts", "/src/b.ts"] },
    "/src/a.ts": { imports: ["/src/shared.ts"], accepts: ["/src/shared.ts"] },
    "/src/b.ts": { imports: ["/src/shared.ts"], self: true },
    "/src/shared.ts": {},
  });
  const result = propagate(graph, "/src/shared.ts");
  assert.deepEqual(boundariesOf(result).sort(), [
    "/src/a.ts <- /src/shared.ts",
    "/src/b.ts <- /src/b.ts",
  ]);
});

Deno.test("a path that reaches the entry without a boundary is a full reload, with the chain in the reason", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts", "/src/b.ts"] },
    "/src/a.ts": { imports: ["/src/leaf.ts"], accepts: ["/src/leaf.ts"] },
    "/src/b.ts": { imports: ["/src/leaf.ts"] },
    "/src/leaf.ts": {},
  });
  const reason = reasonOf(propagate(graph, "/src/leaf.ts"));
  assert.equal(
    reason,
    "no module accepts the update: /src/leaf.ts → /src/b.ts → /src/main.ts reaches the entry /src/main.ts",
  );
});

Deno.test("an edited entry that does not accept itself is a full reload", () => {
  const graph = graphOf({ "/src/main.ts": {} });
  assert.equal(
    reasonOf(propagate(graph, "/src/main.ts")),
    "/src/main.ts is an entry module and does not accept hot updates",
  );
});

Deno.test("a declining module on the path is a full reload that names it", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/mid.ts"], self: true },
    "/src/mid.ts": { imports: ["/src/leaf.ts"], declined: true },
    "/src/leaf.ts": {},
  });
  assert.match(
    reasonOf(propagate(graph, "/src/leaf.ts")),
    /\/src\/mid\.ts declines hot updates/,
  );
});

Deno.test("one dead end among several changed modules reloads the page", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts", "/src/b.ts"] },
    "/src/a.ts": { self: true },
    "/src/b.ts": {},
  });
  assert.match(reasonOf(propagate(graph, "/src/a.ts", "/src/b.ts")), /b\.ts/);
});

Deno.test("a module no page has loaded causes nothing", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/lazy.ts"] },
    "/src/lazy.ts": { loaded: false },
  });
  const result = propagate(graph, "/src/lazy.ts");
  assert.equal(result.kind, "none");
  assert.ok(result.kind === "none");
  assert.match(result.reason, /\/src\/lazy\.ts is not loaded by any page/);
});

Deno.test("importers no page has loaded are not walked into", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"] },
    "/src/a.ts": { imports: ["/src/leaf.ts"], accepts: ["/src/leaf.ts"] },
    // Pre-transformed (e.g. warmed up) but never requested by a page.
    "/src/other.ts": { imports: ["/src/leaf.ts"], loaded: false },
    "/src/leaf.ts": {},
  });
  assert.deepEqual(boundariesOf(propagate(graph, "/src/leaf.ts")), [
    "/src/a.ts <- /src/leaf.ts",
  ]);
});

Deno.test("a cycle with no boundary terminates in a full reload", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"] },
    "/src/a.ts": { imports: ["/src/b.ts"] },
    "/src/b.ts": { imports: ["/src/c.ts"] },
    "/src/c.ts": { imports: ["/src/a.ts"] },
  });
  assert.match(
    reasonOf(propagate(graph, "/src/b.ts")),
    /reaches the entry \/src\/main\.ts/,
  );
});

Deno.test("a cycle loaded directly by the page (its entry is imported back) with no boundary is a full reload", () => {
  // <script type="module" src="/src/a.ts">, and a ↔ b: no module of the
  // graph is an importer-less entry, and nothing accepts.
  const graph = graphOf({
    "/src/a.ts": { imports: ["/src/b.ts"] },
    "/src/b.ts": { imports: ["/src/a.ts"] },
  });
  assert.equal(
    reasonOf(propagate(graph, "/src/b.ts")),
    "no module accepts the update of /src/b.ts: its importers only lead around an import cycle",
  );
});

Deno.test("a cycle below a self-accepting entry updates through the entry, not flagged as circular", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/x.ts"], self: true },
    "/src/x.ts": { imports: ["/src/y.ts"] },
    "/src/y.ts": { imports: ["/src/x.ts"] },
  });
  const result = propagate(graph, "/src/y.ts");
  assert.deepEqual(boundariesOf(result), ["/src/main.ts <- /src/main.ts"]);
  assert.ok(result.kind === "update");
  assert.deepEqual(urls(result.refreshed), [
    "/src/main.ts",
    "/src/x.ts",
    "/src/y.ts",
  ]);
});

Deno.test("a boundary inside a cycle with the changed module is flagged isWithinCircularImport", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"] },
    "/src/a.ts": { imports: ["/src/b.ts"], self: true },
    "/src/b.ts": { imports: ["/src/a.ts"] },
  });
  assert.deepEqual(boundariesOf(propagate(graph, "/src/b.ts")), [
    "/src/a.ts <- /src/a.ts (cycle)",
  ]);
  // Edited itself, the module's update does not go around the cycle.
  assert.deepEqual(boundariesOf(propagate(graph, "/src/a.ts")), [
    "/src/a.ts <- /src/a.ts",
  ]);
});

Deno.test("a dep-accepting boundary inside a cycle is flagged too", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"], self: true },
    "/src/a.ts": { imports: ["/src/b.ts"], accepts: ["/src/b.ts"] },
    "/src/b.ts": { imports: ["/src/c.ts"] },
    "/src/c.ts": { imports: ["/src/a.ts"] },
  });
  assert.deepEqual(boundariesOf(propagate(graph, "/src/c.ts")), [
    "/src/a.ts <- /src/b.ts (cycle)",
  ]);
});
