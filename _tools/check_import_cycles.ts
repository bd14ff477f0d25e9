/**
 * `deno run -A _tools/check_import_cycles.ts`: fails when the import graph of
 * `mod.ts`, `server/` and `client/` has a cycle.
 *
 * The graph comes from `deno info --json` over every module of those folders
 * (tests and benches excluded), and every edge counts — value imports,
 * dynamic imports and `import type` alike: a type-only edge still means the
 * two files cannot be read or moved one without the other.
 *
 * Each cycle is printed as the files of one strongly connected component plus
 * one shortest loop through it, so the edge to cut is easy to find.
 *
 * @module
 */

import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl, pathToFileURL } from "node:url";

const toFileUrl = (path: string) => pathToFileURL(path);

/** One module of the graph and the local modules it imports. */
export interface GraphModule {
  /** `file:` URL of the module. */
  specifier: string;
  /** `file:` URLs of the local modules it imports (any kind of import). */
  imports: string[];
}

/** The shape of `deno info --json` this script reads. */
interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: {
      code?: { specifier?: string };
      type?: { specifier?: string };
    }[];
  }[];
}

/**
 * Reads the import graph reachable from `roots` with `deno info --json`,
 * keeping only `file:` modules inside `repo`.
 */
export async function readImportGraph(
  repo: string,
  roots: string[],
): Promise<GraphModule[]> {
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      roots.map((root) => `import ${JSON.stringify(toFileUrl(root).href)};\n`)
        .join(""),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(repo, "deno.json"), entry],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `deno info failed: ${new TextDecoder().decode(output.stderr)}`,
      );
    }
    const info = JSON.parse(
      new TextDecoder().decode(output.stdout),
    ) as DenoInfo;
    const inside = toFileUrl(repo).href + "/";
    const modules: GraphModule[] = [];
    for (const module of info.modules) {
      if (!module.specifier.startsWith(inside)) continue;
      const imports = new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        for (const target of [dependency.code, dependency.type]) {
          if (target?.specifier?.startsWith(inside)) {
            imports.add(target.specifier);
          }
        }
      }
      modules.push({ specifier: module.specifier, imports: [...imports] });
    }
    return modules;
  } finally {
    await Deno.remove(entry);
  }
}

/**
 * The import cycles of a graph: every strongly connected component with more
 * than one module (or a module importing itself), each as a list of
 * specifiers sorted by name. Tarjan's algorithm, iterative so that a deep
 * graph cannot overflow the stack.
 *
 * @example
 * ```ts
 * import { findCycles } from "./check_import_cycles.ts";
 * const cycles = findCycles([
 *   { specifier: "a", imports: ["b"] },
 *   { specifier: "b", imports: ["a"] },
 *   { specifier: "c", imports: ["a"] },
 * ]);
 * console.assert(JSON.stringify(cycles) === '[["a","b"]]');
 * ```
 */
export function findCycles(graph: GraphModule[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const module of graph) edges.set(module.specifier, module.imports);
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, next);
    lowLink.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const children = edges.get(frame.node) ?? [];
      if (frame.child < children.length) {
        const child = children[frame.child++];
        if (!edges.has(child)) continue;
        if (!index.has(child)) {
          index.set(child, next);
          lowLink.set(child, next++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          lowLink.set(
            frame.node,
            Math.min(lowLink.get(frame.node)!, index.get(child)!),
          );
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        lowLink.set(
          parent,
          Math.min(lowLink.get(parent)!, lowLink.get(frame.node)!),
        );
      }
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 &&
          children.includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * One shortest loop through `start` inside `component` (breadth-first), as
 * the list of specifiers from `start` back to it.
 */
export function shortestLoop(
  graph: GraphModule[],
  component: string[],
  start: string,
): string[] {
  const members = new Set(component);
  const edges = new Map(graph.map((module) => [module.specifier, module]));
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const child of edges.get(node)?.imports ?? []) {
      if (!members.has(child)) continue;
      if (child === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return [...path, start];
      }
      if (previous.has(child)) continue;
      previous.set(child, node);
      queue.push(child);
    }
  }
  return [start];
}

/** The modules the check starts from: `mod.ts` and `server/`, `client/`. */
export async function checkedRoots(repo: string): Promise<string[]> {
  const roots = [join(repo, "mod.ts")];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (
        /\.(ts|tsx|js|mjs)$/.test(entry.name) &&
        !entry.name.endsWith(".d.ts") &&
        !/_test\.(ts|tsx|js)$/.test(entry.name)
      ) roots.push(path);
    }
  }
  for (const dir of ["server", "client"]) await walk(join(repo, dir));
  return roots.sort();
}

if (import.meta.main) {
  const repo = fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "");
  const graph = await readImportGraph(repo, await checkedRoots(repo));
  const cycles = findCycles(graph);
  const name = (specifier: string) => relative(repo, fromFileUrl(specifier));
  if (cycles.length === 0) {
    console.log(`No import cycle among ${graph.length} modules.`);
  } else {
    for (const cycle of cycles) {
      console.error(
        `Import cycle of ${cycle.length} modules:\n  ${
          cycle.map(name).join("\n  ")
        }\n  e.g. ${
          shortestLoop(graph, cycle, cycle[0]).map(name).join(" → ")
        }`,
      );
    }
    Deno.exit(1);
  }
}
