import { deepEqual, equal, notEqual, rejects } from "node:assert/strict";
import { join } from "node:path";
import { BananaError } from "./errors.ts";
import { ModuleGraph } from "./module_graph.ts";
import { ModulePipeline } from "./module_pipeline.ts";
import { importMetaEnvCode } from "./module_builder.ts";
import type { DepBundler } from "./deps.ts";
import type { Plugin } from "./types.ts";

/** A pipeline over a real temp dir, with one plugin and no dependencies. */
async function pipelineFor(
  files: Record<string, string>,
  plugins: Plugin[] = [],
) {
  const root = await Deno.realPath(await Deno.makeTempDir());
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(root, name), text);
  }
  const graph = new ModuleGraph();
  const deps = {
    add() {},
    generation: null,
    urlFor: () => Promise.resolve("/dep.js"),
  } as unknown as DepBundler;
  const pipeline = new ModulePipeline({
    root,
    fsAllow: [root],
    graph,
    plugins,
    importMap: { imports: {}, scopes: {} },
    alias: {},
    deps,
    hmr: true,
    mode: "development",
  });
  return {
    root,
    graph,
    pipeline,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

Deno.test("module builder: importMetaEnvCode puts the app's variables next to MODE, DEV, PROD, SSR and BASE_URL", () => {
  deepEqual(
    JSON.parse(importMetaEnvCode({ mode: "staging", env: { VITE_A: "1" } })),
    {
      VITE_A: "1",
      MODE: "staging",
      DEV: true,
      PROD: false,
      SSR: false,
      BASE_URL: "/",
    },
  );
});

Deno.test("module builder: a build resolves imports into the graph; concurrent builds share one; invalidate rebuilds", async () => {
  let loads = 0;
  await using app = await pipelineFor({
    "a.ts": `import { b } from "./b.ts";\nexport const a = b;\n`,
    "b.ts": `export const b = 1;\n`,
  }, [{ name: "count", transform: () => void loads++ }]);
  const [one, two] = await Promise.all([
    app.pipeline.build("/a.ts"),
    app.pipeline.build("/a.ts"),
  ]);
  equal(one, two);
  equal(loads, 1);
  deepEqual(one.targets.map((t) => t.kind === "module" ? t.node.url : t.kind), [
    "/b.ts",
  ]);
  deepEqual([...app.graph.get("/a.ts")!.importedModules].map((n) => n.url), [
    "/b.ts",
  ]);
  equal(app.pipeline.getBuilt("/a.ts"), one);
  app.pipeline.invalidate("/a.ts");
  equal(app.pipeline.getBuilt("/a.ts"), undefined);
  const again = await app.pipeline.build("/a.ts");
  notEqual(again, one);
  equal(again.version, one.version);
  equal(loads, 2);
});

Deno.test("module builder: a failed build is cached as its error; creating the missing file is what retries it", async () => {
  await using app = await pipelineFor({
    "a.ts": `import "./missing.ts";\n`,
  });
  await rejects(() => app.pipeline.build("/a.ts"), BananaError);
  await rejects(() => app.pipeline.build("/a.ts"), /missing\.ts/);
  deepEqual(app.pipeline.takeWaitingFor(join(app.root, "missing.ts")), [
    "/a.ts",
  ]);
  deepEqual(app.pipeline.takeWaitingFor(join(app.root, "missing.ts")), []);
});

Deno.test("module builder: warmup builds the static imports, not the dynamic ones", async () => {
  await using app = await pipelineFor({
    "a.ts": `import "./b.ts";\nimport("./c.ts");\n`,
    "b.ts": `export {};\n`,
    "c.ts": `export {};\n`,
  });
  await app.pipeline.warmup("/a.ts");
  notEqual(app.pipeline.getBuilt("/b.ts"), undefined);
  equal(app.pipeline.getBuilt("/c.ts"), undefined);
});

Deno.test("module renderer: imports point at the last update's URL; the HMR header goes on the first line", async () => {
  await using app = await pipelineFor({
    "a.ts":
      `import { b } from "./b.ts";\nimport.meta.hot?.accept();\nexport const a = b;\n`,
    "b.ts": `export const b = 1;\n`,
  });
  const first = await app.pipeline.render("/a.ts");
  equal(first.code.split("\n")[0].includes(`createHotContext`), true);
  equal(first.code.includes(`from "/b.ts"`), true);
  equal(first.code.split("\n").length, 4);
  equal(app.pipeline.currentVersion("/a.ts"), first.etag.slice(1, -1));
  await app.pipeline.build("/b.ts");
  app.graph.recordHotUpdate([app.graph.get("/b.ts")!], 42);
  const next = await app.pipeline.render("/a.ts");
  equal(next.code.includes(`from "/b.ts?t=42"`), true);
  notEqual(next.etag, first.etag);
  // The import map's version follows the render (versions are memoised).
  equal(app.pipeline.currentVersion("/a.ts"), next.etag.slice(1, -1));
  app.graph.recordHotUpdate([app.graph.get("/b.ts")!], 43);
  notEqual(app.pipeline.currentVersion("/a.ts"), next.etag.slice(1, -1));
  equal(
    app.pipeline.currentVersion("/a.ts"),
    (await app.pipeline.render("/a.ts")).etag.slice(1, -1),
  );
});
