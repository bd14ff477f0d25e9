import assert from "node:assert/strict";
import { contentHash, fnv1a } from "./hash.ts";

Deno.test("contentHash: 16 hex digits, the same for a string and its UTF-8 bytes, different for near inputs, any length", () => {
  const inputs = [
    "",
    "a",
    "ab",
    "abc",
    "abcd",
    "abcde",
    "ü€😀",
    "export const a = 1;\n",
    "x".repeat(200_000),
    "x".repeat(200_000) + "y",
  ];
  const hashes = inputs.map((input) => contentHash(input));
  for (const [i, hash] of hashes.entries()) {
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.equal(contentHash(inputs[i]), hash, "the same twice");
    assert.equal(
      contentHash(new TextEncoder().encode(inputs[i])),
      hash,
      "bytes hash as their string",
    );
  }
  assert.equal(new Set(hashes).size, inputs.length);
  // A string after a much longer one: no bytes of the last are read.
  contentHash("z".repeat(300_000));
  assert.equal(contentHash("abc"), hashes[3]);
  // Trailing zero bytes are part of the input, not padding.
  assert.notEqual(contentHash("a\0"), contentHash("a"));
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) seen.add(contentHash(`/src/m${i}.ts:v0`));
  assert.equal(seen.size, 100_000);
});

Deno.test("fnv1a: a range of a string hashes as the slice", () => {
  assert.equal(fnv1a("say hello", 4), fnv1a("hello"));
  assert.equal(fnv1a("say hello", 0, 3), fnv1a("say"));
});
