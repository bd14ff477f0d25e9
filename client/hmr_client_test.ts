import assert from "node:assert/strict";
import { HmrClient, UpdateError } from "./hmr_client.ts";
import { HotContext } from "./hot_context.ts";
import type { Update } from "./payload.ts";

function jsUpdate(path: string, acceptedPath = path, timestamp = 1): Update {
  return { type: "js-update", path, acceptedPath, timestamp };
}

/** A client whose imports return `versions[url]` and record the URL. */
function clientWith(versions: Record<string, Record<string, unknown>> = {}) {
  const imported: string[] = [];
  const client = new HmrClient({
    importModule: (url) => {
      imported.push(url);
      const mod = versions[url];
      return mod ? Promise.resolve(mod) : Promise.reject(new Error("boom"));
    },
    log: () => {},
  });
  return { client, imported };
}

Deno.test("HmrClient: a self-accepting update disposes the old version with its data, imports the new one with its timestamp and calls the accept callback with it", async () => {
  const fresh = { value: 2 };
  const { client, imported } = clientWith({ "/src/a.ts?t=7": fresh });
  const steps: string[] = [];
  const hot = new HotContext(client, "/src/a.ts");
  hot.data.count = 3;
  hot.accept((mod) => steps.push(`accept ${JSON.stringify(mod)}`));
  hot.dispose((data) => {
    steps.push(`dispose ${data.count}`);
  });
  await client.applyUpdate(jsUpdate("/src/a.ts", "/src/a.ts", 7));
  assert.deepEqual(imported, ["/src/a.ts?t=7"]);
  assert.deepEqual(steps, ["dispose 3", 'accept {"value":2}']);
  // The next version keeps `data`.
  assert.equal(new HotContext(client, "/src/a.ts").data.count, 3);
});

Deno.test("HmrClient: an update of a dependency reaches only the callbacks that accept it; a module without callbacks is not updated", async () => {
  const { client, imported } = clientWith({ "/src/dep.ts?t=1": { x: 1 } });
  const got: unknown[] = [];
  const hot = new HotContext(client, "/src/main.ts");
  hot.accept("/src/dep.ts", (mod) => got.push(mod));
  hot.accept("/src/other.ts", () => got.push("wrong"));
  await client.applyUpdate(jsUpdate("/src/main.ts", "/src/dep.ts"));
  assert.deepEqual(got, [{ x: 1 }]);
  await client.applyUpdate(jsUpdate("/src/none.ts"));
  assert.deepEqual(imported, ["/src/dep.ts?t=1"]);
  assert.equal(client.isHotModule("/src/none.ts"), false);
});

Deno.test("HmrClient: a new version that throws on import fails at the import step, and the old instance's callbacks come back when the update settles as failed", async () => {
  const { client } = clientWith({ "/src/a.ts?t=2": { v: 2 } });
  const calls: unknown[] = [];
  new HotContext(client, "/src/a.ts").accept((mod) => calls.push(mod));
  client.settleReplacedInstances(true);
  // The new version starts (its context is created) but throws before it
  // registers its accept callback.
  new HotContext(client, "/src/a.ts");
  const failure = await client.applyUpdate(jsUpdate("/src/a.ts")).then(
    () => null,
    (err) => err,
  );
  assert.ok(failure instanceof UpdateError);
  assert.equal(failure.stage, "import");
  assert.equal(failure.path, "/src/a.ts");
  client.settleReplacedInstances(false);
  // The old instance's callback accepts the next save.
  await client.applyUpdate(jsUpdate("/src/a.ts", "/src/a.ts", 2));
  assert.deepEqual(calls, [{ v: 2 }]);
});

Deno.test("HmrClient: a throwing dispose handler or accept callback fails the update at that step", async () => {
  const { client } = clientWith({ "/src/a.ts?t=1": {} });
  const hot = new HotContext(client, "/src/a.ts");
  hot.accept(() => {
    throw new Error("in accept");
  });
  const acceptFailure = await client.applyUpdate(jsUpdate("/src/a.ts")).catch(
    (err) => err,
  );
  assert.equal(acceptFailure.stage, "accept");
  assert.equal(acceptFailure.message, "in accept");
  hot.dispose(() => {
    throw new Error("in dispose");
  });
  const disposeFailure = await client.applyUpdate(jsUpdate("/src/a.ts"))
    .catch((err) => err);
  assert.equal(disposeFailure.stage, "dispose");
});

Deno.test("HmrClient: prune runs dispose then prune handlers with the module's data and forgets the module", async () => {
  const { client } = clientWith();
  const steps: string[] = [];
  const hot = new HotContext(client, "/src/gone.ts");
  hot.data.n = 1;
  hot.accept();
  hot.dispose((data) => {
    steps.push(`dispose ${data.n}`);
  });
  hot.prune((data) => {
    steps.push(`prune ${data.n}`);
  });
  client.on(
    new Map(),
    "banana:beforePrune",
    (data) => steps.push(JSON.stringify(data)),
  );
  await client.prune(["/src/gone.ts"]);
  assert.deepEqual(steps, [
    '{"type":"prune","paths":["/src/gone.ts"]}',
    "dispose 1",
    "prune 1",
  ]);
  assert.equal(client.isHotModule("/src/gone.ts"), false);
  assert.equal(client.hasDisposeHandler("/src/gone.ts"), false);
  assert.deepEqual(new HotContext(client, "/src/gone.ts").data, {});
});

Deno.test("HmrClient: a listener goes away with the module version that added it; lifecycle events reach both banana: and vite: names", () => {
  const { client } = clientWith();
  const heard: string[] = [];
  new HotContext(client, "/src/a.ts").on(
    "vite:beforeUpdate",
    () => heard.push("v1"),
  );
  client.notifyListeners("banana:beforeUpdate");
  new HotContext(client, "/src/a.ts").on(
    "banana:beforeUpdate",
    () => heard.push("v2"),
  );
  client.notifyListeners("banana:beforeUpdate");
  assert.deepEqual(heard, ["v1", "v2"]);
});

Deno.test("HmrClient: updates superseded by a later one of the same module are recognised; queued jobs run in order", async () => {
  const { client } = clientWith();
  const first = jsUpdate("/src/a.ts", "/src/a.ts", 1);
  const second = jsUpdate("/src/a.ts", "/src/a.ts", 2);
  client.noteArrival([first]);
  client.noteArrival([second]);
  assert.equal(client.isSuperseded(first), true);
  assert.equal(client.isSuperseded(second), false);
  const order: number[] = [];
  let release!: () => void;
  client.enqueue(() =>
    new Promise<void>((r) => release = r).then(() => {
      order.push(1);
    })
  );
  const done = new Promise<void>((resolve) =>
    client.enqueue(() => {
      order.push(2);
      resolve();
    })
  );
  await Promise.resolve();
  release();
  await done;
  assert.deepEqual(order, [1, 2]);
});

Deno.test("HmrClient: messages wait in the outbox until a sender takes them, in order; invalidate names the module first invalidated", () => {
  const { client } = clientWith();
  const sent: unknown[] = [];
  client.send("a", 1);
  new HotContext(client, "/src/b.ts").invalidate("why");
  let open = false;
  client.setSender((message) => open && sent.push(JSON.parse(message)) > 0);
  client.flushOutbox();
  assert.deepEqual(sent, []);
  open = true;
  client.flushOutbox();
  client.recordInvalidations([{
    ...jsUpdate("/src/c.ts"),
    firstInvalidatedBy: "/src/root.ts",
  }]);
  new HotContext(client, "/src/c.ts").invalidate();
  assert.deepEqual(sent, [
    { type: "custom", event: "a", data: 1 },
    {
      type: "custom",
      event: "vite:invalidate",
      data: {
        path: "/src/b.ts",
        message: "why",
        firstInvalidatedBy: "/src/b.ts",
      },
    },
    {
      type: "custom",
      event: "vite:invalidate",
      data: { path: "/src/c.ts", firstInvalidatedBy: "/src/root.ts" },
    },
  ]);
});
