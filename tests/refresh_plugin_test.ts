/**
 * The Fast Refresh plugin without a browser: when it turns on, which
 * modules it compiles, the glue it appends (at the end, seen as a
 * self-accepting boundary by the import analysis), and its errors.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  addRefreshGlue,
  detectRefreshFramework,
  injectRefreshPreamble,
  REFRESH_PREAMBLE_URL,
  REFRESH_RUNTIME_ID,
  REFRESH_RUNTIME_URL,
  refreshPlugin,
  refreshRuntimeSource,
} from "../server/plugins/refresh.ts";
import { analyzeModule } from "../server/import_analysis.ts";
import { BananaError } from "../server/errors.ts";
import type { AppDenoConfig } from "../server/import_map.ts";
import type { PluginContext } from "../server/plugin.ts";

function appConfig(
  imports: Record<string, string>,
  compilerOptions: AppDenoConfig["compilerOptions"],
): AppDenoConfig {
  return { importMap: { imports, scopes: {} }, compilerOptions, files: [] };
}

const PREACT = { preact: "npm:preact@10.29.8" };
const REACT = { react: "npm:react@19.3.1" };

Deno.test("the framework comes from the JSX import source or the import map", () => {
  const automatic = { jsx: "react-jsx" };
  assert.equal(
    detectRefreshFramework(
      appConfig(PREACT, { ...automatic, jsxImportSource: "preact" }),
    ),
    "preact",
  );
  assert.equal(
    detectRefreshFramework(
      appConfig(REACT, { ...automatic, jsxImportSource: "react" }),
    ),
    "react",
  );
  assert.equal(
    detectRefreshFramework(
      appConfig(PREACT, { jsx: "precompile", jsxImportSource: "preact" }),
    ),
    "preact",
  );
  assert.equal(detectRefreshFramework(appConfig(REACT, automatic)), "react");
  // react mapped to preact/compat is Preact.
  assert.equal(
    detectRefreshFramework(
      appConfig({ react: "npm:preact@10.29.8/compat" }, {
        ...automatic,
        jsxImportSource: "react",
      }),
    ),
    "preact",
  );
});

Deno.test("refresh stays off without the automatic JSX runtime or a framework", () => {
  assert.equal(detectRefreshFramework(appConfig(PREACT, {})), null);
  assert.equal(
    detectRefreshFramework(
      appConfig(PREACT, { jsx: "react", jsxFactory: "h" }),
    ),
    null,
  );
  assert.equal(
    detectRefreshFramework(appConfig({}, { jsx: "react-jsx" })),
    null,
  );
});

const COMPILED = `import { jsx as _jsx } from "preact/jsx-runtime";
var _s = $RefreshSig$();
export function Counter() {
\t_s();
\treturn _jsx("b", {});
}
_s(Counter, "key");
_c = Counter;
var _c;
$RefreshReg$(_c, "Counter");
//# sourceMappingURL=data:application/json;base64,e30=
`;

Deno.test("the glue goes after the code and before the source map, and makes the module self-accepting", () => {
  const glued = addRefreshGlue(COMPILED, "/src/counter.tsx", {
    preserveState: false,
  });
  const original = COMPILED.slice(0, COMPILED.indexOf("//# sourceMappingURL"));
  assert.ok(glued.startsWith(original), "the compiled lines do not move");
  assert.ok(
    glued.trimEnd().endsWith(
      "//# sourceMappingURL=data:application/json;base64,e30=",
    ),
  );
  assert.ok(glued.includes(`from "${REFRESH_RUNTIME_URL}"`));
  assert.ok(
    glued.includes(`__banana_refresh.register(type, "/src/counter.tsx", id)`),
  );
  assert.ok(glued.includes("import.meta.hot.invalidate(reason)"));
  const analysis = analyzeModule(glued);
  assert.equal(analysis.isSelfAccepting, true);
  assert.equal(analysis.usesHot, true);
  assert.deepEqual(
    analysis.imports.map((site) => site.specifier),
    ["preact/jsx-runtime", REFRESH_RUNTIME_URL],
  );
});

Deno.test("preserveState reaches the glue", () => {
  const glued = addRefreshGlue(COMPILED, "/src/counter.tsx", {
    preserveState: true,
  });
  assert.match(glued, /__banana_exports, next, true\)/);
});

Deno.test("a module of hooks only gets signatures but no accept; a module without either is unchanged", () => {
  const hooks = `var _s = $RefreshSig$();
export function useTwice() {
\t_s();
\treturn 2;
}
_s(useTwice, "key");
`;
  const glued = addRefreshGlue(hooks, "/src/hooks.ts", {
    preserveState: false,
  });
  assert.ok(glued.includes("function $RefreshSig$()"));
  assert.equal(analyzeModule(glued).isSelfAccepting, false);
  const plain = `export const x = 1;\n`;
  assert.equal(
    addRefreshGlue(plain, "/src/x.ts", { preserveState: false }),
    plain,
  );
});

Deno.test("the preamble is the first script of <head>", () => {
  const tag = `<script type="module" src="${REFRESH_PREAMBLE_URL}"></script>`;
  assert.equal(
    injectRefreshPreamble(`<html><head><title>x</title></head></html>`),
    `<html><head>${tag}<title>x</title></head></html>`,
  );
  assert.equal(
    injectRefreshPreamble(`<!doctype html><p>hi</p>`),
    `<!doctype html>${tag}<p>hi</p>`,
  );
});

Deno.test("the runtime module imports the pinned packages as dependencies", () => {
  const preact = refreshRuntimeSource("preact");
  assert.match(preact, /import "npm:@prefresh\/core@1\.5\.11";/);
  assert.match(preact, /from "npm:@prefresh\/utils@1\.2\.1";/);
  assert.match(preact, /import \{ options \} from "preact";/);
  const react = refreshRuntimeSource("react");
  assert.match(react, /from "npm:react-refresh@0\.19\.0\/runtime";/);
});

const plugin = refreshPlugin({
  root: "/app",
  exclude: ["/app/.banana"],
  framework: "react",
  define: { __FLAG__: "true" },
  preserveState: false,
});
const context = {} as PluginContext;

Deno.test("the plugin compiles the app's script modules only", () => {
  assert.equal(plugin.compiles("/app/src/app.tsx"), true);
  assert.equal(plugin.compiles("/app/src/util.ts"), true);
  assert.equal(plugin.compiles("/app/src/style.css"), false);
  assert.equal(plugin.compiles("/app/src/app.tsx?worker"), false);
  assert.equal(plugin.compiles("/app/.banana/deps/x.js"), false);
  assert.equal(plugin.compiles("/app/node_modules/x/index.js"), false);
  assert.equal(plugin.compiles("/elsewhere/app.tsx"), false);
  assert.equal(plugin.compiles(REFRESH_RUNTIME_ID), false);
});

Deno.test("the plugin compiles TSX with registrations, defines and glue", async () => {
  const source = `import { useState } from "react";
interface Props { label: string }
export function Counter({ label }: Props) {
  const [n, setN] = useState<number>(0);
  return <button onClick={() => setN(n + 1)}>{label} {n} {String(__FLAG__)}</button>;
}
`;
  const result = await plugin.transform!.call(
    context,
    source,
    "/app/src/counter.tsx",
  );
  const code = typeof result === "string" ? result : result?.code ?? "";
  assert.ok(code.includes(`from "react/jsx-runtime"`));
  assert.ok(code.includes(`$RefreshReg$(_c, "Counter")`));
  assert.ok(code.includes("String(true)"), "define is applied");
  assert.ok(!code.includes("interface Props"), "types are stripped");
  assert.equal(analyzeModule(code).isSelfAccepting, true);
  // The glue is appended: the source map comment stays last.
  assert.ok(
    code.indexOf("$RefreshReg$(_c") <
      code.indexOf("import * as __banana_refresh"),
  );
  assert.match(code.trimEnd().split("\n").at(-1)!, /^\/\/# sourceMappingURL=/);
});

Deno.test("a syntax error becomes an error with the file, position and frame", async () => {
  const source =
    `export function Broken() {\n  const x = ;\n  return <div>{x}</div>;\n}\n`;
  await assert.rejects(
    async () => {
      await plugin.transform!.call(context, source, "/app/src/broken.tsx");
    },
    (err: unknown) => {
      assert.ok(err instanceof BananaError);
      assert.match(err.message, /^src\/broken\.tsx:2:\d+: /);
      assert.equal(err.body.loc?.line, 2);
      assert.equal(err.body.loc?.file, "/app/src/broken.tsx");
      assert.match(err.body.frame ?? "", /> 2 \|/);
      return true;
    },
  );
});
