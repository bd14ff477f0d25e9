/**
 * The HTTP layer's view of errors: every error has an {@linkcode ErrorCode}
 * (a {@linkcode BananaError}'s own, a refused path's), and each code has one
 * status. Decisions are made on the code, never on the message.
 *
 * @module
 */

import { BananaError, type ErrorCode } from "./errors.ts";
import { UnsafePathError } from "./path_safety.ts";

/**
 * The code of any thrown value: `denied` / `bad-request` for a refused
 * path, a {@linkcode BananaError}'s code, else `internal`.
 *
 * @example
 * ```ts
 * import { errorCode } from "./http_errors.ts";
 * console.assert(errorCode(new Error("x")) === "internal");
 * ```
 */
export function errorCode(err: unknown): ErrorCode {
  if (err instanceof UnsafePathError) {
    return err.status === 400 ? "bad-request" : "denied";
  }
  if (err instanceof BananaError) return err.code;
  return "internal";
}

const STATUS: Record<ErrorCode, number> = {
  "not-found": 404,
  "denied": 403,
  "bad-request": 400,
  "internal": 500,
};

/** The HTTP status a response for an error of `code` carries. */
export function statusFor(code: ErrorCode): number {
  return STATUS[code];
}
