/**
 * Content hashes for ETags, module versions and change detection.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * Hashes a string or bytes (SHA-1, native) to 16 URL-safe characters.
 *
 * @example
 * ```ts
 * contentHash("hello") === contentHash("hello"); // true
 * ```
 */
export function contentHash(input: string | Uint8Array): string {
  return createHash("sha1").update(input).digest("base64url").slice(0, 16);
}
