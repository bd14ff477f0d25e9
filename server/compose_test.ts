import { deepStrictEqual, rejects } from "node:assert/strict";
import { compose, type NamedMiddleware } from "./compose.ts";

const request = () => new Request("http://localhost/a");
const end = (log: string[]) => () => {
  log.push("end");
  return Promise.resolve(new Response("end", { status: 404 }));
};

Deno.test("compose: middlewares run in list order, each around the rest", async () => {
  const log: string[] = [];
  const around = (name: string): NamedMiddleware => ({
    name,
    handle: async (_req, next) => {
      log.push(`${name} in`);
      const response = await next();
      log.push(`${name} out`);
      return response;
    },
  });
  const response = await compose([around("a"), around("b")], end(log))(
    request(),
  );
  deepStrictEqual(response.status, 404);
  deepStrictEqual(log, ["a in", "b in", "end", "b out", "a out"]);
});

Deno.test("compose: a middleware that answers stops the chain", async () => {
  const log: string[] = [];
  const handle = compose([
    { name: "answers", handle: () => new Response("mine") },
    {
      name: "never",
      handle: (_req, next) => {
        log.push("never");
        return next();
      },
    },
  ], end(log));
  deepStrictEqual(await (await handle(request())).text(), "mine");
  deepStrictEqual(log, []);
});

Deno.test("compose: an empty list answers with the end handler", async () => {
  const log: string[] = [];
  deepStrictEqual((await compose([], end(log))(request())).status, 404);
  deepStrictEqual(log, ["end"]);
});

Deno.test("compose: next() called twice is refused, naming the middleware", async () => {
  const log: string[] = [];
  const handle = compose([{
    name: "twice",
    handle: async (_req, next) => {
      await next();
      return next();
    },
  }], end(log));
  await rejects(handle(request()), /"twice" called next\(\) more than once/);
  deepStrictEqual(log, ["end"]);
});

Deno.test("compose: a throw (sync or async) rejects the composed promise", async () => {
  const sync = compose([{
    name: "sync",
    handle: () => {
      throw new Error("boom");
    },
  }], end([]));
  await rejects(sync(request()), /boom/);
  const later = compose([{
    name: "async",
    handle: () => Promise.reject(new Error("later")),
  }], end([]));
  await rejects(later(request()), /later/);
});

Deno.test("compose: the same handler serves many requests independently", async () => {
  let count = 0;
  const handle = compose([{
    name: "count",
    handle: (_req, next) => {
      count++;
      return next();
    },
  }], end([]));
  await Promise.all([handle(request()), handle(request())]);
  deepStrictEqual(count, 2);
});
