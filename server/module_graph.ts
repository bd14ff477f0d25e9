/**
 * The module graph: every module the server has transformed, what it imports,
 * who imports it, and what its `import.meta.hot.accept(...)` calls accept.
 *
 * @module
 */

/** One served module (a URL; several URLs may come from one file). */
export class ModuleNode {
  /** Root-relative URL without the `t`/`v` freshness params, e.g. `/src/a.ts`. */
  readonly url: string;
  /** Absolute file path, when the module comes from a file. */
  file: string | null;
  /** Modules this one imports (static and dynamic). */
  readonly importedModules: Set<ModuleNode> = new Set();
  /** Modules that import this one. */
  readonly importers: Set<ModuleNode> = new Set();
  /** Imports this module accepts with `accept(dep, cb)` / `accept([deps], cb)`. */
  readonly acceptedHmrDeps: Set<ModuleNode> = new Set();
  /** True when it calls `import.meta.hot.accept()` / `accept(cb)`. */
  isSelfAccepting = false;
  /** True when it calls `import.meta.hot.decline()`. */
  isDeclined = false;
  /** Timestamp of the last hot update that replaced this module (0: never). */
  lastHMRTimestamp = 0;
  /** Set when a client invalidated the update of `lastHMRTimestamp`. */
  lastHMRInvalidationReceived = false;
  /** True once a browser requested it; never-loaded modules cause no update. */
  loadedByClient = false;
  /**
   * A page asked for it and got an error instead: no page runs it, so its
   * next good build cannot be hot-applied (the page reloads instead).
   */
  failedInPage = false;
  /** Hash of the last source the module was built from (skips no-op saves). */
  sourceHash: string | null = null;
  /** Module type, for CSS updates. */
  type: "js" | "css" = "js";

  constructor(url: string, file: string | null) {
    this.url = url;
    this.file = file;
  }
}

/**
 * Node registry keyed by URL and by file.
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
  readonly urlToModule: Map<string, ModuleNode> = new Map();
  readonly fileToModules: Map<string, Set<ModuleNode>> = new Map();

  /** The node for `url`, creating it when new. */
  ensure(url: string, file: string | null): ModuleNode {
    let node = this.urlToModule.get(url);
    if (!node) {
      node = new ModuleNode(url, file);
      this.urlToModule.set(url, node);
    }
    if (file && node.file !== file) node.file = file;
    if (file) {
      let set = this.fileToModules.get(file);
      if (!set) this.fileToModules.set(file, set = new Set());
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
   * (candidates for `prune`).
   */
  setImports(
    node: ModuleNode,
    imports: ModuleNode[],
    acceptedDeps: Set<ModuleNode>,
    isSelfAccepting: boolean,
    isDeclined = false,
  ): ModuleNode[] {
    const next = new Set(imports);
    const orphaned: ModuleNode[] = [];
    for (const old of node.importedModules) {
      if (next.has(old)) continue;
      old.importers.delete(node);
      if (old.importers.size === 0) orphaned.push(old);
    }
    node.importedModules.clear();
    for (const dep of next) {
      node.importedModules.add(dep);
      dep.importers.add(node);
    }
    node.acceptedHmrDeps.clear();
    for (const dep of acceptedDeps) node.acceptedHmrDeps.add(dep);
    node.isSelfAccepting = isSelfAccepting;
    node.isDeclined = isDeclined;
    return orphaned;
  }
}
