import { deepStrictEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import {
  loadAppDenoConfig,
  resolveWithImportMap,
  stripJsonComments,
} from "./import_map.ts";

Deno.test("import map: exact entries win over prefixes, longest prefix wins", () => {
  const map = {
    imports: {
      "preact": "npm:preact@10.29.8",
      "preact/": "npm:/preact@10.29.8/",
      "preact/compat/": "npm:/preact@10.29.8/compat/",
      "@/": "file:///app/src/",
    },
    scopes: {},
  };
  equal(resolveWithImportMap("preact", map), "npm:preact@10.29.8");
  equal(resolveWithImportMap("preact/hooks", map), "npm:/preact@10.29.8/hooks");
  equal(
    resolveWithImportMap("preact/compat/client", map),
    "npm:/preact@10.29.8/compat/client",
  );
  equal(resolveWithImportMap("@/lib/a.ts", map), "file:///app/src/lib/a.ts");
  equal(resolveWithImportMap("react", map), null);
});

Deno.test("import map: scopes apply to referrers inside them", () => {
  const map = {
    imports: { "x": "npm:x@1" },
    scopes: { "file:///app/legacy/": { "x": "npm:x@0.9" } },
  };
  equal(resolveWithImportMap("x", map, "file:///app/legacy/a.ts"), "npm:x@0.9");
  equal(resolveWithImportMap("x", map, "file:///app/src/a.ts"), "npm:x@1");
});

Deno.test("import map: JSONC comments and trailing commas are accepted", () => {
  const text = `{
    // a comment
    "imports": { "a": "npm:a@1", /* inline */ "b": "https://x/b.js", },
  }`;
  deepStrictEqual(JSON.parse(stripJsonComments(text)), {
    imports: { a: "npm:a@1", b: "https://x/b.js" },
  });
  equal(stripJsonComments(`{"u": "http://x//y"}`), `{"u": "http://x//y"}`);
});

Deno.test("import map: deno.json imports, import_map.json and relative addresses", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(root, "deno.json"),
      JSON.stringify({
        imports: { "@/": "./src/", "preact": "npm:preact@10.29.8" },
        compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
      }),
    );
    await Deno.writeTextFile(
      join(root, "import_map.json"),
      JSON.stringify({
        imports: { "lodash": "npm:lodash@4", "preact": "npm:preact@9" },
      }),
    );
    const config = await loadAppDenoConfig(root);
    equal(config.importMap.imports["@/"], `file://${root}/src/`);
    equal(config.importMap.imports["lodash"], "npm:lodash@4");
    // deno.json wins over import_map.json
    equal(config.importMap.imports["preact"], "npm:preact@10.29.8");
    equal(config.compilerOptions.jsxImportSource, "preact");
    equal(config.files.length, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test('import map: deno.json "importMap" points at a separate file', async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "config"));
    await Deno.writeTextFile(
      join(root, "deno.json"),
      JSON.stringify({ importMap: "./config/map.json" }),
    );
    await Deno.writeTextFile(
      join(root, "config/map.json"),
      JSON.stringify({ imports: { "~/": "../src/" } }),
    );
    const config = await loadAppDenoConfig(root);
    equal(config.importMap.imports["~/"], `file://${root}/src/`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import map: a deno.json npm:/jsr: entry also maps its sub-paths, as Deno derives them", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(root, "deno.json"),
      JSON.stringify({
        imports: {
          "react-dom": "npm:react-dom@19.3.1",
          "@scope/pkg": "npm:@scope/pkg@1.0.0",
          "std": "jsr:@std/path@1",
          "preact": "npm:preact@10.29.8",
          "preact/": "npm:/preact@10.29.0/",
          "cdn": "https://cdn.example/lib.js",
        },
        scopes: { "./legacy/": { "x": "npm:x@1" } },
      }),
    );
    await Deno.writeTextFile(
      join(root, "import_map.json"),
      JSON.stringify({ imports: { "lodash": "npm:lodash@4" } }),
    );
    const { importMap } = await loadAppDenoConfig(root);
    const resolve = (spec: string) =>
      resolveWithImportMap(spec, importMap, `file://${root}/a.ts`);
    equal(resolve("react-dom/client"), "npm:/react-dom@19.3.1/client");
    equal(resolve("@scope/pkg/sub"), "npm:/@scope/pkg@1.0.0/sub");
    equal(resolve("std/posix"), "jsr:/@std/path@1/posix");
    // An entry written for the prefix wins.
    equal(resolve("preact/hooks"), "npm:/preact@10.29.0/hooks");
    equal(resolve("cdn/x.js"), null);
    equal(
      resolveWithImportMap("x/y", importMap, `file://${root}/legacy/a.ts`),
      "npm:/x@1/y",
    );
    // Deno does not derive them for a separate import map file.
    equal(resolve("lodash/fp"), null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
