/**
 * Every reload decision, in one file: given the modules an edit changed and
 * what one page runs, find the HMR boundaries that take the update, or the
 * reason that page must reload, or that the edit does not concern it. Pure
 * functions over the {@linkcode ModuleGraph} and a {@linkcode PageView}; they
 * follow Vite's rules, per page. "Why did my page reload?" is answered here:
 *
 * - {@linkcode propagateUpdate}: a chain with no boundary (dead end), a
 *   declined module, a cycle no module accepts;
 * - {@linkcode moduleFailedInPage}: a module the page failed to load builds
 *   again;
 * - {@linkcode invalidationCameBack}: an `invalidate()` whose update came
 *   back to the module through an import cycle;
 * - {@linkcode invalidatedWithoutImporter}: an `invalidate()` with no
 *   importer to take it;
 * - {@linkcode htmlEditReloads}: the page's HTML file changed;
 * - {@linkcode ranStaleVersion}: a page's report, late for an edit, names
 *   the version from before it;
 * - {@linkcode decideForPage}: all of them for one edit and one page.
 *
 * @module
 */

import type { ModuleNode } from "./module_graph.ts";

/** What a decision needs to know about one page. */
export interface PageView {
  /** True when the page runs the module at `url`. */
  runs(url: string): boolean;
  /** True when `url` is one of the page's `<script type="module" src>`. */
  isEntry(url: string): boolean;
}

/** A module that accepts the update, and through which import. */
export interface Boundary {
  /** The module whose accept callbacks run. */
  boundary: ModuleNode;
  /** The module it accepts: itself (self-accept) or one of its imports. */
  acceptedVia: ModuleNode;
  /** The boundary sits in an import cycle with the changed chain. */
  isWithinCircularImport: boolean;
}

/** The outcome of propagating one change in one page. */
export type Propagation =
  | {
    kind: "update";
    boundaries: Boundary[];
    /** Modules that get a fresh instance (changed module → boundaries). */
    refreshed: Set<ModuleNode>;
  }
  | { kind: "full-reload"; reason: string }
  | { kind: "none"; reason: string };

function chainText(chain: ModuleNode[]): string {
  return chain.map((node) => node.url).join(" → ");
}

function isWithinCircularImport(
  boundary: ModuleNode,
  chain: ModuleNode[],
): boolean {
  const inChain = new Set(chain);
  inChain.delete(boundary);
  const seen = new Set<ModuleNode>();
  const queue = [...boundary.importers];
  while (queue.length > 0) {
    const node = queue.pop()!;
    if (inChain.has(node)) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    queue.push(...node.importers);
  }
  return false;
}

/** Walks up from `node`; returns the chain that hit a dead end, if any. */
function walk(
  node: ModuleNode,
  page: PageView,
  traversed: Set<ModuleNode>,
  boundaries: Boundary[],
  chain: ModuleNode[],
): { chain: ModuleNode[]; declined: boolean } | null {
  if (traversed.has(node)) return null;
  traversed.add(node);
  if (node.isDeclined) return { chain, declined: true };
  if (node.isSelfAccepting) {
    boundaries.push({
      boundary: node,
      acceptedVia: node,
      isWithinCircularImport: isWithinCircularImport(node, chain),
    });
    return null;
  }
  // Importers this page does not run (built for another page, pre-built,
  // or pruned) can neither take the update nor make this page reload.
  const importers = [...node.importers].filter((i) => page.runs(i.url));
  if (importers.length === 0) return { chain, declined: false };
  for (const importer of importers) {
    const subChain = [...chain, importer];
    if (importer.acceptedHmrDeps.has(node)) {
      boundaries.push({
        boundary: importer,
        acceptedVia: node,
        isWithinCircularImport: isWithinCircularImport(importer, subChain),
      });
      continue;
    }
    // A cycle back into the chain is not a dead end: the walk continues
    // through the chain's other importers.
    if (chain.includes(importer)) continue;
    const deadEnd = walk(importer, page, traversed, boundaries, subChain);
    if (deadEnd) return deadEnd;
  }
  return null;
}

/**
 * Decides what `page` must do after `changed` modules were edited.
 *
 * - a self-accepting module is a boundary;
 * - an importer that accepts the changed module is a boundary;
 * - otherwise the walk continues through the importers the page runs;
 * - reaching a module with no such importer (an entry) means a full reload;
 * - modules the page does not run cause nothing.
 *
 * @example
 * ```ts
 * import { propagateUpdate, type PageView } from "./propagation.ts";
 * import type { ModuleGraph } from "./module_graph.ts";
 * function example(
 *   graph: ModuleGraph,
 *   page: PageView,
 * ) {
 *   const result = propagateUpdate([graph.get("/src/leaf.ts")!], page);
 *   if (result.kind === "full-reload") console.log(result.reason);
 * }
 * ```
 */
export function propagateUpdate(
  changed: ModuleNode[],
  page: PageView,
): Propagation {
  const loaded = changed.filter((node) => page.runs(node.url));
  if (loaded.length === 0) {
    return {
      kind: "none",
      reason: `${changed.map((n) => n.url).join(", ")} is not run by the page`,
    };
  }
  const boundaries: Boundary[] = [];
  const refreshed = new Set<ModuleNode>();
  for (const node of loaded) {
    const deadEnd = walk(node, page, refreshed, boundaries, [node]);
    if (deadEnd) {
      const last = deadEnd.chain[deadEnd.chain.length - 1];
      const reason = deadEnd.declined
        ? `${last.url} declines hot updates (import.meta.hot.decline())`
        : deadEnd.chain.length === 1
        ? `${last.url} is an entry module and does not accept hot updates`
        : `no module accepts the update: ${
          chainText(deadEnd.chain)
        } reaches the entry ${last.url}`;
      return { kind: "full-reload", reason };
    }
  }
  if (boundaries.length === 0) {
    // Every path led back into the chain: the page loads the cycle directly
    // (its <script> entry is imported back), and nothing in it accepts.
    return {
      kind: "full-reload",
      reason: `no module accepts the update of ${
        loaded.map((n) => n.url).join(", ")
      }: its importers only lead around an import cycle`,
    };
  }
  return { kind: "update", boundaries, refreshed };
}

/**
 * The module of `built` that `page` failed to load and that builds again,
 * if any: its last request was answered with an error, the page does not
 * run it, and the page should (its importers lead, through modules the
 * page does not run either, to one it runs or to one of its entries). The
 * page has no instance to update: it must reload.
 *
 * @example
 * ```ts
 * import { moduleFailedInPage, type PageView } from "./propagation.ts";
 * import type { ModuleNode } from "./module_graph.ts";
 * function example(
 *   built: ModuleNode[],
 *   page: PageView,
 *   reload: (reason: string) => void,
 * ) {
 *   const failed = moduleFailedInPage(built, page);
 *   if (failed) reload(`${failed.url} failed to load in the page and builds again`);
 * }
 * ```
 */
export function moduleFailedInPage(
  built: ModuleNode[],
  page: PageView,
): ModuleNode | null {
  for (const node of built) {
    if (!node.lastServeFailed || page.runs(node.url)) continue;
    if (page.isEntry(node.url)) return node;
    const seen = new Set<ModuleNode>([node]);
    const queue = [...node.importers];
    while (queue.length > 0) {
      const importer = queue.pop()!;
      if (seen.has(importer)) continue;
      seen.add(importer);
      if (page.runs(importer.url) || page.isEntry(importer.url)) return node;
      queue.push(...importer.importers);
    }
  }
  return null;
}

/**
 * The reload reason when an update caused by `firstInvalidatedBy`'s
 * `import.meta.hot.invalidate()` would be accepted by that module again
 * (the update came back to it through an import cycle), else null.
 *
 * @example
 * ```ts
 * import { invalidationCameBack, type Propagation } from "./propagation.ts";
 * function example(
 *   result: Extract<Propagation, { kind: "update" }>,
 * ) {
 *   invalidationCameBack("/src/a.ts", result.boundaries); // "/src/a.ts invalidated itself…"
 * }
 * ```
 */
export function invalidationCameBack(
  firstInvalidatedBy: string | undefined,
  boundaries: Boundary[],
): string | null {
  if (!firstInvalidatedBy) return null;
  if (!boundaries.some((b) => b.acceptedVia.url === firstInvalidatedBy)) {
    return null;
  }
  return `${firstInvalidatedBy} invalidated itself and the update came back to it through an import cycle`;
}

/**
 * After `node` invalidated its update in `page`: the importers the update
 * goes to, or the reload reason when the page runs none.
 *
 * @example
 * ```ts
 * import { invalidatedWithoutImporter, type PageView } from "./propagation.ts";
 * import type { ModuleNode } from "./module_graph.ts";
 * function example(
 *   node: ModuleNode,
 *   page: PageView,
 *   reload: (reason: string) => void,
 * ) {
 *   const next = invalidatedWithoutImporter(node, page);
 *   if ("reason" in next) reload(next.reason);
 * }
 * ```
 */
export function invalidatedWithoutImporter(
  node: ModuleNode,
  page: PageView,
): { importers: ModuleNode[] } | { reason: string } {
  const importers = [...node.importers].filter((i) => page.runs(i.url));
  if (importers.length > 0) return { importers };
  return {
    reason: `${node.url} invalidated its update and no module imports it`,
  };
}

/**
 * True when an edit of the HTML files at `editedPaths` reloads a page
 * showing `pagePath`. Both are in the form of `normalizePagePath`
 * (`server/pages.ts`): decoded, NFC, `/a/` as `/a/index.html`.
 *
 * @example
 * ```ts
 * htmlEditReloads("/b/index.html", ["/a/index.html"]); // false
 * ```
 */
export function htmlEditReloads(
  pagePath: string,
  editedPaths: readonly string[],
): boolean {
  return editedPaths.includes(pagePath);
}

/**
 * True when a page reports running a module at `reportedVersion` (`t=…`,
 * `v=…`, `""`) that is older than the edit a recent batch made at
 * `timestamp`: the report was on its way while the batch was decided, so
 * the page did not get the update. `currentVersion` is the module's `?v=`
 * version now. A module loaded by its plain URL (`""`) cannot tell.
 *
 * @example
 * ```ts
 * ranStaleVersion("t=100", { timestamp: 200, currentVersion: "ab" }); // true
 * ranStaleVersion("v=ab", { timestamp: 200, currentVersion: "ab" }); // false
 * ```
 */
export function ranStaleVersion(
  reportedVersion: string,
  change: { timestamp: number; currentVersion: string | null },
): boolean {
  if (reportedVersion.startsWith("t=")) {
    return Number(reportedVersion.slice(2)) < change.timestamp;
  }
  if (reportedVersion.startsWith("v=")) {
    return change.currentVersion !== null &&
      reportedVersion.slice(2) !== change.currentVersion;
  }
  return false;
}

/** What one page gets for one edit. */
export type PageDecision =
  | Extract<Propagation, { kind: "update" }>
  | { kind: "full-reload"; reason: string }
  | { kind: "none" };

/**
 * Everything one page gets for the rebuilt modules `built`: a reload when
 * one of them failed to load in it, else the propagation in it, turned
 * into a reload when an invalidation came back to its origin.
 *
 * @example
 * ```ts
 * import { decideForPage, type PageView } from "./propagation.ts";
 * import type { ModuleNode } from "./module_graph.ts";
 * function example(
 *   built: ModuleNode[],
 *   page: PageView,
 *   send: (boundaries: unknown[]) => void,
 * ) {
 *   const decision = decideForPage(built, page, {});
 *   if (decision.kind === "update") send(decision.boundaries);
 * }
 * ```
 */
export function decideForPage(
  built: ModuleNode[],
  page: PageView,
  options: { firstInvalidatedBy?: string } = {},
): PageDecision {
  const failed = moduleFailedInPage(built, page);
  if (failed) {
    return {
      kind: "full-reload",
      reason: `${failed.url} failed to load in the page and builds again`,
    };
  }
  const result = propagateUpdate(built, page);
  if (result.kind === "none") return { kind: "none" };
  if (result.kind === "full-reload") return result;
  const cameBack = invalidationCameBack(
    options.firstInvalidatedBy,
    result.boundaries,
  );
  if (cameBack) return { kind: "full-reload", reason: cameBack };
  return result;
}
