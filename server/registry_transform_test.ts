import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BananaError } from "./errors.ts";
import { transformToFactory } from "./registry_transform.ts";
import { wrapFactory } from "../client/registry_factory.ts";
import {
  type ModuleApi,
  type ModuleExports,
  ModuleRegistry,
} from "../client/module_registry.ts";
import { generateApp } from "../bench/generate_app.ts";
import { transformWithRefresh } from "./oxc_compile.ts";

const ORIGIN = "http://registry.test";

type Transformed = ReturnType<typeof transformToFactory>;

/** What a test runs modules on: one of {@linkcode RUNTIMES}. */
interface TestRegistry {
  import(id: string): Promise<ModuleExports>;
  /** The transform's result per module, once transformed. */
  results: Map<string, Transformed>;
}

/**
 * A tiny module registry, written from Contract 2 alone: one instance per
 * id, cycles get the partial exports, getters-only namespaces. It records
 * the order modules finish evaluating.
 */
function createTinyRegistry(
  sources: Record<string, string>,
): TestRegistry & { evaluated: string[] } {
  const instances = new Map<string, { namespace: ModuleExports }>();
  const evaluated: string[] = [];
  const results = new Map<string, Transformed>();

  function importModule(id: string): Promise<ModuleExports> {
    const existing = instances.get(id);
    if (existing) {
      // In the current chain (a cycle): the partial exports, at once.
      return Promise.resolve(existing.namespace);
    }
    const source = sources[id];
    if (source === undefined) {
      return Promise.reject(new Error(`No module ${id}`));
    }
    const result = transformToFactory(source, id);
    results.set(id, result);
    const namespace = Object.create(null) as ModuleExports;
    Object.defineProperty(namespace, Symbol.toStringTag, { value: "Module" });
    const scope: ModuleApi = {
      import: importModule,
      export(getters, values = {}) {
        for (const [name, get] of Object.entries(getters)) {
          Object.defineProperty(namespace, name, { get, enumerable: true });
        }
        for (const [name, value] of Object.entries(values)) {
          Object.defineProperty(namespace, name, { value, enumerable: true });
        }
      },
      exportAll(from) {
        for (const name of Object.keys(from)) {
          if (name === "default" || Object.hasOwn(namespace, name)) continue;
          Object.defineProperty(namespace, name, {
            get: () => from[name],
            enumerable: true,
          });
        }
      },
      dynamicImport: (specifier) => importModule(String(specifier)),
      meta: { url: ORIGIN + id, resolve: (s) => new URL(s, ORIGIN + id).href },
      exports: namespace,
    };
    const factory = (0, eval)(wrapFactory(result.code, ORIGIN + id)) as (
      scope: ModuleApi,
    ) => Promise<void>;
    // Registered before the factory runs: its first import may lead back
    // here (a cycle) before the call returns.
    instances.set(id, { namespace });
    return factory(scope).then(() => {
      evaluated.push(id);
      return namespace;
    });
  }

  return { import: importModule, evaluated, results };
}

/** The page's real registry (client/module_registry.ts), every module defined. */
function createClientRegistry(sources: Record<string, string>): TestRegistry {
  const registry = new ModuleRegistry({
    origin: ORIGIN,
    nativeImport: (url) => Promise.reject(new Error(`native import ${url}`)),
  });
  const results = new Map<string, Transformed>();
  for (const [id, source] of Object.entries(sources)) {
    const result = transformToFactory(source, id);
    results.set(id, result);
    registry.define(id, "1", result.code);
  }
  return { import: (id) => registry.import(id), results };
}

const RUNTIMES = {
  "tiny registry": createTinyRegistry,
  "client/module_registry.ts": createClientRegistry,
};

type CreateRegistry = (sources: Record<string, string>) => TestRegistry;

/** A test run once on each runtime of {@linkcode RUNTIMES}. */
function testOnEachRuntime(
  name: string,
  fn: (
    run: (sources: Record<string, string>) => Promise<ModuleExports>,
    create: CreateRegistry,
  ) => Promise<void>,
): void {
  for (const [runtime, create] of Object.entries(RUNTIMES)) {
    Deno.test(`${name} [${runtime}]`, () =>
      fn((sources) => create(sources).import("/main.js"), create));
  }
}

testOnEachRuntime(
  "default, named, namespace and side-effect imports read their records",
  async (run) => {
    const log: string[] = [];
    (globalThis as { __log?: string[] }).__log = log;
    const main = await run({
      "/lib.js":
        'export default "D"; export const a = "A"; export const b = "B";',
      "/side.js": 'globalThis.__log.push("side");',
      "/main.js": `import d from "/lib.js";
import { a, b as bee } from "/lib.js";
import * as ns from "/lib.js";
import "/side.js";
globalThis.__log.push("main");
export const seen = [d, a, bee, ns.a, ns.default, Object.keys(ns).sort().join()];`,
    });
    assert.deepEqual(main.seen, ["D", "A", "B", "A", "D", "a,b,default"]);
    assert.deepEqual(log, ["side", "main"]);
    delete (globalThis as { __log?: string[] }).__log;
  },
);

testOnEachRuntime(
  "mixed default + named and default + namespace imports",
  async (run) => {
    const main = await run({
      "/lib.js":
        "export default 1; export const b = 2; export function f() { return 3; }",
      "/main.js": `import one, { b } from "/lib.js";
import uno, * as all from "/lib.js";
export const seen = [one, b, uno, all.f(), all.default];`,
    });
    assert.deepEqual(main.seen, [1, 2, 1, 3, 1]);
  },
);

testOnEachRuntime(
  "re-exports: export *, export { a as b } from, export * as ns from",
  async (run) => {
    const main = await run({
      "/a.js":
        'export const a = "a"; export const shared = "from a"; export default "not starred";',
      "/b.js": 'export const b = "b";',
      "/hub.js": `export * from "/a.js";
export { b as bee, b as default } from "/b.js";
export * as nsB from "/b.js";
export const shared = "own wins";`,
      "/main.js": `import * as hub from "/hub.js";
import hubDefault from "/hub.js";
export const seen = [hub.a, hub.bee, hub.nsB.b, hub.shared, hubDefault, Object.keys(hub).sort().join()];`,
    });
    assert.deepEqual(main.seen, [
      "a",
      "b",
      "b",
      "own wins",
      "b",
      "a,bee,default,nsB,shared",
    ]);
  },
);

testOnEachRuntime(
  "export default of an expression, functions and classes",
  async (run) => {
    const main = await run({
      "/expr.js": "export default 40 + 2",
      "/paren.js": "export default /* why */ (40 + 2);",
      "/paren_fn.js": "export default (function () { return 'paren'; })",
      "/arrow.js": "export default () => 'arrow'",
      "/anon.js":
        "export const early = typeof def === 'undefined' ? f() : 0;\nfunction f() { return 'hoisted'; }\nexport default function () { return 'anon'; }",
      "/named.js":
        "export default function named() { return 'named'; }\nnamed.extra = 1;",
      "/gen.js": "export default function* () { yield 1; }",
      "/cls.js":
        "export default class { static who() { return 'cls'; } }\n[1].map(String);",
      "/named_cls.js":
        "export default class Named {}\nexport const same = Named;",
      "/main.js": `import expr from "/expr.js";
import paren from "/paren.js";
import parenFn from "/paren_fn.js";
import arrow from "/arrow.js";
import anon, { early } from "/anon.js";
import named from "/named.js";
import gen from "/gen.js";
import cls from "/cls.js";
import NamedCls, { same } from "/named_cls.js";
export const seen = [
  expr, paren, parenFn(), parenFn.name, arrow(), arrow.name, anon(), anon.name, early, named(), named.name,
  named.extra, [...gen()][0], gen.name, cls.who(), cls.name, NamedCls.name,
  NamedCls === same,
];`,
    });
    assert.deepEqual(main.seen, [
      42,
      42,
      "paren",
      "default",
      "arrow",
      "default",
      "anon",
      "default",
      "hoisted",
      "named",
      "named",
      1,
      1,
      "default",
      "cls",
      "default",
      "Named",
      true,
    ]);
  },
);

testOnEachRuntime(
  "an anonymous default function is usable before its line (hoisted)",
  async (run) => {
    const main = await run({
      "/main.js": `import self from "/main.js";
export const early = self();
export default function () { return "hoisted"; }`,
    });
    assert.equal(main.early, "hoisted");
  },
);

testOnEachRuntime(
  "export const with destructuring exports every bound name",
  async (run) => {
    const main = await run({
      "/main.js": `const source = { a: 1, b: [2, 3], rest1: 4, rest2: 5 };
export const { a, b: [c, ...more], ...others } = source, plain = 6;
export var [x = 7, { y }] = [undefined, { y: 8 }];`,
    });
    assert.deepEqual(
      { ...main },
      {
        a: 1,
        c: 2,
        more: [3],
        others: { rest1: 4, rest2: 5 },
        plain: 6,
        x: 7,
        y: 8,
      },
    );
    const { exports } = transformToFactory(
      "export const { a, b: [c] } = o;",
      "/x.js",
    );
    assert.deepEqual(exports, ["a", "c"]);
  },
);

testOnEachRuntime("export let is a live binding", async (run) => {
  const main = await run({
    "/counter.js":
      "export let count = 0;\nexport function increment() { count++; }\nlet later;\nexport { later };\nlater = 'set';",
    "/main.js": `import { count, increment, later } from "/counter.js";
import * as counter from "/counter.js";
export const before = count;
increment();
increment();
export const after = count;
export const viaNamespace = counter.count;
export const lateValue = later;`,
  });
  assert.deepEqual(
    [main.before, main.after, main.viaNamespace, main.lateValue],
    [
      0,
      2,
      2,
      "set",
    ],
  );
});

Deno.test("exports: a hoisted function nothing assigns to is a value; any write, a var of its name or a direct eval keeps a getter", () => {
  const headOf = (source: string) =>
    transformToFactory(source, "/x.js").code.split("\n")[0];
  assert.match(
    headOf("export function f() {}\nexport default function () {}"),
    /__m\.export\(\{\}, \{f: f, default: __default\}\);/,
  );
  assert.match(
    headOf("function g() {}\nexport { g as h };\nexport const c = 1;"),
    /__m\.export\(\{c: \(\) => c\}, \{h: g\}\);/,
  );
  for (
    const write of [
      "f = null;",
      "f++;",
      "[f] = [null];",
      "({ x: f } = {});",
      "for (f of []);",
      "var f;",
      'eval("1");',
    ]
  ) {
    assert.match(
      headOf(`export function f() {}\n${write}`),
      /__m\.export\(\{f: \(\) => f\}\);/,
      write,
    );
  }
  // A class or a const is not hoisted (read early, it throws): a getter.
  assert.match(
    headOf("export class K {}\nexport const v = () => 1;"),
    /__m\.export\(\{K: \(\) => K, v: \(\) => v\}\);/,
  );
});

testOnEachRuntime(
  "an exported function reassigned by its module is live; a fixed one is read-only through the namespace",
  async (run) => {
    const main = await run({
      "/lib.js": `export function fixed() { return "fixed"; }
export function swapped() { return "before"; }
export function swap() { swapped = () => "after"; }`,
      "/main.js": `import * as lib from "/lib.js";
import { swapped, swap } from "/lib.js";
export const first = swapped();
swap();
export const second = swapped();
export const viaNamespace = lib.swapped();
export const keys = Object.keys(lib).sort().join();
let threw = false;
try { lib.fixed = null; } catch { threw = true; }
export const readOnly = threw && lib.fixed() === "fixed";`,
    });
    assert.deepEqual(
      [main.first, main.second, main.viaNamespace, main.keys, main.readOnly],
      ["before", "after", "after", "fixed,swap,swapped", true],
    );
  },
);

testOnEachRuntime(
  "calls through imports and the module's top level keep `this` undefined",
  async (run) => {
    const main = await run({
      "/lib.js":
        "export function who() { return this; }\nexport function tag() { return this; }",
      "/main.js": `import { who, tag } from "/lib.js";
import * as lib from "/lib.js";
export const plain = who();
export const optional = who?.();
export const parenthesized = (who)();
export const tagged = tag\`x\`;
export const topLevel = this;
export const viaNamespace = lib.who() === lib;`,
    });
    assert.equal(main.plain, undefined);
    assert.equal(main.optional, undefined);
    assert.equal(main.parenthesized, undefined);
    assert.equal(main.tagged, undefined);
    assert.equal(main.topLevel, undefined);
    // A namespace member call passes the namespace, as in ES modules.
    assert.equal(main.viaNamespace, true);
  },
);

testOnEachRuntime(
  "bindings that shadow an import in inner scopes are left alone",
  async (run) => {
    const main = await run({
      "/lib.js": 'export const x = "import";',
      "/main.js": `import { x } from "/lib.js";
function param(x) { return x; }
function destructured({ x }, [y = x]) { return [x, y]; }
function rest(...x) { return x.length; }
function defaulted(a = x) { return a; }
function defaultThenVar(a = x) { var x = "body"; return [a, x]; }
const arrow = (x) => x;
function hoistedVar() { const seen = x; var x = "var"; return [seen, x]; }
function hoistedFunction() { return x(); function x() { return "fn"; } }
function blockLet() { { let x = "let"; return x; } }
function afterBlock() { { let x = "let"; } return x; }
function caught() { try { throw "caught"; } catch (x) { return x; } }
function caughtPattern() { try { throw { x: "p" }; } catch ({ x }) { return x; } }
const named = function x() { return typeof x; };
const klass = class x { static who() { return typeof x; } };
function forOf() { const out = []; for (const x of ["a", "b"]) out.push(x); return out.join() + x; }
function forIn() { for (var x in { k: 1 }); return x; }
function forLet() { let out = ""; for (let x = 0; x < 2; x++) out += x; return out + x; }
function switched(v) { switch (v) { case 1: let x = "case"; return x; default: return "d"; } }
function labelled() { x: for (;;) { break x; } return x; }
const object = { x: "key", y: x, [x]: "computed" };
const member = { x: "prop" }.x;
class Fields { x = x; static x = "static"; x2() { return this.x; } }
export const seen = [
  param("p"), destructured({ x: "d" }, []), rest(1, 2), defaulted(), defaultThenVar(), arrow("a"),
  hoistedVar(), hoistedFunction(), blockLet(), afterBlock(), caught(),
  caughtPattern(), named(), klass.who(), forOf(), forIn(), forLet(),
  switched(1), labelled(), object.x, object.y, object.import, member,
  new Fields().x2(), Fields.x, x,
];`,
    });
    assert.deepEqual(main.seen, [
      "p",
      ["d", "d"],
      2,
      "import",
      ["import", "body"],
      "a",
      [undefined, "var"],
      "fn",
      "let",
      "import",
      "caught",
      "p",
      "function",
      "function",
      "a,bimport",
      "k",
      "01import",
      "case",
      "import",
      "key",
      "import",
      "computed",
      "prop",
      "import",
      "static",
      "import",
    ]);
  },
);

testOnEachRuntime(
  "shorthand properties expand to the record, in objects and patterns",
  async (run) => {
    const result = transformToFactory(
      'import { a, b as bee } from "/lib.js";\nconst o = { a, bee, c: a };',
      "/main.js",
    );
    assert.match(
      result.code,
      /const o = \{ a: __i0\.a, bee: __i0\.b, c: __i0\.a \};/,
    );
    const main = await run({
      "/lib.js": "export const a = 1;",
      "/main.js": `import { a } from "/lib.js";
export const object = { a };
let failed = false;
try { ({ a } = { a: 2 }); } catch (err) { failed = err instanceof TypeError; }
export const assignmentThrows = failed;`,
    });
    assert.deepEqual(main.object, { a: 1 });
    assert.equal(main.assignmentThrows, true);
  },
);

testOnEachRuntime(
  "an import cycle: functions and live bindings work across it",
  async (run) => {
    const order: string[] = [];
    (globalThis as { __order?: string[] }).__order = order;
    const main = await run({
      "/a.js": `import { b, fromB } from "/b.js";
export function a() { return "a"; }
export const viaB = fromB();
export const bValue = b;
globalThis.__order.push("a");`,
      "/b.js": `import { a } from "/a.js";
export function fromB() { return "b sees " + a(); }
export const b = "b";
globalThis.__order.push("b");`,
      "/main.js": `import { viaB, bValue } from "/a.js";
export const seen = [viaB, bValue];
globalThis.__order.push("main");`,
    });
    assert.deepEqual(main.seen, ["b sees a", "b"]);
    // b runs first (it imports a, which is in the chain), as ES modules do.
    assert.deepEqual(order, ["b", "a", "main"]);
    delete (globalThis as { __order?: string[] }).__order;
  },
);

testOnEachRuntime(
  "top-level await is detected and runs",
  async (_run, create) => {
    const registry = create({
      "/slow.js":
        "export const value = await new Promise((resolve) => setTimeout(() => resolve('late'), 5));",
      "/loop.js":
        "const out = [];\nfor await (const x of [1, 2]) out.push(x);\nexport { out };",
      "/main.js": `import { value } from "/slow.js";
import { out } from "/loop.js";
async function nested() { await 0; }
export const seen = [value, out];`,
    });
    const main = await registry.import("/main.js");
    assert.deepEqual(main.seen, ["late", [1, 2]]);
    assert.equal(registry.results.get("/slow.js")?.hasTopLevelAwait, true);
    assert.equal(registry.results.get("/loop.js")?.hasTopLevelAwait, true);
    assert.equal(registry.results.get("/main.js")?.hasTopLevelAwait, false);
  },
);

testOnEachRuntime(
  "import.meta becomes the instance's meta, hot and url included",
  async (run) => {
    const main = await run({
      "/main.js": `import.meta.hot = { accept() {} };
export const url = import.meta.url;
export const hot = typeof import.meta.hot.accept;
export const sameObject = (() => import.meta)() === import.meta;`,
    });
    assert.match(
      String(main.url),
      /^http:\/\/registry\.test\/main\.js(\?v=1)?$/,
    );
    assert.deepEqual([main.hot, main.sameObject], ["function", true]);
  },
);

testOnEachRuntime(
  "literal and computed import() go through __m.dynamicImport",
  async (run) => {
    const source = `const name = "/lazy.js";
export const a = await import("/lazy.js");
export const b = await import(name);
export const c = await import(\`/lazy.js\`);
export const d = () => import("/later.js", { with: {} });`;
    const result = transformToFactory(source, "/main.js");
    assert.deepEqual(result.dynamicImports, ["/lazy.js", "/later.js"]);
    assert.deepEqual(result.imports, []);
    assert.equal(result.code.includes("import("), false);
    const main = await run({
      "/lazy.js": "export const lazy = 'L';",
      "/main.js": source,
    });
    assert.equal((main.a as { lazy: string }).lazy, "L");
    assert.equal(main.a, main.b);
    assert.equal(main.a, main.c);
  },
);

Deno.test("strings, comments, templates and regexps mentioning imports are untouched", () => {
  const source = `import { render } from "/lib.js";
// import { render } from "/x.js"; render() import.meta
/* import("/y.js") render */
const s = "import render from 'z'; import.meta";
const t = \`render \${render()} import.meta import("/w.js")\`;
const r = /render|import/;
const o = { render: 1 }.render;`;
  const { code, imports, dynamicImports } = transformToFactory(
    source,
    "/m.js",
  );
  const lines = code.split("\n");
  assert.equal(
    lines[1],
    '// import { render } from "/x.js"; render() import.meta',
  );
  assert.equal(lines[2], '/* import("/y.js") render */');
  assert.equal(lines[3], "const s = \"import render from 'z'; import.meta\";");
  assert.equal(
    lines[4],
    'const t = `render ${(0, __i0.render)()} import.meta import("/w.js")`;',
  );
  assert.equal(lines[5], "const r = /render|import/;");
  assert.equal(lines[6], "const o = { render: 1 }.render;");
  assert.deepEqual(imports, ["/lib.js"]);
  assert.deepEqual(dynamicImports, []);
});

testOnEachRuntime(
  "every line of the input keeps its number, and stack traces name it",
  async (run) => {
    const source = `import {
  fail,
} from "/lib.js";
export {
  fail as again,
};
export default
  function () {};
export const marker = 1;
fail();`;
    const { code } = transformToFactory(source, "/main.js");
    const inLines = source.split("\n");
    const outLines = code.split("\n");
    assert.equal(outLines.length, inLines.length);
    assert.equal(outLines.findLastIndex((l) => l.includes("marker")), 8);
    assert.equal(outLines[9], "0, (0, __i0.fail)();");

    const error = await run({
      "/lib.js": "\n\nexport function fail() {\n  throw new Error('boom');\n}",
      "/main.js": source,
    }).then(() => null, (err: Error) => err);
    assert.ok(error instanceof Error);
    assert.match(error.stack ?? "", /registry\.test\/lib\.js\b[^\n]*:4:\d+\)/);
    assert.match(
      error.stack ?? "",
      /registry\.test\/main\.js\b[^\n]*:10:\d+\)/,
    );
  },
);

Deno.test("a trailing source-map comment is kept, the last line stays last", () => {
  const source =
    'import { a } from "/a.js";\na;\n//# sourceMappingURL=data:application/json;base64,e30=\n';
  const { code } = transformToFactory(source, "/m.js");
  assert.ok(
    code.endsWith("\n//# sourceMappingURL=data:application/json;base64,e30=\n"),
  );
  assert.equal(code.split("\n")[1], "__i0.a;");
});

testOnEachRuntime(
  "a hashbang is dropped so the head can go first",
  async (run) => {
    const main = await run({
      "/main.js": "#!/usr/bin/env node\nexport const ok = 1;",
    });
    assert.equal(main.ok, 1);
  },
);

Deno.test("code the parser rejects throws a located BananaError", () => {
  const error = (() => {
    try {
      transformToFactory("const a = 1;\nconst b = ;\n", "/src/bad.ts");
    } catch (err) {
      return err;
    }
  })();
  assert.ok(error instanceof BananaError);
  assert.equal(error.code, "internal");
  assert.equal(error.body.plugin, "registry");
  assert.equal(error.body.id, "/src/bad.ts");
  assert.deepEqual(error.body.loc, {
    file: "/src/bad.ts",
    line: 2,
    column: 10,
  });
  assert.match(error.body.frame ?? "", /> 2 \| const b = ;/);
  assert.match(error.message, /^\/src\/bad\.ts:2:11: /);
});

testOnEachRuntime(
  "the bench app's modules run the same through the registry as natively",
  async (_run, create) => {
    const dir = await Deno.makeTempDir({ prefix: "banana_registry_" });
    try {
      const { modules } = await generateApp(dir, { modules: 40 });
      const sources: Record<string, string> = {};
      for (let i = 0; i < modules; i++) {
        const file = join(dir, "src", `m${i}.ts`);
        const { code } = await transformWithRefresh(
          await Deno.readTextFile(file),
          `/src/m${i}.ts`,
          { jsxImportSource: "preact", refresh: false, sourcemap: true },
        );
        sources[`/src/m${i}.ts`] = code.replaceAll('"./', '"/src/');
      }
      const viaRegistry = await create(sources).import("/src/m0.ts");
      const native = await import(
        pathToFileURL(join(dir, "src", "m0.ts")).href
      );
      assert.equal((viaRegistry.render as () => string)(), native.render());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

testOnEachRuntime(
  "a real 1.7 MB ES module (Vue's compiler-sfc browser build) exports the same as natively",
  async (_run, create) => {
    // Load the pinned package, then find its ESM browser build beside it.
    await import("./npm/vue_compiler_sfc.ts");
    const main = new URL(import.meta.resolve("npm:@vue/compiler-sfc@3.5.45"));
    const file = new URL("./compiler-sfc.esm-browser.js", main);
    const source = await Deno.readTextFile(file);
    const id = "/vue/compiler-sfc.esm-browser.js";
    const registry = create({ [id]: source });
    const viaRegistry = await registry.import(id);
    const native = await import(file.href);
    const shape = (ns: Record<string, unknown>) =>
      Object.keys(ns).sort().map((name) => `${name}:${typeof ns[name]}`);
    assert.ok(Object.keys(native).length > 20);
    assert.deepEqual(shape(viaRegistry), shape(native));
    const result = registry.results.get(id)!;
    assert.equal(result.code.split("\n").length, source.split("\n").length);
    const parsed = (viaRegistry.parse as typeof native.parse)(
      "<template><p>{{ msg }}</p></template>",
    );
    assert.equal(parsed.errors.length, 0);
    assert.equal(parsed.descriptor.template?.content, "<p>{{ msg }}</p>");
  },
);

testOnEachRuntime(
  "string and default export names, on both sides of import and export",
  async (run) => {
    const main = await run({
      "/lib.js": `const value = "v";
function fn() { return "f"; }
export { value as "a-b", value as default, fn as "fn name", fn as __proto__ };`,
      "/hub.js": `export { default, "a-b" as dash } from "/lib.js";
import { default as d, "fn name" as f } from "/lib.js";
export { d as again, f as "called" };`,
      "/main.js":
        `import hub, { dash, again, "called" as called } from "/hub.js";
import * as lib from "/lib.js";
export const seen = [hub, dash, again, called(), lib["a-b"], lib["fn name"](), Object.keys(lib).includes("__proto__")];`,
    });
    assert.deepEqual(main.seen, ["v", "v", "v", "f", "v", "f", true]);
  },
);

testOnEachRuntime(
  "imports in every expression position read the record; assigning to one throws",
  async (run) => {
    const main = await run({
      "/lib.js": `export class Point { constructor(x) { this.x = x; } }
export const list = [1, 2];
export const key = "x";
export let n = 1;`,
      "/main.js": `import { Point, list, key, n } from "/lib.js";
const p = new Point(3);
const q = new Point;
const failures = [];
for (const attempt of [() => { n = 2; }, () => { n++; }, () => { [n] = [3]; }]) {
  try { attempt(); } catch (err) { failures.push(err instanceof TypeError); }
}
export const seen = [
  p.x, q.x, p instanceof Point, typeof Point, [...list, ...list].length,
  { [key]: 1 }.x, p[key], list?.[0], \`\${n}\`, n ** 2, !n, (n, list).length,
  key in p, failures,
];`,
    });
    assert.deepEqual(main.seen, [
      3,
      undefined,
      true,
      "function",
      4,
      1,
      3,
      1,
      "1",
      1,
      false,
      2,
      true,
      [true, true, true],
    ]);
  },
);

testOnEachRuntime(
  "code without semicolons keeps its statements apart (ASI)",
  async (run) => {
    const main = await run({
      "/lib.js": `export function f() { return "f" }
export function tag(strings) { return strings[0] }
export const log = []`,
      "/main.js": `import { f, tag, log } from "/lib.js"
const a = 1
f()
const b = [2]
tag\`t\`
const c = a
f().toString()
if (a) f()
else f()
const d = 3
import "/lib.js"
;(function () { log.push("iife 1") })()
const e = 4
import { f as again } from "/lib.js"
(function () { log.push("iife 2") })()
export const seen = [a, b, c, d, e, again(), log.join()]`,
    });
    assert.deepEqual(main.seen, [1, [2], 1, 3, 4, "f", "iife 1,iife 2"]);
  },
);

Deno.test("one record per imported module, with every name its statements take, so a missing export fails as linking does", async () => {
  const { code } = transformToFactory(
    `import d, { a as x, "b c" as y } from "/lib.js";
import * as ns from "/lib.js";
import "/side.js";
export { e, default as f } from "/lib.js";
export * from "/lib.js";`,
    "/main.js",
  );
  assert.equal(
    code.split("\n")[0],
    '"use strict";__m.export({e: () => __i0.e, f: () => __i0.default});' +
      'const __i0 = await __m.import("/lib.js", ["default","a","b c","e"]);' +
      'const __i1 = await __m.import("/side.js");' +
      "__m.exportAll(__i0);;",
  );
  const error = await createClientRegistry({
    "/lib.js": "export const a = 1;",
    "/main.js": 'import { a, typo } from "/lib.js";\nexport const b = a;',
  }).import("/main.js").then(() => null, (err: unknown) => err);
  assert.ok(error instanceof SyntaxError);
  assert.match(error.message, /does not provide an export named 'typo'/);
});

Deno.test("code nested deeper than the stack fails as a BananaError, not a crash", () => {
  const depth = 20_000;
  const source = `import { a } from "/a.js";\nexport const x = ${
    "[".repeat(depth)
  }a${"]".repeat(depth)};`;
  let error: unknown;
  try {
    transformToFactory(source, "/deep.js");
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof BananaError);
  assert.equal(error.body.plugin, "registry");
  assert.equal(error.body.id, "/deep.js");
});
