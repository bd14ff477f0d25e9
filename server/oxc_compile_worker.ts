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

async function writeLine(value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(value) + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

async function reply(
  request: IsolatedCompileRequest & { id: number },
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

try {
  // Loads Oxc: a package that cannot load says so once, on the first line.
  await transformHere("", "/ready.ts", {
    jsxImportSource: "react",
    refresh: false,
    sourcemap: false,
  });
} catch (err) {
  await writeLine({
    failed: err instanceof Error ? err.message : String(err),
  });
  Deno.exit(1);
}
await writeLine({ ready: true });

let buffered = "";
for await (
  const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
) {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const request = JSON.parse(buffered.slice(0, newline)) as
      & IsolatedCompileRequest
      & { id: number };
    buffered = buffered.slice(newline + 1);
    await writeLine({ id: request.id, ...await reply(request) });
  }
}
