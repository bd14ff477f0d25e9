import { equal, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import { BananaError } from "./errors.ts";
import { UnsafePathError } from "./path_safety.ts";
import {
  assertModuleReadable,
  EMPTY_SAVE_GRACE_MS,
  readModuleSource,
  readSourceFile,
} from "./source_file.ts";

Deno.test("source file: an emptied file being saved is read once its content is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a.ts");
    await Deno.writeTextFile(file, "");
    const write = new Promise<void>((resolve) =>
      setTimeout(() => Deno.writeTextFile(file, "x").then(resolve), 50)
    );
    equal(await readSourceFile(file), "x");
    await write;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("source file: a file that stayed empty past the grace is read empty at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a.ts");
    await Deno.writeTextFile(file, "");
    const old = new Date(Date.now() - 2 * EMPTY_SAVE_GRACE_MS);
    await Deno.utime(file, old, old);
    const start = performance.now();
    equal(await readSourceFile(file), "");
    equal(performance.now() - start < EMPTY_SAVE_GRACE_MS / 2, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("source file: a missing file or a directory fails with a BananaError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      () => readModuleSource(join(dir, "src", "gone.ts"), dir),
      (err) =>
        err instanceof BananaError && err.code === "not-found" &&
        err.message === `File not found: ${join("src", "gone.ts")}`,
    );
    await rejects(
      () => readModuleSource(dir, dir),
      (err) => err instanceof BananaError && /is a directory/.test(err.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("source file: a module outside the allowed folders, or denied, or linking to a denied file, is refused; virtual ids pass", async () => {
  const root = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(root, "a.ts"), "");
    await Deno.writeTextFile(join(root, ".env"), "SECRET=1");
    await Deno.symlink(join(root, ".env"), join(root, "env.ts"));
    await Deno.writeTextFile(join(outside, "b.ts"), "");
    const rules = {
      root,
      fsAllow: [root],
      fsRules: { root, allow: [root] },
    };
    assertModuleReadable(join(root, "a.ts"), null, rules);
    assertModuleReadable("virtual:x", null, rules);
    throws(
      () => assertModuleReadable(join(outside, "b.ts"), null, rules),
      UnsafePathError,
    );
    assertModuleReadable(join(outside, "b.ts"), null, {
      ...rules,
      ownsPackageFile: (file) => file.startsWith(outside),
      fsRules: { root, allow: [root, outside] },
    });
    throws(
      () => assertModuleReadable(join(root, ".env") + "?raw", null, rules),
      UnsafePathError,
    );
    throws(
      () => assertModuleReadable(join(root, "env.ts"), null, rules),
      UnsafePathError,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
