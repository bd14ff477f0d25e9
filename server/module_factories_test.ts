import assert from "node:assert/strict";
import { bundleMapUrlFor, splitSourceMap } from "./module_factories.ts";

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
