/**
 * Content hashes for ETags, module versions, cache keys and change
 * detection.
 *
 * Not cryptographic: nothing here defends against a crafted collision
 * (the inputs are the app's own files and the server's own outputs), and
 * a first start hashes every module five times, so speed is what counts.
 * `node:crypto`'s SHA-1 cost ~2.5 µs a call whatever the length (three ops
 * into Rust: create, update, digest); this 64-bit hash of the string's
 * UTF-8 costs ~0.7 µs for a short string and ~1 µs for a compiled module.
 *
 * @module
 */

/** Inputs up to this many bytes are hashed in one reused buffer. */
const SCRATCH_BYTES = 64 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);
const scratchWords = new Int32Array(scratch.buffer);
const encoder = new TextEncoder();

/**
 * A buffer for `length` bytes and the zero padding of the last word: the
 * scratch one, or for a larger input (a whole bundle, for its ETag) one of
 * its own, so the scratch buffer does not stay as large as the largest.
 */
function buffersFor(length: number): [Uint8Array, Int32Array] {
  if (length + 4 <= SCRATCH_BYTES) return [scratch, scratchWords];
  const bytes = new Uint8Array((length + 7) & ~3);
  return [bytes, new Int32Array(bytes.buffer)];
}

/**
 * Two 32-bit lanes over the 32-bit words of `bytes[0, length)` (zero
 * padded), each mixed as MurmurHash3 mixes its blocks, with different
 * constants, then crossed and finalized: 64 bits, as 16 hex digits. Words
 * are read in the platform's byte order (little-endian wherever Deno
 * runs); a hash is only compared with hashes made the same way.
 */
function hashWords(
  bytes: Uint8Array,
  words: Int32Array,
  length: number,
): string {
  bytes[length] = bytes[length + 1] = bytes[length + 2] = 0;
  const count = (length + 3) >>> 2;
  let h1 = 0x9747b28c ^ length;
  let h2 = 0x1b873593 ^ Math.imul(length, 0x85ebca6b);
  for (let i = 0; i < count; i++) {
    const k = words[i];
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, 0x85ebca77);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, 0xc2b2ae3d);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 5) + 0x561ccd1b) | 0;
  }
  h1 ^= h2;
  h2 ^= h1;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0x7feb352d);
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x846ca68b);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0).toString(16).padStart(8, "0") +
    (h2 >>> 0).toString(16).padStart(8, "0");
}

/**
 * Hashes a string (its UTF-8) or bytes to 16 hex digits (64 bits).
 *
 * @example
 * ```ts
 * contentHash("hello") === contentHash("hello"); // true
 * contentHash("hello") === contentHash(new TextEncoder().encode("hello")); // true
 * contentHash("hello").length; // 16
 * ```
 */
export function contentHash(input: string | Uint8Array): string {
  if (typeof input === "string") {
    // At most three UTF-8 bytes per UTF-16 unit.
    const [bytes, words] = buffersFor(input.length * 3);
    return hashWords(bytes, words, encoder.encodeInto(input, bytes).written);
  }
  const [bytes, words] = buffersFor(input.length);
  bytes.set(input);
  return hashWords(bytes, words, input.length);
}

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text` in [start, end): a
 * cheap tag, not a content hash (for checksums and cache-busting query
 * values). A range of a larger string, not a slice: reading a sliced string
 * char by char costs twice as much.
 *
 * @example
 * ```ts
 * fnv1a("hello") === fnv1a("say hello", 4); // true
 * ```
 */
export function fnv1a(text: string, start = 0, end = text.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}
