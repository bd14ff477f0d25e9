/**
 * Unit tests of the static analysis of `import.meta.hot.accept(...)` calls
 * and of import rewriting.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AcceptAnalysisError,
  analyzeModule,
  importEdits,
  rewriteImports,
  spliceEdits,
} from "./import_analysis.ts";

/** The accepted dep specifiers, each checked against its recorded range. */
function acceptedOf(code: string): string[] {
  const analysis = analyzeModule(code);
  return analysis.acceptedDeps.map((dep) => {
    const literal = code.slice(dep.start, dep.end);
    assert.equal(
      literal.slice(1, -1),
      dep.specifier,
      "range covers the literal",
    );
    assert.ok(
      `"'\``.includes(literal[0]),
      `range starts at a quote: ${literal}`,
    );
    return dep.specifier;
  });
}

/** Runs `analyzeModule(code)` expecting an accept error; returns it. */
function acceptError(code: string): AcceptAnalysisError {
  try {
    analyzeModule(code);
  } catch (err) {
    assert.ok(err instanceof AcceptAnalysisError, `got ${err}`);
    return err;
  }
  assert.fail(`expected an AcceptAnalysisError for: ${code}`);
}

Deno.test("accept() with no argument or a callback makes the module self-accepting", () => {
  for (
    const code of [
      "import.meta.hot.accept();",
      "import.meta.hot.accept((mod) => console.log(mod));",
      "import.meta.hot.accept(function (mod) {});",
      "if (import.meta.hot) { import.meta.hot.accept(); }",
      "import.meta.hot?.accept(() => {});",
      "import.meta.hot\n  .accept(\n  () => {});",
    ]
  ) {
    const analysis = analyzeModule(code);
    assert.equal(analysis.isSelfAccepting, true, code);
    assert.deepEqual(analysis.acceptedDeps, [], code);
    assert.equal(analysis.usesHot, true, code);
  }
});

Deno.test("an identifier as the first argument is taken as a callback (self-accept), as in Vite", () => {
  const analysis = analyzeModule(
    "const onUpdate = () => {};\nimport.meta.hot.accept(onUpdate);",
  );
  assert.equal(analysis.isSelfAccepting, true);
});

Deno.test('accept("./dep.ts", cb) accepts that dependency, not the module itself', () => {
  const code =
    `import { x } from "./dep.ts";\nimport.meta.hot.accept("./dep.ts", (m) => {});`;
  assert.deepEqual(acceptedOf(code), ["./dep.ts"]);
  assert.equal(analyzeModule(code).isSelfAccepting, false);
  assert.deepEqual(acceptedOf(`import.meta.hot.accept('./single.ts');`), [
    "./single.ts",
  ]);
});

Deno.test("accept([deps], cb) accepts every string of the array, whatever the quotes and spacing", () => {
  const code = `import.meta.hot.accept([
    "./a.ts",
    './b.ts', // a comment
    \`./c.ts\`,
  ], ([a, b, c]) => {});`;
  assert.deepEqual(acceptedOf(code), ["./a.ts", "./b.ts", "./c.ts"]);
  assert.equal(analyzeModule(code).isSelfAccepting, false);
  assert.deepEqual(acceptedOf("import.meta.hot.accept([], () => {});"), []);
});

Deno.test("a self-accept and dep accepts in one module are all recorded", () => {
  const code =
    `import.meta.hot.accept();\nimport.meta.hot.accept("./a.ts", () => {});`;
  assert.deepEqual(acceptedOf(code), ["./a.ts"]);
  assert.equal(analyzeModule(code).isSelfAccepting, true);
});

Deno.test("a template literal without substitutions is a plain string; one with ${...} is an error at the template", () => {
  assert.deepEqual(acceptedOf("import.meta.hot.accept(`./a.ts`, () => {});"), [
    "./a.ts",
  ]);
  const code =
    "const name = 'a';\nimport.meta.hot.accept(`./${name}.ts`, () => {});";
  const err = acceptError(code);
  assert.match(err.message, /plain string literal/);
  assert.match(err.message, /\$\{\.\.\.\}/);
  assert.equal(err.offset, code.indexOf("`"));
});

Deno.test("a non-literal element in the dependency array is an error at that element", () => {
  const code =
    `const dep = "./b.ts";\nimport.meta.hot.accept(["./a.ts", dep], () => {});`;
  const err = acceptError(code);
  assert.match(err.message, /array of string literals/);
  assert.match(err.message, /non-literal element/);
  assert.equal(err.offset, code.lastIndexOf("dep"));

  const spread = acceptError(
    `import.meta.hot.accept([...deps], () => {});`,
  );
  assert.match(spread.message, /array of string literals/);
});

Deno.test("decline() marks the module declined without accepting it", () => {
  const analysis = analyzeModule("import.meta.hot.decline();");
  assert.equal(analysis.isDeclined, true);
  assert.equal(analysis.isSelfAccepting, false);
});

Deno.test("import.meta.hot is only detected in code, not in comments or strings", () => {
  for (
    const code of [
      "// import.meta.hot.accept();\nexport const a = 1;",
      "/* import.meta.hot.accept() */ export const a = 1;",
      `const text = "import.meta.hot.accept()";`,
    ]
  ) {
    const analysis = analyzeModule(code);
    assert.equal(analysis.usesHot, false, code);
    assert.equal(analysis.isSelfAccepting, false, code);
  }
  const other = analyzeModule("console.log(import.meta.url);");
  assert.equal(other.usesHot, false);
  assert.equal(other.usesEnv, false);
  const env = analyzeModule("console.log(import.meta.env.MODE);");
  assert.equal(env.usesEnv, true);
  assert.equal(env.usesHot, false);
  const dispose = analyzeModule("import.meta.hot?.dispose(() => {});");
  assert.equal(dispose.usesHot, true);
  assert.equal(dispose.isSelfAccepting, false);
});

Deno.test("imports, re-exports and literal dynamic imports are found with their exact ranges", () => {
  const code = [
    `import a from "./a.ts";`,
    `import { b } from './b.ts';`,
    `export * from "./c.ts";`,
    `import "./d.css";`,
    `import { h } from "preact";`,
    `const lazy = () => import("./lazy.ts");`,
    `const name = "x"; const computed = () => import(name);`,
  ].join("\n");
  const { imports } = analyzeModule(code);
  assert.deepEqual(
    imports.map((site) => [site.specifier, site.dynamic]),
    [
      ["./a.ts", false],
      ["./b.ts", false],
      ["./c.ts", false],
      ["./d.css", false],
      ["preact", false],
      ["./lazy.ts", true],
    ],
  );
  for (const site of imports) {
    const text = code.slice(site.start, site.end);
    assert.equal(
      site.quoted ? text.slice(1, -1) : text,
      site.specifier,
      `range of ${site.specifier}`,
    );
  }
});

Deno.test("rewriting replaces specifiers, applies accept edits, drops json attributes and keeps line numbers", () => {
  const code = [
    `import a from "./a.ts";`,
    `import data from "./data.json" with { type: "json" };`,
    `import { h } from "preact";`,
    `const lazy = () => import("./lazy.ts");`,
    `import.meta.hot.accept("./a.ts", () => {});`,
  ].join("\n");
  const analysis = analyzeModule(code);
  assert.equal(analysis.imports[1].attributes?.type, "json");
  const accept = analysis.acceptedDeps[0];
  const out = rewriteImports(
    code,
    analysis.imports,
    [
      "/src/a.ts?t=5",
      "/src/data.json?import",
      null, // kept as written
      "/src/lazy.ts",
    ],
    `import { x } from "/@banana/client/client.ts";`,
    [{ start: accept.start, end: accept.end, text: `"/src/a.ts"` }],
  );
  assert.equal(
    out,
    [
      `import { x } from "/@banana/client/client.ts";import a from "/src/a.ts?t=5";`,
      `import data from "/src/data.json?import";`,
      `import { h } from "preact";`,
      `const lazy = () => import("/src/lazy.ts");`,
      `import.meta.hot.accept("/src/a.ts", () => {});`,
    ].join("\n"),
  );
});

Deno.test("import.meta.url ranges are found; import.meta.urlish and .hot are not", () => {
  const code = [
    `const a = import.meta.url;`,
    `const b = new URL("./x.png", import.meta.url);`,
    `const c = import.meta.urlish;`,
    `import.meta.hot?.accept();`,
  ].join("\n");
  const analysis = analyzeModule(code);
  assert.deepEqual(
    analysis.metaUrls.map((r) => code.slice(r.start, r.end)),
    ["import.meta.url", "import.meta.url"],
  );
  assert.equal(analysis.resolvesAtRuntime, false);
});

Deno.test("modules that resolve specifiers while running are flagged", () => {
  const flagged = (code: string) => analyzeModule(code).resolvesAtRuntime;
  assert.equal(flagged(`const p = "./a.ts"; import(p);`), true);
  assert.equal(flagged(`import.meta.resolve("./a.ts");`), true);
  assert.equal(flagged(`import("./a.ts");`), false);
  // The Fast Refresh glue imports the module itself.
  assert.equal(flagged(`import(import.meta.url).then(() => {});`), false);
});

Deno.test("spliceEdits reports where each root-relative URL starts in the output", () => {
  const code = [
    `import a from "./a.ts";`,
    `import b from "https://esm.sh/b";`,
    `import c from "/abs/c.ts";`,
    `const lazy = () => import("./lazy.ts");`,
  ].join("\n");
  const analysis = analyzeModule(code);
  const header = `import { x } from "/@banana/client/client.ts";`;
  const { code: out, urlOffsets } = spliceEdits(code, [
    { start: 0, end: 0, text: header, urlAt: header.indexOf("/") },
    ...importEdits(analysis.imports, [
      "/src/a.ts?t=5",
      null,
      null,
      "/src/lazy.ts",
    ]),
  ]);
  const origin = "http://localhost:5173";
  let withOrigin = "";
  let pos = 0;
  for (const at of urlOffsets) {
    withOrigin += out.slice(pos, at) + origin;
    pos = at;
  }
  withOrigin += out.slice(pos);
  assert.equal(
    withOrigin,
    [
      `import { x } from "http://localhost:5173/@banana/client/client.ts";import a from "http://localhost:5173/src/a.ts?t=5";`,
      `import b from "https://esm.sh/b";`,
      `import c from "http://localhost:5173/abs/c.ts";`,
      `const lazy = () => import("http://localhost:5173/src/lazy.ts");`,
    ].join("\n"),
  );
});
