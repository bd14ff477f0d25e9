import assert from "node:assert/strict";
import { join } from "node:path";
import { LineProcess, LineProcessError } from "./line_process.ts";

/** A worker script in a temp dir, run with `deno run --no-config`. */
async function withWorker(
  source: string,
  fn: (
    process: LineProcess<{ text: string }, { upper: string }>,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const script = join(dir, "worker.ts");
  await Deno.writeTextFile(script, source);
  const process = new LineProcess<{ text: string }, { upper: string }>({
    name: "the test worker",
    args: ["run", "--no-config", "--no-lock", "--quiet", script],
  });
  try {
    await fn(process);
  } finally {
    await process.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const LINES = `
const encoder = new TextEncoder();
const write = (value: unknown) => Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\\n"));
`;

Deno.test("LineProcess: replies come back to their requests, without their id", async () => {
  await withWorker(
    LINES + `write({ ready: true });
let rest = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  rest += chunk;
  let at: number;
  while ((at = rest.indexOf("\\n")) >= 0) {
    const { id, text } = JSON.parse(rest.slice(0, at));
    rest = rest.slice(at + 1);
    console.log("a stray print");
    write({ id, upper: text.toUpperCase() });
  }
}
`,
    async (process) => {
      const replies = await Promise.all(
        ["a", "b", "c"].map((text) => process.request({ text })),
      );
      assert.deepEqual(replies, [{ upper: "A" }, { upper: "B" }, {
        upper: "C",
      }]);
    },
  );
});

Deno.test('LineProcess: a worker that says it failed rejects with "failed-to-start"; one that dies, with "ended" and its stderr', async () => {
  await withWorker(
    LINES + `write({ failed: "no compiler here" });\n`,
    async (process) => {
      const error = await process.request({ text: "a" }).catch((e) => e);
      assert.ok(error instanceof LineProcessError);
      assert.equal(error.code, "failed-to-start");
      assert.equal(error.message, "no compiler here");
    },
  );
  await withWorker(
    LINES + `write({ ready: true });
for await (const _ of Deno.stdin.readable) {
  console.error("boom: the worker gave up");
  Deno.exit(3);
}
`,
    async (process) => {
      const error = await process.request({ text: "a" }).catch((e) => e);
      assert.ok(error instanceof LineProcessError);
      assert.equal(error.code, "ended");
      assert.equal(error.stderr, "boom: the worker gave up");
      assert.equal(
        error.message,
        "the test worker process ended: boom: the worker gave up",
      );
    },
  );
});
