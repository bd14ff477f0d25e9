import { equal, match, ok } from "node:assert/strict";
import { BundleScriptWriter } from "./bundle_script.ts";
import type { ModuleFactory } from "./module_factories.ts";

function factory(id: string, body: string, sync = true): ModuleFactory {
  return {
    id,
    key: id + "@1",
    code: body,
    functionBody: body,
    syncBody: sync ? body.replaceAll("await ", "") : null,
    imports: [],
    dynamicImports: [],
  };
}

Deno.test("BundleScriptWriter: the pieces it hands out while writing join to the script; each factory's body lies where its layout and its definition say", () => {
  const chunks: string[] = [];
  const writer = new BundleScriptWriter({
    onChunk: (text) => chunks.push(text),
    chunkSize: 100,
  });
  const big = `const s = "${"x".repeat(150)}";\nawait __m.import("/src/b.ts");`;
  const a = factory("/src/a.ts", big);
  writer.define(a, "v1", true);
  // Over the chunk size: handed out before the script is finished.
  equal(chunks.length, 1);
  ok(chunks[0].startsWith("//# allFunctionsCalledOnLoad\n"));
  const b = factory("/src/b.ts", "__m.export({});\n// two\n// lines", false);
  writer.define(b, "v2", true);
  // Below the chunk size: kept until the end.
  equal(chunks.length, 1);
  writer.define(a, "v1", false);
  const { code, layout } = writer.finish({
    externals: ["/@deps/x.js"],
    importEntry: "/src/a.ts",
    mapUrl: "/@banana/map?bundle=x",
  });
  equal(chunks.join(""), code);
  const lines = code.split("\n");
  equal(layout.factories.length, 3);
  layout.factories.forEach((f, i) => {
    const line = lines[layout.lines[i]];
    // The 1-based line and the column the definition passes to the page.
    const definition = lines.slice(layout.lines[i]).join("\n");
    const tail = new RegExp(
      `\\n\\}, ${layout.lines[i] + 1}, ${layout.columns[i]}, (\\d+)(, 1)?\\);`,
    ).exec(definition);
    ok(tail, `no definition tail for ${f.id}`);
    equal(
      line.slice(layout.columns[i]),
      (tail[2] ? f.syncBody! : f.functionBody!).split("\n")[0],
    );
    equal(Number(tail[1]), f.functionBody!.split("\n").length);
  });
  // a is first a plain function (it may be synchronous), then async; b
  // cannot be synchronous, whatever it was asked.
  match(code, /__d\("\/src\/a\.ts", "v1", function \(__m\) \{/);
  match(code, /__d\("\/src\/b\.ts", "v2", async function \(__m\) \{/);
  match(code, /__d\("\/src\/a\.ts", "v1", async function \(__m\) \{/);
  ok(
    code.endsWith(
      `import * as __x0 from "/@deps/x.js";registry.external("/@deps/x.js", __x0);\n` +
        `await registry.import("/src/a.ts");\n//# sourceMappingURL=/@banana/map?bundle=x\n`,
    ),
    code.slice(-200),
  );
});

Deno.test("BundleScriptWriter: a body that does not parse is a string the page compiles, one line; a finished script takes no more", () => {
  const writer = new BundleScriptWriter();
  const broken: ModuleFactory = {
    ...factory("/src/bad.ts", "this is not JS\n(", false),
    functionBody: null,
  };
  writer.define(broken, "v1", true);
  const { code, layout } = writer.finish({
    externals: [],
    instead: "location.reload();\n",
  });
  equal(layout.factories.length, 0);
  ok(code.includes(`__d("/src/bad.ts", "v1", "this is not JS\\n(");\n`));
  ok(code.endsWith("location.reload();\n"));
  let error: unknown;
  try {
    writer.define(broken, "v2", false);
  } catch (err) {
    error = err;
  }
  ok(error instanceof Error);
});
