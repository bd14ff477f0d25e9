import assert from "node:assert/strict";
import {
  bundleMapUrlFor,
  parsesAsFactoryBody,
  splitSourceMap,
} from "./module_factories.ts";

Deno.test("parsesAsFactoryBody: a registry body parses; one that closes the function early, redeclares __m or does not parse does not", () => {
  assert.equal(
    parsesAsFactoryBody(
      '"use strict";__m.export({ a: () => a });const __i0 = await __m.import("/src/b.ts");\nconst a = 1;',
    ),
    true,
  );
  // Ends in a line comment: the bundle closes the function on a new line.
  assert.equal(parsesAsFactoryBody("const a = 1;\n// the end"), true);
  assert.equal(
    parsesAsFactoryBody("});globalThis.x = 1;(function () {"),
    false,
  );
  assert.equal(parsesAsFactoryBody('"use strict";const __m = 1;'), false);
  assert.equal(parsesAsFactoryBody("let = ;"), false);
});

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
