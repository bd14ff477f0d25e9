/**
 * Errors shown to the user: a message, the file and position, and a code
 * frame. They travel in `error` payloads to the overlay and in HTTP 500
 * bodies, and are printed once in the terminal.
 *
 * @module
 */

import type { ErrorBody } from "../client/payload.ts";

/** The `err` of an `error` payload (Vite-shaped). */
export type ErrorPayloadBody = ErrorBody;

/**
 * What kind of failure an error is, for code that decides what to do with
 * it (the HTTP layer maps it to a status, see `server/http_errors.ts`):
 * match on this, never on the message.
 */
export type ErrorCode = "not-found" | "denied" | "bad-request" | "internal";

/** An error that knows where in a file it happened. */
export class BananaError extends Error {
  readonly body: ErrorPayloadBody;
  /** What kind of failure this is; `internal` unless the thrower says. */
  readonly code: ErrorCode;
  constructor(
    body: Omit<ErrorPayloadBody, "stack">,
    options: { code?: ErrorCode } = {},
  ) {
    super(body.message);
    this.name = "BananaError";
    this.body = { ...body, stack: "" };
    this.code = options.code ?? "internal";
  }
}

/**
 * A code frame: the lines around `line` (1-based) with a `>` marker and a
 * caret under `column` (0-based).
 *
 * @example
 * ```ts
 * codeFrame("a\nb c\nd", 2, 2);
 * // "  1 | a\n> 2 | b c\n    |   ^\n  3 | d"
 * ```
 */
export function codeFrame(
  source: string,
  line: number,
  column: number,
): string {
  const lines = source.split("\n");
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const gutter = String(n).padStart(width);
    out.push(`${n === line ? ">" : " "} ${gutter} | ${lines[n - 1]}`);
    if (n === line) {
      out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column))}^`);
    }
  }
  return out.join("\n");
}

/** Line (1-based) and column (0-based) of `offset` in `source`. */
export function offsetToLineColumn(
  source: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/** Turns anything thrown into an error payload body. */
export function toErrorBody(err: unknown, id?: string): ErrorPayloadBody {
  if (err instanceof BananaError) return err.body;
  if (err instanceof Error) {
    return { message: err.message, stack: err.stack ?? "", id };
  }
  return { message: String(err), stack: "", id };
}

/** One line for the terminal: `file:line:column message`. */
export function formatErrorForLog(body: ErrorPayloadBody): string {
  const where = body.loc
    ? `${body.loc.file}:${body.loc.line}:${body.loc.column + 1}`
    : body.id ?? "";
  // Messages of located errors already start with "file:line:col:".
  if (body.loc && body.message.includes(`:${body.loc.line}:`)) {
    return body.message + (body.frame ? "\n" + body.frame : "");
  }
  return `${where ? where + " " : ""}${body.message}${
    body.frame ? "\n" + body.frame : ""
  }`;
}
