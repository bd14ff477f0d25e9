import assert from "node:assert/strict";
import { join } from "node:path";
import { FileStamps } from "./file_stamps.ts";

Deno.test("FileStamps: the first walk waits for `after`; once it settles the tree is stamped, and a file written meanwhile is found by its stamp; stopped before, it never walks", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(root, "a.ts"), "a");
    const after = Promise.withResolvers<void>();
    const stamps = new FileStamps(root, () => false, after.promise);
    let ready = false;
    void stamps.ready.then(() => ready = true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(ready, false, "walked before `after` settled");
    after.resolve();
    await stamps.ready;
    // The walk is the baseline: nothing differs from it on disk.
    assert.deepEqual([...await stamps.unreported(() => false)], []);
    await Deno.writeTextFile(join(root, "b.ts"), "b");
    assert.deepEqual([...await stamps.unreported(() => false)], [
      [join(root, "b.ts"), "update"],
    ]);

    const never = Promise.withResolvers<void>();
    const stopped = new FileStamps(root, () => false, never.promise);
    stopped.stop();
    never.resolve();
    await stopped.ready;
    // No baseline: every file on disk differs from it.
    assert.equal((await stopped.unreported(() => false)).size, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("FileStamps: a file written into a new folder after the watch began and before the first walk is reported by the folder's check", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(root, "a.ts"), "a");
    const after = Promise.withResolvers<void>();
    const stamps = new FileStamps(root, () => false, after.promise);
    await Deno.mkdir(join(root, "routes"));
    await Deno.writeTextFile(join(root, "routes", "index.tsx"), "x");
    // The walk runs before the folder's event is checked (a loaded machine).
    after.resolve();
    await stamps.ready;
    assert.deepEqual([...await stamps.check([join(root, "routes")])], [
      [join(root, "routes", "index.tsx"), "update"],
    ]);
    // Reported once: the check made it the known stamp.
    assert.deepEqual([...await stamps.check([join(root, "routes")])], []);
    // A tree check does not report what the walk found (the file may well
    // have had events of its own): only a new folder's check does.
    assert.deepEqual([...await stamps.unreported(() => false)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
