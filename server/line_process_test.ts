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
    script,
    allow: [],
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

const SERVE_URL = new URL("./line_process.ts", import.meta.url).href;

Deno.test("LineProcess and serveLineRequests: replies come back to their requests, without their id; stray prints are passed over", async () => {
  await withWorker(
    `import { serveLineRequests } from ${JSON.stringify(SERVE_URL)};
await serveLineRequests(async () => {}, async (request: { text: string }) => {
  console.log("a stray print");
  return { upper: request.text.toUpperCase() };
});
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

Deno.test("serveLineRequests: a start that throws is the failed line", async () => {
  await withWorker(
    `import { serveLineRequests } from ${JSON.stringify(SERVE_URL)};
await serveLineRequests(async () => {
  throw new Error("no compiler here");
}, async () => ({ upper: "" }));
`,
    async (process) => {
      const error = await process.request({ text: "a" }).catch((e) => e);
      assert.ok(error instanceof LineProcessError);
      assert.equal(error.code, "failed-to-start");
      assert.equal(error.message, "no compiler here");
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
