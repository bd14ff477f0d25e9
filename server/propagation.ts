/**
 * HMR propagation: given the modules an edit changed, find the HMR boundaries
 * that can take the update, or the reason the page must reload. Pure logic
 * over the {@linkcode ModuleGraph}; it follows Vite's rules.
 *
 * @module
 */

import type { ModuleNode } from "./module_graph.ts";

/** A module that accepts the update, and through which import. */
export interface Boundary {
  /** The module whose accept callbacks run. */
  boundary: ModuleNode;
  /** The module it accepts: itself (self-accept) or one of its imports. */
  acceptedVia: ModuleNode;
  /** The boundary sits in an import cycle with the changed chain. */
  isWithinCircularImport: boolean;
}

/** The outcome of propagating one change. */
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
  // Importers no page ever loaded (pre-transformed only) cannot be updated
  // and do not make the page reload.
  const importers = [...node.importers].filter((i) => i.loadedByClient);
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
    const deadEnd = walk(importer, traversed, boundaries, subChain);
    if (deadEnd) return deadEnd;
  }
  return null;
}

/**
 * Decides what the page must do after `changed` modules were edited.
 *
 * - a self-accepting module is a boundary;
 * - an importer that accepts the changed module is a boundary;
 * - otherwise the walk continues through the importers;
 * - reaching a module with no importer (an entry) means a full reload;
 * - modules no page ever loaded cause nothing.
 *
 * @example
 * ```ts
 * const result = propagateUpdate([graph.get("/src/leaf.ts")!]);
 * if (result.kind === "full-reload") console.log(result.reason);
 * ```
 */
export function propagateUpdate(changed: ModuleNode[]): Propagation {
  const loaded = changed.filter((node) => node.loadedByClient);
  if (loaded.length === 0) {
    return {
      kind: "none",
      reason: `${
        changed.map((n) => n.url).join(", ")
      } is not loaded by any page`,
    };
  }
  const boundaries: Boundary[] = [];
  const refreshed = new Set<ModuleNode>();
  for (const node of loaded) {
    const deadEnd = walk(node, refreshed, boundaries, [node]);
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
