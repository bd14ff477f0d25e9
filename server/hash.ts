/**
 * Content hashes for ETags, module versions and change detection.
 *
 * @module
 */

import { hash } from "node:crypto";

/**
 * Hashes a string or bytes (SHA-1, native) to 16 URL-safe characters.
 *
 * @example
 * ```ts
 * contentHash("hello") === contentHash("hello"); // true
 * ```
 */
export function contentHash(input: string | Uint8Array): string {
  // One-shot: half the cost of a `createHash` object per call (1.3 against
  // 2.7 µs for a short string), which shows at tens of thousands of calls.
  return hash("sha1", input, "base64url").slice(0, 16);
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
