/**
 * Unit tests of every reload rule of `propagation.ts`, on hand-built module
 * graphs and pages.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ModuleGraph, type ModuleNode } from "./module_graph.ts";
import {
  decideForPage,
  htmlEditReloads,
  invalidatedWithoutImporter,
  invalidationCameBack,
  moduleFailedInPage,
  type PageView,
  propagateUpdate,
  type Propagation,
  ranStaleVersion,
} from "./propagation.ts";

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
  /** The page runs it. Default: true. */
  loaded?: boolean;
  /** It is one of the page's `<script type="module" src>`. */
  entry?: boolean;
}

/** A page that runs `runs` and has `entries`. */
function pageOf(runs: Iterable<string>, entries: Iterable<string> = []) {
  const running = new Set(runs);
  const entrySet = new Set(entries);
  return {
    running,
    runs: (url: string) => running.has(url),
    isEntry: (url: string) => entrySet.has(url),
  } satisfies PageView & { running: Set<string> };
}

/** The page of the last {@linkcode graphOf}: what its specs say it runs. */
let page: PageView = pageOf([]);

/**
 * Builds a graph from `{ url: spec }`; every module lives at `/app<url>`.
 * Sets {@linkcode page} to a page running the `loaded` modules.
 */
function graphOf(specs: Record<string, ModuleSpec>): ModuleGraph {
  const graph = new ModuleGraph();
  const runs: string[] = [];
  const entries: string[] = [];
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
    if (spec.loaded ?? true) runs.push(url);
    if (spec.entry) entries.push(url);
  }
  page = pageOf(runs, entries);
  return graph;
}

function nodes(graph: ModuleGraph, urls: string[]): ModuleNode[] {
  return urls.map((url) => {
    const found = graph.get(url);
    assert.ok(found, `${url} is in the graph`);
    return found;
  });
}

function propagate(graph: ModuleGraph, ...urls: string[]): Propagation {
  return propagateUpdate(nodes(graph, urls), page);
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

Deno.test("a module the page does not run causes nothing", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/lazy.ts"] },
    "/src/lazy.ts": { loaded: false },
  });
  const result = propagate(graph, "/src/lazy.ts");
  assert.equal(result.kind, "none");
  assert.ok(result.kind === "none");
  assert.match(result.reason, /\/src\/lazy\.ts is not run by the page/);
});

Deno.test("importers the page does not run are not walked into", () => {
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

Deno.test("the same edit updates one page and reloads another, by what each runs", () => {
  const graph = graphOf({
    "/src/a-main.ts": { imports: ["/src/a-only.ts", "/src/shared.ts"] },
    "/src/b-main.ts": { imports: ["/src/shared.ts"] },
    "/src/a-only.ts": {},
    "/src/shared.ts": { self: true },
  });
  const a = pageOf(["/src/a-main.ts", "/src/a-only.ts", "/src/shared.ts"]);
  const b = pageOf(["/src/b-main.ts", "/src/shared.ts"]);
  const aOnly = nodes(graph, ["/src/a-only.ts"]);
  assert.equal(propagateUpdate(aOnly, a).kind, "full-reload");
  assert.equal(propagateUpdate(aOnly, b).kind, "none");
  const shared = nodes(graph, ["/src/shared.ts"]);
  assert.equal(propagateUpdate(shared, a).kind, "update");
  assert.equal(propagateUpdate(shared, b).kind, "update");
});

Deno.test("a dead end in a chain the page does not run does not reload it", () => {
  // b-main imports leaf without accepting it; page A runs leaf through its
  // accepting a-main only.
  const graph = graphOf({
    "/src/a-main.ts": { imports: ["/src/leaf.ts"], accepts: ["/src/leaf.ts"] },
    "/src/b-main.ts": { imports: ["/src/leaf.ts"] },
    "/src/leaf.ts": {},
  });
  const a = pageOf(["/src/a-main.ts", "/src/leaf.ts"]);
  const result = propagateUpdate(nodes(graph, ["/src/leaf.ts"]), a);
  assert.deepEqual(boundariesOf(result), ["/src/a-main.ts <- /src/leaf.ts"]);
});

Deno.test("failed-then-fixed: a module the page failed to load reloads that page when it builds again", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/broken.ts"], entry: true, loaded: false },
    "/src/broken.ts": { self: true, loaded: false },
  });
  const broken = nodes(graph, ["/src/broken.ts"]);
  graph.recordServeFailure(broken[0]);
  // Page A loaded while it was broken: its entry never ran.
  const a = pageOf([], ["/src/main.ts"]);
  assert.equal(moduleFailedInPage(broken, a)?.url, "/src/broken.ts");
  assert.deepEqual(decideForPage(broken, a), {
    kind: "full-reload",
    reason: "/src/broken.ts failed to load in the page and builds again",
  });
  // Page B ran it before it broke: it gets the hot update.
  const b = pageOf(["/src/main.ts", "/src/broken.ts"], ["/src/main.ts"]);
  assert.equal(moduleFailedInPage(broken, b), null);
  assert.equal(decideForPage(broken, b).kind, "update");
  // Page C shows another HTML file that never imports it: nothing.
  const c = pageOf(["/src/other.ts"], ["/src/other.ts"]);
  assert.equal(moduleFailedInPage(broken, c), null);
  assert.equal(decideForPage(broken, c).kind, "none");
});

Deno.test("failed-then-fixed: a new import a hot update failed on reloads the page that runs its importer", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/new.ts"], self: true, entry: true },
    "/src/new.ts": { loaded: false },
  });
  const fixed = nodes(graph, ["/src/new.ts"]);
  assert.equal(moduleFailedInPage(fixed, page), null, "never failed: no rule");
  graph.recordServeFailure(fixed[0]);
  assert.equal(moduleFailedInPage(fixed, page)?.url, "/src/new.ts");
  graph.recordServed(fixed[0]);
  assert.equal(moduleFailedInPage(fixed, page), null);
});

Deno.test("a lazily imported module the page never loaded and that never failed causes nothing", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/lazy.ts"], entry: true },
    "/src/lazy.ts": { loaded: false },
  });
  assert.deepEqual(decideForPage(nodes(graph, ["/src/lazy.ts"]), page), {
    kind: "none",
  });
});

Deno.test("an invalidation whose update comes back to its origin through a cycle reloads", () => {
  const graph = graphOf({
    // The page's entry: imported back by b.
    "/src/a.ts": { imports: ["/src/b.ts"], accepts: ["/src/b.ts"] },
    "/src/b.ts": { imports: ["/src/a.ts"] },
  });
  const result = propagate(graph, "/src/a.ts");
  assert.ok(result.kind === "update");
  assert.equal(invalidationCameBack(undefined, result.boundaries), null);
  assert.equal(invalidationCameBack("/src/main.ts", result.boundaries), null);
  assert.equal(
    invalidationCameBack("/src/b.ts", result.boundaries),
    "/src/b.ts invalidated itself and the update came back to it through an import cycle",
  );
  assert.equal(
    decideForPage(nodes(graph, ["/src/a.ts"]), page, {
      firstInvalidatedBy: "/src/b.ts",
    }).kind,
    "full-reload",
  );
});

Deno.test("an invalidation goes to the importers the page runs, or reloads it when there is none", () => {
  const graph = graphOf({
    "/src/main.ts": { imports: ["/src/a.ts"] },
    "/src/other.ts": { imports: ["/src/a.ts"], loaded: false },
    "/src/a.ts": { self: true },
  });
  const [a] = nodes(graph, ["/src/a.ts"]);
  const next = invalidatedWithoutImporter(a, page);
  assert.ok("importers" in next);
  assert.deepEqual(urls(next.importers), ["/src/main.ts"]);
  assert.deepEqual(invalidatedWithoutImporter(a, pageOf(["/src/a.ts"])), {
    reason: "/src/a.ts invalidated its update and no module imports it",
  });
});

Deno.test("an HTML edit reloads only a page showing that file", () => {
  assert.equal(htmlEditReloads("/a/index.html", ["/a/index.html"]), true);
  assert.equal(htmlEditReloads("/b/index.html", ["/a/index.html"]), false);
  assert.equal(
    htmlEditReloads("/pages/ünï-中文/index.html", [
      "/index.html",
      "/pages/ünï-中文/index.html",
    ]),
    true,
  );
});

Deno.test("a late report names a stale version: an older t=, another v=; a plain URL cannot tell", () => {
  const change = { timestamp: 200, currentVersion: "new" };
  assert.equal(ranStaleVersion("t=100", change), true);
  assert.equal(ranStaleVersion("t=200", change), false);
  assert.equal(ranStaleVersion("t=300", change), false);
  assert.equal(ranStaleVersion("v=old", change), true);
  assert.equal(ranStaleVersion("v=new", change), false);
  assert.equal(ranStaleVersion("", change), false);
  assert.equal(
    ranStaleVersion("v=old", { timestamp: 200, currentVersion: null }),
    false,
  );
});
