import assert from "node:assert/strict";
import {
  type ModuleExports,
  ModuleRegistry,
  RegistryError,
} from "./module_registry.ts";
import { HmrClient } from "./hmr_client.ts";
import { HotContext } from "./hot_context.ts";

const ORIGIN = "http://localhost:5173";

/**
 * Factories below are written by hand in the form of Contract 1
 * (server/registry_transform.ts): static imports hoisted on the first line
 * as `const __iN = await __m.import(id)`, `__m.export({...getters})` there
 * too, references to imports as property reads.
 */
interface Runs {
  [id: string]: number;
}

/** A registry whose native imports are recorded and answered by `answer`. */
function registryWith(
  answer: (url: string, registry: ModuleRegistry) => ModuleExports = () => {
    throw new TypeError("Failed to fetch dynamically imported module");
  },
) {
  const nativeImports: string[] = [];
  const registry: ModuleRegistry = new ModuleRegistry({
    origin: ORIGIN,
    nativeImport: (url) => {
      nativeImports.push(url);
      try {
        return Promise.resolve(answer(url, registry));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  });
  return { registry, nativeImports };
}

/** Factory code that counts its runs in `globalThis.__runs[id]`. */
function counted(id: string, body: string, firstLine = ""): string {
  return `${firstLine}globalThis.__runs[${JSON.stringify(id)}] = ` +
    `(globalThis.__runs[${JSON.stringify(id)}] ?? 0) + 1;\n${body}`;
}

function resetRuns(): Runs {
  const runs: Runs = {};
  (globalThis as { __runs?: Runs }).__runs = runs;
  return runs;
}

Deno.test("ModuleRegistry: an exports object looks like a module namespace: null prototype, Symbol.toStringTag Module, only the exports enumerable, live getters, read-only, not extensible once evaluated", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/a.ts",
    "1",
    "__m.export({ n: () => n, bump: () => bump, default: () => __default });\n" +
      "let n = 1;\nfunction bump() { n++; }\nconst __default = 'd';",
  );
  const a = await registry.import("/src/a.ts");
  assert.equal(Object.getPrototypeOf(a), null);
  assert.equal(Object.prototype.toString.call(a), "[object Module]");
  assert.equal(
    (a as { [Symbol.toStringTag]: string })[Symbol.toStringTag],
    "Module",
  );
  assert.deepEqual(Object.keys(a), ["bump", "default", "n"]);
  assert.equal(a.n, 1);
  (a.bump as () => void)();
  assert.equal(a.n, 2, "export let is a live binding");
  assert.throws(() => {
    "use strict";
    a.n = 5;
  }, TypeError);
  assert.equal(Object.isExtensible(a), false);
  assert.throws(() => Object.defineProperty(a, "x", { value: 1 }), TypeError);
});

Deno.test("ModuleRegistry: one instance per module: two importers share it, the factory runs once, and its code is compiled only when first imported", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  registry.define(
    "/src/main.ts",
    "1",
    counted(
      "/src/main.ts",
      "",
      'const __i0 = await __m.import("/src/left.ts");const __i1 = await __m.import("/src/right.ts");' +
        "__m.export({ same: () => __i0.shared === __i1.shared });",
    ),
  );
  for (const side of ["left", "right"]) {
    registry.define(
      `/src/${side}.ts`,
      "1",
      'const __i0 = await __m.import("/src/shared.ts");__m.export({ shared: () => __i0 });',
    );
  }
  registry.define(
    "/src/shared.ts",
    "1",
    counted("/src/shared.ts", "__m.export({});"),
  );
  // Broken code is not compiled until something imports it.
  registry.define("/src/never.ts", "1", "this is not JavaScript");
  const main = await registry.import("/src/main.ts");
  assert.equal(main.same, true);
  assert.equal(await registry.import("/src/main.ts"), main);
  assert.deepEqual(runs, { "/src/main.ts": 1, "/src/shared.ts": 1 });
});

Deno.test("ModuleRegistry: an import cycle gets partial exports at once: hoisted functions work, a let read before its module ran throws like ESM", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/a.ts",
    "1",
    '__m.export({ fromA: () => fromA, a: () => a, seen: () => seen });const __i0 = await __m.import("/src/b.ts");\n' +
      "function fromA() { return 'A'; }\nlet a = 'a';\nconst seen = __i0.seen;",
  );
  registry.define(
    "/src/b.ts",
    "1",
    '__m.export({ seen: () => seen, late: () => late });const __i0 = await __m.import("/src/a.ts");\n' +
      "let early;\ntry { early = __i0.a; } catch (err) { early = err.name; }\n" +
      "const seen = (0, __i0.fromA)() + ' ' + early;\nconst late = () => __i0.a;",
  );
  const a = await registry.import("/src/a.ts");
  assert.equal(a.seen, "A ReferenceError");
  const b = await registry.import("/src/b.ts");
  assert.equal((b.late as () => string)(), "a", "the partial record is live");
  // A module importing itself gets its own partial exports.
  registry.define(
    "/src/self.ts",
    "1",
    '__m.export({ me: () => me });const __i0 = await __m.import("/src/self.ts");\nconst me = __i0 === __m.exports;',
  );
  assert.equal((await registry.import("/src/self.ts")).me, true);
});

Deno.test("ModuleRegistry: two dynamic imports started together across a cycle both finish (no deadlock)", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/a.ts",
    "1",
    '__m.export({ a: () => 1, b: () => __i0.b });const __i0 = await __m.import("/src/b.ts");',
  );
  registry.define(
    "/src/b.ts",
    "1",
    '__m.export({ b: () => 2, a: () => __i0.a });const __i0 = await __m.import("/src/a.ts");',
  );
  const [a, b] = await Promise.all([
    registry.import("/src/a.ts"),
    registry.import("/src/b.ts"),
  ]);
  assert.deepEqual([a.a, a.b, b.a, b.b], [1, 2, 1, 2]);
});

Deno.test("ModuleRegistry: concurrent imports of a module with top-level await share one evaluation", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  registry.define(
    "/src/slow.ts",
    "1",
    counted(
      "/src/slow.ts",
      "const value = await new Promise((r) => setTimeout(() => r(42), 20));",
      "__m.export({ value: () => value });",
    ),
  );
  registry.define(
    "/src/user.ts",
    "1",
    'const __i0 = await __m.import("/src/slow.ts");__m.export({ v: () => __i0.value });',
  );
  const [slow, user, again] = await Promise.all([
    registry.import("/src/slow.ts"),
    registry.import("/src/user.ts"),
    registry.import("/src/slow.ts"),
  ]);
  assert.equal(slow, again);
  assert.equal(slow.value, 42);
  assert.equal(user.v, 42);
  assert.equal(runs["/src/slow.ts"], 1);
});

Deno.test("ModuleRegistry: a throwing factory leaves no instance and rejects its importers; the next import runs it again", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  registry.define(
    "/src/bad.ts",
    "1",
    counted("/src/bad.ts", "if (globalThis.__fail) throw new Error('bad');"),
  );
  registry.define(
    "/src/user.ts",
    "1",
    counted(
      "/src/user.ts",
      "",
      'const __i0 = await __m.import("/src/bad.ts");',
    ),
  );
  const global = globalThis as { __fail?: boolean };
  global.__fail = true;
  await assert.rejects(registry.import("/src/user.ts"), /bad/);
  assert.equal(registry.isInstantiated("/src/bad.ts"), false);
  assert.equal(registry.isInstantiated("/src/user.ts"), false);
  global.__fail = false;
  await registry.import("/src/user.ts");
  assert.deepEqual(runs, { "/src/bad.ts": 2, "/src/user.ts": 1 });
  // A syntax error is a throwing factory too.
  registry.define("/src/syntax.ts", "1", "let = ;");
  await assert.rejects(registry.import("/src/syntax.ts"), SyntaxError);
  delete global.__fail;
});

Deno.test("ModuleRegistry: exportAll re-exports all but default, live; local exports win", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/lib.ts",
    "1",
    "__m.export({ x: () => x, y: () => 'lib y', default: () => 'lib default', set: () => set });\n" +
      "let x = 1;\nfunction set(v) { x = v; }",
  );
  registry.define(
    "/src/index.ts",
    "1",
    '__m.export({ y: () => "own y" });__m.exportAll(await __m.import("/src/lib.ts"));',
  );
  const index = await registry.import("/src/index.ts");
  assert.deepEqual(Object.keys(index).sort(), ["set", "x", "y"]);
  assert.equal(index.y, "own y");
  (index.set as (v: number) => void)(7);
  assert.equal(index.x, 7);
});

Deno.test("ModuleRegistry: import.meta.url is the real URL with the version; resolve works like import.meta.resolve; a hot instance's URL has the update's t=", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/dir/a.ts",
    "v1",
    "__m.export({ url: () => url, sibling: () => sibling, root: () => root, abs: () => abs });\n" +
      "const url = __m.meta.url;\nconst sibling = __m.meta.resolve('./b.ts');\n" +
      "const root = __m.meta.resolve('/src/c.ts');\n" +
      "const abs = __m.meta.resolve('https://example.com/x.js');",
  );
  const a = await registry.import("/src/dir/a.ts");
  assert.equal(a.url, `${ORIGIN}/src/dir/a.ts?v=v1`);
  assert.equal(a.sibling, `${ORIGIN}/src/dir/b.ts`);
  assert.equal(a.root, `${ORIGIN}/src/c.ts`);
  assert.equal(a.abs, "https://example.com/x.js");
  registry.markStale(["/src/dir/a.ts?t=1700"]);
  const hot = await registry.importUrl(`${ORIGIN}/src/dir/a.ts?t=1700`);
  assert.equal(hot.url, `${ORIGIN}/src/dir/a.ts?t=1700`);
  // An id with a query of its own keeps it.
  registry.define(
    "/src/s.css?inline",
    "9",
    "__m.export({ url: () => __m.meta.url });",
  );
  assert.equal(
    (await registry.import("/src/s.css?inline")).url,
    `${ORIGIN}/src/s.css?inline&v=9`,
  );
  // Its hot instance: `t=` joins the id's own query (a flag without `=`).
  const css = await registry.import("/src/s.css?inline");
  registry.markStale(["/src/s.css?inline&t=3", "/src/x.css?import&t=3"]);
  const hotCss = await registry.importUrl(`${ORIGIN}/src/s.css?inline&t=3`);
  assert.notEqual(hotCss, css);
  assert.equal(hotCss.url, `${ORIGIN}/src/s.css?inline&t=3`);
  assert.equal(registry.idOf("/src/x.css?import&t=3"), "/src/x.css?import");
  assert.equal(
    registry.idOf("/src/x.css?t=3&a=&import"),
    "/src/x.css?a=&import",
  );
  assert.equal(registry.idOf(`${ORIGIN}/src/y.ts?v=1`), "/src/y.ts");
});

Deno.test("ModuleRegistry: dynamicImport resolves relative specifiers against the module's URL, takes root-relative ids, and imports bare specifiers and other origins natively", async () => {
  const { registry, nativeImports } = registryWith((url) => ({ native: url }));
  registry.define("/src/pages/b.ts", "1", "__m.export({ name: () => 'b' });");
  registry.define("/src/c.ts", "1", "__m.export({ name: () => 'c' });");
  registry.define(
    "/src/pages/a.ts",
    "1",
    "__m.export({ load: () => load });\nconst load = (s) => __m.dynamicImport(s);",
  );
  const a = await registry.import("/src/pages/a.ts");
  const load = a.load as (s: string) => Promise<ModuleExports>;
  assert.equal((await load("./b.ts")).name, "b");
  assert.equal((await load("../c.ts")).name, "c");
  assert.equal((await load("/src/c.ts")).name, "c");
  assert.equal((await load(`${ORIGIN}/src/c.ts?v=1`)).name, "c");
  assert.equal(await load("./b.ts"), await registry.import("/src/pages/b.ts"));
  assert.deepEqual(await load("preact"), { native: "preact" });
  assert.deepEqual(await load("https://cdn.example/x.js"), {
    native: "https://cdn.example/x.js",
  });
  assert.deepEqual(nativeImports, ["preact", "https://cdn.example/x.js"]);
});

Deno.test("ModuleRegistry: externals are the namespaces the bundle imported natively", async () => {
  const { registry, nativeImports } = registryWith();
  const preact = { h: () => "h" };
  registry.external("/@deps/preact.js", preact);
  registry.define(
    "/src/app.ts",
    "1",
    'const __i0 = await __m.import("/@deps/preact.js");__m.export({ out: () => (0, __i0.h)() });',
  );
  assert.equal((await registry.import("/src/app.ts")).out, "h");
  assert.equal(await registry.import("/@deps/preact.js"), preact);
  assert.deepEqual(nativeImports, []);
});

Deno.test("ModuleRegistry: modules it lacks are fetched from /@banana/registry?ids= in one request per task, whose answer defines them (and externals)", async () => {
  const { registry, nativeImports } = registryWith((url, reg) => {
    if (url.startsWith(`${ORIGIN}/@banana/registry?ids=`)) {
      reg.define("/src/lazy/x.ts", "1", "__m.export({ x: () => 'x' });");
      reg.define("/src/lazy/y%20y.ts", "1", "__m.export({ y: () => 'y' });");
      reg.external("/@deps/dep.js", { dep: true });
      return {};
    }
    throw new TypeError(`unexpected ${url}`);
  });
  registry.define(
    "/src/main.ts",
    "1",
    "__m.export({ load: () => load });\nconst load = (s) => __m.dynamicImport(s);",
  );
  const main = await registry.import("/src/main.ts");
  const load = main.load as (s: string) => Promise<ModuleExports>;
  const [x, y, dep] = await Promise.all([
    load("./lazy/x.ts"),
    load("/src/lazy/y%20y.ts"),
    load("/@deps/dep.js"),
  ]);
  assert.deepEqual([x.x, y.y, dep.dep], ["x", "y", true]);
  assert.deepEqual(nativeImports, [
    `${ORIGIN}/@banana/registry?ids=/src/lazy/x.ts,/src/lazy/y%2520y.ts,/@deps/dep.js`,
  ]);
  // Known now: no more requests.
  await load("./lazy/x.ts");
  assert.equal(nativeImports.length, 1);
});

Deno.test("ModuleRegistry: a module the server does not define rejects with REGISTRY_MODULE_NOT_FOUND; a failed request with REGISTRY_FETCH_FAILED, and the retry asks under a new URL", async () => {
  let serverUp = false;
  const { registry, nativeImports } = registryWith((url, reg) => {
    if (!serverUp) throw new TypeError("Failed to fetch");
    if (url.includes("/src/ok.ts")) {
      reg.define("/src/ok.ts", "1", "__m.export({ ok: () => true });");
    }
    return {};
  });
  const down = await registry.import("/src/ok.ts").catch((err) => err);
  assert.ok(down instanceof RegistryError);
  assert.equal(down.code, "REGISTRY_FETCH_FAILED");
  assert.equal(down.id, "/src/ok.ts");
  serverUp = true;
  assert.equal((await registry.import("/src/ok.ts")).ok, true);
  assert.deepEqual(nativeImports, [
    `${ORIGIN}/@banana/registry?ids=/src/ok.ts`,
    `${ORIGIN}/@banana/registry?ids=/src/ok.ts&retry=1`,
  ]);
  const missing = await registry.import("/src/missing.ts").catch((err) => err);
  assert.ok(missing instanceof RegistryError);
  assert.equal(missing.code, "REGISTRY_MODULE_NOT_FOUND");
});

Deno.test("ModuleRegistry: define of the same version is a no-op; a new version serves the next instance, made only once the module is stale", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  registry.define(
    "/src/a.ts",
    "1",
    counted("/src/a.ts", "", "__m.export({ v: () => 1 });"),
  );
  const first = await registry.import("/src/a.ts");
  registry.define(
    "/src/a.ts",
    "1",
    "throw new Error('not used: same version');",
  );
  registry.define("/src/a.ts", "2", "__m.export({ v: () => 2 });");
  assert.equal(await registry.import("/src/a.ts"), first);
  assert.equal(first.v, 1);
  registry.markStale(["/src/a.ts?t=5"]);
  const second = await registry.import("/src/a.ts");
  assert.equal(second.v, 2);
  assert.equal(await registry.import("/src/a.ts"), second, "no longer stale");
  assert.equal(runs["/src/a.ts"], 1);
});

/**
 * main → app → (counter, view); view → leaf. An edit of `leaf` re-runs the
 * chain app → view → leaf; `counter`, not in the chain, keeps its instance.
 */
function defineApp(
  registry: ModuleRegistry,
  leafText: string,
  version: string,
) {
  registry.define(
    "/src/app.ts",
    "1",
    counted(
      "/src/app.ts",
      "const render = () => `${(0, __i1.text)()} #${(0, __i0.next)()}`;",
      'const __i0 = await __m.import("/src/counter.ts");const __i1 = await __m.import("/src/view.ts");' +
        "__m.export({ render: () => render, counter: () => __i0 });",
    ),
  );
  registry.define(
    "/src/counter.ts",
    "1",
    counted(
      "/src/counter.ts",
      "let n = 0;\nfunction next() { return ++n; }",
      "__m.export({ next: () => next });",
    ),
  );
  registry.define(
    "/src/view.ts",
    "1",
    counted(
      "/src/view.ts",
      "function text() { return `view of ${__i0.leaf}`; }",
      'const __i0 = await __m.import("/src/leaf.ts");__m.export({ text: () => text });',
    ),
  );
  registry.define(
    "/src/leaf.ts",
    version,
    counted(
      "/src/leaf.ts",
      `const leaf = ${JSON.stringify(leafText)};`,
      "__m.export({ leaf: () => leaf });",
    ),
  );
}

Deno.test("ModuleRegistry: a hot update re-runs the fresh chain only: a counter module outside it keeps its instance and state", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  defineApp(registry, "v1", "1");
  const app1 = await registry.import("/src/app.ts");
  const render1 = app1.render as () => string;
  assert.equal(render1(), "view of v1 #1");
  assert.equal(render1(), "view of v1 #2");
  // The edit: new leaf code; the chain app → view → leaf is stale.
  defineApp(registry, "v2", "2");
  registry.markStale([
    "/src/app.ts?t=10",
    "/src/view.ts?t=10",
    "/src/leaf.ts?t=10",
  ]);
  const app2 = await registry.importUrl("/src/app.ts?t=10");
  assert.notEqual(app2, app1);
  assert.equal(app2.counter, app1.counter, "counter keeps its instance");
  assert.equal((app2.render as () => string)(), "view of v2 #3");
  assert.deepEqual(runs, {
    "/src/app.ts": 2,
    "/src/counter.ts": 1,
    "/src/view.ts": 2,
    "/src/leaf.ts": 2,
  });
  // The old instance of the chain still runs the old code for whoever holds it.
  assert.equal(render1(), "view of v1 #4");
});

Deno.test("ModuleRegistry: a stale module whose new code throws keeps its old instance for its importers and stays stale (a later import runs the new code again); the next update runs the newest code", async () => {
  const { registry } = registryWith();
  registry.define("/src/a.ts", "1", "__m.export({ v: () => 1 });");
  registry.define(
    "/src/user.ts",
    "1",
    '__m.export({ a: () => __i0 });const __i0 = await __m.import("/src/a.ts");',
  );
  const user = await registry.import("/src/user.ts");
  const old = user.a;
  registry.define("/src/a.ts", "2", "throw new Error('v2 is broken');");
  registry.markStale(["/src/a.ts?t=1"]);
  await assert.rejects(registry.importUrl("/src/a.ts?t=1"), /v2 is broken/);
  assert.equal(user.a, old);
  assert.equal(registry.isInstantiated("/src/a.ts"), true);
  await assert.rejects(registry.import("/src/a.ts"), /v2 is broken/);
  registry.define("/src/a.ts", "3", "__m.export({ v: () => 3 });");
  registry.markStale(["/src/a.ts?t=2"]);
  assert.equal((await registry.importUrl("/src/a.ts?t=2")).v, 3);
});

Deno.test("ModuleRegistry: drop (prune) forgets an instance: the next import runs the module anew", async () => {
  const runs = resetRuns();
  const { registry } = registryWith();
  registry.define(
    "/src/gone.ts",
    "1",
    counted("/src/gone.ts", "__m.export({});"),
  );
  const first = await registry.import("/src/gone.ts");
  registry.drop(["/src/gone.ts"]);
  assert.equal(registry.isInstantiated("/src/gone.ts"), false);
  assert.notEqual(await registry.import("/src/gone.ts"), first);
  assert.equal(runs["/src/gone.ts"], 2);
});

Deno.test("ModuleRegistry: stack traces name the real file and line (sourceURL)", async () => {
  const { registry } = registryWith();
  registry.define(
    "/src/thrower.ts",
    "1",
    "__m.export({ fail: () => fail });\n\nfunction fail() {\n  throw new Error('where?');\n}",
  );
  const mod = await registry.import("/src/thrower.ts");
  const err = (() => {
    try {
      (mod.fail as () => void)();
    } catch (err) {
      return err as Error;
    }
  })()!;
  // Deno writes eval'd code's frames `<sourceURL>, <anonymous>:4:9`;
  // Chromium `<sourceURL>:4:9` (tests/module_registry_test.ts).
  assert.match(
    err.stack!,
    new RegExp(`${ORIGIN}/src/thrower\\.ts(, <anonymous>)?:4:`),
  );
});

Deno.test("ModuleRegistry: a chain of 3000 modules imports without overflowing the stack", async () => {
  const { registry } = registryWith();
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n
      ? `const __i0 = await __m.import("/src/m${i + 1}.ts");`
      : "const __i0 = { depth: 0 };";
    registry.define(
      `/src/m${i}.ts`,
      "1",
      `${next}__m.export({ depth: () => depth });\nconst depth = __i0.depth + 1;`,
    );
  }
  assert.equal((await registry.import("/src/m0.ts")).depth, n);
});

Deno.test("ModuleRegistry + HmrClient: import.meta.hot made by the module's own code accepts an update; the update imports the new instance from the registry, disposes the old with its data, and prune drops the instance", async () => {
  const { registry } = registryWith();
  const client = new HmrClient({ log: () => {} });
  client.useRegistry(registry);
  // What per-module mode's header becomes after the transform.
  registry.external("/@banana/client/client.ts", {
    createHotContext: (owner: string) => new HotContext(client, owner),
  });
  const header = 'const __i0 = await __m.import("/@banana/client/client.ts");' +
    '__m.meta.hot = (0, __i0.createHotContext)("/src/hot.ts");';
  const code = (version: number) =>
    `${header}__m.export({ version: () => ${version}, url: () => __m.meta.url });\n` +
    "__m.meta.hot.data.versions = [...(__m.meta.hot.data.versions ?? []), " +
    `${version}];\n__m.meta.hot.accept((mod) => globalThis.__accepted.push(mod));\n` +
    "__m.meta.hot.dispose((data) => { data.disposed = (data.disposed ?? 0) + 1; });";
  const accepted: ModuleExports[] = [];
  (globalThis as { __accepted?: unknown[] }).__accepted = accepted;
  registry.define("/src/hot.ts", "1", code(1));
  const first = await registry.import("/src/hot.ts");
  assert.equal(client.isHotModule("/src/hot.ts"), true);
  registry.define("/src/hot.ts", "2", code(2));
  registry.markStale(["/src/hot.ts?t=33"]);
  await client.applyUpdate({
    type: "js-update",
    path: "/src/hot.ts",
    acceptedPath: "/src/hot.ts",
    timestamp: 33,
  });
  assert.equal(accepted.length, 1);
  assert.notEqual(accepted[0], first);
  assert.equal(accepted[0].version, 2);
  assert.equal(accepted[0].url, `${ORIGIN}/src/hot.ts?t=33`);
  assert.equal(Object.prototype.toString.call(accepted[0]), "[object Module]");
  assert.deepEqual(client.data("/src/hot.ts"), {
    versions: [1, 2],
    disposed: 1,
  });
  await client.prune(["/src/hot.ts"]);
  assert.equal(registry.isInstantiated("/src/hot.ts"), false);
  delete (globalThis as { __accepted?: unknown[] }).__accepted;
});

Deno.test("ModuleRegistry: a module importing its own import.meta.url (the refresh glue does) gets its own instance, first and hot-updated", async () => {
  const { registry, nativeImports } = registryWith();
  const code = (version: number) =>
    `"use strict";__m.export({ version: () => ${version}, self: () => self });\n` +
    "const self = __m.dynamicImport(__m.meta.url);";
  registry.define("/src/App.tsx", "1", code(1));
  const first = await registry.import("/src/App.tsx");
  assert.equal(await first.self, first);
  registry.define("/src/App.tsx", "2", code(2));
  registry.markStale(["/src/App.tsx?t=9"]);
  const second = await registry.importUrl("/src/App.tsx?t=9");
  assert.equal(second.version, 2);
  assert.equal(await second.self, second);
  assert.deepEqual(nativeImports, []);
});

Deno.test("ModuleRegistry: a static import of a name the evaluated module does not export is a SyntaxError, as when an ES module is linked; externals are checked too; partial exports in a cycle are not", async () => {
  const { registry } = registryWith();
  registry.external("/@deps/lib.js", Object.preventExtensions({ real: 1 }));
  registry.define("/src/labels.ts", "1", "__m.export({ label: () => 1 });");
  registry.define(
    "/src/ok.ts",
    "1",
    'const __i0 = await __m.import("/src/labels.ts", ["label"]);const __i1 = await __m.import("/@deps/lib.js", ["real"]);',
  );
  await registry.import("/src/ok.ts");
  for (
    const [id, from, name] of [
      ["/src/wrong.ts", "/src/labels.ts", "missing"],
      ["/src/wrong_dep.ts", "/@deps/lib.js", "fake"],
    ]
  ) {
    registry.define(
      id,
      "1",
      `const __i0 = await __m.import(${JSON.stringify(from)}, [${
        JSON.stringify(name)
      }]);`,
    );
    await assert.rejects(
      registry.import(id),
      (err) =>
        err instanceof SyntaxError &&
        err.message ===
          `The requested module '${from}' does not provide an export named '${name}'`,
    );
  }
  // a ⇄ b: b takes a name a adds only as it runs (its export *).
  registry.define("/src/star.ts", "1", "__m.export({ late: () => 2 });");
  registry.define(
    "/src/a.ts",
    "1",
    'const __i0 = await __m.import("/src/b.ts");__m.exportAll(await __m.import("/src/star.ts"));',
  );
  registry.define(
    "/src/b.ts",
    "1",
    'const __i0 = await __m.import("/src/a.ts", ["late"]);__m.export({ late: () => __i0.late });',
  );
  const a = await registry.import("/src/a.ts");
  assert.equal((await registry.import("/src/b.ts")).late, 2);
  assert.equal(a.late, 2);
});

Deno.test("ModuleRegistry: idOf drops only the t and v params, keeping a query such as ?raw as written", () => {
  const { registry } = registryWith();
  assert.equal(registry.idOf("/src/notes.md?raw&t=5"), "/src/notes.md?raw");
  assert.equal(registry.idOf("/src/a.ts?v=1"), "/src/a.ts");
  assert.equal(
    registry.idOf("/src/a.css?import&t=2&x=1"),
    "/src/a.css?import&x=1",
  );
});

Deno.test("ModuleRegistry: a module of the fresh chain that the new code imports only later (a lazy import) gets its new version then: stale marks last until used", async () => {
  const { registry } = registryWith();
  const leaf = (text: string) =>
    `__m.export({ text: () => ${JSON.stringify(text)} });`;
  registry.define(
    "/src/main.ts",
    "1",
    "__m.export({ load: () => load });\nconst load = () => __m.dynamicImport('./page.ts');",
  );
  registry.define(
    "/src/page.ts",
    "1",
    '__m.export({ text: () => __i0.text });const __i0 = await __m.import("/src/leaf.ts");',
  );
  registry.define("/src/leaf.ts", "1", leaf("v1"));
  const main = await registry.import("/src/main.ts");
  const load = main.load as () => Promise<ModuleExports>;
  assert.equal((await load()).text, "v1");
  // An edit of leaf reaches main through page's dynamic edge.
  registry.define("/src/leaf.ts", "2", leaf("v2"));
  registry.markStale([
    "/src/main.ts?t=4",
    "/src/page.ts?t=4",
    "/src/leaf.ts?t=4",
  ]);
  const main2 = await registry.importUrl("/src/main.ts?t=4");
  // The update is over; the new main loads the page later.
  const page = await (main2.load as () => Promise<ModuleExports>)();
  assert.equal(page.text, "v2");
  assert.equal(await (main2.load as () => Promise<ModuleExports>)(), page);
});

/** A synchronous factory as a bundle writes it (`server/sync_factories.ts`). */
type SyncFactory = (__m: {
  import(id: string): ModuleExports;
  export(
    getters: Record<string, () => unknown>,
    values?: Record<string, unknown>,
  ): void;
}) => void;

function defineSync(
  registry: ModuleRegistry,
  id: string,
  factory: SyncFactory,
): void {
  registry.definer(`${ORIGIN}/@banana/bundle/src/main.ts`)(
    id,
    "v1",
    factory as never,
    undefined,
    undefined,
    undefined,
    1,
  );
}

Deno.test("ModuleRegistry: synchronous factories run inside their importer's import, depth first as ESM evaluates; a cycle gets the partial exports with hoisted functions", async () => {
  const { registry } = registryWith();
  const order: string[] = [];
  defineSync(registry, "/src/main.ts", (__m) => {
    const a = __m.import("/src/a.ts");
    order.push(`main sees ${(a.twice as (n: number) => number)(21)}`);
  });
  defineSync(registry, "/src/a.ts", (__m) => {
    __m.export({}, { twice });
    const b = __m.import("/src/b.ts");
    order.push(`a after b (${b.fromA as string})`);
    function twice(n: number) {
      return n * 2;
    }
  });
  defineSync(registry, "/src/b.ts", (__m) => {
    let fromA = "";
    __m.export({ fromA: () => fromA });
    // Closes the cycle: a's exports so far, its hoisted function in them.
    const a = __m.import("/src/a.ts");
    fromA = String((a.twice as (n: number) => number)(2));
    order.push("b ran");
  });
  const main = registry.import("/src/main.ts");
  // All of it ran before the import's promise is even awaited.
  assert.deepEqual(order, ["b ran", "a after b (4)", "main sees 42"]);
  await main;
  assert.equal(registry.isInstantiated("/src/b.ts"), true);
});

Deno.test("ModuleRegistry: a synchronous factory that throws rejects the import through its importers and leaves no instance; the next import runs it again", async () => {
  const { registry } = registryWith();
  let runs = 0;
  defineSync(registry, "/src/main.ts", (__m) => {
    __m.import("/src/bad.ts");
  });
  defineSync(registry, "/src/bad.ts", () => {
    runs++;
    throw new Error("bad " + runs);
  });
  await assert.rejects(registry.import("/src/main.ts"), /bad 1/);
  assert.equal(registry.isInstantiated("/src/bad.ts"), false);
  assert.equal(registry.isInstantiated("/src/main.ts"), false);
  await assert.rejects(registry.import("/src/main.ts"), /bad 2/);
});

Deno.test("ModuleRegistry: after an update, a synchronous factory not run yet runs as an async one, and gets the hot version of its import", async () => {
  const { registry } = registryWith();
  defineSync(registry, "/src/leaf.ts", (__m) => {
    __m.export({ text: () => text });
    const text = "leaf v1";
  });
  defineSync(registry, "/src/lazy.ts", (__m) => {
    __m.export({ shown: () => shown });
    const __i0 = __m.import("/src/leaf.ts");
    const shown = "lazy sees " + __i0.text;
  });
  assert.equal((await registry.import("/src/leaf.ts")).text, "leaf v1");
  // A hot update of leaf.ts: its new factory is code, awaited.
  registry.define(
    "/src/leaf.ts",
    "v2",
    '"use strict";__m.export({ text: () => text });\nconst text = await Promise.resolve("leaf v2");',
  );
  registry.markStale([`${ORIGIN}/src/leaf.ts?t=2`]);
  const lazy = await registry.import("/src/lazy.ts");
  assert.equal(lazy.shown, "lazy sees leaf v2");
});

Deno.test("ModuleRegistry: takeRuns names each module once it ran, with its URL's query (v= first, t= after an update), and not a module whose factory throws; import.meta.url is the same URL", async () => {
  let notes = 0;
  const registry = new ModuleRegistry({
    origin: ORIGIN,
    onRun: () => notes++,
  });
  registry.define(
    "/src/main.ts",
    "m 1",
    'const __i0 = await __m.import("/src/a.ts");\n' +
      "__m.export({ url: () => url, a: () => __i0.url });\n" +
      "const url = __m.meta.url;",
  );
  registry.define(
    "/src/a.ts",
    "a1",
    "__m.export({ url: () => url });\nconst url = __m.meta.url;",
  );
  registry.define("/src/bad.ts", "b1", 'throw new Error("build failed");');
  const main = await registry.import("/src/main.ts");
  assert.equal(notes, 2);
  assert.deepEqual(registry.takeRuns(), [
    "/src/a.ts",
    "/src/a.ts?v=a1",
    "/src/main.ts",
    "/src/main.ts?v=m%201",
  ]);
  assert.deepEqual(registry.takeRuns(), [], "each run is taken once");
  assert.equal(main.url, `${ORIGIN}/src/main.ts?v=m%201`);
  assert.equal(main.a, `${ORIGIN}/src/a.ts?v=a1`);
  await assert.rejects(registry.import("/src/bad.ts"), /build failed/);
  assert.deepEqual(
    registry.takeRuns(),
    [],
    "a factory that throws did not run",
  );
  registry.define(
    "/src/a.ts",
    "a2",
    "__m.export({ url: () => url });\nconst url = __m.meta.url;",
  );
  registry.markStale(["/src/a.ts?t=7"]);
  const a = await registry.import("/src/a.ts");
  assert.deepEqual(registry.takeRuns(), ["/src/a.ts", "/src/a.ts?t=7"]);
  assert.equal(a.url, `${ORIGIN}/src/a.ts?t=7`);
});

Deno.test("ModuleRegistry: a bundle script's later definition of a module replaces its earlier one, at the same version; another script's is a no-op", async () => {
  const { registry } = registryWith();
  const script = `${ORIGIN}/@banana/bundle/src/main.ts`;
  const define = registry.definer(script);
  // Written first as a plain function, then again as an async one (a
  // streamed bundle's correction): the second runs.
  define(
    "/src/a.ts",
    "v1",
    ((__m: { export(getters: Record<string, () => unknown>): void }) => {
      __m.export({ which: () => "first" });
    }) as never,
    undefined,
    undefined,
    undefined,
    1,
  );
  define(
    "/src/a.ts",
    "v1",
    (async (__m: { export(getters: Record<string, () => unknown>): void }) => {
      await null;
      __m.export({ which: () => "second" });
    }) as never,
  );
  // Another script defining the same version changes nothing.
  registry.definer(`${ORIGIN}/@banana/registry?ids=%2Fsrc%2Fa.ts`)(
    "/src/a.ts",
    "v1",
    (async (__m: { export(getters: Record<string, () => unknown>): void }) => {
      await null;
      __m.export({ which: () => "third" });
    }) as never,
  );
  const a = await registry.import("/src/a.ts");
  assert.equal(a.which, "second");
});
