import { deepStrictEqual, equal, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  decodeSafePathname,
  isInside,
  pathBelow,
  resolveSafeFile,
  UnsafePathError,
} from "./path_safety.ts";

Deno.test("path safety: plain paths decode to segments", () => {
  deepStrictEqual(decodeSafePathname("/src/app.ts"), ["src", "app.ts"]);
  deepStrictEqual(decodeSafePathname("/a%20b/c.ts"), ["a b", "c.ts"]);
  deepStrictEqual(decodeSafePathname("//x/./y"), ["x", "y"]);
  // Names a plain path keeps as they are (no decoding to do).
  deepStrictEqual(decodeSafePathname("/a/.../..b/b../.c/"), [
    "a",
    "...",
    "..b",
    "b..",
    ".c",
  ]);
  deepStrictEqual(decodeSafePathname("/@fs/x/(g)/[id].tsx"), [
    "@fs",
    "x",
    "(g)",
    "[id].tsx",
  ]);
  deepStrictEqual(decodeSafePathname("/src/ü.ts"), ["src", "ü.ts"]);
});

Deno.test("path safety: escapes are refused", () => {
  for (
    const probe of [
      "/../secret",
      "/a/..",
      "/a/../b",
      "/%2e%2e/secret",
      "/src/..%2f..%2fsecret",
      "/src/%2E%2E%2Fsecret",
      "/..%5csecret",
      "/a\\b",
      "/a%00b",
    ]
  ) {
    throws(() => decodeSafePathname(probe), UnsafePathError, probe);
  }
  throws(() => decodeSafePathname("/%E0%A4%A"), UnsafePathError);
});

Deno.test("path safety: isInside", () => {
  equal(isInside("/app", "/app/src/a.ts"), true);
  equal(isInside("/app", "/app"), true);
  equal(isInside("/app", "/apple/a.ts"), false);
  equal(isInside("/app", "/etc/passwd"), false);
});

Deno.test("path safety: pathBelow answers as path.relative does, for normal and other forms", () => {
  const cases: [string, string, string | null][] = [
    ["/app", "/app/src/a.ts", "src/a.ts"],
    ["/app", "/app", ""],
    ["/app", "/apple/a.ts", null],
    ["/app", "/ap", null],
    ["/app", "/etc/passwd", null],
    ["/", "/etc/passwd", "etc/passwd"],
    ["/app/", "/app/src", "src"],
    ["/app", "/app/", ""],
    ["/app", "/app/src/../.env", ".env"],
    ["/app", "/app/src/../../etc", null],
    ["/app", "/app//src/./a.ts", "src/a.ts"],
    ["/app/src/..", "/app/.env", ".env"],
    ["/app", "/app/..foo/a", "..foo/a"],
    ["/app", "/app/x/../..foo/a", "..foo/a"],
    ["/app", "/app/.git/x", ".git/x"],
  ];
  for (const [dir, path, below] of cases) {
    equal(pathBelow(dir, path), below, `${dir} ${path}`);
    equal(isInside(dir, path), below !== null, `${dir} ${path}`);
  }
});

Deno.test("path safety: symlinks pointing outside the root are refused", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const root = join(dir, "app");
    await Deno.mkdir(root);
    await Deno.writeTextFile(join(dir, "secret.txt"), "top secret");
    await Deno.writeTextFile(join(root, "ok.txt"), "fine");
    await Deno.symlink(dir, join(root, "escape"));
    equal(await resolveSafeFile(root, "/ok.txt"), join(root, "ok.txt"));
    equal(await resolveSafeFile(root, "/missing.txt"), null);
    await rejects(resolveSafeFile(root, "/escape/secret.txt"), UnsafePathError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
