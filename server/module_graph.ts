/**
 * The module graph: every module the server has built, what it imports, who
 * imports it, and what its `import.meta.hot.accept(...)` calls accept.
 *
 * The graph is the only writer of module state: every field of a
 * {@linkcode ModuleNode} is read-only outside this file, and each change is a
 * {@linkcode ModuleGraph} method named for what happened (`recordHotUpdate`,
 * `recordServeFailure`, `markStylesheet`, `prune`, …). Which page runs which
 * module is not module state: it lives in the page registry
 * (`server/pages.ts`), so the graph can serve any number of pages — or a
 * server environment with no page at all.
 *
 * @module
 */

/** One served module (a URL; several URLs may come from one file). */
export class ModuleNode {
  /** Root-relative URL without the `t`/`v` freshness params, e.g. `/src/a.ts`. */
  readonly url: string;
  /** Absolute file path, when the module comes from a file. */
  readonly file: string | null;
  /** Modules this one imports (static and dynamic). */
  readonly importedModules: ReadonlySet<ModuleNode> = new Set();
  /** Modules that import this one. */
  readonly importers: ReadonlySet<ModuleNode> = new Set();
  /** Imports this module accepts with `accept(dep, cb)` / `accept([deps], cb)`. */
  readonly acceptedHmrDeps: ReadonlySet<ModuleNode> = new Set();
  /** True when it calls `import.meta.hot.accept()` / `accept(cb)`. */
  readonly isSelfAccepting: boolean = false;
  /** True when it calls `import.meta.hot.decline()`. */
  readonly isDeclined: boolean = false;
  /**
   * Timestamp of the last hot update (or prune) that gave this module a new
   * version (0: never): importers are served with `?t=<it>` and the page's
   * import map leaves the module out.
   */
  readonly lastHMRTimestamp: number = 0;
  /**
   * The last request for it was answered with an error: a page that should
   * run it has no instance, so its next good build reloads that page.
   */
  readonly lastServeFailed: boolean = false;
  /** Hash of the last source the module was built from (skips no-op saves). */
  readonly sourceHash: string | null = null;
  /**
   * `css` for a stylesheet a page links with `<link rel="stylesheet">`: its
   * updates are `css-update`s. `js` for everything else.
   */
  readonly type: "js" | "css" = "js";

  constructor(url: string, file: string | null) {
    this.url = url;
    this.file = file;
  }
}

/** The writable view of a node: used by the graph only. */
type NodeState = {
  -readonly [K in keyof ModuleNode]: ModuleNode[K] extends ReadonlySet<infer T>
    ? Set<T>
    : ModuleNode[K];
};

function state(node: ModuleNode): NodeState {
  return node as unknown as NodeState;
}

/**
 * Node registry keyed by URL and by file, and the one writer of node state.
 *
 * @example
 * ```ts
 * const graph = new ModuleGraph();
 * const a = graph.ensure("/src/a.ts", "/app/src/a.ts");
 * const b = graph.ensure("/src/b.ts", "/app/src/b.ts");
 * graph.setImports(a, [b], new Set(), false);
 * b.importers.has(a); // true
 * ```
 */
export class ModuleGraph {
  /** Every node by URL. Read-only: use the methods to change the graph. */
  readonly urlToModule: ReadonlyMap<string, ModuleNode> = new Map();
  /** Nodes by absolute file. Read-only: use the methods to change the graph. */
  readonly fileToModules: ReadonlyMap<string, ReadonlySet<ModuleNode>> =
    new Map();

  /** The node for `url`, creating it when new. */
  ensure(url: string, file: string | null): ModuleNode {
    const byUrl = this.urlToModule as Map<string, ModuleNode>;
    let node = byUrl.get(url);
    if (!node) {
      node = new ModuleNode(url, file);
      byUrl.set(url, node);
    }
    if (file && node.file !== file) state(node).file = file;
    if (file) {
      const byFile = this.fileToModules as Map<string, Set<ModuleNode>>;
      let set = byFile.get(file);
      if (!set) byFile.set(file, set = new Set());
      set.add(node);
    }
    return node;
  }

  /** The node for `url`, if known. */
  get(url: string): ModuleNode | undefined {
    return this.urlToModule.get(url);
  }

  /** All nodes built from `file`. */
  byFile(file: string): ModuleNode[] {
    return [...(this.fileToModules.get(file) ?? [])];
  }

  /**
   * Replaces a module's imports and accepted deps after a (re)transform.
   * Returns the modules it no longer imports that have no importer left
   * (candidates for {@linkcode ModuleGraph.prune}).
   */
  setImports(
    node: ModuleNode,
    imports: ModuleNode[],
    acceptedDeps: Set<ModuleNode>,
    isSelfAccepting: boolean,
    isDeclined = false,
  ): ModuleNode[] {
    const s = state(node);
    const next = new Set(imports);
    const orphaned: ModuleNode[] = [];
    for (const old of s.importedModules) {
      if (next.has(old)) continue;
      state(old).importers.delete(node);
      if (old.importers.size === 0) orphaned.push(old);
    }
    s.importedModules.clear();
    for (const dep of next) {
      s.importedModules.add(dep);
      state(dep).importers.add(node);
    }
    s.acceptedHmrDeps.clear();
    for (const dep of acceptedDeps) s.acceptedHmrDeps.add(dep);
    s.isSelfAccepting = isSelfAccepting;
    s.isDeclined = isDeclined;
    return orphaned;
  }

  /**
   * Removes the outgoing edges of modules that lost their last importer, so
   * they no longer count as importers of what they imported; modules left
   * without an importer by that are pruned too. Returns every pruned module
   * (its build must be dropped: importing it again rebuilds its edges).
   * `keep` spares a module (a page's entry, which has no importer).
   */
  prune(
    orphans: Iterable<ModuleNode>,
    keep: (node: ModuleNode) => boolean = () => false,
  ): ModuleNode[] {
    const pruned: ModuleNode[] = [];
    const queue = [...orphans];
    const seen = new Set<ModuleNode>();
    while (queue.length > 0) {
      const node = queue.pop()!;
      if (seen.has(node) || node.importers.size > 0 || keep(node)) continue;
      seen.add(node);
      pruned.push(node);
      const s = state(node);
      for (const dep of s.importedModules) {
        const deps = state(dep);
        deps.importers.delete(node);
        if (dep.importers.size === 0) queue.push(dep);
      }
      s.importedModules.clear();
      s.acceptedHmrDeps.clear();
    }
    return pruned;
  }

  /** How many times {@linkcode ModuleGraph.recordHotUpdate} gave modules a new version. */
  get hotUpdates(): number {
    return this.#hotUpdates;
  }
  #hotUpdates = 0;

  /** `nodes` got a new version at `timestamp` (a hot update or a prune). */
  recordHotUpdate(nodes: Iterable<ModuleNode>, timestamp: number): void {
    for (const node of nodes) state(node).lastHMRTimestamp = timestamp;
    this.#hotUpdates++;
  }

  /** A request for `node` was answered with its code. */
  recordServed(node: ModuleNode): void {
    if (node.lastServeFailed) state(node).lastServeFailed = false;
  }

  /** A request for `node` was answered with an error. */
  recordServeFailure(node: ModuleNode): void {
    state(node).lastServeFailed = true;
  }

  /** `node` was built from a source with this content hash. */
  recordSource(node: ModuleNode, hash: string): void {
    state(node).sourceHash = hash;
  }

  /** `node` is a stylesheet a page links (`<link rel="stylesheet">`). */
  markStylesheet(node: ModuleNode): void {
    state(node).type = "css";
  }
}
