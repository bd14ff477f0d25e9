import assert from "node:assert/strict";
import { quietTime, settleTimes, stateAfter } from "./save_state.ts";

Deno.test("stateAfter: close-write completes, remove removes, a rename pair settles both ends, a one-path rename is still changing", () => {
  assert.equal(stateAfter({ kind: "access", paths: ["/a"] }, 0), "complete");
  assert.equal(stateAfter({ kind: "remove", paths: ["/a"] }, 0), "removed");
  assert.equal(stateAfter({ kind: "modify", paths: ["/a"] }, 0), "changing");
  assert.equal(stateAfter({ kind: "create", paths: ["/a"] }, 0), "changing");
  assert.equal(stateAfter({ kind: "rename", paths: ["/a"] }, 0), "changing");
  const pair: Deno.FsEvent = { kind: "rename", paths: ["/a.tmp", "/a"] };
  assert.equal(stateAfter(pair, 0), "removed");
  assert.equal(stateAfter(pair, 1), "complete");
});

Deno.test("quietTime: a lone complete save goes at once; a removed file waits longest; a burst or a changing file waits for the burst quiet", () => {
  const times = settleTimes({ onBatch: () => {} });
  assert.deepEqual(times, {
    burstSettleMs: 50,
    removeSettleMs: 100,
    maxWaitMs: 300,
  });
  assert.equal(quietTime(["complete"], false, times), 0);
  assert.equal(quietTime(["removed"], false, times), 100);
  assert.equal(quietTime(["changing"], false, times), 50);
  assert.equal(quietTime(["complete", "complete"], false, times), 50);
  assert.equal(quietTime(["complete"], true, times), 50);
  assert.equal(quietTime(["removed", "complete"], false, times), 50);
});
