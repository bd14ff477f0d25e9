/**
 * What the module registry (client/module_registry.ts) costs Chromium: a
 * bundle page of N small factories shaped like `deno task bench`'s app (a
 * tree, fan-out 3, ~700 bytes a module with its inline source map), defined
 * and run from a real Deno.serve, against the same modules as plain
 * functions in one script (no `eval`: what an esbuild bundle costs).
 *
 * ```sh
 * deno run -A --lock=deno.lock bench/registry_bench.ts [--modules 5000] [--runs 3]
 * ```
 *
 * Prints, per form, the median of `--runs` first loads and reloads (the
 * third load of a context: the bundle is a 304 and Chromium may have its
 * code cache): navigation → the tree rendered, and inside the bundle
 * script, its start → rendered (for the registry, also the time its `eval`
 * calls took).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { launchBrowser, type Page } from "../tests/_browser.ts";
import { serveClientFile } from "../server/client_files.ts";
import { childrenOf } from "./generate_app.ts";
import { median } from "./measure.ts";

/** A base64 blob the size of an inline source map of such a module. */
const SOURCE_MAP = "//# sourceMappingURL=data:application/json;base64," +
  btoa("x".repeat(330));

/** Module `index` as Contract 1's transform writes it. */
function factoryCode(index: number, modules: number): string {
  const children = childrenOf(index, modules);
  const imports = children.map((child, k) =>
    `const __i${k} = await __m.import("/src/m${child}.ts");`
  ).join("");
  const parts = children.map((_, k) => `(0, __i${k}.render)()`);
  const body = parts.length === 0
    ? "TEXT"
    : `TEXT + " [" + ${parts.join(' + " " + ')} + "]"`;
  return `"use strict";__m.export({render: () => render});${imports}\n` +
    "\n".repeat(children.length) +
    `const TEXT = "m${index}:v0";\n\n` +
    "/** Renders this module's text followed by its children's output. */\n" +
    `function render() {\n  return ${body};\n}\n${SOURCE_MAP}\n`;
}

const RENDER = "document.querySelector('#app').textContent = " +
  "(0, __root.render)(); document.body.dataset.rendered = '1'; " +
  "document.body.dataset.inScript = String(performance.now() - __start);";

/** The bundle of `modules` factories on the registry. */
export function registryBundle(modules: number): string {
  const lines = [
    'import { registry } from "/@banana/client/module_registry.ts";',
    "const __start = performance.now();",
    // Time spent compiling factories (the registry calls `(0, eval)`).
    "const __eval = globalThis.eval; let __evalMs = 0;",
    "globalThis.eval = (s) => { const t = performance.now(); try { return __eval(s); } finally { __evalMs += performance.now() - t; } };",
  ];
  for (let i = 0; i < modules; i++) {
    lines.push(
      `registry.define("/src/m${i}.ts", "v0", ${
        JSON.stringify(factoryCode(i, modules))
      });`,
    );
  }
  lines.push(
    'const __root = await registry.import("/src/m0.ts");',
    "document.body.dataset.evalMs = String(__evalMs);",
    RENDER,
  );
  return lines.join("\n");
}

/** The same modules as functions of one script, on a minimal runtime. */
export function functionsBundle(modules: number): string {
  const lines = [
    "const __start = performance.now();",
    "const __f = new Map(); const __done = new Map();",
    "async function __imp(id) { let p = __done.get(id); if (!p) { const e = Object.create(null); p = __f.get(id)({ import: __imp, export(g) { for (const k in g) Object.defineProperty(e, k, { get: g[k], enumerable: true }); } }).then(() => e); __done.set(id, p); } return p; }",
  ];
  for (let i = 0; i < modules; i++) {
    lines.push(
      `__f.set("/src/m${i}.ts", async function (__m) {${
        factoryCode(i, modules)
      }});`,
    );
  }
  lines.push('const __root = await __imp("/src/m0.ts");', RENDER);
  return lines.join("\n");
}

if (import.meta.main) await main();

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { modules: { type: "string" }, runs: { type: "string" } },
  });
  const modules = Number(values.modules ?? 5000);
  const runs = Number(values.runs ?? 3);
  const bundles: Record<string, string> = {
    registry: registryBundle(modules),
    functions: functionsBundle(modules),
  };
  const js = { "content-type": "text/javascript; charset=utf-8" };
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => {
      const url = new URL(request.url);
      const form = url.pathname.slice(1);
      if (form in bundles) {
        return new Response(
          `<!doctype html><div id=app></div><script type=module src="/${form}.js"></script>`,
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname.endsWith(".js")) {
        // As the dev bundle is served: ETag + no-cache, a reload is a 304.
        const etag = `"${url.pathname}-${modules}"`;
        const headers = { ...js, etag, "cache-control": "no-cache" };
        if (request.headers.get("if-none-match") === etag) {
          return new Response(null, { status: 304, headers });
        }
        return new Response(bundles[url.pathname.slice(1, -3)], { headers });
      }
      return serveClientFile(url.pathname, request, {
        hmr: null,
        token: "",
        port: 0,
      });
    },
  );
  const browser = await launchBrowser();
  console.log(
    `${modules} modules, bundle sizes: ${
      Object.entries(bundles).map(([form, text]) =>
        `${form} ${(text.length / 1e6).toFixed(2)} MB`
      ).join(", ")
    }; median of ${runs} (a new context each: first load, then the third)`,
  );
  type Sample = { load: number; inScript: number; evalMs: number };
  const samples: Record<string, { cold: Sample[]; reload: Sample[] }> = {};

  async function measure(page: Page, load: () => Promise<unknown>) {
    const started = performance.now();
    await load();
    await page.waitForSelector("body[data-rendered]");
    const ms = performance.now() - started;
    const text = await page.locator("#app").textContent();
    if (!text?.startsWith("m0:v0 [m1:v0")) throw new Error(`bad: ${text}`);
    const body = page.locator("body");
    return {
      load: ms,
      inScript: Number(await body.getAttribute("data-in-script")),
      evalMs: Number(await body.getAttribute("data-eval-ms") ?? 0),
    };
  }

  // Forms alternate run by run: load from other processes hits both alike.
  for (let run = 0; run < runs; run++) {
    for (const form of Object.keys(bundles)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const url = `http://127.0.0.1:${server.addr.port}/${form}`;
      const own = samples[form] ??= { cold: [], reload: [] };
      own.cold.push(await measure(page, () => page.goto(url)));
      // The third load: the bundle is a 304 and Chromium has its code cache.
      await measure(page, () => page.reload());
      own.reload.push(await measure(page, () => page.reload()));
      await context.close();
    }
  }
  const cell = (list: Sample[], key: keyof Sample) =>
    median(list.map((sample) => sample[key])).toFixed(0);
  for (const [form, { cold, reload }] of Object.entries(samples)) {
    for (const [name, list] of [["first load", cold], ["reload", reload]]) {
      console.log(
        `${form.padEnd(9)} ${(name as string).padEnd(10)} → rendered ${
          cell(list as Sample[], "load")
        } ms; in the script ${cell(list as Sample[], "inScript")} ms${
          form === "registry"
            ? ` (of which eval ${cell(list as Sample[], "evalMs")} ms)`
            : ""
        }`,
      );
    }
  }
  await browser.close();
}
