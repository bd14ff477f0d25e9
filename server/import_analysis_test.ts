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
  rewriteImports,
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
