import assert from "node:assert/strict";
import {
  bundleMapUrlFor,
  ModuleFactories,
  splitSourceMap,
} from "./module_factories.ts";
import type { BuiltModule } from "./module_builder.ts";
import { transformToFactory } from "./registry_transform.ts";

Deno.test("splitSourceMap: the code names the map by URL, the body has no map comment, the map is the inline one's base64", () => {
  const { code, map, body } = splitSourceMap(
    "a;\n//# sourceMappingURL=data:application/json;base64,e30=\n",
    "/src/a.ts",
    "k1",
  );
  assert.equal(body, "a;");
  assert.equal(map, "e30=");
  assert.match(
    code,
    /^a;\n\/\/# sourceMappingURL=\/@banana\/map\?id=%2Fsrc%2Fa\.ts&k=\w+\n$/,
  );
  assert.deepEqual(splitSourceMap("b;", "/src/b.ts", "k"), {
    code: "b;",
    map: null,
    body: "b;",
  });
});

Deno.test("bundleMapUrlFor: names the entry and tells bundle versions apart", () => {
  assert.match(
    bundleMapUrlFor("/src/main.ts", '"e1"'),
    /^\/@banana\/map\?bundle=%2Fsrc%2Fmain\.ts&k=\w+$/,
  );
  assert.notEqual(
    bundleMapUrlFor("/src/main.ts", '"e1"'),
    bundleMapUrlFor("/src/main.ts", '"e2"'),
  );
});

Deno.test("ModuleFactories.checkBodies: a body V8 does not parse as a function becomes a string, for this key only; the others stay functions", async () => {
  const sources = new Map([
    ["/src/a.ts", "export const a = 1;\n"],
    ["/src/b.ts", "const __m = 2;\nexport const v = __m;\n"],
  ]);
  const keys = new Map([["/src/a.ts", "a1"], ["/src/b.ts", "b1"]]);
  const factories = new ModuleFactories({
    pipeline: {
      build: () => Promise.reject(new Error("not used")),
      renderPlain: (url) =>
        Promise.resolve({
          code: sources.get(url)!,
          key: keys.get(url)!,
          built: null as unknown as BuiltModule,
        }),
      plainKey: (url) => keys.get(url) ?? null,
    },
    transform: transformToFactory,
  });
  const a = await factories.get("/src/a.ts");
  const b = await factories.get("/src/b.ts");
  // Made without the check: both are taken to parse.
  assert.notEqual(a.functionBody, null);
  assert.notEqual(b.functionBody, null);
  const checked = factories.checkBodies([a, b]);
  assert.deepEqual(checked.unparsable, ["/src/b.ts"]);
  assert.equal(checked.factories[0], a);
  assert.equal(checked.factories[1].functionBody, null);
  assert.equal(checked.factories[1].syncBody, null);
  assert.equal(checked.factories[1].code, b.code);
  // Kept for the key it was found at, also when the factory is made again.
  assert.equal((await factories.get("/src/b.ts")).functionBody, null);
  keys.set("/src/b.ts", "b2");
  sources.set("/src/b.ts", "export const v = 3;\n");
  const edited = await factories.get("/src/b.ts");
  assert.notEqual(edited.functionBody, null);
  assert.deepEqual(factories.checkBodies([edited]).unparsable, []);
});
