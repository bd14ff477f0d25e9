import assert from "node:assert/strict";
import { globPlugin } from "./glob.ts";
import type { PluginContext, TransformResult } from "../types.ts";
import { BananaError } from "../errors.ts";
import type { ModuleNode } from "../module_graph.ts";
import type { DevServer } from "../server.ts";

async function withApp(
  files: string[],
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    for (const file of files) {
      const path = `${root}/${file}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
        recursive: true,
      });
      await Deno.writeTextFile(path, "export default 1;\n");
    }
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function transform(root: string, code: string): Promise<string> {
  const plugin = globPlugin({ root });
  const out = await plugin.transform!.call(
    {} as PluginContext,
    code,
    `${root}/src/main.ts`,
  ) as TransformResult | undefined;
  return out?.code ?? code;
}

const FILES = ["src/main.ts", "src/pages/b.ts", "src/pages/a.ts", "src/x.css"];

Deno.test("import.meta.glob: lazy, eager, import and query give Vite's shapes, sorted, without the importer", async () => {
  await withApp(FILES, async (root) => {
    assert.equal(
      await transform(root, `const m = import.meta.glob("./pages/*.ts");`),
      `const m = Object.assign({"./pages/a.ts": () => import("./pages/a.ts"), "./pages/b.ts": () => import("./pages/b.ts")});`,
    );
    assert.equal(
      await transform(
        root,
        `const m = import.meta.glob(['./pages/*.ts', '!**/b.ts'], { eager: true, import: 'default', query: '?raw' });`,
      ),
      `import { default as __bananaGlob0_0 } from "./pages/a.ts?raw";const m = Object.assign({"./pages/a.ts": __bananaGlob0_0});`,
    );
    assert.equal(
      await transform(
        root,
        `const m = import.meta.glob("/src/*/a.ts", { import: "setup", query: { lang: "x", flag: true } });`,
      ),
      `const m = Object.assign({"/src/pages/a.ts": () => import("./pages/a.ts?lang=x&flag").then((m) => m["setup"])});`,
    );
    assert.equal(
      await transform(root, `const m = import.meta.glob("./*.ts");`),
      `const m = Object.assign({});`,
    );
    assert.equal(
      await transform(
        root,
        `const m = import.meta.glob("/src/**/a.ts", {\n  eager: true,\n});\nfoo();`,
      ),
      `import * as __bananaGlob0_0 from "./pages/a.ts";const m = Object.assign({"/src/pages/a.ts": __bananaGlob0_0})\n\n;\nfoo();`,
    );
  });
});

Deno.test("import.meta.glob: calls in strings and comments are left alone; a non-literal argument is a located error", async () => {
  await withApp(FILES, async (root) => {
    const code =
      `// import.meta.glob("./x")\nconst s = "import.meta.glob('./x')";`;
    assert.equal(await transform(root, code), code);
    await assert.rejects(
      () => transform(root, `const p = "./pages/*.ts";\nimport.meta.glob(p);`),
      (err: unknown) =>
        err instanceof BananaError && err.body.loc?.line === 2 &&
        /arguments must be literal values/.test(err.body.message),
    );
    await assert.rejects(
      () => transform(root, `import.meta.glob("pages/*.ts");`),
      /glob patterns start with "\.\/", "\.\.\/", "\/" \(root-relative\) or "\*\*"/,
    );
    await assert.rejects(
      () => transform(root, `import.meta.glob("./*.ts", { base: "./pages" });`),
      /"base" is not supported/,
    );
  });
});

Deno.test("import.meta.glob: a created file a glob matches rebuilds its importer, until the importer drops the glob", async () => {
  await withApp(FILES, async (root) => {
    const plugin = globPlugin({ root });
    const id = `${root}/src/main.ts`;
    const node = { url: "/src/main.ts" } as unknown as ModuleNode;
    const server = {
      moduleGraph: {
        byFile: (file: string) => file === id ? [node] : [],
      },
    } as unknown as DevServer;
    const created = (file: string) =>
      plugin.handleHotUpdate!({
        file,
        timestamp: 1,
        modules: [],
        read: () => Promise.resolve(""),
        server,
      });
    await plugin.transform!.call(
      {} as PluginContext,
      `import.meta.glob("./pages/*.ts")`,
      id,
    );
    assert.deepEqual(await created(`${root}/src/pages/c.ts`), [node]);
    assert.equal(await created(`${root}/src/other/c.ts`), undefined);
    await plugin.transform!.call({} as PluginContext, `export {}`, id);
    assert.equal(await created(`${root}/src/pages/d.ts`), undefined);
  });
});
