import assert from "node:assert/strict";
import {
  exposedMemoryCollection,
  IdleMemoryRelease,
} from "./idle_memory_release.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function releaser() {
  const state = { builds: 0, collected: 0 };
  const release = new IdleMemoryRelease({
    collect: () => void state.collected++,
    builds: () => state.builds,
    // Wide against the test's sleeps: timers run late on a loaded machine.
    quietMs: 150,
    minBuilds: 100,
  });
  return { state, release };
}

Deno.test("IdleMemoryRelease collects once, at the first quiet moment after a burst of builds", async () => {
  const { state, release } = releaser();
  try {
    release.requestStarted();
    state.builds += 500;
    release.requestEnded();
    await sleep(20);
    assert.equal(state.collected, 0, "not before the quiet time");
    await sleep(400);
    assert.equal(state.collected, 1);
    // Requests with no build since: nothing more to give back.
    release.requestStarted();
    release.requestEnded();
    await sleep(400);
    assert.equal(state.collected, 1);
    assert.equal(release.releases, 1);
  } finally {
    release.close();
  }
});

Deno.test("IdleMemoryRelease waits while a request is in flight or builds keep settling", async () => {
  const { state, release } = releaser();
  try {
    release.requestStarted();
    release.requestStarted();
    state.builds += 500;
    release.requestEnded();
    await sleep(400);
    assert.equal(state.collected, 0, "one request still in flight");
    release.requestEnded();
    // A crawl after the response: builds settle during the quiet time.
    for (let i = 0; i < 10; i++) {
      await sleep(20);
      state.builds += 10;
    }
    assert.equal(state.collected, 0, "builds kept settling");
    await sleep(400);
    assert.equal(state.collected, 1);
  } finally {
    release.close();
  }
});

Deno.test("IdleMemoryRelease leaves a few builds (an edit) alone, and runs nothing once closed", async () => {
  const { state, release } = releaser();
  release.requestStarted();
  state.builds += 2;
  release.requestEnded();
  await sleep(400);
  assert.equal(state.collected, 0, "2 builds are below minBuilds");
  release.requestStarted();
  state.builds += 500;
  release.requestEnded();
  release.close();
  await sleep(400);
  assert.equal(state.collected, 0);
});

Deno.test("IdleMemoryRelease takes a build counter that went back (a restarted pipeline) as a new one", async () => {
  const { state, release } = releaser();
  try {
    state.builds = 1000;
    release.requestStarted();
    release.requestEnded();
    await sleep(400);
    assert.equal(state.collected, 1);
    state.builds = 300;
    release.requestStarted();
    release.requestEnded();
    await sleep(400);
    assert.equal(state.collected, 2);
  } finally {
    release.close();
  }
});

Deno.test("exposedMemoryCollection is null without --expose-gc (this test process)", () => {
  assert.equal(exposedMemoryCollection(), null);
});
