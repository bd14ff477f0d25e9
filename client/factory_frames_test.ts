import assert from "node:assert/strict";
import { type CallSite, FactoryFrames } from "./factory_frames.ts";

const SCRIPT = "http://localhost:5173/@banana/bundle/src/main.ts";

function framesWithTwoFactories(): FactoryFrames {
  const frames = new FactoryFrames();
  // a.ts: body from line 3 after 40 units, 2 lines; b.ts: line 6, 5 lines.
  frames.add(SCRIPT, "http://localhost:5173/src/a.ts", 3, 40, 2);
  frames.add(SCRIPT, "http://localhost:5173/src/b.ts", 6, 38, 5);
  return frames;
}

Deno.test("FactoryFrames.locate: a position in a factory's body is told in its module's lines and columns; positions outside any body are not", () => {
  const frames = framesWithTwoFactories();
  assert.equal(
    frames.locate(SCRIPT, 3, 47),
    "http://localhost:5173/src/a.ts:1:7",
  );
  assert.equal(
    frames.locate(SCRIPT, 4, 9),
    "http://localhost:5173/src/a.ts:2:9",
  );
  assert.equal(
    frames.locate(SCRIPT, 10, 2),
    "http://localhost:5173/src/b.ts:5:2",
  );
  // The script's own code: its head, a define call before the body, the
  // closing line, the end of the script, another script.
  assert.equal(frames.locate(SCRIPT, 1, 1), null);
  assert.equal(frames.locate(SCRIPT, 3, 12), null);
  assert.equal(frames.locate(SCRIPT, 5, 1), null);
  assert.equal(frames.locate(SCRIPT, 11, 1), null);
  assert.equal(frames.locate("http://localhost:5173/other.js", 3, 47), null);
});

/** Real V8 call sites of a throw made here, and the line it was made on. */
function captureFrames(): { error: Error; frames: CallSite[]; line: number } {
  const original = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  let frames: CallSite[] = [];
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = (
    _: unknown,
    callSites: CallSite[],
  ) => {
    frames = callSites;
    return "";
  };
  try {
    const error = new Error("boom");
    void error.stack;
    return { error, frames, line: frames[0].getLineNumber()! };
  } finally {
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = original;
  }
}

Deno.test("FactoryFrames.format: writes V8's default text, with a factory frame's location swapped for its module's", () => {
  const { error, frames, line } = captureFrames();
  const file = frames[0].getFileName()!;
  const column = frames[0].getColumnNumber()!;
  const plain = new FactoryFrames().format(error, frames);
  assert.equal(plain.split("\n")[0], "Error: boom");
  assert.equal(plain.split("\n")[1], `    at ${frames[0].toString()}`);
  assert.equal(plain.split("\n").length, frames.length + 1);
  // This file as a bundle whose factory of /src/t.ts starts two lines up.
  const mapped = new FactoryFrames();
  mapped.add(file, "http://localhost:5173/src/t.ts", line - 2, 0, 10);
  const text = mapped.format(error, frames).split("\n")[1];
  assert.ok(text.includes(`http://localhost:5173/src/t.ts:3:${column}`), text);
  assert.ok(!text.includes(file), text);
});
