/**
 * Tests of `transformWithRefresh`: what the Oxc-based transform emits for
 * Fast Refresh, and how it reports broken modules.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  isolatedCompilerRunning,
  OXC_CACHE_KIND,
  RefreshTransformError,
  stopIsolatedCompiler,
  transformWithRefresh,
} from "./oxc_compile.ts";
import { BananaError } from "./errors.ts";
import { CompileCache } from "./compile_cache.ts";

/** Asserts that `text` contains `part`, showing the whole text if not. */
function assertIncludes(text: string, part: string): void {
  assert.ok(
    text.includes(part),
    `expected ${JSON.stringify(part)} in:\n${text}`,
  );
}

/** Awaits a rejection and returns the `RefreshTransformError` it carries. */
async function transformError(
  run: () => Promise<unknown>,
): Promise<RefreshTransformError> {
  try {
    await run();
  } catch (error) {
    assert.ok(
      error instanceof RefreshTransformError,
      `expected a RefreshTransformError, got ${error}`,
    );
    return error;
  }
  throw new assert.AssertionError({
    message: "expected the transform to reject",
  });
}

const COUNTER = `import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";

interface Props {
  start: number;
  children?: ComponentChildren;
}

export function Counter({ start, children }: Props) {
  const [count, setCount] = useState<number>(start);
  return (
    <button type="button" onClick={() => setCount(count + 1)}>
      {children} {count}
    </button>
  );
}

export const Label = ({ text }: { text: string }) => <span>{text}</span>;
`;

const preact = { jsxImportSource: "preact", refresh: true, sourcemap: false };

/** The hook signature key that `_s(Counter, "<key>")` gives the component. */
async function counterSignature(source: string): Promise<string> {
  const { code } = await transformWithRefresh(source, "/src/counter.tsx", {
    ...preact,
  });
  const match = code.match(/_s\d*\(Counter, "([^"]+)"/);
  assert(match, `expected a signature for Counter in:\n${code}`);
  return match[1];
}

Deno.test("a hook component gets a registration and a signature", async () => {
  const { code, map } = await transformWithRefresh(
    COUNTER,
    "/src/counter.tsx",
    preact,
  );
  assertIncludes(code, `from "preact/jsx-runtime"`);
  assert.match(code, /var _s\d* = \$RefreshSig\$\(\)/);
  assert.match(code, /_s\d*\(Counter, "[^"]+"\);/);
  assert.match(code, /\$RefreshReg\$\(_c\d*, "Counter"\);/);
  assert.match(code, /\$RefreshReg\$\(_c\d*, "Label"\);/);
  assert.deepEqual(map, undefined);
  // TypeScript is gone: no interface, no type import, no type arguments.
  assert(!code.includes("interface"), code);
  assert(!code.includes("ComponentChildren"), code);
  assert(!code.includes("useState<"), code);
});

Deno.test("the signature changes when the hooks change, not the markup", async () => {
  const base = await counterSignature(COUNTER);
  const markupEdited = await counterSignature(
    COUNTER.replace("{children} {count}", "{children}: {count} clicks"),
  );
  const hookAdded = await counterSignature(
    COUNTER.replace(
      "return (\n    <button",
      "const [step] = useState(1);\n  return (\n    <button",
    ),
  );
  const hookArgsChanged = await counterSignature(
    COUNTER.replace("useState<number>(start)", "useState<number>(start * 2)"),
  );
  assert.deepEqual(markupEdited, base);
  assert.notEqual(hookAdded, base);
  assert.notEqual(hookArgsChanged, base);
  assert.notEqual(hookAdded, hookArgsChanged);
});

Deno.test("custom hooks used by a component are listed for the runtime", async () => {
  const source = `import { useState } from "preact/hooks";
function useToggle(initial: boolean) {
  const [on, setOn] = useState(initial);
  return [on, () => setOn(!on)] as const;
}
export default function Switch() {
  const [on, toggle] = useToggle(false);
  return <input type="checkbox" checked={on} onChange={toggle} />;
}
`;
  const { code } = await transformWithRefresh(
    source,
    "/src/switch.tsx",
    preact,
  );
  assert.match(code, /_s\d*\(useToggle, "[^"]+"\);/);
  // The component's signature lazily names the custom hook it calls.
  assert.match(
    code,
    /_s\d*\(Switch, "[^"]+", false, function\(\) \{\s*return \[useToggle\];\s*\}\);/,
  );
  assert.match(code, /\$RefreshReg\$\(_c\d*, "Switch"\);/);
});

Deno.test("refresh off compiles JSX and TypeScript without registrations", async () => {
  const { code } = await transformWithRefresh(COUNTER, "/src/counter.tsx", {
    jsxImportSource: "react",
    refresh: false,
    sourcemap: false,
  });
  assertIncludes(code, `from "react/jsx-runtime"`);
  assert(!code.includes("$RefreshReg$"), code);
  assert(!code.includes("$RefreshSig$"), code);
});

Deno.test("output is always ESM, even without imports or exports", async () => {
  const { code } = await transformWithRefresh(
    "const el = <p>hi</p>;\nconsole.log(el);\n",
    "/src/script.jsx",
    preact,
  );
  assertIncludes(code, `import { jsx as _jsx } from "preact/jsx-runtime"`);
  assert(!code.includes("require("), code);
});

Deno.test("languages follow the extension: .ts keeps type assertions, .js allows JSX", async () => {
  const ts = await transformWithRefresh(
    "const n = <number>(1 as unknown);\nexport { n };\n",
    "/src/n.ts?t=123",
    preact,
  );
  assertIncludes(ts.code, "const n = 1;");
  const js = await transformWithRefresh(
    "export const App = () => <main />;\n",
    "/src/app.js",
    preact,
  );
  assertIncludes(js.code, `_jsx("main", {})`);
  assert.match(js.code, /\$RefreshReg\$\(_c\d*, "App"\);/);
});

Deno.test("source maps are inlined and returned", async () => {
  const { code, map } = await transformWithRefresh(
    COUNTER,
    "/src/counter.tsx",
    { ...preact, sourcemap: true },
  );
  assert(map !== undefined);
  const parsed = JSON.parse(map);
  assert.deepEqual(parsed.version, 3);
  assert.deepEqual(parsed.sources, ["/src/counter.tsx"]);
  assert.deepEqual(parsed.sourcesContent, [COUNTER]);
  assert(parsed.mappings.length > 0);
  const inline = code.match(
    /\n\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\n$/,
  );
  assert(inline, "expected an inline source map at the end of the code");
  const decoded = new TextDecoder().decode(
    Uint8Array.fromBase64(inline[1]),
  );
  assert.deepEqual(decoded, map);
});

Deno.test("a syntax error names the file, line and column", async () => {
  const error = await transformError(
    () =>
      transformWithRefresh(
        `const greeting = "héllo 😀";\nexport function A() {\n  return <div>{x</div>;\n}\n`,
        "/src/broken.tsx",
        preact,
      ),
  );
  assert.deepEqual(error.file, "/src/broken.tsx");
  assert.deepEqual(error.line, 3);
  assert.deepEqual(error.column, 18);
  assert.match(error.message, /^\/src\/broken\.tsx:3:18: /);
  assertIncludes(error.reason, "Unterminated regular expression");
  assert(error.frame?.includes("return <div>{x</div>;"), error.frame);
});

Deno.test("columns count characters, not UTF-8 bytes", async () => {
  const error = await transformError(
    () =>
      transformWithRefresh(
        `const s = "ééé😀"; let x: number = ;\n`,
        "/src/utf8.ts",
        preact,
      ),
  );
  assert.deepEqual(error.line, 1);
  // `const s = "ééé😀"; let x: number = ` is 35 UTF-16 code units long.
  assert.deepEqual(error.column, 36);
});

Deno.test("an unclosed JSX tag is reported at the mismatch", async () => {
  const error = await transformError(
    () =>
      transformWithRefresh(
        "export default function App() {\n  return <A><B></A>;\n}\n",
        "/src/app.jsx",
        preact,
      ),
  );
  assert.deepEqual(error.line, 2);
  assertIncludes(error.reason, "closing tag");
});

Deno.test("with a compile cache, a restart gets the same code and map without compiling; any input change compiles again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "banana_oxc_cache_" });
  const options = { ...preact, sourcemap: true };
  const first = new CompileCache({ dir });
  const compiled = await transformWithRefresh(COUNTER, "/src/counter.tsx", {
    ...options,
    cache: first,
  });
  assert.deepEqual(first.stats(OXC_CACHE_KIND).misses, 1);
  await first.close();

  const restarted = new CompileCache({ dir });
  const cached = await transformWithRefresh(COUNTER, "/src/counter.tsx", {
    ...options,
    cache: restarted,
  });
  assert.deepEqual(restarted.stats(OXC_CACHE_KIND).hits, 1);
  assert.deepEqual(cached.code, compiled.code);
  assert.deepEqual(cached.map, compiled.map);

  const changes = [
    [COUNTER + "\n// edited", "/src/counter.tsx", options],
    [COUNTER, "/src/other.tsx", options],
    [COUNTER, "/src/counter.tsx", { ...options, refresh: false }],
    [COUNTER, "/src/counter.tsx", { ...options, define: { X: "1" } }],
  ] as const;
  for (const [code, file, changed] of changes) {
    await transformWithRefresh(code, file, { ...changed, cache: restarted });
  }
  assert.deepEqual(restarted.stats(OXC_CACHE_KIND).misses, changes.length);
  await restarted.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an input nested deeper than Oxc's stack fails with a reason in a process of its own, and this process goes on compiling", async () => {
  try {
    // Under `deno test` brackets ~2000 deep abort the process in place.
    const depth = 8000;
    const deep = `export const deep = ${"[".repeat(depth)}1${
      "]".repeat(depth)
    };\n`;
    const error = await transformWithRefresh(deep, "/src/deep.ts", preact)
      .then(() => null, (err: unknown) => err);
    assert.ok(error instanceof BananaError, String(error));
    assert.match(error.message, /^\/src\/deep\.ts: Oxc crashed on this file/);
    assert.equal(error.body.id, "/src/deep.ts");
    // Deep, but not too deep: compiled in a new isolated process.
    const fine = `const n: number = 1;\nexport const v = ${"(".repeat(300)}n${
      ")".repeat(300)
    };\n`;
    const { code } = await transformWithRefresh(fine, "/src/fine.ts", preact);
    assert.ok(isolatedCompilerRunning());
    assert.ok(code.startsWith("const n = 1;\n"), code.slice(0, 80));
  } finally {
    await stopIsolatedCompiler();
  }
  assert.equal(isolatedCompilerRunning(), false);
});

Deno.test("a large input compiles in the isolated process as a small one does: types stripped, its map, its syntax error located", async () => {
  try {
    const lines = Array.from(
      { length: 2000 },
      (_, i) => `export const v${i}: number = ${i};`,
    );
    const source = lines.join("\n") + "\n";
    assert.ok(source.length >= 32 * 1024);
    const { code, map } = await transformWithRefresh(
      source,
      "/src/large.ts",
      { ...preact, sourcemap: true },
    );
    assert.ok(isolatedCompilerRunning());
    assert.ok(code.includes("export const v1999 = 1999;"));
    assert.equal(JSON.parse(map!).sources[0], "/src/large.ts");
    lines[1500] = "export const broken = ;";
    const error = await transformError(() =>
      transformWithRefresh(lines.join("\n"), "/src/large.ts", preact)
    );
    assert.equal(error.line, 1501);
    assert.equal(error.column, 23);
    assert.match(error.message, /^\/src\/large\.ts:1501:23: /);
  } finally {
    await stopIsolatedCompiler();
  }
});
