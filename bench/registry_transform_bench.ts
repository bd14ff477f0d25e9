/**
 * Cost of the registry transform (`server/registry_transform.ts`) on the
 * bench app: every module compiled as per-module mode serves it (Oxc, inline
 * source map, the `__bananaRan` header, specifiers made plain ids), then
 * transformed to factory bodies — a first pass in a fresh process (what a
 * server's first bundle pays) and warm passes after it.
 *
 * Times are CPU time of this process (user + system, so waiting for a core
 * on a loaded machine does not count) and wall time.
 *
 * ```sh
 * deno run -A --lock=deno.lock bench/registry_transform_bench.ts [--modules 5000] [--passes 5]
 * ```
 *
 * @module
 */

import process from "node:process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateApp } from "./generate_app.ts";
import { transformWithRefresh } from "../server/oxc_compile.ts";
import { transformToFactory } from "../server/registry_transform.ts";

const HEADER = "globalThis.__bananaRan?.push(import.meta.url);";

/** The app's modules as per-module mode serves them, by id. */
async function servedModules(count: number): Promise<Map<string, string>> {
  const dir = await Deno.makeTempDir({ prefix: "banana_registry_bench_" });
  try {
    const app = await generateApp(dir, { modules: count });
    const modules = new Map<string, string>();
    const names = ["main.ts"];
    for (let i = 0; i < app.modules; i++) names.push(`m${i}.ts`);
    for (const name of names) {
      const id = `/src/${name}`;
      const source = await Deno.readTextFile(join(dir, "src", name));
      const { code } = await transformWithRefresh(source, id, {
        jsxImportSource: "preact",
        refresh: false,
        sourcemap: true,
      });
      modules.set(id, HEADER + code.replaceAll('"./', '"/src/'));
    }
    return modules;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** CPU and wall milliseconds of one call of `fn`. */
function measure(fn: () => void): { cpu: number; wall: number } {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  fn();
  const cpu = process.cpuUsage(cpuStart);
  return {
    cpu: (cpu.user + cpu.system) / 1000,
    wall: performance.now() - wallStart,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      modules: { type: "string", default: "5000" },
      passes: { type: "string", default: "5" },
    },
  });
  const modules = await servedModules(Number(values.modules));
  let bytes = 0;
  for (const code of modules.values()) bytes += code.length;
  console.log(
    `${modules.size} modules, ${(bytes / 1e6).toFixed(1)} MB served code ` +
      `(${Math.round(bytes / modules.size)} B a module with its source map)`,
  );
  const rows: string[] = [];
  for (let pass = 0; pass < Number(values.passes); pass++) {
    const { cpu, wall } = measure(() => {
      for (const [id, code] of modules) transformToFactory(code, id);
    });
    rows.push(
      `${pass === 0 ? "first" : "warm "} pass: ${cpu.toFixed(0)} ms CPU, ` +
        `${wall.toFixed(0)} ms wall, ${
          (cpu * 1000 / modules.size).toFixed(1)
        }` +
        ` µs CPU a module`,
    );
  }
  console.log(rows.join("\n"));
}
