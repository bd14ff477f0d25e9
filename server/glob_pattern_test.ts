import assert from "node:assert/strict";
import {
  globBase,
  globMatcher,
  globToRegExp,
  walkGlob,
} from "./glob_pattern.ts";

Deno.test("glob patterns: *, **, ?, {a,b}, [..], dot files", () => {
  const t = (pattern: string, path: string) => globToRegExp(pattern).test(path);
  assert.ok(t("/a/*.ts", "/a/x.ts"));
  assert.ok(!t("/a/*.ts", "/a/b/x.ts"));
  assert.ok(!t("/a/*.ts", "/a/.x.ts"));
  assert.ok(t("/a/**/*.ts", "/a/x.ts"));
  assert.ok(t("/a/**/*.ts", "/a/b/c/x.ts"));
  assert.ok(!t("/a/**/*.ts", "/a/.hidden/x.ts"));
  assert.ok(t("/a/?.ts", "/a/x.ts"));
  assert.ok(!t("/a/?.ts", "/a/xy.ts"));
  assert.ok(t("/a/*.{ts,tsx}", "/a/x.tsx"));
  assert.ok(!t("/a/*.{ts,tsx}", "/a/x.js"));
  assert.ok(t("/a/[ab].ts", "/a/b.ts"));
  assert.ok(!t("/a/[!ab].ts", "/a/b.ts"));
  assert.ok(t("/a/x.(1).ts", "/a/x.(1).ts"));
  assert.equal(globBase("/a/b/*/c/*.ts"), "/a/b");
});

Deno.test("glob patterns: negative patterns exclude; the walk is sorted and skips node_modules", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const f of [
        "p/b.ts",
        "p/a.ts",
        "p/skip.ts",
        "p/sub/c.ts",
        "p/node_modules/d.ts",
        "p/e.md",
      ]
    ) {
      await Deno.mkdir(`${dir}/${f.split("/").slice(0, -1).join("/")}`, {
        recursive: true,
      });
      await Deno.writeTextFile(`${dir}/${f}`, "");
    }
    const matcher = globMatcher([`${dir}/p/**/*.ts`, `!${dir}/p/skip.ts`]);
    assert.deepEqual(
      (await walkGlob(matcher)).map((f) => f.slice(dir.length + 1)),
      ["p/a.ts", "p/b.ts", "p/sub/c.ts"],
    );
    assert.ok(!matcher(`${dir}/p/skip.ts`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
