/**
 * The isolated Oxc compiler process that `server/oxc_compile.ts` starts for
 * inputs that may be nested deeper than Oxc's native stack: a crash then
 * ends this process, not the server. JSON lines (`server/line_process.ts`):
 * in `{ id, code, filename, options }`, out `{ id, result }`, `{ id, error
 * }` (a compile error's file, line, column, reason and frame) or `{ id,
 * failure }` (any other error's message).
 *
 * @module
 */

import {
  type IsolatedCompileReply,
  type IsolatedCompileRequest,
  RefreshTransformError,
  transformHere,
} from "./oxc_compile.ts";
import { serveLineRequests } from "./line_process.ts";

async function reply(
  request: IsolatedCompileRequest,
): Promise<IsolatedCompileReply> {
  try {
    const result = await transformHere(
      request.code,
      request.filename,
      request.options,
    );
    return { result };
  } catch (err) {
    if (!(err instanceof RefreshTransformError)) {
      return { failure: err instanceof Error ? err.message : String(err) };
    }
    const { file, line, column, reason, frame } = err;
    return { error: { file, line, column, reason, frame } };
  }
}

await serveLineRequests(async () => {
  // Loads Oxc: a package that cannot load says so once, on the first line.
  await transformHere("", "/ready.ts", {
    jsxImportSource: "react",
    refresh: false,
    sourcemap: false,
  });
}, reply);
