/**
 * Generates the benchmark app: an `index.html`, a `src/main.ts` entry that
 * accepts HMR updates of the root module through Vite's `import.meta.hot`
 * API, and a tree of `N` TypeScript modules (`src/m0.ts` … `src/m<N-1>.ts`).
 *
 * The tree is numbered breadth first: module `i` imports the modules
 * `3i+1`, `3i+2` and `3i+3` that exist. Every module's `render()` returns its
 * own text (`m17:v0`) followed by the output of its children, so a change to
 * the text of ANY module shows up in the page. No module but `main.ts`
 * accepts updates: an edit propagates up the importer chain to the root and
 * is applied by `main.ts`' `accept("./m0.ts", …)` callback.
 *
 * Run as a script:
 *
 * ```sh
 * deno run -A bench/generate_app.ts <dir> [--modules 1000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Number of children each module imports at most. */
export const BRANCHING = 3;

/** Default number of modules in the generated tree. */
export const DEFAULT_MODULES = 1000;

/** Options for {@linkcode generateApp}. */
export interface GenerateAppOptions {
  /** Number of tree modules to generate (at least 1). Defaults to 1000. */
  modules?: number;
}

/** What {@linkcode generateApp} wrote. */
export interface GeneratedApp {
  /** Absolute or relative path of the app directory, as given. */
  dir: string;
  /** Number of tree modules (`src/m0.ts` … `src/m<modules-1>.ts`). */
  modules: number;
  /** Indices of the modules that import nothing. */
  leaves: number[];
}

/**
 * Returns the indices of the children module `index` imports, in a tree of
 * `modules` modules.
 *
 * @example Usage
 * ```ts
 * import { childrenOf } from "./generate_app.ts";
 * childrenOf(0, 10); // [1, 2, 3]
 * childrenOf(3, 10); // []
 * ```
 */
export function childrenOf(index: number, modules: number): number[] {
  const children: number[] = [];
  for (let k = 1; k <= BRANCHING; k++) {
    const child = BRANCHING * index + k;
    if (child < modules) children.push(child);
  }
  return children;
}

/**
 * Returns the parent of module `index` in the tree, or `undefined` for the
 * root `m0`.
 *
 * @example Usage
 * ```ts
 * import { parentOf } from "./generate_app.ts";
 * parentOf(17); // 5
 * ```
 */
export function parentOf(index: number): number | undefined {
  return index === 0 ? undefined : Math.floor((index - 1) / BRANCHING);
}

/**
 * Returns the depth of module `index` (the root has depth 0).
 *
 * @example Usage
 * ```ts
 * import { depthOf } from "./generate_app.ts";
 * depthOf(17); // 3
 * ```
 */
export function depthOf(index: number): number {
  let depth = 0;
  for (let i = parentOf(index); i !== undefined; i = parentOf(i)) depth++;
  return depth;
}

/**
 * Returns the text a module renders for itself, e.g. `m17:v0`. The bench
 * edits a module by bumping its version and waits for the new text.
 *
 * @example Usage
 * ```ts
 * import { moduleText } from "./generate_app.ts";
 * moduleText(17, 2); // "m17:v2"
 * ```
 */
export function moduleText(index: number, version: number): string {
  return `m${index}:v${version}`;
}

/**
 * Returns the path of module `index` relative to the app directory.
 *
 * @example Usage
 * ```ts
 * import { modulePath } from "./generate_app.ts";
 * modulePath(17); // "src/m17.ts"
 * ```
 */
export function modulePath(index: number): string {
  return `src/m${index}.ts`;
}

/**
 * Returns the source of tree module `index` at text version `version`.
 *
 * @example Usage
 * ```ts
 * import { moduleSource } from "./generate_app.ts";
 * const source = moduleSource(0, 1000, 0);
 * source.includes('import { render as c1 } from "./m1.ts";'); // true
 * ```
 */
export function moduleSource(
  index: number,
  modules: number,
  version: number,
): string {
  const children = childrenOf(index, modules);
  const imports = children
    .map((child) => `import { render as c${child} } from "./m${child}.ts";\n`)
    .join("");
  const parts = children.map((child) => `c${child}()`);
  const body = parts.length === 0
    ? "TEXT"
    : `TEXT + " [" + ${parts.join(' + " " + ')} + "]"`;
  const separator = imports === "" ? "" : "\n";
  return `${imports}${separator}const TEXT: string = "${
    moduleText(index, version)
  }";

/** Renders this module's text followed by its children's output. */
export function render(): string {
  return ${body};
}
`;
}

/**
 * Returns the source of `src/main.ts`: renders the tree into `#app`, sets
 * `document.body.dataset.rendered = "1"` and `dataset.renderedAt` (epoch ms,
 * `performance.timeOrigin + performance.now()`) and `dataset.paintMs` (how
 * long its render and `textContent` took) after each render, and
 * accepts updates of `./m0.ts` through `import.meta.hot`.
 *
 * @example Usage
 * ```ts
 * import { mainSource } from "./generate_app.ts";
 * mainSource().includes('import.meta.hot.accept("./m0.ts"'); // true
 * ```
 */
export function mainSource(): string {
  return `import { render } from "./m0.ts";

interface RootModule {
  render(): string;
}

const app = document.getElementById("app") as HTMLElement;

function paint(root: RootModule): void {
  const started = performance.now();
  app.textContent = root.render();
  const body = document.body;
  // The app's own work (the same in every server): the bench tells it apart.
  body.dataset.paintMs = String(performance.now() - started);
  body.dataset.renderedAt = String(performance.timeOrigin + performance.now());
  body.dataset.renders = String(Number(body.dataset.renders ?? "0") + 1);
  body.dataset.rendered = "1";
}

paint({ render });

// Written literally as \`import.meta.hot.accept(...)\`: dev servers find HMR
// boundaries by scanning the source for this expression.
if (import.meta.hot) {
  import.meta.hot.accept("./m0.ts", (mod: RootModule | undefined) => {
    if (mod) paint(mod);
  });
}
`;
}

/**
 * Returns the app's `index.html`.
 *
 * @example Usage
 * ```ts
 * import { indexHtml } from "./generate_app.ts";
 * indexHtml().includes('<div id="app"></div>'); // true
 * ```
 */
export function indexHtml(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>BananaJS bench app</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`;
}

/**
 * Writes the benchmark app into `dir` (created if missing; existing generated
 * files are overwritten) and returns what it wrote.
 *
 * @example Usage
 * ```ts ignore
 * import { generateApp } from "./generate_app.ts";
 * const app = await generateApp(await Deno.makeTempDir(), { modules: 100 });
 * app.leaves.length; // 67
 * ```
 */
export async function generateApp(
  dir: string,
  options: GenerateAppOptions = {},
): Promise<GeneratedApp> {
  const modules = options.modules ?? DEFAULT_MODULES;
  if (!Number.isInteger(modules) || modules < 1) {
    throw new RangeError(
      `Expected the module count to be a positive integer, found ${modules}`,
    );
  }
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/index.html`, indexHtml());
  await Deno.writeTextFile(`${dir}/src/main.ts`, mainSource());
  const leaves: number[] = [];
  const writes: Promise<void>[] = [];
  for (let i = 0; i < modules; i++) {
    if (childrenOf(i, modules).length === 0) leaves.push(i);
    writes.push(
      Deno.writeTextFile(
        `${dir}/${modulePath(i)}`,
        moduleSource(i, modules, 0),
      ),
    );
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return { dir, modules, leaves };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { modules: { type: "string", default: String(DEFAULT_MODULES) } },
  });
  const dir = positionals[0];
  if (dir === undefined) {
    console.error(
      "Usage: deno run -A bench/generate_app.ts <dir> [--modules N]",
    );
    Deno.exit(2);
  }
  const app = await generateApp(dir, { modules: Number(values.modules) });
  console.log(
    `Wrote ${app.modules} modules (${app.leaves.length} leaves) to ${dir}`,
  );
}
