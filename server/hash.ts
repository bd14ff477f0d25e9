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
