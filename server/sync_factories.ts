/**
 * Which factories of a dev bundle can be plain (not async) functions: a
 * module runs synchronously, as an ES module evaluates, when it awaits
 * nothing at its top level and every module it imports statically runs
 * synchronously too (or is an external, imported natively before the
 * bundle runs). Such a factory costs no promise, generator or microtask per
 * import, which on a 10,000-module page is most of what its load allocates.
 *
 * A synchronous chain runs on one stack: a module whose chain of such
 * imports below it is deeper than {@linkcode MAX_SYNC_HEIGHT} stays async
 * (and so do its importers), so no page overflows its stack.
 *
 * @module
 */

/** The deepest chain of synchronous modules one import may run. */
export const MAX_SYNC_HEIGHT = 400;

/** A module as this decision needs it. */
export interface SyncCandidate {
  id: string;
  /** Its static imports (ids), own modules and externals. */
  imports: readonly string[];
  /** Whether it could run synchronously by itself (no top-level await). */
  canBeSync: boolean;
}

/**
 * The ids of `modules` that may run synchronously. `isOwn` tells an own
 * module (which must be one of `modules`, and synchronous) from an
 * external.
 *
 * @example
 * ```ts
 * import { syncModuleIds } from "./sync_factories.ts";
 *
 * const ids = syncModuleIds([
 *   { id: "/src/main.ts", imports: ["/src/a.ts", "/@deps/react.js"], canBeSync: true },
 *   { id: "/src/a.ts", imports: ["/src/tla.ts"], canBeSync: true },
 *   { id: "/src/tla.ts", imports: [], canBeSync: false },
 * ], (id) => id.startsWith("/src/"));
 * // ids is empty: tla.ts awaits, so a.ts must wait for it, and main.ts for a.ts
 * ```
 */
export function syncModuleIds(
  modules: readonly SyncCandidate[],
  isOwn: (id: string) => boolean,
  maxHeight = MAX_SYNC_HEIGHT,
): Set<string> {
  // By index: a 10,000-module bundle is decided on every assembly.
  const count = modules.length;
  const indexOf = new Map<string, number>();
  modules.forEach((module, i) => indexOf.set(module.id, i));
  const deps: number[][] = [];
  const importers: number[][] = Array.from({ length: count }, () => []);
  const sync = new Uint8Array(count);
  const notSync: number[] = [];
  for (let i = 0; i < count; i++) {
    const module = modules[i];
    const own: number[] = [];
    let ok = module.canBeSync;
    for (const dep of module.imports) {
      if (!isOwn(dep)) continue;
      const j = indexOf.get(dep);
      // An own module the bundle lacks is fetched, so awaited.
      if (j === undefined) ok = false;
      else {
        own.push(j);
        importers[j].push(i);
      }
    }
    deps.push(own);
    if (ok) sync[i] = 1;
    else notSync.push(i);
  }
  const demote = (queue: number[]) => {
    while (queue.length > 0) {
      for (const importer of importers[queue.pop()!]) {
        if (sync[importer]) {
          sync[importer] = 0;
          queue.push(importer);
        }
      }
    }
  };
  demote(notSync);
  // Heights of the synchronous part, without recursion (a chain may be
  // 10,000 modules long); an edge back into the current path counts 0.
  const height = new Int32Array(count);
  const onPath = new Uint8Array(count);
  const next = new Int32Array(count);
  const tooHigh: number[] = [];
  const stack: number[] = [];
  for (let root = 0; root < count; root++) {
    if (!sync[root] || height[root] > 0) continue;
    stack.push(root);
    onPath[root] = 1;
    while (stack.length > 0) {
      const at = stack[stack.length - 1];
      const below = deps[at];
      if (next[at] < below.length) {
        const dep = below[next[at]++];
        if (sync[dep] && height[dep] === 0 && !onPath[dep]) {
          onPath[dep] = 1;
          stack.push(dep);
        }
        continue;
      }
      let h = 1;
      for (const dep of below) {
        if (sync[dep] && height[dep] + 1 > h) h = height[dep] + 1;
      }
      height[at] = h;
      if (h > maxHeight) tooHigh.push(at);
      onPath[at] = 0;
      stack.pop();
    }
  }
  for (const i of tooHigh) sync[i] = 0;
  demote(tooHigh);
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) if (sync[i]) ids.add(modules[i].id);
  return ids;
}
