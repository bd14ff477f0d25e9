/**
 * Tests of the persistent compile cache on real temp folders: a restart is a
 * new instance on the same folder, another server is a second instance (or
 * a second process) writing the same packs.
 */

import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { cacheKey, CompileCache } from "./compile_cache.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "banana_compile_cache_" });
}

function valueOf(i: number): string {
  return `export const v${i} = ${i}; // ${"x".repeat(i % 50)} ünïcødé ✓\n`;
}

Deno.test("compile cache: a restart (a new instance on the same folder) finds what was set", async () => {
  const dir = await tempDir();
  const first = new CompileCache({ dir });
  for (let i = 0; i < 100; i++) first.set("oxc", `k${i}`, valueOf(i));
  assertEquals(first.get("oxc", "k7"), valueOf(7));
  await first.close();

  const second = new CompileCache({ dir });
  for (let i = 0; i < 100; i++) {
    assertEquals(second.get("oxc", `k${i}`), valueOf(i));
  }
  assertEquals(second.get("oxc", "absent"), undefined);
  assertEquals(second.get("other", "k1"), undefined, "kinds are separate");
  assertEquals(second.stats("unused").loaded, 0, "asking reads no pack");
  const stats = second.stats("oxc");
  assertEquals(
    [stats.loaded, stats.hits, stats.misses, stats.skipped],
    [100, 100, 1, 0],
  );
  await second.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: entries are written behind, in one batch after the delay", async () => {
  const dir = await tempDir();
  const cache = new CompileCache({ dir, flushDelayMs: 20 });
  cache.set("oxc", "a", "A");
  cache.set("oxc", "b", "B");
  const file = join(dir, "oxc.pack");
  // Synchronously after set(): the timer cannot have fired yet.
  assertThrows(() => Deno.statSync(file), Deno.errors.NotFound, "not yet");
  const deadline = Date.now() + 5000;
  while (new CompileCache({ dir }).get("oxc", "b") !== "B") {
    assert(Date.now() < deadline, "the batch never reached the disk");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // (The reader may see the bytes before the writer's await resumes.)
  await cache.flush();
  assertEquals(cache.stats("oxc").written, 2);
  await cache.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: entries set back to back wait for a pause, then are written in one batch", async () => {
  const dir = await tempDir();
  const cache = new CompileCache({ dir, flushDelayMs: 250 });
  const file = join(dir, "oxc.pack");
  // Set for twice the delay, never pausing as long as it.
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < 500) {
    cache.set("oxc", `k${n}`, `v${n}`);
    n++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assertThrows(() => Deno.statSync(file), Deno.errors.NotFound, "not yet");
  const deadline = Date.now() + 5000;
  while (new CompileCache({ dir }).get("oxc", `k${n - 1}`) !== `v${n - 1}`) {
    assert(Date.now() < deadline, "the batch never reached the disk");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await cache.flush();
  assertEquals(cache.stats("oxc").written, n);
  await cache.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a batch of small, non-ASCII and larger-than-the-write-buffer values reads back as written", async () => {
  const dir = await tempDir();
  const values = new Map<string, string>();
  for (let i = 0; i < 2000; i++) {
    values.set(`k${i}`, `v${i} é 😀 `.repeat(i % 7));
  }
  values.set("big", "ü".repeat(300_000) + "x");
  values.set("bigger", "a".repeat(1_000_000));
  const cache = new CompileCache({ dir });
  for (const [key, value] of values) cache.set("oxc", key, value);
  await cache.close();
  const again = new CompileCache({ dir });
  for (const [key, value] of values) {
    assertEquals(again.get("oxc", key), value, key);
  }
  assertEquals(again.stats("oxc").skipped, 0);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a file that is not a pack is ignored, never fatal, and replaced on the next write", async () => {
  const dir = await tempDir();
  const file = join(dir, "oxc.pack");
  await Deno.writeFile(file, crypto.getRandomValues(new Uint8Array(4096)));
  const cache = new CompileCache({ dir });
  assertEquals(cache.get("oxc", "a"), undefined);
  cache.set("oxc", "a", "A");
  await cache.close();
  const text = await Deno.readTextFile(file);
  assert(text.startsWith("banana-compile-cache "), text.slice(0, 40));
  assertEquals(new CompileCache({ dir }).get("oxc", "a"), "A");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a damaged record is skipped and the records after it still load", async () => {
  const dir = await tempDir();
  const first = new CompileCache({ dir });
  for (let i = 0; i < 3; i++) first.set("oxc", `k${i}`, `value number ${i}`);
  await first.close();
  const file = join(dir, "oxc.pack");
  const text = await Deno.readTextFile(file);
  await Deno.writeTextFile(
    file,
    text.replace("value number 1", "value numbeR 1"),
  );
  const second = new CompileCache({ dir });
  assertEquals(second.get("oxc", "k0"), "value number 0");
  assertEquals(second.get("oxc", "k1"), undefined, "its checksum fails");
  assertEquals(second.get("oxc", "k2"), "value number 2");
  assertEquals(second.stats("oxc").skipped, 1);
  await second.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a pack cut short mid-record (a crash) keeps its intact records, and later appends still load", async () => {
  const dir = await tempDir();
  const first = new CompileCache({ dir });
  first.set("oxc", "a", "A".repeat(100));
  first.set("oxc", "b", "B".repeat(100));
  await first.close();
  const file = join(dir, "oxc.pack");
  const bytes = await Deno.readFile(file);
  await Deno.writeFile(file, bytes.subarray(0, bytes.length - 50));

  const second = new CompileCache({ dir });
  assertEquals(second.get("oxc", "a"), "A".repeat(100));
  assertEquals(second.get("oxc", "b"), undefined);
  second.set("oxc", "c", "C");
  await second.close();

  const third = new CompileCache({ dir });
  assertEquals(third.get("oxc", "a"), "A".repeat(100));
  assertEquals(third.get("oxc", "c"), "C", "appended after the cut record");
  assertEquals(third.stats("oxc").skipped, 1);
  await third.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a pack of another format version is ignored and replaced", async () => {
  const dir = await tempDir();
  const file = join(dir, "oxc.pack");
  await Deno.writeTextFile(
    file,
    "banana-compile-cache 0 oxc\n\x01a 3 00000000\nOLD\n",
  );
  const cache = new CompileCache({ dir });
  assertEquals(cache.get("oxc", "a"), undefined);
  cache.set("oxc", "b", "B");
  await cache.close();
  const text = await Deno.readTextFile(file);
  assert(!text.includes("OLD"), text);
  assertEquals(new CompileCache({ dir }).get("oxc", "b"), "B");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a pack stays under its size bound, keeping the entries in use", async () => {
  const dir = await tempDir();
  const maxBytes = 20_000;
  const file = join(dir, "oxc.pack");
  // An old session leaves many entries nobody uses any more.
  const old = new CompileCache({ dir, maxBytes });
  for (let i = 0; i < 100; i++) old.set("oxc", `old${i}`, "o".repeat(150));
  await old.close();
  assert((await Deno.stat(file)).size <= maxBytes);

  const cache = new CompileCache({ dir, maxBytes });
  const kept = cache.get("oxc", "old99");
  assertEquals(kept, "o".repeat(150));
  for (let i = 0; i < 200; i++) {
    cache.set("oxc", `new${i}`, "n".repeat(150));
    if (i % 10 === 9) await cache.flush();
    assert((await Deno.stat(file)).size <= maxBytes, `after ${i}`);
  }
  await cache.close();

  const after = new CompileCache({ dir, maxBytes });
  assertEquals(after.get("oxc", "new199"), "n".repeat(150), "newest kept");
  assertEquals(after.get("oxc", "old0"), undefined, "unused old ones dropped");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: two instances writing the same folder at once lose nothing and corrupt nothing", async () => {
  const dir = await tempDir();
  const a = new CompileCache({ dir, flushDelayMs: 1 });
  const b = new CompileCache({ dir, flushDelayMs: 1 });
  for (let i = 0; i < 300; i++) {
    a.set("oxc", `a${i}`, valueOf(i));
    b.set("oxc", `b${i}`, valueOf(i));
    if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await Promise.all([a.close(), b.close()]);
  const c = new CompileCache({ dir });
  for (let i = 0; i < 300; i++) {
    assertEquals(c.get("oxc", `a${i}`), valueOf(i));
    assertEquals(c.get("oxc", `b${i}`), valueOf(i));
  }
  assertEquals(c.stats("oxc").skipped, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: another process writing the same pack at the same time corrupts nothing", async () => {
  const dir = await tempDir();
  const script = join(dir, "writer.ts");
  const moduleUrl = new URL("./compile_cache.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { CompileCache } from ${JSON.stringify(moduleUrl)};
const cache = new CompileCache({ dir: ${
      JSON.stringify(dir)
    }, flushDelayMs: 1 });
for (let i = 0; i < 2000; i++) {
  cache.set("oxc", "p" + i, "value " + i + " ".repeat(i % 300));
  if (i % 20 === 0) await cache.flush();
}
await cache.close();
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      script,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const here = new CompileCache({ dir, flushDelayMs: 1 });
  for (let i = 0; i < 2000; i++) {
    here.set("oxc", `h${i}`, `value ${i}${" ".repeat(i % 300)}`);
    if (i % 20 === 0) await here.flush();
  }
  await here.close();
  const status = await child.output();
  assert(status.success, new TextDecoder().decode(status.stderr));
  const check = new CompileCache({ dir });
  for (let i = 0; i < 2000; i++) {
    assertEquals(check.get("oxc", `h${i}`), `value ${i}${" ".repeat(i % 300)}`);
    assertEquals(check.get("oxc", `p${i}`), `value ${i}${" ".repeat(i % 300)}`);
  }
  assertEquals(check.stats("oxc").skipped, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: force ignores the pack on disk and replaces it", async () => {
  const dir = await tempDir();
  const first = new CompileCache({ dir });
  first.set("oxc", "a", "A");
  await first.close();
  const forced = new CompileCache({ dir, force: true });
  assertEquals(forced.get("oxc", "a"), undefined);
  forced.set("oxc", "b", "B");
  await forced.close();
  const after = new CompileCache({ dir });
  assertEquals(after.get("oxc", "a"), undefined, "the old pack is gone");
  assertEquals(after.get("oxc", "b"), "B");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: a folder that cannot be written leaves the cache in memory, with one message", async () => {
  const dir = await tempDir();
  const blocker = join(dir, "file");
  await Deno.writeTextFile(blocker, "");
  const messages: string[] = [];
  // The pack folder would be inside a plain file: mkdir fails.
  const cache = new CompileCache({
    dir: join(blocker, "compile"),
    log: (message) => messages.push(message),
  });
  cache.set("oxc", "a", "A");
  await cache.flush();
  cache.set("oxc", "b", "B");
  await cache.close();
  assertEquals(cache.get("oxc", "a"), "A");
  assertEquals(cache.get("oxc", "b"), "B");
  assertEquals(messages.length, 1, messages.join("\n"));
  assert(messages[0].includes("cannot write"), messages[0]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compile cache: cacheKey changes with every part and keeps parts apart", () => {
  assertEquals(cacheKey("oxc@1", "x"), cacheKey("oxc@1", "x"));
  assertNotEquals(cacheKey("oxc@1", "x"), cacheKey("oxc@2", "x"));
  assertNotEquals(cacheKey("ab", "c"), cacheKey("a", "bc"));
  assertNotEquals(cacheKey("a\0b", "c"), cacheKey("a", "b\0c"));
  assertNotEquals(cacheKey("1:a"), cacheKey("a", ""));
  assert(/^[A-Za-z0-9_-]+$/.test(cacheKey("ü", "\n")));
});

Deno.test("compile cache: prefetch reads a pack ahead, and its first lookup uses that text", async () => {
  const dir = await tempDir();
  const first = new CompileCache({ dir });
  first.set("oxc", "a", "A");
  await first.close();
  const second = new CompileCache({ dir });
  await second.prefetch(["oxc", "absent-kind"]);
  // Gone from disk: only the text read ahead can answer.
  await Deno.remove(join(dir, "oxc.pack"));
  assertEquals(second.get("oxc", "a"), "A");
  assertEquals(second.get("absent-kind", "a"), undefined);
  assertEquals(second.stats("oxc").loaded, 1);
  await second.close();
  const forced = new CompileCache({ dir, force: true });
  await forced.prefetch(["oxc"]);
  assertEquals(forced.get("oxc", "a"), undefined, "--force reads nothing");
  await forced.close();
  await Deno.remove(dir, { recursive: true });
});
